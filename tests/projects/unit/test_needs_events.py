"""What the needs service publishes becomes this service's own evidence, and a need that
changes under a project past its needs analysis flags it for review (Gateshead handbook,
Activity One step 7: the cycle feeds back)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from services.projects.application.needs_events import take_needs_events
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.evidence import Evidence, NeedsAnalysis
from shared.contracts.needs import (
    Area,
    AreaKind,
    NeedEvidence,
    NeedIdentified,
    NeedReason,
    NeedResolved,
    PublishedValue,
)
from shared.contracts.projects import ProjectFlaggedForReview
from shared.contracts.registry import registry
from shared.envelope import Event
from tests.projects.unit.conftest import project_at
from tests.projects.unit.fakes import FakeDatabase

EVIDENCE = NeedEvidence(
    latest=PublishedValue(period="2024", value=38.0),
    series=[],
    comparison="worse",
    trend="worsening",
    consecutive_worsening_periods=3,
    data_versions=[],
    disclosure_rule="",
)


def identified(locality: str | None, outcomes: list[str]) -> NeedIdentified:
    code = locality or "county-durham"
    kind = AreaKind.LOCALITY if locality else AreaKind.TRUST
    return NeedIdentified(
        need_id=uuid.uuid4(),
        need_key=f"teenage_conceptions/{kind.value}/{code}",
        indicator_id="teenage_conceptions",
        indicator_name="Teenage conceptions",
        outcomes=outcomes,
        area=Area(kind=kind, code=code),
        locality=locality,
        reason=NeedReason.WORSENING,
        reasons=[NeedReason.WORSENING],
        evidence=EVIDENCE,
        identified_at=datetime.now(UTC),
    )


def event(payload: BaseModel) -> Event[Any]:
    envelope = registry.envelope(payload, source="needs", subject="s", trust="county-durham")
    return Event(envelope, payload)


async def take(uows: UnitOfWorkFactory, *payloads: BaseModel) -> None:
    async with uows() as uow:
        await take_needs_events([event(p) for p in payloads], uow)
        await uow.commit()


async def test_a_new_need_on_a_projects_outcome_and_locality_flags_it_after_stage_3(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    past = project_at(db, 4)
    not_yet = project_at(db, 3)
    elsewhere = project_at(db, 5, localities=("derwentside",))
    other_outcome = project_at(db, 5, outcomes=("stay_safe",))
    await take(uows, identified("easington", ["be_healthy"]))
    flagged = {e.project_id for e in db.events(ProjectFlaggedForReview)}
    assert flagged == {past.project_id}
    assert db.projects[past.project_id].status.value == "flagged_for_review"
    for untouched in (not_yet, elsewhere, other_outcome):
        assert db.projects[untouched.project_id].status.value == "active"


async def test_a_trust_wide_need_concerns_every_locality(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 6, localities=("sedgefield",))
    await take(uows, identified(None, ["be_healthy"]))
    assert [e.project_id for e in db.events(ProjectFlaggedForReview)] == [project.project_id]


async def test_a_resolved_need_flags_the_projects_that_cite_it(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    need = identified("derwentside", ["stay_safe"])
    analysis = NeedsAnalysis(cited_needs=(need.need_id,))
    citing = project_at(db, 4, evidence=Evidence(needs_analysis=analysis))
    project_at(db, 4)
    await take(uows, need)
    assert db.events(ProjectFlaggedForReview) == []
    resolved = NeedResolved(
        need_id=need.need_id,
        need_key=need.need_key,
        indicator_id=need.indicator_id,
        area=need.area,
        locality=need.locality,
        evidence=EVIDENCE,
        resolved_at=datetime.now(UTC),
    )
    await take(uows, resolved, resolved)
    [flag] = db.events(ProjectFlaggedForReview)
    assert (flag.project_id, flag.reason) == (citing.project_id, "need_resolved")
    assert not db.needs[need.need_id].open
    assert db.projects[citing.project_id].version == 2


async def test_needs_and_assessments_become_citable_evidence(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    need = identified("easington", ["be_healthy"])
    await take(uows, need)
    async with uows() as uow:
        published = await uow.needs.published([need.need_id, uuid.uuid4()], [])
    assert published.needs == {need.need_id}
