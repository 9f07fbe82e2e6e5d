"""The strategy document follows the Urbanham template's nine sections (toolkit appendix
1), filled from the project's data, with gaps shown as gaps; the scoping questions
(Urbanham, section 8 and toolkit appendix 2) are a checklist with answers."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from services.projects.application import strategy as use_cases
from services.projects.application.errors import StaleVersion, Unprocessable
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.evidence import (
    Commissioning,
    Contribution,
    Decision,
    Evidence,
    KpiTarget,
    Monitoring,
    NeedsAnalysis,
    Resource,
    Route,
)
from services.projects.domain.project import Level, Project
from services.projects.domain.scoping import QUESTIONS, unanswered
from services.projects.domain.strategy import GAP, CitedNeed, markdown, strategy, to_html
from shared.auth import Role
from tests.projects.unit.conftest import caller, project_at
from tests.projects.unit.fakes import FakeDatabase

TITLES = [
    "Summary",
    "Introduction",
    "National and local guidance and research",
    "Needs assessment",
    "Service review",
    "Gap analysis and the design of future provision",
    "Procurement and market management plans",
    "Monitoring arrangements",
    "Appendices",
]

BARE = Project(
    project_id=uuid.uuid4(),
    title="Teenage pregnancy <Easington>",
    level=Level.LOCALITY,
    localities=("easington",),
    target_groups=(),
    outcomes=("be_healthy",),
    lead_commissioner="Lead",
    commissioning_officer="Officer",
    priority_id=None,
)

WORKED = replace(
    BARE,
    scoping={n: f"answer {n}" for n in QUESTIONS},
    evidence=Evidence(
        outcome_baseline="rising",
        group_outcomes="looked-after twice the rate",
        needs_analysis=NeedsAnalysis("worse", (uuid.uuid4(),), (), "c", "f", "p"),
        agreed_priorities=("reduce conceptions",),
        resources=(Resource("grant", "external", Decimal("120000")),),
        service_model="outreach",
        stakeholder_engagement="event",
        commissioning=Commissioning(
            Decision.REDESIGN, "outreach", "", Route.OPEN_TENDER, Decimal("450000"), "clinics",
            (KpiTarget("rate", "be_healthy", "below England"),),
        ),
        contributions=(Contribution("nhs-county-durham", Decimal("300000")),),
        market_analysis="3 providers",
        workforce_plan="train",
        monitoring=Monitoring("Officer", ("rate",)),
    ),
)  # fmt: skip


def test_a_fully_worked_project_fills_every_section_in_the_templates_order() -> None:
    sections = strategy(WORKED, "Reduce teenage conceptions", [CitedNeed("tc/locality/e", True)])
    assert [s.title for s in sections] == TITLES
    assert [s.number for s in sections] == list(range(1, 10))
    assert [s.title for s in sections if s.gap] == []
    text = markdown(WORKED.title, sections)
    assert GAP not in text
    assert "Need cited: tc/locality/e" in text
    assert "Key improvement priority: Reduce teenage conceptions." in text


def test_a_new_project_shows_its_gaps_as_gaps() -> None:
    sections = strategy(BARE, None, [])
    assert [s.title for s in sections if s.gap] == [t for t in TITLES if t != "Introduction"]
    assert markdown(BARE.title, sections).count(f"> **Gap.** {GAP}") == 8
    assert to_html(BARE.title, sections).count('<p class="gap">') == 8


def test_the_html_escapes_what_users_typed() -> None:
    page = to_html(BARE.title, strategy(BARE, None, []))
    assert "<Easington>" not in page
    assert "Teenage pregnancy &lt;Easington&gt;" in page


def test_a_resolved_need_is_shown_as_resolved() -> None:
    text = markdown(WORKED.title, strategy(WORKED, None, [CitedNeed("tc/x", False)]))
    assert "Need cited: tc/x (since resolved)" in text


def test_the_checklist_lists_the_questions_still_unanswered() -> None:
    assert unanswered({}) == list(range(1, 19))
    assert unanswered({1: "the trust's", 2: "  "}) == list(range(2, 19))


async def test_answers_are_merged_and_an_empty_answer_clears_one(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    project = project_at(db, 1, scoping={1: "the trust's", 2: "the board"})
    officer = caller(Role.COMMISSIONING_OFFICER)
    given = use_cases.ScopingAnswers(answers={2: "", 5: "2026-2029"})
    async with uows() as uow:
        changed = await use_cases.answer_scoping(uow, officer, project.project_id, 1, given)
        await uow.commit()
    assert changed.scoping == {1: "the trust's", 5: "2026-2029"}
    async with uows() as uow:
        with pytest.raises(StaleVersion):
            await use_cases.answer_scoping(uow, officer, project.project_id, 1, given)
        with pytest.raises(Unprocessable) as refused:
            await use_cases.answer_scoping(
                uow, officer, project.project_id, 2, use_cases.ScopingAnswers(answers={19: "x"})
            )
    assert refused.value.problems[0].field == "answers"
