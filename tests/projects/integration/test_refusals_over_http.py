"""Bad input gets a 4xx naming the field and the rule, never a 5xx: an unknown outcome, a
stage skipped, a stale or missing version, a malformed body, an unknown priority."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.projects.integration.support import running_projects

pytestmark = [pytest.mark.broker, pytest.mark.database]

PROJECT = {
    "title": "Short breaks for disabled children",
    "level": "strategic",
    "outcomes": ["enjoy_and_achieve"],
    "lead_commissioner": "Lead",
    "commissioning_officer": "Officer",
}


def fields_of(body: Any) -> set[str]:
    detail = body["detail"]
    return {p["field"] for p in (detail if isinstance(detail, list) else [detail])}


async def test_each_bad_request_names_its_field_and_rule(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        lead = running.token(Role.LEAD_COMMISSIONER)
        client = running.client

        unknown = await client.post(
            "/projects", json={**PROJECT, "outcomes": ["be_rich"]}, headers=lead
        )
        assert unknown.status_code == 422 and fields_of(unknown.json()) == {"outcomes"}
        priority = await client.post(
            "/projects", json={**PROJECT, "priority_id": str(uuid.uuid4())}, headers=lead
        )
        assert priority.status_code == 422 and fields_of(priority.json()) == {"priority_id"}
        malformed = await client.post(
            "/projects",
            content=b"{not json",
            headers={**lead, "Content-Type": "application/json"},
        )
        assert malformed.status_code == 422
        missing = await client.post("/projects", json={"title": "t"}, headers=lead)
        assert missing.status_code == 422
        assert {"level", "outcomes"} <= fields_of(missing.json())

        created = (await client.post("/projects", json=PROJECT, headers=lead)).json()
        path = f"/projects/{created['project_id']}"
        skipped = await client.post(
            f"{path}/gate-decisions",
            json={"stage": 2, "approve": True},
            headers={**lead, "If-Match": '"1"'},
        )
        assert skipped.status_code == 409 and fields_of(skipped.json()) == {"stage"}
        stale = await client.patch(
            f"{path}/evidence", json={"outcome_baseline": "b"}, headers={**lead, "If-Match": '"7"'}
        )
        assert stale.status_code == 412 and fields_of(stale.json()) == {"If-Match"}
        garbage = await client.patch(
            f"{path}/evidence", json={"outcome_baseline": "b"}, headers={**lead, "If-Match": "x"}
        )
        assert garbage.status_code == 412
        unversioned = await client.patch(
            f"{path}/evidence", json={"outcome_baseline": "b"}, headers=lead
        )
        assert unversioned.status_code == 428 and fields_of(unversioned.json()) == {"If-Match"}
        stray = await client.patch(
            f"{path}/evidence", json={"colour": "blue"}, headers={**lead, "If-Match": '"1"'}
        )
        assert stray.status_code == 422 and fields_of(stray.json()) == {"colour"}
        no_reasons = await client.post(
            f"{path}/gate-decisions",
            json={"stage": 1, "approve": False},
            headers={**lead, "If-Match": '"1"'},
        )
        assert no_reasons.status_code == 422 and fields_of(no_reasons.json()) == {"reasons"}
        award = await client.post(
            f"{path}/contract-awards",
            json={"contract_ref": "C", "provider": "P", "value": "1",
                  "awarded_at": "2027-01-01T00:00:00Z"},
            headers=running.token(Role.JCU),
        )  # fmt: skip
        assert award.status_code == 409 and fields_of(award.json()) == {"project_id"}
        nowhere = await client.get(f"/projects/{uuid.uuid4()}", headers=lead)
        assert nowhere.status_code == 404
