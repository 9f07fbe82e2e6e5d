"""The chart library (shared.charts): accessible SVG drawn on the server from plain data.
Each chart is an image named by its title and described in words, followed by its data as a
table; colour never carries meaning alone; every text colour meets 4.5:1 (WCAG 2.2 AA)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from shared.charts import (
    Budget,
    ScorecardRow,
    SpineRow,
    TrendPoint,
    budget_bars,
    rag_bar,
    rag_grid,
    scorecard,
    spine_chart,
    stage_bars,
    trend_chart,
)
from shared.charts.palette import (
    COMPARISON,
    GRID,
    INK,
    LINE,
    MUTED,
    PAGE,
    RAG,
    RANGE_INNER,
    RANGE_OUTER,
    comparison_status,
    contrast,
)
from shared.charts.spine import Scale

SVG = "{http://www.w3.org/2000/svg}"

SMOKING = SpineRow(
    "Smoking at time of delivery",
    "2024/25",
    value=14.2,
    lower=12.9,
    upper=15.6,
    benchmark=8.8,
    lowest=2.1,
    q1=6.0,
    q3=11.0,
    highest=19.5,
    comparison="worse",
    polarity="low is good",
)
READINESS = SpineRow(
    "School readiness",
    "2024/25",
    value=70.1,
    benchmark=67.7,
    lowest=58.0,
    q1=65.0,
    q3=70.0,
    highest=76.0,
    comparison="better (99.8%)",
)


def image(svg: str) -> ET.Element:
    """Parses the SVG (it must be well-formed) and checks it is a named, described image."""
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in svg  # presentation attributes only: pages forbid inline styles
    return root


def words(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_every_text_colour_meets_4_5_to_1_and_every_line_3_to_1() -> None:
    for status in [*RAG.values(), *COMPARISON.values()]:
        assert contrast(status.ink, status.fill) >= 4.5, status
    for ink in (INK, MUTED):
        assert contrast(ink, PAGE) >= 4.5
    for graphic in (GRID, LINE):
        assert contrast(graphic, PAGE) >= 3


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_a_spine_chart_puts_better_to_the_right_whatever_the_polarity() -> None:
    low_is_good = Scale.of(SMOKING, 0, 200)
    assert low_is_good.x(SMOKING.value) < low_is_good.x(SMOKING.benchmark) == 100
    high_is_good = Scale.of(READINESS, 0, 200)
    assert high_is_good.x(READINESS.value) > high_is_good.x(READINESS.benchmark)
    assert SMOKING.highest is not None and SMOKING.lowest is not None
    assert 0 <= low_is_good.x(SMOKING.highest) <= low_is_good.x(SMOKING.lowest) <= 200


def test_a_spine_chart_says_each_comparison_in_words_and_shapes_and_tabulates_it() -> None:
    figure = spine_chart("Health and wellbeing", [SMOKING, READINESS])
    root = image(figure.svg)
    assert {"Worse", "Better (99.8%)"} <= set(words(figure.svg))
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "95% interval 12.9 to 15.6" in (desc.text or "")
    assert comparison_status("worse").shape != comparison_status("better").shape
    assert root.find(f".//{SVG}polygon") is not None  # worse: a square, not another circle
    html = figure.html()
    assert '<th scope="row">Smoking at time of delivery</th>' in html
    assert "<td>12.9 to 15.6</td>" in html and "<caption>Health and wellbeing</caption>" in html


def test_a_rag_bar_is_named_by_its_counts_and_patterns_amber_and_red() -> None:
    svg = rag_bar(4, 1, 1, name="Family support")
    root = image(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Family support: 4 green, 1 amber, 1 red"
    fills = [r.get("fill") or "" for r in root.iter(f"{SVG}rect")]
    assert any(f.endswith("-stripes)") for f in fills) and any(f.endswith("-hatch)") for f in fills)
    assert "no returns" in words(rag_bar(0, 0, 0))


def test_a_rag_grid_writes_every_status_in_its_cell() -> None:
    grid = rag_grid(
        "Contracts by month",
        ["2025-04", "2025-05"],
        {"Family support": {"2025-04": "green", "2025-05": "red"}, "Youth work": {}},
    )
    image(grid.svg)
    assert words(grid.svg).count("Red") == 1 and words(grid.svg).count("Green") == 1
    assert "<td>No data</td>" in grid.table.html()


def test_a_trend_leaves_a_gap_for_a_withheld_value_and_draws_the_interval() -> None:
    points = [
        TrendPoint("2021", 10, 9, 11, 8),
        TrendPoint("2022", 11, 10, 12, 8.5),
        TrendPoint("2023", None),
        TrendPoint("2024", 12, 11, 13, 9),
        TrendPoint("2025", 13, 12, 14, 9),
    ]
    figure = trend_chart("Children in need per 10,000", points, unit="per 10,000")
    root = image(figure.svg)
    lines = [p for p in root.iter(f"{SVG}polyline") if p.get("stroke") == LINE]
    assert len(lines) == 2  # 2021-22 and 2024-25, no line through the withheld year
    assert root.find(f"{SVG}polygon") is not None  # the 95% band
    assert "2023: withheld" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert '<tr><th scope="row">2023</th><td>–</td>' in figure.table.html()


def test_stage_bars_and_budget_bars_say_their_figures_in_words() -> None:
    stages = stage_bars("Projects by stage", [("Assess", 3), ("Plan", 1), ("Do", 0)])
    image(stages.svg)
    assert words(stages.svg)[:2] == ["Assess", "3"]
    budgets = budget_bars(
        "Pooled budgets",
        [Budget("Early help", 500_000, 350_000), Budget("Short breaks", 100_000, 120_000)],
    )
    root = image(budgets.svg)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "£350,000 of £500,000 committed, £150,000 left" in (desc.text or "")
    assert "overcommitted by £20,000" in (desc.text or "")
    assert "<td>-20,000</td>" in budgets.table.html()


def test_a_scorecard_groups_indicators_under_their_outcome_with_trend_words() -> None:
    html = scorecard(
        "Outcome scorecard",
        [
            ScorecardRow("Be healthy", SMOKING, "improving"),
            ScorecardRow("Be healthy", READINESS, "worsening"),
        ],
    )
    assert html.count('scope="rowgroup"') == 1 and "↗ Improving" in html and "Worsening" in html
    for svg in re.findall(r"<svg.*?</svg>", html):
        image(svg)


def test_labels_are_escaped_never_markup() -> None:
    figure = stage_bars("<script>alert(1)</script>", [("<b>x</b>", 1)])
    assert "<script>" not in figure.html() and "<b>" not in figure.html()
    image(figure.svg)


def test_a_spine_without_the_comparators_spread_is_an_axis_through_the_benchmark() -> None:
    bare = SpineRow("Children in need", "2025", value=350, benchmark=340, comparison="similar")
    figure = spine_chart("Without comparators", [bare])
    root = image(figure.svg)
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("fill") in (RANGE_OUTER, RANGE_INNER)]
    assert "Similar" in words(figure.svg)
    assert "<td>–</td>" in figure.table.html()  # the spread is not invented
