"""The projects service's stage-6 hand-overs, on fakes: a request to commission opens a
procurement routed by value and linked to its project; a decision to cease ends the
project's active contracts, audited as the JCU's decision with the event as its cause
(Gateshead handbook, Activity Three steps 2, 5 and 9; Durham framework, section 3)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from services.procurement.adapters.unit_of_work import (
    InboxProcurementUnitOfWork,
    PostgresProcurementUnitOfWork,
)
from services.procurement.application.common import (
    Problem,
    ProcurementConfig,
    procurement_config,
)
from services.procurement.application.project_events import take_project_events
from services.procurement.domain.contract import Contract, Frequency, Funding, Kpi, Polarity
from shared.contracts import projects
from shared.contracts.procurement import ContractTerminated, ProcurementOpened
from shared.contracts.registry import registry
from shared.envelope import Event
from shared.trust import load_trust_config
from tests.procurement.unit.fakes import FakeDatabase, fake_unit_of_work

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
PROJECT = uuid.uuid4()


@pytest.fixture
def config() -> ProcurementConfig:
    return procurement_config(load_trust_config(), "ocds-unregistered")


def event(payload: BaseModel) -> Event[Any]:
    envelope = registry.envelope(payload, source="projects", subject="s", trust="t")
    return Event(envelope, payload)


async def take(db: FakeDatabase, config: ProcurementConfig, *events: Event[Any]) -> None:
    async with fake_unit_of_work(db)() as uow:
        await take_project_events(list(events), uow, config, lambda: NOW)
        await uow.commit()


def requested(value: object, route: str, **extra: object) -> projects.ProcurementRequested:
    fields: dict[str, object] = {
        "request_id": uuid.uuid4(),
        "project_id": PROJECT,
        "title": "Teenage pregnancy support",
        "decision": "design_new",
        "level": "locality",
        "localities": ["easington"],
        "outcomes": ["be_healthy"],
        "target_groups": ["young women"],
        "estimated_value": Decimal(str(value)),
        "route": route,
        "outcome_specification": {
            "summary": "Support for young parents",
            "kpis": [{"kpi": "Seen in 4 weeks", "outcome": "be_healthy", "target": "80%"}],
        },
        "lead_commissioner": "Lead",
        "commissioning_officer": "Officer",
        "requested_by": "jess",
        "requested_at": NOW,
    } | extra
    return projects.ProcurementRequested.model_validate(fields)


def ceased(project_id: uuid.UUID = PROJECT) -> projects.DecommissioningDecided:
    return projects.DecommissioningDecided(
        project_id=project_id,
        title="Teenage pregnancy support",
        level=projects.Level.LOCALITY,
        localities=["easington"],
        outcomes=["be_healthy"],
        service_description="the drop-in clinic",
        impact_assessment="users move to the new service",
        decided_by="jess",
        decided_at=NOW,
    )


def contract_of(
    db: FakeDatabase,
    project_id: uuid.UUID,
    state: str = "active",
    starts_on: date = date(2026, 4, 1),
) -> Contract:
    procurement_id = uuid.uuid4()
    contract = Contract(
        contract_id=uuid.uuid4(),
        procurement_id=procurement_id,
        provider_id="acme",
        title="Drop-in clinic",
        value=Decimal("40000"),
        localities=("easington",),
        outcomes=("be_healthy",),
        kpis=(
            Kpi(
                "seen", "Seen", "%", Decimal(80), Polarity.HIGHER_IS_BETTER, Decimal(5), Decimal(10)
            ),
        ),
        reporting_frequency=Frequency.QUARTERLY,
        starts_on=starts_on,
        ends_on=date(2028, 3, 31),
        funding=(Funding("pool", Decimal("40000")),),
        state=state,
    )
    db.contracts[contract.contract_id] = contract
    db.project_links[procurement_id] = project_id
    return contract


async def test_a_request_to_commission_opens_a_procurement_routed_by_value(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    cause = event(requested("30000", "select_list"))
    await take(db, config, cause)
    [opened] = db.events(ProcurementOpened)
    assert (opened.route.value, opened.project_id, opened.locality) == (
        "select_list",
        PROJECT,
        "easington",
    )
    assert db.causes == [cause.envelope]
    assert db.project_links == {opened.procurement_id: PROJECT}
    [procurement] = db.procurements.values()
    assert procurement.requested_by == "jess"


async def test_a_request_at_the_select_list_limit_goes_to_open_tender(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    await take(db, config, event(requested(str(config.select_list_below), "open_tender")))
    assert [e.route.value for e in db.events(ProcurementOpened)] == ["open_tender"]


async def test_the_same_request_redelivered_opens_one_procurement(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    once = requested("30000", "select_list")
    await take(db, config, event(once))
    await take(db, config, event(once))
    assert len(db.procurements) == 1
    assert len(db.events(ProcurementOpened)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": "grant"}, "route"),
        ({"route": "in_house"}, "route"),
        ({"localities": []}, "localities"),
        ({"localities": ["easington", "derwentside"]}, "localities"),
        ({"value": "90000"}, "route"),
        ({"localities": ["atlantis"]}, "locality"),
        ({"outcomes": ["be_rich"]}, "outcomes"),
    ],
)
async def test_a_request_procurement_cannot_run_is_refused_naming_the_field(
    config: ProcurementConfig, changes: dict[str, object], field: str
) -> None:
    db = FakeDatabase()
    with pytest.raises(Problem) as refused:
        fields: dict[str, Any] = {"value": "30000", "route": "select_list"} | changes
        await take(db, config, event(requested(**fields)))
    assert refused.value.field == field
    assert db.procurements == {} and db.published == []


async def test_a_decision_to_cease_terminates_the_projects_active_contracts(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    active = contract_of(db, PROJECT)
    ended = contract_of(db, PROJECT, state="terminated")
    other = contract_of(db, uuid.uuid4())
    cause = event(ceased())
    await take(db, config, cause)
    [terminated] = db.events(ContractTerminated)
    assert (terminated.contract_id, terminated.terminated_on) == (active.contract_id, NOW.date())
    assert terminated.terminated_by == "jess"
    assert db.causes == [cause.envelope]
    assert db.contracts[active.contract_id].state == "terminated"
    assert db.contracts[active.contract_id].ends_on == NOW.date()
    assert db.contracts[ended.contract_id] == ended
    assert db.contracts[other.contract_id].state == "active"
    [entry] = db.audit
    assert (entry.actor, entry.action) == ("jess", "contract.terminated")
    assert entry.detail is not None
    assert entry.detail["body"] == "jcu"
    assert entry.detail["caused_by"] == str(cause.envelope.id)
    assert "the drop-in clinic" in entry.reason


async def test_a_decision_to_cease_with_no_contract_is_audited_and_ends_nothing(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    await take(db, config, event(ceased()))
    assert db.published == []
    [entry] = db.audit
    assert entry.action == "decommissioning.no_active_contract"
    assert entry.detail is not None and entry.detail["project_id"] == str(PROJECT)


async def test_a_contract_not_yet_started_ends_after_its_first_day(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    later = contract_of(db, PROJECT, starts_on=date(2027, 5, 1))
    await take(db, config, event(ceased()))
    [terminated] = db.events(ContractTerminated)
    assert terminated.terminated_on == date(2027, 5, 2)
    assert db.contracts[later.contract_id].state == "terminated"


async def test_the_consumers_unit_of_work_leaves_the_commit_to_the_inbox() -> None:
    """The inbox commits an event's effects with its inbox row, in one transaction; a use
    case's own commit inside the consumer must not commit that transaction early."""

    class Platform:
        connection = object()
        commits = 0

        async def commit(self) -> None:
            self.commits += 1

    platform = Platform()
    await InboxProcurementUnitOfWork(platform).commit()  # type: ignore[arg-type]
    assert platform.commits == 0
    await PostgresProcurementUnitOfWork(platform).commit()  # type: ignore[arg-type]
    assert platform.commits == 1
