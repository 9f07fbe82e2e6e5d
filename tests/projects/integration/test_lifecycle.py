"""A project goes from stage 1 to stage 9 over real Kafka and PostgreSQL: its needs
analysis cites needs and an assessment taken from needs.events.v1, gates are refused while
evidence is missing or the approver lacks the role, the stage-6 decision publishes
ProcurementRequested, and a contract award is accepted back."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.backbone.support import eventually
from tests.projects.integration.support import (
    RunningProjects,
    assessment_published,
    need_identified,
    need_resolved,
    running_projects,
)

pytestmark = [pytest.mark.broker, pytest.mark.database]

LOCALITY = "easington"
LEAD = (Role.LEAD_COMMISSIONER,)
OFFICER = (Role.COMMISSIONING_OFFICER,)
JCU = (Role.JCU,)
BOARD = (Role.EXECUTIVE_BOARD,)


class Walk:
    """One project, driven through its API with the version it last saw."""

    def __init__(self, running: RunningProjects, project: dict[str, Any]) -> None:
        self.running = running
        self.id = project["project_id"]
        self.version = project["version"]

    async def evidence(self, **sections: Any) -> dict[str, Any]:
        answer = await self.running.client.patch(
            f"/projects/{self.id}/evidence",
            json=sections,
            headers={**self.running.token(*OFFICER), "If-Match": f'"{self.version}"'},
        )
        assert answer.status_code == 200, answer.text
        self.version = answer.json()["version"]
        return dict(answer.json())

    async def decide(
        self, stage: int, roles: tuple[Role, ...], approve: bool = True, reasons: str = "agreed"
    ) -> Any:
        answer = await self.running.client.post(
            f"/projects/{self.id}/gate-decisions",
            json={"stage": stage, "approve": approve, "reasons": reasons},
            headers={
                **self.running.token(*roles, subject="decider"),
                "If-Match": str(self.version),
            },
        )
        if answer.status_code == 200:
            self.version = answer.json()["version"]
        return answer

    async def gate(self) -> dict[str, Any]:
        answer = await self.running.client.get(
            f"/projects/{self.id}/gate", headers=self.running.token(*JCU)
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


async def start(running: RunningProjects) -> Walk:
    created = await running.client.post(
        "/projects",
        json={
            "title": "Teenage pregnancy in Easington",
            "level": "locality",
            "localities": [LOCALITY],
            "target_groups": ["young women aged 13-17"],
            "outcomes": ["be_healthy"],
            "lead_commissioner": "Lead for Be Healthy (NHS County Durham)",
            "commissioning_officer": "A. Officer",
        },
        headers=running.token(*LEAD),
    )
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    assert created.json()["stage"] == 1
    return Walk(running, created.json())


async def walk_assess(walk: Walk) -> tuple[str, str]:
    """Stages 1-3, the needs analysis citing what the needs service published."""
    scoped = await walk.running.client.patch(
        f"/projects/{walk.id}/scoping",
        json={"answers": {str(n): f"Answered at project set-up ({n})" for n in range(1, 19)}},
        headers={**walk.running.token(*OFFICER), "If-Match": f'"{walk.version}"'},
    )
    assert scoped.status_code == 200, scoped.text
    assert scoped.json()["unanswered"] == []
    walk.version = scoped.json()["version"]
    refused = await walk.decide(1, LEAD)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["evidence.outcome_baseline"]
    await walk.evidence(outcome_baseline="Conceptions under 18 rising for 4 years.")
    assert (await walk.decide(1, LEAD)).status_code == 200
    await walk.evidence(group_outcomes="Looked-after young women twice the locality rate.")
    assert (await walk.decide(2, LEAD)).status_code == 200

    need = need_identified(LOCALITY, ["be_healthy"])
    assessment = assessment_published(LOCALITY)
    await walk.evidence(
        needs_analysis={
            "summary": "Worse than England and worsening.",
            "cited_needs": [str(need.need_id)],
            "cited_assessments": [str(assessment.assessment_id)],
            "views_of_children": "Young people's reference group: drop-in clinics.",
            "views_of_families": "Parents' forum: sex education starts too late.",
            "views_of_professionals": "School nurses: waiting lists of six weeks.",
        }
    )
    not_yet = await walk.decide(3, LEAD)
    assert not_yet.status_code == 422
    assert {p["field"] for p in not_yet.json()["detail"]} == {
        "evidence.needs_analysis.cited_needs",
        "evidence.needs_analysis.cited_assessments",
    }
    await walk.running.publish_needs_events(need, assessment)

    async def taken_in() -> bool:
        return bool((await walk.gate())["ready"])

    await eventually(taken_in, 60, 0.5)
    officer_tries = await walk.decide(3, OFFICER)
    assert officer_tries.status_code == 403
    assert (await walk.decide(3, LEAD)).status_code == 200
    return str(need.need_id), need.need_key


async def walk_plan(walk: Walk) -> None:
    """Stages 4-5: the Executive Board sets priorities; the JCU approves the model."""
    await walk.evidence(
        agreed_priorities=["Reduce teenage conceptions in Easington"],
        resources=[
            {"source": "Teenage Pregnancy Grant", "description": "External", "amount": "120000"}
        ],
    )
    lead_tries = await walk.decide(4, LEAD)
    assert lead_tries.status_code == 403
    assert "executive_board" in lead_tries.json()["detail"]["rule"]
    assert (await walk.decide(4, BOARD)).status_code == 200
    await walk.evidence(service_model="Outreach sexual health service", stakeholder_engagement="")
    refused = await walk.decide(5, JCU)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["evidence.stakeholder_engagement"]
    await walk.evidence(stakeholder_engagement="Stakeholder event, 12 March; draft circulated.")
    sent_back = await walk.decide(5, JCU, approve=False, reasons="Shift further to prevention")
    assert sent_back.status_code == 200 and sent_back.json()["stage"] == 5
    assert (await walk.decide(5, JCU)).status_code == 200


SPECIFICATION = {
    "decision": "redesign",
    "service_description": "Outreach sexual health service for Easington",
    "route": "open_tender",
    "estimated_value": "450000.00",
    "specification_summary": "Drop-in clinics in every secondary school cluster.",
    "kpis": [
        {
            "kpi": "Under-18 conception rate",
            "outcome": "be_healthy",
            "target": "Below the England rate by 2028",
            "indicator_id": "teenage_conceptions",
        }
    ],
}


async def walk_do(walk: Walk) -> dict[str, Any]:
    """Stages 6-8: the decision asks procurement for the service; partners pool budgets."""
    without_route = {k: v for k, v in SPECIFICATION.items() if k != "route"}
    await walk.evidence(commissioning=without_route)
    refused = await walk.decide(6, JCU)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["evidence.commissioning.route"]
    await walk.evidence(commissioning=SPECIFICATION)
    assert (await walk.decide(6, JCU)).status_code == 200
    [request] = await walk.running.events_of_type("ProcurementRequested", 1)

    assert (await walk.decide(7, JCU)).status_code == 422
    await walk.evidence(
        contributions=[
            {"agency": "nhs-county-durham", "amount": "300000"},
            {"agency": "durham-county-council", "amount": "150000"},
        ]
    )
    assert (await walk.decide(7, JCU)).status_code == 200
    await walk.evidence(market_analysis="Three local providers", workforce_plan="Train 6 nurses")
    assert (await walk.decide(8, LEAD)).status_code == 200
    return request


async def test_a_project_goes_from_stage_1_to_9_on_evidence_and_decisions(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        walk = await start(running)
        _, need_key = await walk_assess(walk)
        await walk_plan(walk)
        request = await walk_do(walk)

        payload = request["payload"]
        assert request["subject"] == f"project/{walk.id}"
        assert request["locality"] == LOCALITY
        assert payload["project_id"] == walk.id
        assert payload["decision"] == "redesign"
        assert payload["estimated_value"] == "450000.00"
        assert payload["level"] == "locality"
        assert payload["localities"] == [LOCALITY]
        assert payload["outcomes"] == ["be_healthy"]
        assert payload["route"] == "open_tender"
        assert payload["outcome_specification"]["kpis"][0]["target"] == (
            "Below the England rate by 2028"
        )

        award = await running.client.post(
            f"/projects/{walk.id}/contract-awards",
            json={
                "contract_ref": "CON-2027-014",
                "provider": "Easington Health Outreach CIC",
                "value": "440000.00",
                "awarded_at": "2027-02-01T09:00:00Z",
            },
            headers=running.token(*JCU),
        )
        assert award.status_code == 201, award.text
        walk.version = award.json()["version"]
        assert award.json()["contract_awards"][0]["contract_ref"] == "CON-2027-014"
        review = await running.client.post(
            f"/projects/{walk.id}/performance-reviews",
            json={
                "summary": "Clinic waiting times over target; escalated to the JCU",
                "rating": "amber",
                "escalated": True,
                "reviewed_at": "2027-06-30T12:00:00Z",
            },
            headers=running.token(*LEAD),
        )
        assert review.status_code == 201, review.text
        walk.version = review.json()["version"]
        assert review.json()["performance_reviews"][0]["escalated"] is True

        assert (await walk.decide(9, JCU)).status_code == 422
        await walk.evidence(
            monitoring={"officer": "A. Officer", "performance_criteria": ["conception rate"]}
        )
        done = await walk.decide(9, JCU)
        assert done.status_code == 200
        assert done.json()["status"] == "completed"

        document = await running.client.get(
            f"/projects/{walk.id}/strategy",
            params={"format": "markdown"},
            headers=running.token(*BOARD),
        )
        assert document.headers["content-type"].startswith("text/markdown")
        assert document.text.count("\n## ") == 9
        assert "Gap." not in document.text
        assert need_key in document.text
        pdf = await running.client.get(
            f"/projects/{walk.id}/strategy",
            params={"format": "pdf"},
            headers=running.token(*BOARD),
        )
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")

        audit = await running.client.get(
            f"/projects/{walk.id}/audit", headers=running.token(*BOARD)
        )
        decisions = [
            (e["action"], e["detail"].get("stage"), e["actor"])
            for e in audit.json()
            if e["action"].startswith("gate_")
        ]
        assert decisions == [
            ("gate_approved", 1, "decider"),
            ("gate_approved", 2, "decider"),
            ("gate_approved", 3, "decider"),
            ("gate_approved", 4, "decider"),
            ("gate_refused", 5, "decider"),
            ("gate_approved", 5, "decider"),
            ("gate_approved", 6, "decider"),
            ("gate_approved", 7, "decider"),
            ("gate_approved", 8, "decider"),
            ("gate_approved", 9, "decider"),
        ]
        refusal = next(e for e in audit.json() if e["action"] == "gate_refused")
        assert refusal["reasons"] == "Shift further to prevention"
        assert refusal["roles"] == ["jcu"]


async def test_a_need_resolved_after_needs_analysis_flags_the_project_for_review(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        walk = await start(running)
        need_id, need_key = await walk_assess(walk)
        cited = need_identified(LOCALITY, ["be_healthy"])
        cited = cited.model_copy(update={"need_id": uuid.UUID(need_id), "need_key": need_key})
        await running.publish_needs_events(need_resolved(cited))

        [flagged] = await running.events_of_type("ProjectFlaggedForReview", 1)
        assert flagged["payload"]["reason"] == "need_resolved"
        assert flagged["payload"]["need_id"] == need_id
        project = await running.client.get(f"/projects/{walk.id}", headers=running.token(*JCU))
        assert project.json()["status"] == "flagged_for_review"


async def test_a_stale_version_is_refused_and_nothing_is_overwritten(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        walk = await start(running)
        headers = running.token(*LEAD)
        first = await running.client.patch(
            f"/projects/{walk.id}",
            json={"title": "First edit"},
            headers={**headers, "If-Match": '"1"'},
        )
        assert first.status_code == 200
        second = await running.client.patch(
            f"/projects/{walk.id}",
            json={"title": "Second edit"},
            headers={**headers, "If-Match": '"1"'},
        )
        assert second.status_code == 412
        assert second.json()["detail"]["field"] == "If-Match"
        missing = await running.client.patch(
            f"/projects/{walk.id}", json={"title": "Third"}, headers=headers
        )
        assert missing.status_code == 428
        current = await running.client.get(f"/projects/{walk.id}", headers=headers)
        assert current.json()["title"] == "First edit"
        assert current.headers["ETag"] == '"2"'
