"""Self-evaluation against the thirteen commissioning standards (North Yorkshire,
paragraph 4.2 and Appendix B): recorded by the JCU or the Executive Board, read by all."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Body, Depends, status
from pydantic import BaseModel, Field

from services.projects.application import self_evaluation as use_cases
from services.projects.application.changes import READERS
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.standards import STANDARDS, SelfEvaluation
from services.projects.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from shared.auth import Principal, Role, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Evaluator = Annotated[Principal, Depends(require_roles(Role.JCU, Role.EXECUTIVE_BOARD))]


class ScoreView(BaseModel):
    standard: int
    title: str
    score: Decimal
    evidence: str
    actions: str
    movement: Decimal | None = Field(description="Since the previous evaluation.")


class EvaluationView(BaseModel):
    evaluation_id: uuid.UUID
    as_of: date
    scores: list[ScoreView]
    recorded_by: str
    recorded_at: datetime


def evaluation_view(e: SelfEvaluation, moved: dict[int, Decimal]) -> EvaluationView:
    return EvaluationView(
        evaluation_id=e.evaluation_id,
        as_of=e.as_of,
        scores=[
            ScoreView(
                standard=s.standard,
                title=STANDARDS[s.standard],
                score=s.score,
                evidence=s.evidence,
                actions=s.actions,
                movement=moved.get(s.standard),
            )
            for s in e.scores
        ],
        recorded_by=e.recorded_by,
        recorded_at=e.recorded_at,
    )


def self_evaluation_router(uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["self-evaluation"])

    @router.post(
        "/self-evaluations",
        summary="Score the trust against the thirteen commissioning standards",
        status_code=status.HTTP_201_CREATED,
        response_model=EvaluationView,
        responses=errors(*AUTHENTICATED, 413, 422),
    )
    async def record(
        principal: Evaluator, fields: Annotated[use_cases.EvaluationFields, Body()]
    ) -> EvaluationView:
        with refusals_as_http():
            async with uows() as uow:
                evaluation, moved = await use_cases.record_self_evaluation(uow, principal, fields)
                await uow.commit()
        return evaluation_view(evaluation, moved)

    @router.get(
        "/self-evaluations",
        summary="Every self-evaluation, oldest first, with movement since the one before",
        response_model=list[EvaluationView],
        responses=errors(*AUTHENTICATED),
    )
    async def history(principal: Reader) -> list[EvaluationView]:
        async with uows() as uow:
            found = await use_cases.history(uow)
        return [evaluation_view(e, moved) for e, moved in found]

    return router
