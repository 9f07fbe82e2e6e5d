"""The Need aggregate: opened with its evidence, resolved once, never reopened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.needs.domain.model import AreaKind
from services.needs.domain.need import Need, NeedAlreadyResolved, NeedState

OPENED = datetime(2026, 1, 5, tzinfo=UTC)


def opened() -> Need:
    return Need.identify(
        need_key="teenage_conceptions/locality/derwentside/looked_after=yes",
        indicator_id="teenage_conceptions",
        area_kind=AreaKind.LOCALITY,
        area_code="derwentside",
        breakdown_key="looked_after=yes",
        reason="vulnerable_group",
        reasons=("vulnerable_group",),
        outcomes=("be_healthy",),
        vulnerable_group=True,
        at=OPENED,
        evidence={"comparison": "worse"},
    )


def test_an_identified_need_is_open_for_its_locality_and_group() -> None:
    need = opened()
    assert need.state is NeedState.OPEN and need.is_open
    assert need.locality == "derwentside"
    assert need.breakdown == (("looked_after", "yes"),)


def test_resolving_records_when_and_on_what_evidence() -> None:
    need = opened()
    need.resolve(at=OPENED + timedelta(days=90), evidence={"comparison": "similar"})
    assert need.state is NeedState.RESOLVED and not need.is_open
    assert need.resolved_at == OPENED + timedelta(days=90)
    assert need.resolution_evidence == {"comparison": "similar"}
    assert need.evidence == {"comparison": "worse"}  # as published when it opened


def test_a_resolved_need_cannot_be_resolved_again() -> None:
    need = opened()
    need.resolve(at=OPENED, evidence={})
    with pytest.raises(NeedAlreadyResolved):
        need.resolve(at=OPENED + timedelta(days=1), evidence={})


def test_a_need_cannot_be_resolved_before_it_was_identified() -> None:
    with pytest.raises(ValueError, match="before it was identified"):
        opened().resolve(at=OPENED - timedelta(seconds=1), evidence={})


def test_a_trust_level_need_concerns_no_single_locality() -> None:
    need = opened()
    need.area_kind, need.area_code = AreaKind.TRUST, "county-durham"
    assert need.locality is None
