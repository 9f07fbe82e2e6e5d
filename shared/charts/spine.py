"""Spine charts, as national public health profiles (Fingertips) draw them: each indicator's
value for an area, with its 95% confidence interval, against the range of the comparator
areas (lowest, 25th to 75th percentile, highest) and the benchmark at the centre.

Better is always to the right: a "low is good" indicator is drawn mirrored. The comparison
is the one the needs service made (it is not recomputed here); its colour comes with its
shape and its word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.figure import Figure, Table
from shared.charts.palette import GRID, INK, MUTED, RANGE_INNER, RANGE_OUTER, comparison_status
from shared.charts.svg import clip, document, key_of, line, marker, number, rect, text

LABEL = 250
VALUE = 70
SPINE = 300
WORD = 120
ROW = 34


@dataclass(frozen=True)
class SpineRow:
    """One indicator: the area's value and interval, the benchmark, the comparators' spread
    (lowest, quartiles, highest; without them the spine is a plain axis through the
    benchmark, as for an indicator published without other areas' values)."""

    indicator: str
    period: str
    value: float
    benchmark: float
    lowest: float | None = None
    q1: float | None = None
    q3: float | None = None
    highest: float | None = None
    comparison: str = "not compared"
    lower: float | None = None
    upper: float | None = None
    polarity: str = "high is good"


@dataclass(frozen=True)
class Scale:
    """Maps a value onto the spine: benchmark at the centre, better to the right."""

    left: float
    width: float
    benchmark: float
    half: float
    mirrored: bool

    @classmethod
    def of(cls, row: SpineRow, left: float, width: float) -> Scale:
        ends = [row.lowest, row.highest, row.value, row.lower, row.upper]
        half = max(abs(v - row.benchmark) for v in ends if v is not None) or 1.0
        return cls(left, width, row.benchmark, half * 1.05, row.polarity == "low is good")

    def x(self, value: float) -> float:
        offset = (value - self.benchmark) / self.half
        if self.mirrored:
            offset = -offset
        return self.left + self.width / 2 * (1 + offset)


def spine_row_svg(row: SpineRow, scale: Scale, y: float) -> str:
    """The spine of one row, centred on `y`: range, quartiles, benchmark, interval, value."""
    parts = [line(scale.left, y, scale.left + scale.width, y, GRID, 1)]
    if row.lowest is not None and row.highest is not None:
        a, b = sorted((scale.x(row.lowest), scale.x(row.highest)))
        parts.append(rect(a, y - 8, b - a, 16, RANGE_OUTER))
    if row.q1 is not None and row.q3 is not None:
        c, d = sorted((scale.x(row.q1), scale.x(row.q3)))
        parts.append(rect(c, y - 8, d - c, 16, RANGE_INNER))
    parts.append(line(scale.x(row.benchmark), y - 12, scale.x(row.benchmark), y + 12, INK, 2))
    if row.lower is not None and row.upper is not None:
        lo, hi = scale.x(row.lower), scale.x(row.upper)
        parts.append(line(lo, y, hi, y, INK, 1.5))
        parts += [line(v, y - 5, v, y + 5, INK, 1.5) for v in (lo, hi)]
    parts.append(marker(scale.x(row.value), y, comparison_status(row.comparison)))
    return "".join(parts)


def describe(row: SpineRow, comparator: str) -> str:
    interval = (
        f" (95% interval {number(row.lower)} to {number(row.upper)})"
        if row.lower is not None and row.upper is not None
        else ""
    )
    return (
        f"{row.indicator}, {row.period}: {number(row.value)}{interval}; "
        f"{comparator} {number(row.benchmark)}; {comparison_status(row.comparison).word.lower()}."
    )


def spine_chart(caption: str, rows: Sequence[SpineRow], comparator: str = "England") -> Figure:
    """Every row's spine under a heading line, with its value and comparison in words."""
    key = key_of("spine", caption, tuple(rows), comparator)
    width = LABEL + VALUE + SPINE + WORD
    parts = [
        text(4, 16, "Indicator", bold=True),
        text(LABEL + VALUE - 6, 16, "Value", anchor="end", bold=True),
        text(
            LABEL + VALUE + SPINE / 2,
            16,
            f"{comparator} range · worse ← → better",
            anchor="middle",
            fill=MUTED,
        ),
        text(LABEL + VALUE + SPINE + 8, 16, "Compared", bold=True),
    ]
    for i, row in enumerate(rows):
        y = 24 + ROW * i + ROW / 2
        scale = Scale.of(row, LABEL + VALUE + 6, SPINE - 12)
        parts += [
            text(4, y + 4, clip(row.indicator, LABEL // 7)),
            text(LABEL + VALUE - 6, y + 4, number(row.value), anchor="end"),
            spine_row_svg(row, scale, y),
            text(LABEL + VALUE + SPINE + 8, y + 4, comparison_status(row.comparison).word),
        ]
    desc = " ".join(describe(r, comparator) for r in rows) or "No indicators."
    table = Table(
        caption,
        [
            "Indicator",
            "Period",
            "Value",
            "95% interval",
            comparator,
            "Lowest",
            "25th percentile",
            "75th percentile",
            "Highest",
            "Compared with benchmark",
        ],
        [
            [
                r.indicator,
                r.period,
                r.value,
                _interval(r),
                r.benchmark,
                r.lowest,
                r.q1,
                r.q3,
                r.highest,
                comparison_status(r.comparison).word,
            ]
            for r in rows
        ],
    )
    height = 24 + ROW * len(rows) + 8
    return Figure(document(key, width, height, caption, desc, "".join(parts)), table)


def _interval(row: SpineRow) -> str | None:
    if row.lower is None or row.upper is None:
        return None
    return f"{number(row.lower)} to {number(row.upper)}"
