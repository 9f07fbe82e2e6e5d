"""The trust scores itself against the thirteen commissioning standards (North Yorkshire,
paragraph 4.2 and Appendix B) at any date; the history and the movement are kept and
published."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.projects.application import self_evaluation as use_cases
from services.projects.application.errors import Unprocessable
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.standards import STANDARDS, score_rule
from shared.auth import Role
from shared.contracts.projects import SelfEvaluationRecorded
from tests.projects.unit.conftest import caller
from tests.projects.unit.fakes import FakeDatabase

JCU = caller(Role.JCU, name="jcu-chair")
NORTH_YORKSHIRE_2009 = {1: "4", 2: "2", 6: "4", 8: "3", 10: "2", 11: "2"}
"""North Yorkshire's scores in March 2009 (Appendix B); the rest were '1/2'."""


def evaluation(as_of: date, scores: dict[int, str]) -> use_cases.EvaluationFields:
    return use_cases.EvaluationFields.model_validate(
        {
            "as_of": as_of,
            "scores": [
                {"standard": n, "score": scores.get(n, "1.5"), "evidence": "workshop"}
                for n in STANDARDS
            ],
        }
    )


def test_there_are_thirteen_standards() -> None:
    assert list(STANDARDS) == list(range(1, 14))


@pytest.mark.parametrize(
    ("score", "valid"),
    [("1", True), ("1.5", True), ("5", True), ("0.5", False), ("5.5", False), ("2.3", False)],
)
def test_scores_run_from_1_to_5_in_half_points(score: str, valid: bool) -> None:
    """Appendix B, "Scoring criteria"; "1/2" is between 1 and 2."""
    assert (score_rule(Decimal(score)) is None) is valid


async def test_history_keeps_every_evaluation_with_its_movement(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    async with uows() as uow:
        await use_cases.record_self_evaluation(
            uow, JCU, evaluation(date(2009, 3, 31), NORTH_YORKSHIRE_2009)
        )
        await uow.commit()
    improved = {**NORTH_YORKSHIRE_2009, 4: "3", 8: "3.5"}
    async with uows() as uow:
        _, moved = await use_cases.record_self_evaluation(
            uow, JCU, evaluation(date(2010, 3, 31), improved)
        )
        await uow.commit()
    assert moved[4] == Decimal("1.5") and moved[8] == Decimal("0.5") and moved[1] == 0
    async with uows() as uow:
        found = await use_cases.history(uow)
    assert [e.as_of.year for e, _ in found] == [2009, 2010]
    assert found[0][1] == {} and found[1][1][4] == Decimal("1.5")
    first, second = db.events(SelfEvaluationRecorded)
    assert first.scores[0].movement is None
    assert second.scores[3].movement == Decimal("1.5")
    assert second.recorded_by == "jcu-chair"


async def test_an_evaluation_scores_every_standard_once(uows: UnitOfWorkFactory) -> None:
    fields = evaluation(date(2026, 3, 31), {})
    partial = fields.model_copy(update={"scores": fields.scores[:12]})
    twice = fields.model_copy(update={"scores": [*fields.scores[:12], fields.scores[0]]})
    async with uows() as uow:
        with pytest.raises(Unprocessable, match="missing: \\[13\\]"):
            await use_cases.record_self_evaluation(uow, JCU, partial)
        with pytest.raises(Unprocessable, match="scored once"):
            await use_cases.record_self_evaluation(uow, JCU, twice)
