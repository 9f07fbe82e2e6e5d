"""The procurement service, SIGKILLed inside its dangerous windows, loses nothing it
acknowledged, applies nothing twice and leaves no partial state.

Each case runs the real service process (`commissioning serve procurement`) armed with a
failpoint, drives it over HTTP or Kafka until it kills itself there, restarts it unarmed
and checks its tables and its topic. Each case is also run with its mechanism disabled
(tests/faults/serve.py), and its check must then find the damage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.procurement.domain.providers import QualityStandard
from shared import failpoints
from shared.auth import Role
from shared.contracts import projects
from shared.settings import KafkaSettings
from shared.topics import PROCUREMENT_EVENTS, PROJECTS_EVENTS
from tests.backbone.support import eventually
from tests.faults.services import ServiceUnderFault, publish, service_processes

pytestmark = [pytest.mark.broker, pytest.mark.database]

CONTRACT = {
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
    "starts_on": "2027-05-01",
    "ends_on": "2029-04-30",
    "funding": [{"fund_id": "short-breaks", "amount": "60000.00"}],
}


EVIDENCE = {
    "evidence": [
        {"standard": s.value, "reference": f"{s.value}-2026", "expires_on": "2099-01-01"}
        for s in QualityStandard
    ]
}
"""Evidence for every Gateshead quality standard, current for the whole test."""


@pytest.fixture
def procurement(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str], tmp_path: Path
) -> ServiceUnderFault:
    schemas.append(unique_schema)
    return ServiceUnderFault("procurement", database_url, kafka, unique_schema, tmp_path)


def request_from_a_project(request_id: uuid.UUID) -> projects.ProcurementRequested:
    """A stage-6 decision to commission £40,000 of parenting support in Easington."""
    return projects.ProcurementRequested.model_validate(
        {
            "request_id": request_id,
            "project_id": uuid.uuid4(),
            "title": "Parenting support in Easington",
            "decision": "design_new",
            "level": "locality",
            "localities": ["easington"],
            "outcomes": ["be_healthy"],
            "target_groups": ["young parents"],
            "estimated_value": Decimal("40000.00"),
            "route": "select_list",
            "outcome_specification": {
                "summary": "Support for young parents",
                "kpis": [{"kpi": "Seen in 4 weeks", "outcome": "be_healthy", "target": "80%"}],
            },
            "lead_commissioner": "Lead",
            "commissioning_officer": "Officer",
            "requested_by": "jess",
            "requested_at": datetime.now(UTC),
        }
    )


@dataclass
class Opened:
    """What the service holds and published for one procurement request."""

    procurements: int
    links: int
    opened_events: int

    @property
    def violations(self) -> list[str]:
        found = []
        if self.procurements != 1:
            found.append(f"{self.procurements} procurements for one request")
        if self.links != self.procurements:
            found.append(f"{self.links} project links for {self.procurements} procurements")
        if self.opened_events != self.procurements:
            found.append(
                f"{self.opened_events} ProcurementOpened for {self.procurements} procurements"
            )
        return found


async def opened_for(service: ServiceUnderFault, request_id: uuid.UUID) -> Opened:
    pid = uuid.uuid5(uuid.NAMESPACE_URL, f"procurement-request/{request_id}")
    procurements = len(
        await service.rows("SELECT 1 FROM procurement WHERE procurement_id = $1", pid)
    )
    links = len(await service.rows("SELECT 1 FROM project_link WHERE procurement_id = $1", pid))
    events = [
        e
        for e in await service.events(PROCUREMENT_EVENTS.name)
        if e["type"] == "procurement.ProcurementOpened.v1"
        and e["payload"]["request_id"] == str(request_id)
    ]
    return Opened(procurements, links, len(events))


async def request_killed_and_redelivered(
    service: ServiceUnderFault, point: str, mutation: str | None = None
) -> Opened:
    """A ProcurementRequested reaches the armed service, which dies at ``point``; the
    restarted service gets it again from Kafka."""
    request_id = uuid.uuid4()
    await service.prepare()
    with service_processes(service):
        await service.start(point, mutation)
        event = request_from_a_project(request_id)
        subject = f"project/{event.project_id}"
        event_id = await publish(service.kafka, PROJECTS_EVENTS.name, event, subject)
        await service.killed_at_failpoint()
        await service.start(mutation=mutation)
        await eventually(service.took(event_id), 60, 0.5)
        await eventually(service_caught_up(service), 30, 0.5)
        return await opened_for(service, request_id)


def service_caught_up(service: ServiceUnderFault) -> Any:
    async def relayed() -> bool:
        rows = await service.rows("SELECT count(*) AS n FROM outbox WHERE state <> 'published'")
        return int(rows[0]["n"]) == 0

    return relayed


@pytest.mark.parametrize(
    "point",
    [failpoints.PROCUREMENT_OPENED, failpoints.INBOX_AFTER_INSERT, failpoints.INBOX_AFTER_COMMIT],
)
async def test_a_request_from_a_project_opens_one_procurement_whatever_the_kill(
    procurement: ServiceUnderFault, point: str
) -> None:
    opened = await request_killed_and_redelivered(procurement, point)
    print(f"\n[fault] procurement, ProcurementRequested, {point}: {opened}")
    assert procurement.kills == 1
    assert opened.violations == []


async def test_with_events_published_outside_the_transaction_the_check_finds_a_double(
    procurement: ServiceUnderFault,
) -> None:
    """The test of the test: ProcurementOpened escapes before the kill, and the redelivered
    request opens the procurement again and announces it a second time."""
    opened = await request_killed_and_redelivered(
        procurement, failpoints.PROCUREMENT_OPENED, "publish-outside-transaction"
    )
    print(f"\n[fault] procurement, mutation publish-outside-transaction: {opened}")
    assert opened.violations, "the check missed an event published outside its transaction"


async def register_and_award(service: ServiceUnderFault) -> str:
    """A fund of £100,000, a qualified provider and a specialist service the JCU awarded it."""
    officer = service.token("olive", Role.COMMISSIONING_OFFICER)
    jcu = service.token("jess", Role.JCU)
    provider = {"provider_id": "barnardos", "name": "Barnardos", "sector": "voluntary"}
    steps: list[tuple[str, str, dict[str, str], Any]] = [
        ("PUT", "/providers/barnardos", officer, provider | EVIDENCE),
        (
            "POST",
            "/funds",
            officer,
            {
                "fund_id": "short-breaks",
                "name": "Short breaks pooled fund",
                "contributions": {"durham-county-council": "50000", "nhs-county-durham": "50000"},
            },
        ),
    ]
    for method, path, headers, body in steps:
        answer = await service.call(method, path, headers, body)
        assert answer is not None and answer.status_code in (200, 201), answer
    request = {
        "request_id": str(uuid.uuid4()),
        "title": "Short breaks for disabled children",
        "locality": "easington",
        "priority": "parenting",
        "value": "90000.00",
        "specialist": True,
        "outcomes": ["be_healthy"],
    }
    opened = await service.call("POST", "/procurements", officer, request)
    assert opened is not None and opened.status_code == 201, opened.text if opened else None
    pid: str = opened.json()["procurement_id"]
    award = {"rationale": "sole specialist", "provider_id": "barnardos", "value": "60000.00"}
    awarded = await service.call("POST", f"/procurements/{pid}/award", jcu, award)
    assert awarded is not None and awarded.status_code == 200, awarded.text if awarded else None
    return pid


@dataclass
class Started:
    """A contract's start as the service holds and announced it."""

    answered: int | None
    after_kill: tuple[int, Decimal]
    contracts: int
    committed: Decimal
    started_events: int

    @property
    def violations(self) -> list[str]:
        found = []
        if self.after_kill != (0, Decimal(0)):
            found.append(
                f"after the kill: {self.after_kill[0]} contracts, £{self.after_kill[1]} committed"
            )
        if self.contracts != 1 or self.started_events != 1:
            found.append(f"{self.contracts} contracts, {self.started_events} ContractStarted")
        if self.committed != Decimal("60000.00"):
            found.append(f"£{self.committed} committed for a £60,000.00 contract")
        return found


async def ledger(service: ServiceUnderFault) -> tuple[int, Decimal]:
    contracts = await service.rows("SELECT 1 FROM contract")
    [fund] = await service.rows("SELECT committed FROM fund WHERE fund_id = 'short-breaks'")
    return len(contracts), Decimal(fund["committed"])


async def contract_killed_and_retried(
    service: ServiceUnderFault, mutation: str | None = None
) -> Started:
    """The officer's POST of the contract dies with the service after the commitment; the
    officer retries once the service is back."""
    officer = service.token("olive", Role.COMMISSIONING_OFFICER)
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROCUREMENT_COMMITTED, mutation)
        pid = await register_and_award(service)
        lost = await service.call("POST", f"/procurements/{pid}/contract", officer, CONTRACT)
        assert lost is None, "the armed service answered"
        await service.killed_at_failpoint()
        after_kill = await ledger(service)
        await service.start(mutation=mutation)
        retried = await service.call("POST", f"/procurements/{pid}/contract", officer, CONTRACT)
        await eventually(service_caught_up(service), 30, 0.5)
        contracts, committed = await ledger(service)
        events = await service.events(PROCUREMENT_EVENTS.name)
    started = [e for e in events if e["type"] == "procurement.ContractStarted.v1"]
    answered = retried.status_code if retried is not None else None
    return Started(answered, after_kill, contracts, committed, len(started))


async def test_a_kill_between_commitment_and_contract_leaves_neither_and_a_retry_both_once(
    procurement: ServiceUnderFault,
) -> None:
    started = await contract_killed_and_retried(procurement)
    print(f"\n[fault] procurement, {failpoints.PROCUREMENT_COMMITTED}: {started}")
    assert started.answered == 201
    assert started.violations == []


async def test_with_the_commitment_in_its_own_transaction_the_check_finds_partial_state(
    procurement: ServiceUnderFault,
) -> None:
    """The test of the test: a commitment committed on its own outlives the kill without
    its contract, and the retry commits the fund a second time."""
    started = await contract_killed_and_retried(procurement, "commitment-outside-transaction")
    print(f"\n[fault] procurement, mutation commitment-outside-transaction: {started}")
    assert started.violations, "the check missed a commitment without its contract"
