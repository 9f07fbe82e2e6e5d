"""Fingertips' recent-trend marker (TrendMarkerCalculator), judged by polarity.

The five most recent points; proportions with counts by Armitage's chi-squared test for
trend, everything else by weighted least squares; significant at qchisq(0.998, 1) when the
slope survives dropping any one point. Split from ``statistics.py``, whose value types and
constants it uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from services.needs.domain.statistics import (
    CI95_WIDTH_IN_STANDARD_ERRORS,
    NO_TREND_VALUE_TYPES,
    TREND_CHI_SQUARED_CRITICAL,
    TREND_POINTS,
    IndicatorValue,
    MeasureKind,
    Polarity,
    TrendDirection,
    TrendJudgement,
    check_proportion,
)


@dataclass(frozen=True)
class TrendPoint:
    """One period of an indicator's series; counts are needed for the proportion test."""

    value: float
    lower95: float
    upper95: float
    count: int | None = None
    denominator: int | None = None

    @classmethod
    def of(
        cls, value: IndicatorValue, count: int | None = None, denominator: int | None = None
    ) -> TrendPoint:
        return cls(value.value, value.lower95, value.upper95, count, denominator)


@dataclass(frozen=True)
class RecentTrend:
    """Outcome of the recent-trend test, with the statistic kept for audit."""

    direction: TrendDirection
    chi_squared: float | None = None
    points_used: int = 0


def recent_trend(points: Sequence[TrendPoint], value_type: MeasureKind) -> RecentTrend:
    """Fingertips recent-trend marker (TrendMarkerCalculator).

    ``points`` run oldest to newest; the five most recent are used. Proportions with a
    count and denominator on every point use the chi-squared test for trend (Armitage);
    everything else weighted least squares on the value with weight 1/se^2, se from the
    95% limits. Significant when the statistic exceeds qchisq(0.998, 1) = 9.5495 and the
    slope keeps its sign whichever one point is dropped (TrendMarkerCalculator); a slope of
    exactly 0 is no significant change. As Fingertips, no trend is calculated for counts
    and means, nor for a proportion with a period at 100% (its logit is unbounded).
    """
    if len(points) < TREND_POINTS or value_type in NO_TREND_VALUE_TYPES:
        return RecentTrend(TrendDirection.CANNOT_BE_CALCULATED)
    recent = tuple(points[-TREND_POINTS:])
    by_counts = value_type is MeasureKind.PROPORTION and all(
        p.count is not None and p.denominator is not None for p in recent
    )
    if by_counts and any(p.count == p.denominator for p in recent):
        return RecentTrend(TrendDirection.CANNOT_BE_CALCULATED)
    if by_counts:
        return _proportion_trend(recent)
    return _weighted_trend(recent)


def judge_trend(direction: TrendDirection, polarity: Polarity) -> TrendJudgement:
    """Map a trend direction to improving/worsening by polarity, as Fingertips colours it."""
    if direction is TrendDirection.NO_SIGNIFICANT_CHANGE:
        return TrendJudgement.NO_SIGNIFICANT_CHANGE
    if direction is TrendDirection.CANNOT_BE_CALCULATED:
        return TrendJudgement.CANNOT_BE_CALCULATED
    rising = direction is TrendDirection.INCREASING
    if polarity is Polarity.NO_JUDGEMENT:
        return TrendJudgement.INCREASING if rising else TrendJudgement.DECREASING
    good = rising == (polarity is Polarity.HIGH_IS_GOOD)
    return TrendJudgement.IMPROVING if good else TrendJudgement.WORSENING


def _weighted_trend(points: tuple[TrendPoint, ...]) -> RecentTrend:
    weights = []
    for point in points:
        standard_error = (point.upper95 - point.lower95) / CI95_WIDTH_IN_STANDARD_ERRORS
        if not standard_error > 0:
            return RecentTrend(TrendDirection.CANNOT_BE_CALCULATED)
        weights.append(1 / standard_error**2)
    times = [float(t) for t in range(1, len(points) + 1)]
    values = [p.value for p in points]

    slope, slope_variance = _weighted_slope(times, values, weights)
    chi_squared = slope**2 / slope_variance
    drop_one = [
        _weighted_slope(_without(times, i), _without(values, i), _without(weights, i))[0]
        for i in range(len(points))
    ]
    return _decide(slope, drop_one, chi_squared)


def _weighted_slope(
    times: Sequence[float], values: Sequence[float], weights: Sequence[float]
) -> tuple[float, float]:
    s_w = sum(weights)
    s_wt = sum(w * t for w, t in zip(weights, times, strict=True))
    s_wy = sum(w * y for w, y in zip(weights, values, strict=True))
    s_wty = sum(w * t * y for w, t, y in zip(weights, times, values, strict=True))
    s_wtt = sum(w * t * t for w, t in zip(weights, times, strict=True))
    determinant = s_w * s_wtt - s_wt**2
    return (s_w * s_wty - s_wt * s_wy) / determinant, s_w / determinant


def _proportion_trend(points: tuple[TrendPoint, ...]) -> RecentTrend:
    counts = [_known(p.count) for p in points]
    denominators = [_known(p.denominator) for p in points]
    for count, denominator in zip(counts, denominators, strict=True):
        check_proportion(count, denominator)
    times = [float(t) for t in range(1, len(points) + 1)]

    n_total = sum(denominators)
    x_total = sum(counts)
    s_xt = sum(x * t for x, t in zip(counts, times, strict=True))
    s_nt = sum(n * t for n, t in zip(denominators, times, strict=True))
    s_ntt = sum(n * t * t for n, t in zip(denominators, times, strict=True))
    spread = n_total * s_ntt - s_nt**2
    if x_total in (0, n_total) or spread <= 0:
        return RecentTrend(TrendDirection.NO_SIGNIFICANT_CHANGE, 0.0, len(points))
    # Armitage's chi-squared for trend in proportions, as TrendMarkerCalculator computes it.
    direction = n_total * s_xt - x_total * s_nt
    chi_squared = n_total * direction**2 / (x_total * (n_total - x_total) * spread)

    # Fingertips checks outliers on the ordinary least-squares slope of logit(p); an
    # empirical logit (+0.5) keeps it finite when a period has 0 or all events.
    correction = 0.5 if any(x in (0, n) for x, n in zip(counts, denominators, strict=True)) else 0
    logits = [
        math.log((x + correction) / (n - x + correction))
        for x, n in zip(counts, denominators, strict=True)
    ]
    ones = [1.0] * len(points)
    drop_one = [
        _weighted_slope(_without(times, i), _without(logits, i), _without(ones, i))[0]
        for i in range(len(points))
    ]
    full_slope = _weighted_slope(times, logits, ones)[0]
    if full_slope * direction <= 0:
        return RecentTrend(TrendDirection.NO_SIGNIFICANT_CHANGE, chi_squared, len(points))
    return _decide(direction, drop_one, chi_squared)


def _decide(slope: float, drop_one: Sequence[float], chi_squared: float) -> RecentTrend:
    same_sign = all(s * slope > 0 for s in drop_one) and slope != 0
    if same_sign and chi_squared > TREND_CHI_SQUARED_CRITICAL:
        direction = TrendDirection.INCREASING if slope > 0 else TrendDirection.DECREASING
    else:
        direction = TrendDirection.NO_SIGNIFICANT_CHANGE
    return RecentTrend(direction, chi_squared, TREND_POINTS)


def _without(items: Sequence[float], index: int) -> list[float]:
    return [item for i, item in enumerate(items) if i != index]


def _known(number: int | None) -> int:
    if number is None:
        raise ValueError("count and denominator are required")
    return number
