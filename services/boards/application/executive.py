"""The Children's Executive Board's reads, from its own projection (Durham Children's Trust
framework, section 3, "The Children's Executive Board": it agrees the priorities and the
Annual Commissioning Plan, holds partners to account for outcomes and resources, and
decides what is escalated to it; North Yorkshire, Appendix B: the self-evaluation)."""

from __future__ import annotations

from decimal import Decimal

from services.boards.application.access import require_trust_wide
from services.boards.application.jcu import commitments
from services.boards.application.local_board import RESOLVED, STORY_LIMIT
from services.boards.application.ports import BoardsUnitOfWork
from services.boards.application.reading import alert_view, need_view, project_view, story_view
from services.boards.application.views import (
    AlertView,
    IndicatorScore,
    OutcomeScorecard,
    PriorityProgress,
    ProjectView,
    SelfEvaluationView,
    SpendView,
    StandardScore,
    StoryView,
)
from services.boards.domain import money, progress
from services.boards.domain.documents import Board, Kind
from shared.auth import Principal

EXECUTIVE = "Executive Board"


async def plan_progress(uow: BoardsUnitOfWork, principal: Principal) -> list[PriorityProgress]:
    """Each agreed priority with its projects and how far through the cycle they are."""
    require_trust_wide(principal, EXECUTIVE)
    store = uow.store(Board.EXECUTIVE)
    projects = [project_view(d) for d in await store.documents(Kind.PROJECT)]
    found = []
    for d in await store.documents(Kind.PRIORITY):
        mine = [p for p in projects if p.priority_id == d.key]
        planned = [progress.PlannedProject(p.project_id, p.title, p.stage, p.status) for p in mine]
        found.append(
            PriorityProgress(
                priority_id=d.key,
                year=d.body["year"],
                title=d.body["title"],
                outcomes=d.body["outcomes"],
                percent_complete=progress.percent(planned),
                projects=mine,
            )
        )
    return sorted(found, key=lambda p: (p.year, p.title))


async def scorecard(uow: BoardsUnitOfWork, principal: Principal) -> list[OutcomeScorecard]:
    """Per outcome, the indicators the needs service has published needs on: value with
    interval against benchmark, and trend (Fingertips-style)."""
    require_trust_wide(principal, EXECUTIVE)
    needs = [need_view(d) for d in await uow.store(Board.EXECUTIVE).documents(Kind.NEED)]
    outcomes = sorted({o for n in needs for o in n.outcomes})
    return [
        OutcomeScorecard(
            outcome=outcome,
            open_needs=sum(1 for n in needs if outcome in n.outcomes and n.state != RESOLVED),
            indicators=[
                IndicatorScore(
                    need_key=n.need_key,
                    indicator_name=n.indicator_name,
                    area=n.area,
                    state=n.state,
                    period=n.period,
                    value=n.value,
                    lower95=n.lower95,
                    upper95=n.upper95,
                    benchmark=n.benchmark,
                    comparison=n.comparison,
                    trend=n.trend,
                )
                for n in sorted(needs, key=lambda n: n.need_key)
                if outcome in n.outcomes
            ],
        )
        for outcome in outcomes
    ]


async def escalations(uow: BoardsUnitOfWork, principal: Principal) -> list[AlertView]:
    """Alerts raised for, or escalated to, the Executive Board and not yet resolved."""
    require_trust_wide(principal, EXECUTIVE)
    alerts = await uow.store(Board.EXECUTIVE).documents(Kind.ALERT)
    return [
        alert_view(d)
        for d in alerts
        if d.body["state"] != RESOLVED
        and (d.body["audience"] == "executive_board" or d.body["state"] == "escalated")
    ]


async def decisions(uow: BoardsUnitOfWork, principal: Principal) -> list[ProjectView]:
    """Projects standing at a stage whose gate the Executive Board decides (4 and 7)."""
    require_trust_wide(principal, EXECUTIVE)
    projects = [project_view(d) for d in await uow.store(Board.EXECUTIVE).documents(Kind.PROJECT)]
    return [
        p
        for p in projects
        if progress.awaits_executive_board(
            progress.PlannedProject(p.project_id, p.title, p.stage, p.status)
        )
    ]


async def spend(uow: BoardsUnitOfWork, principal: Principal) -> SpendView:
    """Contracted value by outcome, and committed funding by partner."""
    require_trust_wide(principal, EXECUTIVE)
    contracts = list(await uow.store(Board.EXECUTIVE).documents(Kind.CONTRACT))
    outcomes = money.by_outcome([(Decimal(d.body["value"]), d.body["outcomes"]) for d in contracts])
    partners = money.by_partner(commitments(contracts))
    return SpendView(
        by_outcome={k: str(v) for k, v in outcomes.items()},
        by_partner={k: str(v) for k, v in partners.items()},
    )


async def self_evaluations(uow: BoardsUnitOfWork, principal: Principal) -> list[SelfEvaluationView]:
    """The trust's scores against the thirteen standards, oldest first."""
    require_trust_wide(principal, EXECUTIVE)
    found = [
        SelfEvaluationView(
            evaluation_id=d.key,
            as_of=d.body["as_of"],
            mean_score=str(progress.mean_score([Decimal(s["score"]) for s in d.body["scores"]])),
            scores=[StandardScore(**s) for s in d.body["scores"]],
        )
        for d in await uow.store(Board.EXECUTIVE).documents(Kind.SELF_EVALUATION)
    ]
    return sorted(found, key=lambda e: (e.as_of, e.evaluation_id))


async def executive_story(
    uow: BoardsUnitOfWork, principal: Principal, limit: int = STORY_LIMIT
) -> list[StoryView]:
    """What happened, newest first."""
    require_trust_wide(principal, EXECUTIVE)
    return [story_view(s) for s in await uow.store(Board.EXECUTIVE).story(None, limit)]
