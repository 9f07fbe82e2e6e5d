"""Indicator statistics for the Assess stage: values, intervals, comparisons and trends.

Implements the public Fingertips / PHE methods named in DOMAIN.md, "Indicator statistics
(Fingertips / PHE methods)", so that a trust's needs analysis is judged the way national
profiles judge it (Urbanham appendix 6: trends, and comparison with other areas).
Sources: ukhsa-collaboration/PHEindicatormethods (`R/utils.R`, `R/Rates.R`, `R/DSR.R`,
`R/Means.R`) and ukhsa-collaboration/fingertips-open (`PholioVisualisationWS/Analysis/`).

Pure: standard library only. The chi-squared and Student's t quantiles are computed here
(regularised incomplete gamma and beta functions inverted by bisection) so the service
needs no scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist, fmean, stdev
from typing import Final

CONFIDENCE_95: Final = 0.95
CONFIDENCE_998: Final = 0.998

Z_95: Final = NormalDist().inv_cdf(0.975)
"""1.959964: two-sided 95% normal deviate."""

Z_998: Final = NormalDist().inv_cdf(0.999)
"""3.090232: two-sided 99.8% normal deviate."""

TREND_CHI_SQUARED_CRITICAL: Final = 9.54953570608324
"""qchisq(0.998, 1) = Z_998 ** 2; the constant in Fingertips' TrendMarkerCalculator."""

TREND_POINTS: Final = 5
"""Fingertips recent trend uses the five most recent points (TrendMarkerCalculator)."""

SMALL_COUNT_EXACT_BELOW: Final = 10
"""Counts below 10 take exact Poisson limits, not Byar's (PHEindicatormethods phe_rate)."""

DSR_MINIMUM_TOTAL_COUNT: Final = 10
"""A DSR is not published when its total count is below 10 (PHEindicatormethods phe_dsr)."""

QUINTILE_MINIMUM_VALUES: Final = 4
"""Fingertips ValueCategoriesCalculator needs more than 3 values for percentile bounds."""

NO_TREND_VALUE_TYPES: Final = frozenset({"count", "mean"})
"""Value types Fingertips calculates no recent trend for (TrendMarkerCalculator)."""

CI95_WIDTH_IN_STANDARD_ERRORS: Final = 3.92
"""se = (UCI95 - LCI95) / 3.92 in the recent-trend weights (TrendMarkerCalculator)."""

_ITERATION_LIMIT: Final = 10_000
_EPSILON: Final = 1e-16
_TINY: Final = 1e-300


class ValueType(StrEnum):
    """Fingertips value types that decide which interval and trend method applies."""

    PROPORTION = "proportion"
    CRUDE_RATE = "crude rate"
    DIRECTLY_STANDARDISED_RATE = "directly standardised rate"
    COUNT = "count"
    MEAN = "mean"


class Polarity(StrEnum):
    """Whether a higher value is good news; decides better/worse wording (DOMAIN.md)."""

    HIGH_IS_GOOD = "high is good"
    LOW_IS_GOOD = "low is good"
    NO_JUDGEMENT = "no judgement"


class BenchmarkComparison(StrEnum):
    """Area compared with a benchmark (England, region, statistical neighbours).

    The ``*_998`` members are the two-level variant's outer band (beyond the 99.8% limits),
    which Fingertips calls Best/Worst (SingleOverlappingCIsForTwoCILevelsComparer).
    """

    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"
    BETTER_998 = "better (99.8%)"
    WORSE_998 = "worse (99.8%)"
    HIGHER_998 = "higher (99.8%)"
    LOWER_998 = "lower (99.8%)"
    NOT_COMPARED = "not compared"
    WITHHELD = "withheld"
    """Not published: the comparison would tell something about a hidden count."""


class ComparisonConfidence(StrEnum):
    """Level an indicator is compared at; Fingertips lets each indicator choose."""

    CI95 = "95%"
    CI998 = "99.8%"


class TrendDirection(StrEnum):
    """Fingertips recent-trend marker before polarity is applied."""

    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    CANNOT_BE_CALCULATED = "cannot be calculated"


class TrendJudgement(StrEnum):
    """Recent trend after polarity: improving/worsening, or increasing/decreasing when the
    indicator carries no judgement."""

    IMPROVING = "improving"
    WORSENING = "worsening"
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    CANNOT_BE_CALCULATED = "cannot be calculated"
    WITHHELD = "withheld"
    """Not published: the trend would tell something about a hidden count."""


class QuintileLabel(StrEnum):
    """Quintile wording: best..worst when polarity judges, lowest..highest otherwise."""

    BEST = "best"
    BETTER = "better"
    MIDDLE = "middle"
    WORSE = "worse"
    WORST = "worst"
    LOWEST = "lowest"
    LOW = "low"
    HIGH = "high"
    HIGHEST = "highest"


@dataclass(frozen=True)
class ConfidenceLimits:
    """One pair of confidence limits."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        if not self.lower <= self.upper:
            raise ValueError(f"lower limit {self.lower} exceeds upper limit {self.upper}")

    def contains(self, value: float) -> bool:
        """Inclusive, as Fingertips' overlapping-CI comparers are."""
        return self.lower <= value <= self.upper


@dataclass(frozen=True)
class IndicatorValue:
    """A published indicator value with the 95% and 99.8% limits Fingertips exports."""

    value: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float

    def __post_init__(self) -> None:
        ordered = (self.lower998, self.lower95, self.value, self.upper95, self.upper998)
        if any(math.isnan(v) for v in ordered) or list(ordered) != sorted(ordered):
            raise ValueError(f"limits must nest around the value, got {ordered}")

    @property
    def ci95(self) -> ConfidenceLimits:
        return ConfidenceLimits(self.lower95, self.upper95)

    @property
    def ci998(self) -> ConfidenceLimits:
        return ConfidenceLimits(self.lower998, self.upper998)


@dataclass(frozen=True)
class WithheldValue:
    """A value that must not be published, with the value note to show instead."""

    note: str


# --------------------------------------------------------------------------------------
# Distributions (pure Python; no scipy)
# --------------------------------------------------------------------------------------


def z_for(confidence: float) -> float:
    """Two-sided normal deviate for a confidence level such as 0.95 or 0.998."""
    _check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def regularised_lower_gamma(a: float, x: float) -> float:
    """P(a, x), by series below a + 1 and Lentz's continued fraction above.

    Numerical Recipes (3rd edn) section 6.2; accurate to about 1e-15.
    """
    if a <= 0:
        raise ValueError("shape must be positive")
    if x <= 0:
        return 0.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = 1.0 / a
        total = term
        shape = a
        for _ in range(_ITERATION_LIMIT):
            shape += 1
            term *= x / shape
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        return min(1.0, total * math.exp(log_prefix))
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _ITERATION_LIMIT):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return max(0.0, 1.0 - math.exp(log_prefix) * h)


def chi_squared_cdf(x: float, degrees_of_freedom: float) -> float:
    """P(X <= x) for chi-squared with the given degrees of freedom."""
    return regularised_lower_gamma(degrees_of_freedom / 2, x / 2)


def chi_squared_quantile(p: float, degrees_of_freedom: float) -> float:
    """R's qchisq(p, df) to about 1e-12 relative, by bisection on the CDF.

    Needed for exact Poisson limits on small counts (PHEindicatormethods R/Rates.R).
    """
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if degrees_of_freedom <= 0:
        raise ValueError("degrees of freedom must be positive")
    return _invert_increasing(lambda x: chi_squared_cdf(x, degrees_of_freedom), p, 0.0)


def regularised_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) by Lentz's continued fraction (Numerical Recipes section 6.4)."""
    if a <= 0 or b <= 0:
        raise ValueError("shapes must be positive")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def student_t_cdf(t: float, degrees_of_freedom: float) -> float:
    """P(T <= t) for Student's t."""
    if degrees_of_freedom <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularised_incomplete_beta(
        degrees_of_freedom / 2, 0.5, degrees_of_freedom / (degrees_of_freedom + t * t)
    )
    return 1 - tail if t >= 0 else tail


def student_t_quantile(p: float, degrees_of_freedom: float) -> float:
    """R's qt(p, df), for the mean's interval (PHEindicatormethods R/Means.R)."""
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if p < 0.5:
        return -student_t_quantile(1 - p, degrees_of_freedom)
    if p == 0.5:
        return 0.0
    return _invert_increasing(lambda t: student_t_cdf(t, degrees_of_freedom), p, 0.0)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab = a + b
    qap = a + 1
    qam = a - 1
    c = 1.0
    d = 1 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1 / d
    h = d
    for m in range(1, _ITERATION_LIMIT):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return h


def _invert_increasing(cdf: Callable[[float], float], p: float, lower: float) -> float:
    upper = 1.0
    while cdf(upper) < p:
        lower = upper
        upper *= 2
    for _ in range(_ITERATION_LIMIT):
        middle = (lower + upper) / 2
        if middle in (lower, upper) or upper - lower <= 1e-14 * upper:
            break
        if cdf(middle) < p:
            lower = middle
        else:
            upper = middle
    return (lower + upper) / 2


# --------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------


def wilson_limits(count: int, denominator: int, confidence: float) -> ConfidenceLimits:
    """Wilson score limits for the proportion count/denominator (DOMAIN.md; R/utils.R).

    Kept within [0, 1] and around the proportion against floating-point rounding.
    """
    _check_proportion(count, denominator)
    z = z_for(confidence)
    p = count / denominator
    spread = z * math.sqrt(z * z + 4 * count * (1 - p))
    scale = 2 * (denominator + z * z)
    lower = (2 * count + z * z - spread) / scale
    upper = (2 * count + z * z + spread) / scale
    return ConfidenceLimits(max(0.0, min(lower, p)), min(1.0, max(upper, p)))


def byars_limits(count: float, confidence: float) -> ConfidenceLimits:
    """Byar's approximation to Poisson limits for a count (DOMAIN.md; R/utils.R).

    Only sound for counts of 10 or more; use ``count_limits`` to get the exact limits below.
    """
    if count <= 0:
        raise ValueError("Byar's method needs a positive count")
    z = z_for(confidence)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    shifted = count + 1
    upper = shifted * (1 - 1 / (9 * shifted) + z / (3 * math.sqrt(shifted))) ** 3
    return ConfidenceLimits(lower, upper)


def exact_poisson_limits(count: int, confidence: float) -> ConfidenceLimits:
    """Exact (Garwood) limits: qchisq(a/2, 2x)/2 and qchisq(1 - a/2, 2x + 2)/2; 0 below x=0."""
    if count < 0:
        raise ValueError("count must not be negative")
    _check_confidence(confidence)
    alpha = 1 - confidence
    lower = 0.0 if count == 0 else chi_squared_quantile(alpha / 2, 2 * count) / 2
    upper = chi_squared_quantile(1 - alpha / 2, 2 * count + 2) / 2
    return ConfidenceLimits(lower, upper)


def count_limits(count: int, confidence: float) -> ConfidenceLimits:
    """Limits for a count: exact below 10, Byar's from 10 (PHEindicatormethods phe_rate)."""
    if count < SMALL_COUNT_EXACT_BELOW:
        return exact_poisson_limits(count, confidence)
    return byars_limits(count, confidence)


def proportion(count: int, denominator: int, multiplier: float = 1.0) -> IndicatorValue:
    """A proportion with Wilson limits; ``multiplier=100`` gives a percentage."""
    ci95 = wilson_limits(count, denominator, CONFIDENCE_95)
    ci998 = wilson_limits(count, denominator, CONFIDENCE_998)
    return IndicatorValue(
        value=count / denominator * multiplier,
        lower95=ci95.lower * multiplier,
        upper95=ci95.upper * multiplier,
        lower998=ci998.lower * multiplier,
        upper998=ci998.upper * multiplier,
    )


def crude_rate(count: int, denominator: float, multiplier: float = 100_000) -> IndicatorValue:
    """A rate per ``multiplier`` with Byar's/exact limits (PHEindicatormethods phe_rate)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    scale = multiplier / denominator
    ci95 = count_limits(count, CONFIDENCE_95)
    ci998 = count_limits(count, CONFIDENCE_998)
    return IndicatorValue(
        value=count * scale,
        lower95=ci95.lower * scale,
        upper95=ci95.upper * scale,
        lower998=ci998.lower * scale,
        upper998=ci998.upper * scale,
    )


def count_value(count: int) -> IndicatorValue:
    """A count treated as a Poisson observation, with Byar's/exact limits."""
    return crude_rate(count, 1, 1)


@dataclass(frozen=True)
class StandardisationStratum:
    """One age band (or other stratum) of a directly standardised rate."""

    count: int
    population: float
    standard_population: float

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count must not be negative")
        if self.population <= 0 or self.standard_population < 0:
            raise ValueError("population must be positive, standard population not negative")


def directly_standardised_rate(
    strata: Sequence[StandardisationStratum], multiplier: float = 100_000
) -> IndicatorValue | WithheldValue:
    """DSR with Dobson limits built on Byar's limits for the total count (R/DSR.R).

    Withheld when the total count is below 10, as PHEindicatormethods does ("dsr NA for
    total count < 10"), because the Dobson interval is unreliable there (DOMAIN.md).
    """
    if not strata:
        raise ValueError("at least one stratum is needed")
    total_count = sum(s.count for s in strata)
    if total_count < DSR_MINIMUM_TOTAL_COUNT:
        return WithheldValue(f"DSR not calculated: total count below {DSR_MINIMUM_TOTAL_COUNT}")
    total_weight = sum(s.standard_population for s in strata)
    if total_weight <= 0:
        raise ValueError("standard populations must not all be zero")
    dsr = sum(s.count * s.standard_population / s.population for s in strata) / total_weight
    variance = (
        sum(s.count * (s.standard_population / s.population) ** 2 for s in strata) / total_weight**2
    )
    factor = math.sqrt(variance / total_count)

    def limits(confidence: float) -> tuple[float, float]:
        byars = byars_limits(total_count, confidence)
        return (
            (dsr + factor * (byars.lower - total_count)) * multiplier,
            (dsr + factor * (byars.upper - total_count)) * multiplier,
        )

    lower95, upper95 = limits(CONFIDENCE_95)
    lower998, upper998 = limits(CONFIDENCE_998)
    return IndicatorValue(dsr * multiplier, lower95, upper95, lower998, upper998)


def mean_from_summary(mean: float, standard_deviation: float, size: int) -> IndicatorValue:
    """Mean with Student's t limits (PHEindicatormethods phe_mean).

    Waiting times are published as means (DOMAIN.md value type "mean").
    """
    if size < 2:
        raise ValueError("a mean's interval needs at least two observations")
    if standard_deviation < 0:
        raise ValueError("standard deviation must not be negative")
    standard_error = standard_deviation / math.sqrt(size)
    half95 = student_t_quantile(0.5 + CONFIDENCE_95 / 2, size - 1) * standard_error
    half998 = student_t_quantile(0.5 + CONFIDENCE_998 / 2, size - 1) * standard_error
    return IndicatorValue(mean, mean - half95, mean + half95, mean - half998, mean + half998)


def mean_value(observations: Sequence[float]) -> IndicatorValue:
    """Mean of raw observations (e.g. weeks waited per child) with Student's t limits."""
    if len(observations) < 2:
        raise ValueError("a mean's interval needs at least two observations")
    return mean_from_summary(fmean(observations), stdev(observations), len(observations))


# --------------------------------------------------------------------------------------
# Comparison with a benchmark
# --------------------------------------------------------------------------------------


def compare(
    area_ci95: ConfidenceLimits | None,
    area_ci998: ConfidenceLimits | None,
    benchmark_value: float | None,
    polarity: Polarity,
    confidence: ComparisonConfidence = ComparisonConfidence.CI95,
) -> BenchmarkComparison:
    """Benchmark inside the area's interval -> similar; otherwise better/worse by polarity.

    Fingertips SingleOverlappingCIsForOneCILevelComparer (DOMAIN.md, Indicator
    statistics); each indicator picks 95% or 99.8%. Not compared when a value is missing.
    """
    limits = area_ci95 if confidence is ComparisonConfidence.CI95 else area_ci998
    if limits is None or benchmark_value is None:
        return BenchmarkComparison.NOT_COMPARED
    if limits.contains(benchmark_value):
        return BenchmarkComparison.SIMILAR
    return _by_polarity(area_is_higher=limits.lower > benchmark_value, polarity=polarity)


def compare_two_level(
    area_ci95: ConfidenceLimits | None,
    area_ci998: ConfidenceLimits | None,
    benchmark_value: float | None,
    polarity: Polarity,
) -> BenchmarkComparison:
    """Two-level variant: outside 95% -> better/worse; outside 99.8% too -> *_998.

    Fingertips SingleOverlappingCIsForTwoCILevelsComparer (DOMAIN.md).
    """
    if area_ci95 is None or area_ci998 is None or benchmark_value is None:
        return BenchmarkComparison.NOT_COMPARED
    if area_ci95.contains(benchmark_value):
        return BenchmarkComparison.SIMILAR
    area_is_higher = area_ci95.lower > benchmark_value
    one_level = _by_polarity(area_is_higher=area_is_higher, polarity=polarity)
    if area_ci998.contains(benchmark_value):
        return one_level
    return _OUTER_BAND[one_level]


_OUTER_BAND: Final = {
    BenchmarkComparison.BETTER: BenchmarkComparison.BETTER_998,
    BenchmarkComparison.WORSE: BenchmarkComparison.WORSE_998,
    BenchmarkComparison.HIGHER: BenchmarkComparison.HIGHER_998,
    BenchmarkComparison.LOWER: BenchmarkComparison.LOWER_998,
}


def _by_polarity(*, area_is_higher: bool, polarity: Polarity) -> BenchmarkComparison:
    if polarity is Polarity.NO_JUDGEMENT:
        return BenchmarkComparison.HIGHER if area_is_higher else BenchmarkComparison.LOWER
    good = area_is_higher == (polarity is Polarity.HIGH_IS_GOOD)
    return BenchmarkComparison.BETTER if good else BenchmarkComparison.WORSE


# --------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------


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


def recent_trend(points: Sequence[TrendPoint], value_type: ValueType) -> RecentTrend:
    """Fingertips recent-trend marker (DOMAIN.md, Indicator statistics).

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
    by_counts = value_type is ValueType.PROPORTION and all(
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
        _check_proportion(count, denominator)
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


# --------------------------------------------------------------------------------------
# Quintiles and the headline flag
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuintileRank:
    """Where an area sits among its comparators; quintile 1 holds the lowest values."""

    value_quintile: int
    label: QuintileLabel


_JUDGED_LABELS: Final = {
    Polarity.HIGH_IS_GOOD: (
        QuintileLabel.WORST,
        QuintileLabel.WORSE,
        QuintileLabel.MIDDLE,
        QuintileLabel.BETTER,
        QuintileLabel.BEST,
    ),
    Polarity.LOW_IS_GOOD: (
        QuintileLabel.BEST,
        QuintileLabel.BETTER,
        QuintileLabel.MIDDLE,
        QuintileLabel.WORSE,
        QuintileLabel.WORST,
    ),
    Polarity.NO_JUDGEMENT: (
        QuintileLabel.LOWEST,
        QuintileLabel.LOW,
        QuintileLabel.MIDDLE,
        QuintileLabel.HIGH,
        QuintileLabel.HIGHEST,
    ),
}


def quintile_rank(
    value: float, comparator_values: Sequence[float], polarity: Polarity
) -> QuintileRank | None:
    """Quintile of ``value`` among all comparator areas' values (including this area's).

    Bounds are Fingertips' linearly interpolated 20th/40th/60th/80th percentiles
    (QuintilesCalculator); fewer than 4 values give no ranking (DOMAIN.md).
    """
    if len(comparator_values) < QUINTILE_MINIMUM_VALUES:
        return None
    ordered = sorted(comparator_values)
    if not ordered[0] <= value <= ordered[-1]:
        raise ValueError("value must lie within the comparator values it is ranked among")
    bounds = [_percentile(ordered, k / 5) for k in range(1, 5)]
    quintile = next((i + 1 for i, bound in enumerate(bounds) if value <= bound), 5)
    return QuintileRank(quintile, _JUDGED_LABELS[polarity][quintile - 1])


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    if below + 1 >= len(ordered):
        return ordered[-1]
    weight = position - below
    return round(ordered[below] + weight * (ordered[below + 1] - ordered[below]), 10)


def is_worse_and_worsening(comparison: BenchmarkComparison, trend: TrendJudgement) -> bool:
    """The "red-red" headline flag: worse than the benchmark and worsening (DOMAIN.md)."""
    worse = comparison in (BenchmarkComparison.WORSE, BenchmarkComparison.WORSE_998)
    return worse and trend is TrendJudgement.WORSENING


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1, e.g. 0.95")


def _check_proportion(count: int, denominator: int) -> None:
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if not 0 <= count <= denominator:
        raise ValueError("count must lie between 0 and the denominator")
