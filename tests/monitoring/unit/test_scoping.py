"""Each audience sees only its own alerts and contracts (Durham Children's Trust
framework, section 3: Local Children's Boards, the JCU, the Executive Board)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.monitoring.application.scoping import can_see_alert, can_see_contract
from services.monitoring.domain.alerts import audience_of
from services.monitoring.domain.lifecycle import Alert
from shared.auth import Principal, Role
from shared.contracts.monitoring import AlertRule, Audience, Severity
from tests.monitoring.unit.fakes import local_contract


def caller(role: Role, **scope: str) -> Principal:
    return Principal(subject="x", roles=frozenset({role}), trust="county-durham", **scope)


def alert_for(audience: Audience, locality: str | None = "easington") -> Alert:
    return Alert(
        uuid.uuid4(),
        "c",
        "p",
        "k",
        "2025-04",
        AlertRule.KPI_RED,
        Severity.HIGH,
        audience,
        locality,
        "e",
        None,
        datetime.now(UTC),
    )


EASINGTON = caller(Role.LOCAL_BOARD_MEMBER, locality="easington")
DERWENTSIDE = caller(Role.LOCAL_BOARD_MEMBER, locality="derwentside")
JCU = caller(Role.JCU)
EXECUTIVE = caller(Role.EXECUTIVE_BOARD)
PROVIDER = caller(Role.PROVIDER, provider_id="family-action")


def test_local_contracts_alert_the_locality_board_and_the_others_the_jcu() -> None:
    assert audience_of(local_contract()) is Audience.LOCAL_BOARD
    assert audience_of(local_contract(level="specialist", locality=None)) is Audience.JCU
    assert audience_of(local_contract(level="trust_wide", locality=None)) is Audience.JCU


def test_a_local_alert_is_seen_by_its_locality_board_only() -> None:
    alert = alert_for(Audience.LOCAL_BOARD)
    assert [
        can_see_alert(c, alert) for c in (EASINGTON, DERWENTSIDE, JCU, EXECUTIVE, PROVIDER)
    ] == [True, False, False, False, False]


def test_a_jcu_alert_is_not_seen_by_boards_or_the_executive() -> None:
    alert = alert_for(Audience.JCU, None)
    assert [can_see_alert(c, alert) for c in (EASINGTON, JCU, EXECUTIVE)] == [False, True, False]


def test_the_executive_board_hears_only_what_is_escalated_to_it() -> None:
    alert = alert_for(Audience.EXECUTIVE_BOARD)
    assert [can_see_alert(c, alert) for c in (EASINGTON, JCU, EXECUTIVE)] == [False, False, True]


def test_commissioning_officers_see_every_alert() -> None:
    officer = caller(Role.COMMISSIONING_OFFICER)
    assert all(can_see_alert(officer, alert_for(a)) for a in Audience)


def test_a_provider_sees_its_own_contracts_and_a_board_its_localitys() -> None:
    contract = local_contract()
    assert can_see_contract(PROVIDER, contract)
    assert not can_see_contract(caller(Role.PROVIDER, provider_id="other"), contract)
    assert can_see_contract(EASINGTON, contract)
    assert not can_see_contract(DERWENTSIDE, contract)
