"""The projects service, SIGKILLed inside its dangerous windows, loses nothing it
acknowledged, applies nothing twice and leaves no partial state.

The real service process (`commissioning serve projects`) takes a project to its stage-6
gate over HTTP, with the needs it cites taken from needs.events.v1.

- Killed after the approval is written and ProcurementRequested staged, before the
  commit: the JCU's retry must ask for procurement once.
- Killed after a need newly identified under the project (past stage 3) flags it for
  review, before the inbox commits: the redelivered need must flag it once, announced once.
- Killed after a ContractStarted from procurement is recorded on the project, before the
  inbox commits: the redelivered event must be recorded once, and announced once.

With events published outside the transaction (tests/faults/serve.py), each check must
find the damage: an event for a change that was never committed, and a second one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from shared import failpoints
from shared.contracts.procurement import ContractStarted
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import NEEDS_EVENTS, PROCUREMENT_EVENTS, PROJECTS_EVENTS
from tests.backbone.support import eventually
from tests.faults.services import ServiceUnderFault, publish, service_processes
from tests.projects.integration.support import RunningProjects, need_identified
from tests.projects.integration.test_lifecycle import (
    JCU,
    SPECIFICATION,
    Walk,
    start,
    walk_assess,
    walk_plan,
)

pytestmark = [pytest.mark.broker, pytest.mark.database]


@pytest.fixture
def projects(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str], tmp_path: Path
) -> ServiceUnderFault:
    schemas.append(unique_schema)
    return ServiceUnderFault("projects", database_url, kafka, unique_schema, tmp_path)


@dataclass
class HandedOn:
    """The stage-6 decision as the service holds and announced it."""

    answered: int | None
    after_kill: tuple[int, int]
    """(the project's stage, ProcurementRequested events) once the service was killed."""
    stage: int
    requests: int
    approvals: int

    @property
    def violations(self) -> list[str]:
        found = []
        if self.after_kill != (6, 0):
            stage, requests = self.after_kill
            found.append(f"after the kill: stage {stage}, {requests} ProcurementRequested")
        if (self.stage, self.requests, self.approvals) != (7, 1, 1):
            found.append(
                f"stage {self.stage}, {self.requests} ProcurementRequested, "
                f"{self.approvals} stage-6 approvals"
            )
        return found


def through_the_process(service: ServiceUnderFault, client: httpx.AsyncClient) -> RunningProjects:
    """The integration tests' driver, pointed at the real process instead of an app."""
    settings = PlatformSettings(
        kafka=service.kafka,
        database=DatabaseSettings(
            DATABASE_URL=service.database_url, DATABASE_SCHEMA=service.schema
        ),
    )
    return RunningProjects(cast(FastAPI, None), client, settings)


async def handed_on(service: ServiceUnderFault, project_id: str) -> tuple[int, int, int]:
    """(stage, ProcurementRequested, approvals of stage 6) for the project."""
    [row] = await service.rows("SELECT stage FROM project WHERE project_id::text = $1", project_id)
    events = [
        e
        for e in await service.events(PROJECTS_EVENTS.name)
        if e["subject"] == f"project/{project_id}"
    ]
    requests = [e for e in events if e["type"] == "projects.ProcurementRequested.v1"]
    approvals = [
        e
        for e in events
        if e["type"] == "projects.StageGateDecided.v1"
        and e["payload"]["stage"] == 6
        and e["payload"]["approved"]
    ]
    return int(row["stage"]), len(requests), len(approvals)


async def at_stage_6(service: ServiceUnderFault, client: httpx.AsyncClient) -> Walk:
    """A project through its first five gates, its commissioning decision recorded."""
    walk = await start(through_the_process(service, client))
    await walk_assess(walk)
    await walk_plan(walk)
    await walk.evidence(commissioning=SPECIFICATION)
    return walk


async def gate_killed_and_retried(
    service: ServiceUnderFault, mutation: str | None = None
) -> HandedOn:
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROJECTS_HANDED_ON, mutation)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            walk = await at_stage_6(service, client)
            lost = await decide(service, walk)
            assert lost is None, "the armed service answered"
            await service.killed_at_failpoint()
            stage, requests, _ = await handed_on(service, walk.id)
            await service.start(mutation=mutation)
            retried = await decide(service, walk)
        await eventually(relayed(service), 30, 0.5)
        after = await handed_on(service, walk.id)
    answered = retried.status_code if retried is not None else None
    return HandedOn(answered, (stage, requests), *after)


async def decide(service: ServiceUnderFault, walk: Walk) -> httpx.Response | None:
    headers = service.token("decider", *JCU) | {"If-Match": str(walk.version)}
    body = {"stage": 6, "approve": True, "reasons": "agreed"}
    return await service.call("POST", f"/projects/{walk.id}/gate-decisions", headers, body)


def relayed(service: ServiceUnderFault) -> Any:
    async def nothing_pending() -> bool:
        rows = await service.rows("SELECT count(*) AS n FROM outbox WHERE state <> 'published'")
        return int(rows[0]["n"]) == 0

    return nothing_pending


async def test_a_kill_after_the_stage_6_approval_asks_for_procurement_once(
    projects: ServiceUnderFault,
) -> None:
    outcome = await gate_killed_and_retried(projects)
    print(f"\n[fault] projects, {failpoints.PROJECTS_HANDED_ON}: {outcome}")
    assert projects.kills == 1
    assert outcome.answered == 200
    assert outcome.violations == []


async def test_with_events_published_outside_the_transaction_the_check_finds_two_requests(
    projects: ServiceUnderFault,
) -> None:
    """The test of the test: ProcurementRequested escapes before the kill, although the
    project is still at stage 6; the retry asks for procurement a second time."""
    outcome = await gate_killed_and_retried(projects, "publish-outside-transaction")
    print(f"\n[fault] projects, mutation publish-outside-transaction: {outcome}")
    assert outcome.violations, "the check missed an event published outside its transaction"


@dataclass
class Recorded:
    """A fact (a contract start, a review flag) as the project holds and announced it."""

    held: int
    announced: int

    @property
    def violations(self) -> list[str]:
        if (self.held, self.announced) == (1, 1):
            return []
        return [f"{self.held} recorded on the project, {self.announced} announced"]


async def start_killed_and_redelivered(
    service: ServiceUnderFault, mutation: str | None = None
) -> Recorded:
    """Procurement's ContractStarted for the project reaches the armed service, which dies
    after recording it; the restarted service gets it again from Kafka."""
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROJECTS_CONTRACT_STARTED, mutation)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            walk = await at_stage_6(service, client)
            approved = await decide(service, walk)
            assert approved is not None and approved.status_code == 200
        started = contract_started(uuid.UUID(walk.id))
        subject = f"contract/{started.contract_id}"
        event_id = await publish(service.kafka, PROCUREMENT_EVENTS.name, started, subject)
        await service.killed_at_failpoint()
        await service.start(mutation=mutation)
        await eventually(service.took(event_id), 60, 0.5)
        await eventually(relayed(service), 30, 0.5)
        [row] = await service.rows(
            "SELECT contract_starts FROM project WHERE project_id::text = $1", walk.id
        )
        events = await service.events(PROJECTS_EVENTS.name)
    announced = [
        e
        for e in events
        if e["type"] == "projects.ProjectChanged.v1"
        and e["payload"]["change"] == "contract_started"
    ]
    return Recorded(len(json.loads(row["contract_starts"])), len(announced))


def contract_started(project_id: uuid.UUID) -> ContractStarted:
    """What procurement publishes when the project's contract is entered into."""
    return ContractStarted.model_validate(
        {
            "contract_id": uuid.uuid4(),
            "procurement_id": uuid.uuid4(),
            "provider_id": "barnardos",
            "title": "Outreach sexual health service for Easington",
            "value": "420000.00",
            "localities": ["easington"],
            "outcomes": ["be_healthy"],
            "kpis": [
                {
                    "kpi_id": "conceptions",
                    "name": "Under-18 conceptions per 1,000",
                    "unit": "rate",
                    "target": "15",
                    "polarity": "lower_is_better",
                    "amber_tolerance": "2",
                    "red_tolerance": "5",
                }
            ],
            "reporting_frequency": "quarterly",
            "starts_on": "2027-05-01",
            "ends_on": "2029-04-30",
            "funding": [{"fund_id": "pool", "amount": "420000.00", "partners": {"dcc": "1"}}],
            "route": "open_tender",
            "started_at": datetime.now(UTC),
            "project_id": project_id,
        }
    )


async def test_a_kill_after_recording_a_contract_start_records_and_announces_it_once(
    projects: ServiceUnderFault,
) -> None:
    recorded = await start_killed_and_redelivered(projects)
    print(f"\n[fault] projects, {failpoints.PROJECTS_CONTRACT_STARTED}: {recorded}")
    assert projects.kills == 1
    assert recorded.violations == []


async def test_with_events_published_outside_the_transaction_the_check_finds_a_double_start(
    projects: ServiceUnderFault,
) -> None:
    """The test of the test: the ProjectChanged escapes before the kill, and the
    redelivered ContractStarted is recorded and announced again."""
    recorded = await start_killed_and_redelivered(projects, "publish-outside-transaction")
    print(f"\n[fault] projects, mutation publish-outside-transaction (start): {recorded}")
    assert recorded.violations, "the check missed an event published outside its transaction"


async def flag_killed_and_redelivered(
    service: ServiceUnderFault, mutation: str | None = None
) -> Recorded:
    """A project past its needs analysis; the needs service then identifies another need
    on its outcome in its locality, and the armed service dies after flagging it."""
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROJECTS_FLAGGED, mutation)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            walk = await start(through_the_process(service, client))
            await walk_assess(walk)
        need = need_identified("easington", ["be_healthy"], key="low_birth_weight")
        event_id = await publish(service.kafka, NEEDS_EVENTS.name, need, need.need_key)
        await service.killed_at_failpoint()
        await service.start(mutation=mutation)
        await eventually(service.took(event_id), 60, 0.5)
        await eventually(relayed(service), 30, 0.5)
        [row] = await service.rows(
            "SELECT review_flags FROM project WHERE project_id::text = $1", walk.id
        )
        events = await service.events(PROJECTS_EVENTS.name)
    announced = [e for e in events if e["type"] == "projects.ProjectFlaggedForReview.v1"]
    return Recorded(len(json.loads(row["review_flags"])), len(announced))


async def test_a_kill_after_flagging_a_project_for_review_flags_and_announces_it_once(
    projects: ServiceUnderFault,
) -> None:
    flagged = await flag_killed_and_redelivered(projects)
    print(f"\n[fault] projects, {failpoints.PROJECTS_FLAGGED}: {flagged}")
    assert projects.kills == 1
    assert flagged.violations == []


async def test_with_events_published_outside_the_transaction_the_check_finds_a_double_flag(
    projects: ServiceUnderFault,
) -> None:
    """The test of the test: ProjectFlaggedForReview escapes before the kill, and the
    redelivered need flags the project and announces it again."""
    flagged = await flag_killed_and_redelivered(projects, "publish-outside-transaction")
    print(f"\n[fault] projects, mutation publish-outside-transaction (flag): {flagged}")
    assert flagged.violations, "the check missed an event published outside its transaction"
