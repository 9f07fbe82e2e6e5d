"""Who may call what: every endpoint of the projects API answers 401 without a token and
403 to roles with no business in commissioning projects; a local board member sees its
own locality's projects and the trust-wide ones, and nothing of another locality by any
URL or parameter (Durham, Section 3, "Local Children's Boards")."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.projects.integration.support import RunningProjects, running_projects

pytestmark = [pytest.mark.broker, pytest.mark.database]

PROJECT = "/projects/{id}"
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/projects", None),
    ("POST", "/projects", {"title": "t", "level": "strategic", "outcomes": ["be_healthy"],
                           "lead_commissioner": "l", "commissioning_officer": "o"}),
    ("GET", PROJECT, None),
    ("PATCH", PROJECT, {"title": "renamed"}),
    ("PATCH", PROJECT + "/evidence", {"outcome_baseline": "b"}),
    ("GET", PROJECT + "/audit", None),
    ("GET", PROJECT + "/gate", None),
    ("POST", PROJECT + "/gate-decisions", {"stage": 1, "approve": False, "reasons": "r"}),
    ("POST", PROJECT + "/contract-awards", {"contract_ref": "c", "provider": "p",
                                            "value": "1", "awarded_at": "2027-01-01T00:00:00Z"}),
    ("GET", PROJECT + "/scoping", None),
    ("PATCH", PROJECT + "/scoping", {"answers": {"1": "the trust's"}}),
    ("GET", PROJECT + "/strategy", None),
    ("POST", PROJECT + "/local-views", {"text": "Easington's view"}),
    ("GET", "/self-evaluations", None),
    ("POST", "/self-evaluations", {"as_of": "2026-03-31", "scores": [
        {"standard": n, "score": "2"} for n in range(1, 14)]}),
    ("GET", "/priorities", None),
    ("POST", "/priorities", {"year": "2026/27", "title": "t", "outcomes": ["be_healthy"],
                             "lead_commissioner": "l"}),
    ("GET", "/plans/{year}", None),
    ("GET", "/audit", None),
    ("POST", PROJECT + "/performance-reviews", {"summary": "s", "rating": "red",
                                                "reviewed_at": "2027-01-01T00:00:00Z"}),
]  # fmt: skip
MEMBERS_WRITE = {PROJECT + "/local-views"}
"""What a local board member may do to its own locality's projects."""
PLATFORM = {"/healthz", "/readyz", "/metrics", "/livez"}
"""The process's own endpoints (shared/runtime.py), not the service's API."""
OUTSIDERS = (Role.PROVIDER, Role.AGENCY_PUBLISHER, Role.OPERATOR)


async def create(running: RunningProjects, localities: list[str]) -> str:
    answer = await running.client.post(
        "/projects",
        json={
            "title": f"Project for {localities or 'the trust'}",
            "level": "locality" if localities else "strategic",
            "localities": localities,
            "outcomes": ["stay_safe"],
            "lead_commissioner": "Lead",
            "commissioning_officer": "Officer",
        },
        headers=running.token(Role.JCU),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["project_id"])


async def call(
    running: RunningProjects, method: str, path: str, body: Any, headers: dict[str, str]
) -> Any:
    return await running.client.request(
        method, path, json=body, headers={**headers, "If-Match": '"1"'}
    )


async def test_every_endpoint_is_scoped(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        theirs = await create(running, ["derwentside"])
        mine = await create(running, ["easington"])
        trust_wide = await create(running, [])
        member = running.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        routes = {
            (method, path)
            for path, ops in running.app.openapi()["paths"].items()
            for method in ops
            if path not in PLATFORM
        }
        assert routes == {(m.lower(), p.replace("{id}", "{project_id}")) for m, p, _ in ENDPOINTS}

        for method, template, body in ENDPOINTS:
            path = template.format(id=theirs, year="2026-27")
            assert (await call(running, method, path, body, {})).status_code == 401, path
            for role in OUTSIDERS:
                answer = await call(running, method, path, body, running.outsider(role))
                assert answer.status_code == 403, (role, method, path)
            answer = await call(running, method, path, body, member)
            if "{id}" in template:
                assert answer.status_code in (403, 404), (method, path, answer.text)
                assert "derwentside" not in answer.text
            own = await call(
                running, method, template.format(id=mine, year="2026-27"), body, member
            )
            if template in MEMBERS_WRITE:
                assert own.status_code == 201, (method, template, own.text)
            elif method == "GET" and template != "/audit":
                assert own.status_code == 200, (method, template)
            else:
                assert own.status_code == 403, (method, template)

        for stage in ("", "?stage=1"):
            listed = await running.client.get(f"/projects{stage}", headers=member)
            assert {p["project_id"] for p in listed.json()} == {mine, trust_wide}
        trust = await running.client.get(f"/projects/{trust_wide}", headers=member)
        assert trust.status_code == 200
        plan = (await running.client.get("/plans/2026-27", headers=member)).json()
        assert {p["project_id"] for p in plan["unprioritised"]} == {mine, trust_wide}
