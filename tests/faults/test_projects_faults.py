"""The projects service, SIGKILLed inside its dangerous windows, loses nothing it
acknowledged, applies nothing twice and leaves no partial state.

The real service process (`commissioning serve projects`) takes a project to its stage-6
gate over HTTP, with the needs it cites taken from needs.events.v1, and is killed after
the approval is written and ProcurementRequested staged, before the commit. The JCU's
retry must then ask for procurement once. With the event published outside the
transaction (tests/faults/serve.py), the check must find a request the project never
made, and a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from shared import failpoints
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import PROJECTS_EVENTS
from tests.backbone.support import eventually
from tests.faults.services import ServiceUnderFault, service_processes
from tests.projects.integration.support import RunningProjects
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


async def gate_killed_and_retried(
    service: ServiceUnderFault, mutation: str | None = None
) -> HandedOn:
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROJECTS_HANDED_ON, mutation)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            walk = await start(through_the_process(service, client))
            await walk_assess(walk)
            await walk_plan(walk)
            await walk.evidence(commissioning=SPECIFICATION)
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
