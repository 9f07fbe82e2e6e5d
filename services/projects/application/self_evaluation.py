"""The trust scores itself against the thirteen commissioning standards at any date; the
history and the movement between evaluations are kept and published (North Yorkshire,
paragraph 4.2, Appendices A and B: commissioning without organisational memory, standard 4)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import now
from services.projects.application.errors import Problem, Unprocessable
from services.projects.application.ports import AuditEntry, ProjectsUnitOfWork
from services.projects.domain.standards import (
    SelfEvaluation,
    StandardScore,
    missing_standards,
    movement,
    score_rule,
)
from shared.auth import Principal
from shared.contracts.projects import SelfEvaluationRecorded, StandardScoreRecord

Text = Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")]


class ScoreFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    standard: int = Field(ge=1, le=13)
    score: Decimal = Field(ge=1, le=5, decimal_places=1, description="1 to 5 in half points.")
    evidence: Text = ""
    actions: Text = ""


class EvaluationFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: date
    scores: list[ScoreFields] = Field(min_length=1, max_length=13)


def _check(fields: EvaluationFields) -> None:
    problems = [
        Problem(f"scores.{i}.score", rule)
        for i, s in enumerate(fields.scores)
        if (rule := score_rule(s.score)) is not None
    ]
    numbers = [s.standard for s in fields.scores]
    if len(set(numbers)) != len(numbers):
        problems.append(Problem("scores", "each standard is scored once"))
    missing = missing_standards(set(numbers))
    if missing:
        problems.append(Problem("scores", f"every standard is scored; missing: {missing}"))
    if problems:
        raise Unprocessable(problems)


async def record_self_evaluation(
    uow: ProjectsUnitOfWork, principal: Principal, fields: EvaluationFields
) -> tuple[SelfEvaluation, dict[int, Decimal]]:
    _check(fields)
    evaluation = SelfEvaluation(
        evaluation_id=uuid.uuid4(),
        as_of=fields.as_of,
        scores=tuple(
            StandardScore(s.standard, s.score, s.evidence, s.actions)
            for s in sorted(fields.scores, key=lambda s: s.standard)
        ),
        recorded_by=principal.subject,
        recorded_at=now(),
    )
    previous = await uow.self_evaluations.latest_before(fields.as_of)
    moved = movement(evaluation, previous)
    await uow.self_evaluations.add(evaluation)
    subject = f"self-evaluation/{evaluation.evaluation_id}"
    await uow.audit.record(
        AuditEntry(subject, principal.subject, tuple(sorted(principal.roles)),
                   "self_evaluation_recorded", evaluation.recorded_at, "",
                   {"as_of": fields.as_of.isoformat()})
    )  # fmt: skip
    uow.publish(
        SelfEvaluationRecorded(
            evaluation_id=evaluation.evaluation_id,
            as_of=evaluation.as_of,
            scores=[
                StandardScoreRecord(
                    standard=s.standard,
                    score=s.score,
                    evidence=s.evidence,
                    actions=s.actions,
                    movement=moved.get(s.standard),
                )
                for s in evaluation.scores
            ],
            recorded_by=evaluation.recorded_by,
            recorded_at=evaluation.recorded_at,
        ),
        subject=subject,
    )
    return evaluation, moved


async def history(
    uow: ProjectsUnitOfWork,
) -> list[tuple[SelfEvaluation, dict[int, Decimal]]]:
    """Every evaluation, oldest first, with its movement since the one before."""
    found = await uow.self_evaluations.all()
    return [(e, movement(e, found[i - 1] if i else None)) for i, e in enumerate(found)]
