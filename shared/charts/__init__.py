"""Accessible charts rendered on the server as SVG: pure functions from plain data to markup,
nothing fetched at run time and no JavaScript (WCAG 2.2 AA). Each chart is an image with a
title and description, followed by its data as a table."""

from shared.charts.bars import Budget, budget_bars, stage_bars, value_bars
from shared.charts.figure import Figure, Html, Table
from shared.charts.rag import rag_bar, rag_grid, rag_summary
from shared.charts.scorecard import ScorecardRow, scorecard
from shared.charts.spine import SpineRow, spine_chart
from shared.charts.trend import TrendPoint, trend_chart

__all__ = [
    "Budget",
    "Figure",
    "Html",
    "ScorecardRow",
    "SpineRow",
    "Table",
    "TrendPoint",
    "budget_bars",
    "rag_bar",
    "rag_grid",
    "rag_summary",
    "scorecard",
    "spine_chart",
    "stage_bars",
    "trend_chart",
    "value_bars",
]
