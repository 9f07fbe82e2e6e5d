"""RAG per KPI against target and tolerances, with polarity; the contract's status; the
trend; the PA2023 rating (Procurement Act 2023, section 71)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.monitoring.domain.rag import Rating, Trend, contract_status, rag, rating, trend
from shared.contracts.monitoring import Kpi, Rag
from tests.monitoring.unit.fakes import attendance_kpi, waiting_kpi


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (95, Rag.GREEN),
        (90, Rag.GREEN),
        (88, Rag.GREEN),
        (87.9, Rag.AMBER),
        (80, Rag.AMBER),
        (79.9, Rag.RED),
    ],
)
def test_higher_is_better_falls_to_amber_then_red_as_the_value_drops(
    value: float, expected: Rag
) -> None:
    assert rag(attendance_kpi(), value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, Rag.GREEN), (14, Rag.GREEN), (15, Rag.AMBER), (28, Rag.AMBER), (29, Rag.RED)],
)
def test_lower_is_better_falls_to_amber_then_red_as_the_value_rises(
    value: float, expected: Rag
) -> None:
    assert rag(waiting_kpi(), value) is expected


def test_the_same_value_is_green_or_red_depending_on_polarity() -> None:
    higher = waiting_kpi(polarity="higher_is_better")
    assert rag(waiting_kpi(), 40) is Rag.RED
    assert rag(higher, 40) is Rag.GREEN


def test_the_pa2023_rating_distinguishes_met_from_within_tolerance() -> None:
    kpi = attendance_kpi()
    assert rating(kpi, 91) is Rating.GOOD
    assert rating(kpi, 89) is Rating.APPROACHING_TARGET
    assert rating(kpi, 85) is Rating.REQUIRES_IMPROVEMENT
    assert rating(kpi, 70) is Rating.INADEQUATE


def test_a_contract_is_as_red_as_its_worst_kpi() -> None:
    assert contract_status([Rag.GREEN, Rag.AMBER]) is Rag.AMBER
    assert contract_status([Rag.GREEN, Rag.RED, Rag.AMBER]) is Rag.RED
    assert contract_status([Rag.GREEN]) is Rag.GREEN


def test_the_trend_follows_polarity() -> None:
    assert trend(attendance_kpi(), [90, 85]) is Trend.WORSENING
    assert trend(waiting_kpi(), [20, 15]) is Trend.IMPROVING
    assert trend(waiting_kpi(), [15, 15]) is Trend.STABLE
    assert trend(waiting_kpi(), [15]) is Trend.UNKNOWN


def test_a_kpi_whose_amber_tolerance_is_not_below_its_red_tolerance_is_refused() -> None:
    with pytest.raises(ValidationError, match="amber_tolerance must be less than red_tolerance"):
        Kpi.model_validate(
            {
                "id": "x",
                "name": "x",
                "polarity": "higher_is_better",
                "target": 1,
                "amber_tolerance": 5,
                "red_tolerance": 5,
            }
        )
