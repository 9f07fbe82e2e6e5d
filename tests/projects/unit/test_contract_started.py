"""A contract the procurement service started for a project is recorded on it: the new
service introduced (stage 8; Durham, Section 3, roles table "Introduce new service"), with
the KPIs that stage 9's monitoring arrangements take from the contract (Gateshead
handbook, Activity Four)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.projects.application.errors import Conflict, NotFound
from services.projects.application.ports import UnitOfWorkFactory
from shared.contracts.procurement import ContractStarted
from shared.contracts.projects import ProjectChanged
from tests.projects.unit.conftest import project_at
from tests.projects.unit.fakes import FakeDatabase
from tests.projects.unit.test_procurement_events import event, take

NOW = datetime(2027, 7, 1, 9, tzinfo=UTC)


def started(project_id: uuid.UUID | None, contract_id: uuid.UUID | None = None) -> ContractStarted:
    return ContractStarted.model_validate(
        {
            "contract_id": contract_id or uuid.uuid4(),
            "procurement_id": uuid.uuid4(),
            "provider_id": "home-start",
            "title": "Parenting support",
            "value": "40000.00",
            "localities": ["easington"],
            "outcomes": ["be_healthy"],
            "kpis": [
                {
                    "kpi_id": "families_completing",
                    "name": "Families completing the programme",
                    "unit": "percent",
                    "target": "80",
                    "polarity": "higher_is_better",
                    "amber_tolerance": "5",
                    "red_tolerance": "10",
                }
            ],
            "reporting_frequency": "quarterly",
            "starts_on": "2027-08-01",
            "ends_on": "2029-07-31",
            "funding": [
                {"fund_id": "parenting-pool", "amount": "40000.00", "partners": {"dcc": "1"}}
            ],
            "route": "select_list",
            "started_at": NOW,
            "project_id": project_id,
        }
    )


async def test_a_started_contract_is_recorded_on_the_project_with_its_kpis(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 8, procurement_requested=True)
    cause = event(started(project.project_id))
    await take(uows, cause)
    [start] = db.projects[project.project_id].contract_starts
    assert start.contract_id == cause.payload.contract_id
    assert (start.provider, start.value) == ("home-start", Decimal("40000.00"))
    assert (start.starts_on, start.ends_on) == (date(2027, 8, 1), date(2029, 7, 31))
    assert start.reporting_frequency == "quarterly"
    assert start.performance_criteria == (
        "Families completing the programme: target 80 percent (higher is better)",
    )
    [changed] = db.events(ProjectChanged)
    assert (changed.change, changed.version) == ("contract_started", project.version + 1)
    assert db.causes == [cause.envelope]
    assert db.audit[-1].action == "contract_started"


async def test_the_same_contract_taken_twice_is_recorded_once(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 8, procurement_requested=True)
    once = started(project.project_id)
    await take(uows, event(once))
    await take(uows, event(once))
    assert len(db.projects[project.project_id].contract_starts) == 1
    assert len(db.events(ProjectChanged)) == 1


async def test_a_second_contract_for_the_same_project_is_recorded_beside_the_first(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 9, procurement_requested=True)
    await take(uows, event(started(project.project_id)))
    await take(uows, event(started(project.project_id)))
    assert len(db.projects[project.project_id].contract_starts) == 2


async def test_a_contract_no_project_asked_for_is_not_this_services_business(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project_at(db, 8, procurement_requested=True)
    await take(uows, event(started(None)))
    assert db.published == [] and db.audit == []


async def test_a_contract_for_an_unknown_project_is_refused(uows: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound) as refused:
        await take(uows, event(started(uuid.uuid4())))
    assert [p.field for p in refused.value.problems] == ["project_id"]


async def test_a_contract_for_a_project_that_requested_no_procurement_is_refused(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 8)
    with pytest.raises(Conflict):
        await take(uows, event(started(project.project_id)))
    assert db.projects[project.project_id].contract_starts == ()
