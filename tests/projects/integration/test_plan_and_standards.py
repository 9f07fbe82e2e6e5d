"""Over HTTP, PostgreSQL and Kafka: the Executive Board agrees a priority, the Annual
Commissioning Plan lists the project under it, and the trust's self-evaluations against
the thirteen standards are kept with their movement and published."""

from __future__ import annotations

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.projects.integration.support import running_projects

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_the_plan_lists_projects_under_the_priorities_the_board_agreed(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        board = running.token(Role.EXECUTIVE_BOARD, subject="chair")
        agreed = await running.client.post(
            "/priorities",
            json={
                "year": "2026/27",
                "title": "Reduce teenage conceptions",
                "outcomes": ["be_healthy"],
                "lead_commissioner": "Lead for Be Healthy",
            },
            headers=board,
        )
        assert agreed.status_code == 201, agreed.text
        priority_id = agreed.json()["priority_id"]
        created = await running.client.post(
            "/projects",
            json={
                "title": "Outreach clinics",
                "level": "strategic",
                "outcomes": ["be_healthy"],
                "lead_commissioner": "Lead",
                "commissioning_officer": "Officer",
                "priority_id": priority_id,
            },
            headers=running.token(Role.JCU),
        )
        assert created.status_code == 201, created.text
        plan = (await running.client.get("/plans/2026-27", headers=board)).json()
        [entry] = plan["priorities"]
        assert entry["priority"]["title"] == "Reduce teenage conceptions"
        assert [p["title"] for p in entry["projects"]] == ["Outreach clinics"]
        assert plan["unprioritised"] == []
        [event] = await running.events_of_type("PriorityAgreed", 1)
        assert event["payload"]["agreed_by"] == "chair"


async def test_self_evaluations_are_kept_with_their_movement_and_published(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        jcu = running.token(Role.JCU)
        for as_of, fourth in (("2009-03-31", "1.5"), ("2010-03-31", "3")):
            scores = [
                {"standard": n, "score": fourth if n == 4 else "2", "evidence": "workshop"}
                for n in range(1, 14)
            ]
            answer = await running.client.post(
                "/self-evaluations", json={"as_of": as_of, "scores": scores}, headers=jcu
            )
            assert answer.status_code == 201, answer.text
        member = running.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        history = (await running.client.get("/self-evaluations", headers=member)).json()
        assert [h["as_of"] for h in history] == ["2009-03-31", "2010-03-31"]
        assert history[1]["scores"][3]["movement"] == "1.5"
        assert history[0]["scores"][3]["movement"] is None
        events = await running.events_of_type("SelfEvaluationRecorded", 2)
        by_date = {e["payload"]["as_of"]: e["payload"] for e in events}  # one subject each
        assert sorted(by_date) == ["2009-03-31", "2010-03-31"]
        assert by_date["2010-03-31"]["scores"][3]["movement"] == "1.5"
