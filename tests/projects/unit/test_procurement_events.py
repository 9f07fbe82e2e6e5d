"""A contract award published by the procurement service is recorded on the project that
asked for it, by the same use case as the JCU's award over the API (Durham, Section 3,
roles table "Procure new service")."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from services.projects.application.errors import Conflict, NotFound
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.application.procurement_events import take_procurement_events
from shared.contracts.procurement import ContractAwarded
from shared.contracts.projects import ProjectChanged
from shared.contracts.registry import registry
from shared.envelope import Event
from tests.projects.unit.conftest import project_at
from tests.projects.unit.fakes import FakeDatabase

NOW = datetime(2027, 6, 1, 9, tzinfo=UTC)


def awarded(
    project_id: uuid.UUID | None, procurement_id: uuid.UUID | None = None
) -> ContractAwarded:
    return ContractAwarded(
        procurement_id=procurement_id or uuid.uuid4(),
        provider_id="acme",
        value=Decimal("42000.50"),
        rationale="highest score",
        awarded_by="olive",
        awarded_at=NOW,
        standstill_ends=date(2027, 6, 15),
        project_id=project_id,
    )


def event(payload: BaseModel) -> Event[Any]:
    envelope = registry.envelope(payload, source="procurement", subject="s", trust="t")
    return Event(envelope, payload)


async def take(uows: UnitOfWorkFactory, *events: Event[Any]) -> None:
    async with uows() as uow:
        await take_procurement_events(list(events), uow)
        await uow.commit()


async def test_an_award_is_recorded_on_the_project_that_requested_it(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 7, procurement_requested=True)
    cause = event(awarded(project.project_id))
    await take(uows, cause)
    [award] = db.projects[project.project_id].contract_awards
    assert (award.provider, award.value, award.awarded_at) == ("acme", Decimal("42000.50"), NOW)
    assert award.contract_ref == f"procurement/{cause.payload.procurement_id}"
    [changed] = db.events(ProjectChanged)
    assert (changed.change, changed.changed_by) == ("contract_awarded", "olive")
    assert db.causes == [cause.envelope]
    assert db.audit[-1].action == "contract_awarded"


async def test_the_same_award_taken_twice_is_recorded_once(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 7, procurement_requested=True)
    once = awarded(project.project_id)
    await take(uows, event(once))
    await take(uows, event(once))
    assert len(db.projects[project.project_id].contract_awards) == 1
    assert len(db.events(ProjectChanged)) == 1


async def test_an_award_no_project_asked_for_is_not_this_services_business(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project_at(db, 7, procurement_requested=True)
    await take(uows, event(awarded(None)))
    assert db.published == [] and db.audit == []


async def test_an_award_for_an_unknown_project_is_refused(uows: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound) as refused:
        await take(uows, event(awarded(uuid.uuid4())))
    assert [p.field for p in refused.value.problems] == ["project_id"]


async def test_an_award_for_a_project_that_requested_no_procurement_is_refused(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 7)
    with pytest.raises(Conflict):
        await take(uows, event(awarded(project.project_id)))
    assert db.projects[project.project_id].contract_awards == ()
