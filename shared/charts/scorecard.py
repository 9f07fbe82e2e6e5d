"""Outcome scorecards for the Executive Board: per outcome, each indicator's latest value
against its benchmark, the comparison and the recent trend, each in words, with a small
spine chart (Durham Children's Trust framework, section 3: the Executive Board holds the
partnership to account for outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.figure import Html, cell
from shared.charts.palette import comparison_status
from shared.charts.spine import Scale, SpineRow, describe, spine_row_svg
from shared.charts.svg import document, esc, key_of

TRENDS = {
    "improving": "↗ Improving",
    "worsening": "↘ Worsening",
    "increasing": "↑ Increasing",
    "decreasing": "↓ Decreasing",
    "no significant change": "→ No significant change",
}


@dataclass(frozen=True)
class ScorecardRow:
    outcome: str
    spine: SpineRow
    trend: str = "cannot be calculated"


def trend_words(trend: str) -> str:
    return TRENDS.get(trend, trend.capitalize())


def mini_spine(row: SpineRow, comparator: str) -> str:
    key = key_of("mini-spine", row, comparator)
    body = spine_row_svg(row, Scale.of(row, 6, 188), 14)
    return document(key, 200, 28, f"Spine chart: {row.indicator}", describe(row, comparator), body)


def scorecard(caption: str, rows: Sequence[ScorecardRow], comparator: str = "England") -> Html:
    """A table: one row per indicator, grouped under its outcome (a row header)."""
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Indicator", "Period", "Value", comparator, "Compared", "Trend", "Spine chart")
    )
    body: list[str] = []
    outcome = None
    for row in rows:
        if row.outcome != outcome:
            outcome = row.outcome
            body.append(
                f'<tr class="group"><th scope="rowgroup" colspan="7">{esc(outcome)}</th></tr>'
            )
        s = row.spine
        status = comparison_status(s.comparison)
        body.append(
            f'<tr><th scope="row">{esc(s.indicator)}</th><td>{esc(s.period)}</td>'
            f"<td>{esc(cell(s.value))}</td><td>{esc(cell(s.benchmark))}</td>"
            f'<td><span class="status status-{esc(status.shape)}">{esc(status.word)}</span></td>'
            f"<td>{esc(trend_words(row.trend))}</td><td>{mini_spine(s, comparator)}</td></tr>"
        )
    return Html(
        f'<table class="scorecard"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
