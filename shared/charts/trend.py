"""Trend lines: an indicator's value over periods, its 95% confidence interval as a band,
and the benchmark's values as a dashed line, as national profiles show recent trends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.figure import Figure, Table
from shared.charts.palette import BAND, GRID, INK, LINE, MUTED
from shared.charts.svg import document, key_of, line, number, text

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    lower: float | None = None
    upper: float | None = None
    benchmark: float | None = None


def _bounds(points: Sequence[TrendPoint]) -> tuple[float, float]:
    values = [v for p in points for v in (p.value, p.lower, p.upper, p.benchmark) if v is not None]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    return low - pad, high + pad


def trend_chart(
    caption: str, points: Sequence[TrendPoint], *, unit: str = "", benchmark: str = "England"
) -> Figure:
    """A line over the periods; a missing (withheld) value leaves a gap, never a zero."""
    key = key_of("trend", caption, tuple(points), unit, benchmark)
    low, high = _bounds(points)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (step * i if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - (v - low) / (high - low))

    parts = _axes(low, high, y)
    band = [(i, p) for i, p in enumerate(points) if p.lower is not None and p.upper is not None]
    if len(band) > 1:
        upper = " ".join(f"{x(i):.1f},{y(p.upper or 0):.1f}" for i, p in band)
        lower = " ".join(f"{x(i):.1f},{y(p.lower or 0):.1f}" for i, p in reversed(band))
        parts.append(f'<polygon points="{upper} {lower}" fill="{BAND}"/>')
    bench = [(i, p.benchmark) for i, p in enumerate(points) if p.benchmark is not None]
    if len(bench) > 1:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in bench)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{MUTED}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    for segment in _segments(points):
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in segment)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        parts.append(text(x(i), HEIGHT - BOTTOM + 18, p.period, anchor="middle"))
        if p.value is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{LINE}" '
                f'stroke="{INK}" stroke-width="1"/>'
            )
    parts.append(_legend(benchmark, bool(bench), bool(band)))
    desc = "; ".join(
        f"{p.period}: {number(p.value) if p.value is not None else 'withheld'}" for p in points
    )
    table = Table(
        caption,
        ["Period", f"Value{f' ({unit})' if unit else ''}", "95% lower", "95% upper", benchmark],
        [[p.period, p.value, p.lower, p.upper, p.benchmark] for p in points],
    )
    return Figure(
        document(key, WIDTH, HEIGHT, caption, desc or "No values.", "".join(parts)), table
    )


def _segments(points: Sequence[TrendPoint]) -> list[list[tuple[int, float]]]:
    segments: list[list[tuple[int, float]]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            segments.append([])
        else:
            segments[-1].append((i, p.value))
    return [s for s in segments if len(s) > 1]


def _axes(low: float, high: float, y: object) -> list[str]:
    assert callable(y)
    parts = [
        line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, GRID),
        line(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, GRID),
    ]
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(line(LEFT - 4, y(v), LEFT, y(v), GRID))
        parts.append(text(LEFT - 8, y(v) + 4, number(v), anchor="end", fill=MUTED))
    return parts


def _legend(benchmark: str, has_benchmark: bool, has_band: bool) -> str:
    parts = [
        line(LEFT + 8, HEIGHT - 8, LEFT + 32, HEIGHT - 8, LINE, 2.5),
        text(LEFT + 38, HEIGHT - 4, "Value"),
    ]
    if has_band:
        parts.append(
            f'<rect x="{LEFT + 100}" y="{HEIGHT - 14}" width="20" height="12" fill="{BAND}"/>'
        )
        parts.append(text(LEFT + 126, HEIGHT - 4, "95% interval"))
    if has_benchmark:
        parts.append(
            f'<line x1="{LEFT + 230}" y1="{HEIGHT - 8}" x2="{LEFT + 254}" y2="{HEIGHT - 8}" '
            f'stroke="{MUTED}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(text(LEFT + 260, HEIGHT - 4, benchmark))
    return "".join(parts)
