"""The CSV export marks a figure as suppressed only where one was withheld."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.needs.application.assessments import CSV_COLUMNS, to_csv


def row(**figures: Any) -> dict[str, Any]:
    base: dict[str, Any] = {column: None for column in CSV_COLUMNS}
    base.update(outcomes=["be-healthy"], breakdown={}, count_suppressed=False)
    base.update(denominator_suppressed=False)
    base.update(figures)
    return base


def exported(*rows: dict[str, Any]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(to_csv(rows, "*"))))


def test_a_suppressed_count_without_a_denominator_leaves_the_denominator_empty() -> None:
    [line] = exported(row(count=None, denominator=None, count_suppressed=True))
    assert line["count"] == "*"
    assert line["denominator"] == ""


def test_a_suppressed_denominator_is_marked_and_a_shown_count_kept() -> None:
    [line] = exported(
        row(count=40, denominator=None, count_suppressed=True, denominator_suppressed=True)
    )
    assert line["count"] == "40"
    assert line["denominator"] == "*"


def test_a_suppressed_count_over_a_shown_denominator_shows_the_denominator() -> None:
    [line] = exported(row(count=None, denominator=1200.0, count_suppressed=True))
    assert (line["count"], line["denominator"]) == ("*", "1200.0")


def test_unsuppressed_figures_are_exported_as_they_are() -> None:
    [line] = exported(row(count=12, denominator=300.0))
    assert (line["count"], line["denominator"]) == ("12", "300.0")
