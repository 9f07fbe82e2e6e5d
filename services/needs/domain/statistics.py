"""Indicator statistics for the Assess stage: values, intervals, comparisons and trends.

Implements the public Fingertips / PHE methods, so that a trust's needs analysis is judged
the way national profiles judge it (Urbanham appendix 6: trends, and comparison with other areas).
Sources: ukhsa-collaboration/PHEindicatormethods (`R/utils.R`, `R/Rates.R`, `R/DSR.R`,
`R/Means.R`) and ukhsa-collaboration/fingertips-open (`PholioVisualisationWS/Analysis/`).

Pure: standard library only (``distributions.py``; the recent trend is in ``trend.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist, fmean, stdev
from typing import Final

from services.needs.domain.distributions import chi_squared_cdf as chi_squared_cdf
from services.needs.domain.distributions import chi_squared_quantile as chi_squared_quantile
from services.needs.domain.distributions import student_t_cdf as student_t_cdf
from services.needs.domain.distributions import student_t_quantile as student_t_quantile

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


class MeasureKind(StrEnum):
    """The kind of measure (Fingertips value type): decides the interval and trend method."""

    PROPORTION = "proportion"
    CRUDE_RATE = "crude rate"
    DIRECTLY_STANDARDISED_RATE = "directly standardised rate"
    COUNT = "count"
    MEAN = "mean"


class Polarity(StrEnum):
    """Whether a higher value is good news; decides better/worse wording."""

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
# Distributions (pure Python, ``distributions.py``; no scipy)
# --------------------------------------------------------------------------------------


def z_for(confidence: float) -> float:
    """Two-sided normal deviate for a confidence level such as 0.95 or 0.998."""
    _check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


# --------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------


def wilson_limits(count: int, denominator: int, confidence: float) -> ConfidenceLimits:
    """Wilson score limits for the proportion count/denominator (PHEindicatormethods R/utils.R).

    Kept within [0, 1] and around the proportion against floating-point rounding.
    """
    check_proportion(count, denominator)
    z = z_for(confidence)
    p = count / denominator
    spread = z * math.sqrt(z * z + 4 * count * (1 - p))
    scale = 2 * (denominator + z * z)
    lower = (2 * count + z * z - spread) / scale
    upper = (2 * count + z * z + spread) / scale
    return ConfidenceLimits(max(0.0, min(lower, p)), min(1.0, max(upper, p)))


def byars_limits(count: float, confidence: float) -> ConfidenceLimits:
    """Byar's approximation to Poisson limits for a count (PHEindicatormethods R/utils.R).

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
    total count < 10"), because the Dobson interval is unreliable there.
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

    Waiting times are published as means (value type "mean").
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

    Fingertips SingleOverlappingCIsForOneCILevelComparer; each indicator picks 95% or
    99.8%. Not compared when a value is missing.
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

    Fingertips SingleOverlappingCIsForTwoCILevelsComparer.
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
    (QuintilesCalculator); fewer than 4 values give no ranking.
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
    """The "red-red" headline flag: worse than the benchmark and worsening."""
    worse = comparison in (BenchmarkComparison.WORSE, BenchmarkComparison.WORSE_998)
    return worse and trend is TrendJudgement.WORSENING


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1, e.g. 0.95")


def check_proportion(count: int, denominator: int) -> None:
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if not 0 <= count <= denominator:
        raise ValueError("count must lie between 0 and the denominator")
