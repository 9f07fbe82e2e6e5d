"""Ingest on fakes: a batch is stored whole or refused whole; revisions supersede; needs
open and resolve once, in the same unit of work as the values that changed them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import BatchRefused, Incoming, IngestResult, NeedChange
from services.needs.application.ingest import ingest as ingest_use_case
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.domain.need import NeedState
from shared.contracts.needs import IndicatorValueSubmitted, NeedIdentified, NeedResolved
from shared.contracts.registry import registry
from tests.needs.unit.conftest import rising_in_easington, value
from tests.needs.unit.fakes import FakeDatabase, FakeNeedsUnitOfWork


async def submit(
    uows: UnitOfWorkFactory,
    config: NeedsConfig,
    values: Sequence[IndicatorValueSubmitted],
    *,
    via: str = "http",
) -> tuple[list[IngestResult], list[NeedChange]]:
    async with uows() as uow:
        outcome = await ingest_use_case([Incoming(v) for v in values], uow, config, via=via)
        await uow.commit()
    return outcome


async def test_a_batch_is_stored_and_an_identical_resubmission_is_a_duplicate(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    batch = [value("locality", "easington", "2024", numerator=40, denominator=2000)]
    first, _ = await submit(uows, config, batch)
    again, changes = await submit(uows, config, batch)
    assert [(r.outcome, r.current) for r in first] == [("stored", True)]
    assert [(r.outcome, r.current) for r in again] == [("duplicate", True)]
    assert changes == [] and len(db.revisions) == 1


async def test_a_higher_revision_supersedes_and_a_late_lower_one_is_kept_as_history(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    def easington(numerator: int, revision: int) -> IndicatorValueSubmitted:
        return value(
            "locality",
            "easington",
            "2024",
            numerator=numerator,
            denominator=2000,
            revision=revision,
        )

    await submit(uows, config, [easington(40, 2)])
    late, _ = await submit(uows, config, [easington(30, 1)])
    assert [(r.outcome, r.current) for r in late] == [("stored", False)]
    async with uows() as uow:
        current = await uow.values.current(["teenage_conceptions"])
    assert [(v.revision, v.numerator) for v in current["teenage_conceptions"]] == [(2, 40)]
    assert [r.value.revision for r in db.revisions] == [2, 1]


async def test_a_revision_reused_with_different_figures_is_a_conflict_and_stores_nothing(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    await submit(
        uows, config, [value("locality", "easington", "2024", numerator=40, denominator=2000)]
    )
    clash = [
        value("locality", "easington", "2023", numerator=10, denominator=2000),
        value("locality", "easington", "2024", numerator=41, denominator=2000),
    ]
    with pytest.raises(BatchRefused) as refused:
        await submit(uows, config, clash)
    assert refused.value.conflict
    assert [(r.index, r.field) for r in refused.value.refusals] == [(1, "revision")]
    assert "submit revision 2 to supersede it" in refused.value.refusals[0].rule
    assert len(db.revisions) == 1


async def test_a_batch_with_bad_values_is_refused_with_every_reason_and_nothing_stored(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    batch = [
        value("locality", "easington", "2024", numerator=40, denominator=2000),
        value("locality", "atlantis", "2024", numerator=40, denominator=2000),
        value(
            "locality",
            "easington",
            "2024",
            agency="durham-county-council",
            numerator=1,
            denominator=2,
        ),
    ]
    with pytest.raises(BatchRefused) as refused:
        await submit(uows, config, batch)
    assert not refused.value.conflict
    assert [(r.index, r.field) for r in refused.value.refusals] == [(1, "area.code"), (2, "agency")]
    assert db.revisions == [] and db.published == []


async def test_an_event_for_another_trust_is_refused(
    uows: UnitOfWorkFactory, config: NeedsConfig
) -> None:
    payload = value("locality", "easington", "2024", numerator=40, denominator=2000)
    event = registry.envelope(payload, source="pct", subject="s", trust="elsewhere")
    async with uows() as uow:
        with pytest.raises(BatchRefused) as refused:
            await ingest_use_case([Incoming(payload, event)], uow, config, via="kafka")
    assert refused.value.refusals[0].field == "trust"


@pytest.mark.parametrize(
    ("subject", "locality", "field"),
    [
        ("teenage_conceptions/locality/easington/2024", "easington", None),
        ("teenage_conceptions/locality/derwentside/2024", "easington", "subject"),
        ("teenage_conceptions/locality/easington/2024", "derwentside", "locality"),
        ("teenage_conceptions/locality/easington/2024", None, "locality"),
    ],
)
async def test_the_envelope_must_describe_its_payload(
    uows: UnitOfWorkFactory,
    config: NeedsConfig,
    subject: str,
    locality: str | None,
    field: str | None,
) -> None:
    payload = value("locality", "easington", "2024", numerator=40, denominator=2000)
    event = registry.envelope(
        payload, source="pct", subject=subject, trust="county-durham", locality=locality
    )
    async with uows() as uow:
        if field is None:
            results, _ = await ingest_use_case([Incoming(payload, event)], uow, config, via="kafka")
            assert [r.outcome for r in results] == ["stored"]
            return
        with pytest.raises(BatchRefused) as refused:
            await ingest_use_case([Incoming(payload, event)], uow, config, via="kafka")
    assert refused.value.refusals[0].field == field
    assert "does not match the payload" in refused.value.refusals[0].rule


@pytest.mark.parametrize(
    ("kind", "code", "accepted"),
    [
        ("region", "E12000001", True),  # North East, the trust's configured region
        ("region", "E12000007", False),  # London
        ("statistical_neighbour", "E06000057", True),  # Northumberland
        ("statistical_neighbour", "E09000001", False),
        ("england", "E92000002", False),
    ],
)
async def test_comparator_codes_are_the_trusts_configured_ones(
    uows: UnitOfWorkFactory, config: NeedsConfig, kind: str, code: str, accepted: bool
) -> None:
    batch = [value(kind, code, "2024", value=20.0)]
    if accepted:
        results, _ = await submit(uows, config, batch)
        assert [r.outcome for r in results] == ["stored"]
        return
    with pytest.raises(BatchRefused) as refused:
        await submit(uows, config, batch)
    assert refused.value.refusals[0].field == "area.code"
    assert "this trust benchmarks against" in refused.value.refusals[0].rule


async def test_a_need_is_identified_once_with_its_evidence_and_cause(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    _, changes = await submit(uows, config, rising_in_easington())
    assert [(c.need_key, c.transition.value) for c in changes] == [
        ("teenage_conceptions/locality/easington", "identify")
    ]
    (identified,) = db.events(NeedIdentified)
    assert identified.reason.value == "worse_and_worsening" and identified.locality == "easington"
    assert identified.evidence.latest.count == 75  # 76 rounded to 5: disclosure-controlled
    (need,) = db.needs.values()
    assert need.need_id == identified.need_id and need.state is NeedState.OPEN
    assert need.evidence == identified.evidence.model_dump(mode="json")
    assert db.published[0].subject == need.need_key
    assert db.published[0].locality == "easington"

    _, again = await submit(uows, config, rising_in_easington()[:4])
    assert again == [] and len(db.events(NeedIdentified)) == 1


async def test_a_need_is_resolved_once_when_the_series_improves(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    await submit(uows, config, rising_in_easington())
    improved = [
        value("england", "E92000001", "2025", value=20.0),
        value("locality", "easington", "2025", numerator=36, denominator=2000),
    ]
    _, changes = await submit(uows, config, improved)
    assert [c.transition.value for c in changes] == ["resolve"]
    (need,) = db.needs.values()
    (resolved,) = db.events(NeedResolved)
    assert resolved.need_id == need.need_id and need.state is NeedState.RESOLVED
    assert need.resolution_evidence == resolved.evidence.model_dump(mode="json")
    assert resolved.evidence.latest.period == "2025"
    _, later = await submit(uows, config, [value("england", "E92000001", "2025", value=20.0)])
    assert later == [] and len(db.events(NeedResolved)) == 1


async def test_nothing_is_stored_or_published_unless_the_unit_of_work_commits(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    async with uows() as uow:
        await ingest_use_case([Incoming(v) for v in rising_in_easington()], uow, config, via="http")
    assert db.revisions == [] and db.needs == {} and db.published == []


async def test_analyses_of_the_indicators_touched_are_serialised(
    config: NeedsConfig, db: FakeDatabase
) -> None:
    uow = FakeNeedsUnitOfWork(db)
    await ingest_use_case([Incoming(v) for v in rising_in_easington()], uow, config, via="http")
    assert uow.values.locked == {"teenage_conceptions"}
