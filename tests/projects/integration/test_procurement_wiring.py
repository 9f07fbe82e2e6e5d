"""The projects and procurement services, each running its consumers on real Kafka and
PostgreSQL, hand work to each other by events only (Gateshead handbook, Activity Three
steps 2, 5 and 9; Durham framework, section 3, roles table):

- a stage-6 decision to commission publishes ProcurementRequested, and procurement opens a
  procurement on the route the value rule gives, linked to the project;
- the award of that procurement comes back as ContractAwarded, and the project records it;
- the contract entered into comes back as ContractStarted, and the project records the
  service introduced with the KPIs its monitoring takes from the contract;
- a stage-6 decision to cease publishes DecommissioningDecided, and procurement terminates
  the contract it holds for that project, auditing the JCU's decision and its cause.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from shared.envelope import header_value
from shared.settings import KafkaSettings
from shared.topics import PROCUREMENT_EVENTS
from tests.backbone.support import eventually, read_records
from tests.procurement.integration.support import RunningProcurement, running_procurement
from tests.procurement.integration.test_pooled_budget import contract_for
from tests.procurement.integration.test_routes_to_contract import compete, fund, of_type
from tests.procurement.integration.test_routes_to_contract import start as start_contract
from tests.projects.integration.support import RunningProjects, running_projects
from tests.projects.integration.test_lifecycle import (
    JCU,
    SPECIFICATION,
    Walk,
    start,
    walk_assess,
    walk_plan,
)

pytestmark = [pytest.mark.broker, pytest.mark.database]

CEASE = {
    "decision": "cease",
    "service_description": "The Easington drop-in clinic",
    "impact_assessment": "Its 40 users move to the outreach service; no gap in provision.",
}


@asynccontextmanager
async def both_services(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[tuple[RunningProjects, RunningProcurement]]:
    async with (
        running_projects(database_url, kafka, f"{schema}_pj", schemas) as projects,
        running_procurement(database_url, kafka, f"{schema}_pc", schemas) as procurement,
    ):

        async def consuming() -> bool:
            return all(c.ready for c in procurement.app.state.context.consumers)

        await eventually(consuming, 30)
        yield projects, procurement


async def walk_to_stage_6(projects: RunningProjects) -> Walk:
    walk = await start(projects)
    await walk_assess(walk)
    await walk_plan(walk)
    return walk


async def procurement_event(
    procurement: RunningProcurement, kind: str, **payload: Any
) -> dict[str, Any]:
    """The first event of ``kind`` whose payload has the fields given."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        nonlocal found
        events = of_type(await procurement.events(0, timeout_s=2), kind)
        found = [e for e in events if all(e["payload"][k] == v for k, v in payload.items())]
        return bool(found)

    await eventually(arrived, 60, 0.5)
    return found[0]


async def test_a_decision_to_commission_opens_a_procurement_whose_award_the_project_records(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with both_services(database_url, kafka, unique_schema, schemas) as (projects, service):
        walk = await walk_to_stage_6(projects)
        await walk.evidence(commissioning=SPECIFICATION)
        assert (await walk.decide(6, JCU)).status_code == 200
        [requested] = await projects.events_of_type("ProcurementRequested", 1)

        opened = await procurement_event(service, "ProcurementOpened", project_id=walk.id)
        assert opened["payload"]["route"] == "open_tender"  # £450,000: Durham's open tender
        assert opened["payload"]["locality"] == "easington"
        assert opened["payload"]["request_id"] == requested["payload"]["request_id"]
        assert opened["causation_id"] == requested["id"]

        pid = opened["payload"]["procurement_id"]
        for provider_id in ("barnardos", "home-start"):
            await service.register(provider_id)
        await compete(service, pid, {"barnardos": ("420000", 80), "home-start": ("400000", 50)})
        awarded = await procurement_event(service, "ContractAwarded", procurement_id=pid)
        assert awarded["payload"]["project_id"] == walk.id

        async def recorded() -> list[dict[str, Any]]:
            answer = await projects.client.get(f"/projects/{walk.id}", headers=projects.token(*JCU))
            awards: list[dict[str, Any]] = answer.json()["contract_awards"]
            return awards

        async def award_recorded() -> bool:
            return bool(await recorded())

        await eventually(award_recorded, 60, 0.5)
        [award] = await recorded()
        assert award["contract_ref"] == f"procurement/{pid}"
        assert award["provider"] == awarded["payload"]["provider_id"]
        assert award["value"] == awarded["payload"]["value"]
        [changed] = [
            e
            for e in await projects.events_of_type("ProjectChanged", 1)
            if e["payload"]["change"] == "contract_awarded"
        ]
        assert changed["causation_id"] == awarded["id"]


async def test_a_decision_to_cease_terminates_the_projects_contract(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with both_services(database_url, kafka, unique_schema, schemas) as (projects, service):
        walk = await walk_to_stage_6(projects)
        await service.register("barnardos")
        await fund(service, "short-breaks", "50000", "50000")
        opened = await service.request("90000.00", specialist=True, project_id=walk.id)
        pid = opened["procurement_id"]
        award = {"rationale": "sole specialist provider", "provider_id": "barnardos"}
        awarded = await service.client.post(
            f"/procurements/{pid}/award", json=award | {"value": "60000.00"}, headers=service.jcu
        )
        assert awarded.status_code == 200, awarded.text
        started = await service.client.post(
            f"/procurements/{pid}/contract", json=contract_for("60000.00"), headers=service.officer
        )
        assert started.status_code == 201, started.text
        cid = started.json()["contract_id"]

        await walk.evidence(commissioning=CEASE)
        assert (await walk.decide(6, JCU)).status_code == 200
        [decided] = await projects.events_of_type("DecommissioningDecided", 1)

        terminated = await procurement_event(service, "ContractTerminated", contract_id=cid)
        assert terminated["causation_id"] == decided["id"]
        assert terminated["payload"]["terminated_by"] == "decider"
        contract = await service.client.get(f"/contracts/{cid}", headers=service.officer)
        assert contract.json()["state"] == "terminated"
        [entry] = await service.rows(
            "SELECT actor, reason, detail FROM audit_entry WHERE action = 'contract.terminated'"
        )
        detail = json.loads(entry["detail"])
        assert (entry["actor"], detail["body"], detail["caused_by"]) == (
            "decider",
            "jcu",
            decided["id"],
        )
        assert "The Easington drop-in clinic" in entry["reason"]

        # The project asked for no procurement: the award and the start of the contract it
        # is ending are not recorded on it, but dead-lettered with the reason, and the
        # consumer carries on.
        dead_topic = projects.kafka.topic(PROCUREMENT_EVENTS.name) + ".dlq"
        dead = await read_records(projects.kafka, dead_topic, 2, 60)
        assert sorted(json.loads(d.value)["type"] for d in dead) == [
            "procurement.ContractAwarded.v1",
            "procurement.ContractStarted.v1",
        ]
        for letter in dead:
            reason = header_value(letter.headers, "dlq.reason") or ""
            assert "project_id: no procurement was requested for this project" in reason


async def test_a_contract_started_for_the_project_is_recorded_on_it(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with both_services(database_url, kafka, unique_schema, schemas) as (projects, service):
        walk = await walk_to_stage_6(projects)
        await walk.evidence(commissioning=SPECIFICATION)
        assert (await walk.decide(6, JCU)).status_code == 200
        opened = await procurement_event(service, "ProcurementOpened", project_id=walk.id)
        pid = opened["payload"]["procurement_id"]
        for provider_id in ("barnardos", "home-start"):
            await service.register(provider_id)
        await compete(service, pid, {"barnardos": ("420000", 80), "home-start": ("400000", 50)})
        await fund(service, "teenage-health", "300000", "200000")
        contract = await start_contract(service, pid, "teenage-health", "420000.00")
        started = await procurement_event(
            service, "ContractStarted", contract_id=contract["contract_id"]
        )
        assert started["payload"]["project_id"] == walk.id

        async def recorded() -> list[dict[str, Any]]:
            answer = await projects.client.get(f"/projects/{walk.id}", headers=projects.token(*JCU))
            starts: list[dict[str, Any]] = answer.json()["contract_starts"]
            return starts

        async def start_recorded() -> bool:
            return bool(await recorded())

        await eventually(start_recorded, 60, 0.5)
        [start] = await recorded()
        assert start["contract_id"] == contract["contract_id"]
        assert (start["provider"], start["value"]) == ("barnardos", "420000.00")
        assert (start["starts_on"], start["ends_on"]) == ("2027-05-01", "2029-04-30")
        assert start["performance_criteria"] == [
            "Families completing the programme: target 80 percent (higher is better)"
        ]
        [changed] = [
            e
            for e in await projects.events_of_type("ProjectChanged", 1)
            if e["payload"]["change"] == "contract_started"
        ]
        assert changed["causation_id"] == started["id"]
