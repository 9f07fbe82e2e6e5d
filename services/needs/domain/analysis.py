"""Needs analysis: benchmark comparison, recent trend and vulnerable groups for one series.

Gateshead Activity One, stages 1 and 2 ("look at outcomes", "focus on particular groups");
Urbanham appendix 6 (compare with statistical neighbours, region and England; trends;
vulnerable groups). The statistics are Fingertips' (``statistics.py``).

A series is (indicator, area, breakdown): the latest revision of each period. A need is
raised on evidence only, so that a trust with hundreds of series is not sent chasing
noise. At its latest period a series is a need when it is
- worse than its benchmark at 99.8% (the benchmark value outside the 99.8% limits), or
- worsening: a significant recent trend by Fingertips' test (chi-squared above
  qchisq(0.998, 1), slope stable when any one point is dropped; a run of raw
  period-on-period worsenings is reported but is not evidence), or
- for a group within an area, worse than the area's value for all children at 99.8%.
Why 99.8% and not the 95% of Fingertips' display: screening every group of every area is
many comparisons at once. PHE's Fingertips offers 99.8% limits for exactly this case
(Public Health England, "Technical guide: confidence intervals", and the two-level
benchmark comparison of Fingertips profiles), which keeps the chance that a series with no
real difference is flagged near 0.1% per comparison, so a trust with 300 series sees about
one spurious need per refresh instead of seventeen (a Bonferroni-style control of the
family of comparisons, simpler to explain than a false-discovery rate and independent of
how many series a refresh happens to touch). The comparison label shown beside a value
stays at the indicator's configured level, as Fingertips shows it.

No label of a hidden cell is published: a cell whose count the disclosure rule hides gets
no comparison, trend, quintile or need reason ("worse" beside "a * is at least 1" pins a
count), and neither does a comparison or trend that uses a hidden cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from services.needs.domain import statistics as st
from services.needs.domain import trend as trend_marker
from services.needs.domain.catalogue import Comparator, Indicator, ValueType
from services.needs.domain.disclosure import NHS_DIGITAL, SuppressionRule
from services.needs.domain.model import (
    ANALYSED_KINDS,
    AreaKind,
    Breakdown,
    ReportedValue,
    parse_breakdown_key,
)
from services.needs.domain.series import (
    Benchmark,
    IndicatorData,
    Measured,
    SeriesKey,
    finite_mean,
    measure,
)

__all__ = [
    "NEED_CONFIDENCE",
    "AnalysisSettings",
    "Benchmark",
    "IndicatorData",
    "Measured",
    "NeedReason",
    "NeedTransition",
    "SeriesAssessment",
    "SeriesKey",
    "affected_series",
    "assess_series",
    "consecutive_worsening",
    "finite_mean",
    "judge_recent_trend",
    "measure",
    "need_key",
    "need_reasons",
    "need_transition",
]


class NeedReason(StrEnum):
    """Why a series is a need (mirrors the NeedIdentified contract)."""

    WORSE_THAN_BENCHMARK = "worse_than_benchmark"
    WORSENING = "worsening"
    WORSE_AND_WORSENING = "worse_and_worsening"
    VULNERABLE_GROUP = "vulnerable_group"


_PRIMARY_ORDER: Final = (
    NeedReason.WORSE_AND_WORSENING,
    NeedReason.VULNERABLE_GROUP,
    NeedReason.WORSE_THAN_BENCHMARK,
    NeedReason.WORSENING,
)
_WORSE: Final = frozenset({st.BenchmarkComparison.WORSE, st.BenchmarkComparison.WORSE_998})

_TREND_TYPES: Final = {
    ValueType.PROPORTION: st.MeasureKind.PROPORTION,
    ValueType.RATE: st.MeasureKind.CRUDE_RATE,
    ValueType.COUNT: st.MeasureKind.COUNT,
    ValueType.MEAN: st.MeasureKind.MEAN,
    ValueType.WAITING_TIME: st.MeasureKind.MEAN,
}


NEED_CONFIDENCE: Final = st.ComparisonConfidence.CI998
"""A need takes a difference significant at 99.8% (see the module docstring)."""


@dataclass(frozen=True)
class AnalysisSettings:
    """The trust's benchmark settings (TrustConfig.benchmark) and disclosure rule."""

    trust_id: str
    default_comparator: str = Comparator.ENGLAND.value
    trend_periods: int = st.TREND_POINTS
    worsening_periods_to_flag: int = 3
    """How long a run of raw worsenings the evidence reports; not itself a reason."""
    disclosure: SuppressionRule | None = NHS_DIGITAL
    """Labels of cells hidden under this rule are withheld; None publishes none of them."""

    def __post_init__(self) -> None:
        if self.trend_periods < st.TREND_POINTS:
            raise ValueError(
                f"trend_periods must be at least {st.TREND_POINTS}: Fingertips' recent trend "
                "needs five points, so fewer would silently calculate no trend at all"
            )


@dataclass(frozen=True)
class SeriesAssessment:
    """Where one series stands at its latest period, and whether it is a need."""

    indicator: Indicator
    area_kind: AreaKind
    area_code: str
    breakdown_key: str
    points: tuple[Measured, ...]
    """The trend window: up to ``trend_periods`` most recent periods, oldest first."""
    benchmark: Benchmark | None
    comparison: st.BenchmarkComparison
    trend: st.TrendJudgement
    consecutive_worsening: int
    area_overall: Measured | None
    comparison_with_area: st.BenchmarkComparison | None
    quintile: st.QuintileRank | None
    reasons: tuple[NeedReason, ...]

    @property
    def latest(self) -> Measured:
        return self.points[-1]

    @property
    def breakdown(self) -> Breakdown:
        return parse_breakdown_key(self.breakdown_key)

    @property
    def is_need(self) -> bool:
        return bool(self.reasons)

    @property
    def reason(self) -> NeedReason | None:
        """The headline reason: worse and worsening first (the "red-red" flag)."""
        return next((r for r in _PRIMARY_ORDER if r in self.reasons), None)

    @property
    def vulnerable_group(self) -> bool:
        return NeedReason.VULNERABLE_GROUP in self.reasons

    @property
    def worse_and_worsening(self) -> bool:
        return NeedReason.WORSE_AND_WORSENING in self.reasons

    @property
    def need_key(self) -> str:
        return need_key(self.indicator.id, self.area_kind, self.area_code, self.breakdown_key)


def need_key(indicator_id: str, kind: AreaKind, code: str, bk: str) -> str:
    """A need's stable key: indicator/area kind/area code[/breakdown key]."""
    key = f"{indicator_id}/{kind.value}/{code}"
    return f"{key}/{bk}" if bk else key


def assess_series(
    data: IndicatorData, kind: AreaKind, code: str, bk: str, settings: AnalysisSettings
) -> SeriesAssessment | None:
    """Compare, trend and judge one series at its latest period; None if it has no values.

    Labels that would tell something about a hidden count are withheld (module docstring).
    """
    indicator = data.indicator
    series = data.series(kind, code, bk)
    if not series:
        return None
    rule = settings.disclosure
    window = tuple(series[-settings.trend_periods :])
    latest = window[-1]
    area_overall = data.at(kind, code, "", latest.period) if bk else None
    benchmark = None
    comparator = indicator.comparator_or(settings.default_comparator)
    if not (comparator == Comparator.TRUST.value and kind is AreaKind.TRUST):
        benchmark = data.benchmark(comparator, latest.period, bk, settings.trust_id)
    if data.is_hidden(latest, rule):
        return _withheld(data, (kind, code, bk), window, benchmark, area_overall)
    benchmark_hidden = benchmark is not None and any(
        data.is_hidden(data.at(r.area_kind, r.area_code, r.breakdown_key, r.period), rule)
        for r in benchmark.sources
    )
    benchmark_value = benchmark.value if benchmark is not None else None
    comparison = _compare(latest, benchmark_value, indicator, indicator.confidence)
    significantly_worse = _compare(latest, benchmark_value, indicator, NEED_CONFIDENCE)
    if benchmark_hidden:
        comparison = significantly_worse = st.BenchmarkComparison.WITHHELD
    trend = judge_recent_trend(window, indicator)
    if any(data.is_hidden(point, rule) for point in window):
        trend = st.TrendJudgement.WITHHELD
    comparison_with_area = None
    if area_overall is not None:
        comparison_with_area = (
            st.BenchmarkComparison.WITHHELD
            if data.is_hidden(area_overall, rule)
            else _compare(latest, area_overall.value, indicator, NEED_CONFIDENCE)
        )
    peers = data.peers(kind, latest.period, bk, rule)
    quintile = (
        st.quintile_rank(latest.value, peers, indicator.polarity)
        if latest.value is not None and latest.value in peers
        else None
    )
    return SeriesAssessment(
        indicator=indicator,
        area_kind=kind,
        area_code=code,
        breakdown_key=bk,
        points=window,
        benchmark=benchmark,
        comparison=comparison,
        trend=trend,
        consecutive_worsening=consecutive_worsening(series, indicator.polarity),
        area_overall=area_overall,
        comparison_with_area=comparison_with_area,
        quintile=quintile,
        reasons=need_reasons(significantly_worse, trend, comparison_with_area),
    )


def need_reasons(
    significantly_worse: st.BenchmarkComparison,
    trend: st.TrendJudgement,
    comparison_with_area: st.BenchmarkComparison | None,
) -> tuple[NeedReason, ...]:
    """The evidence that makes a series a need: worse at 99.8%, a significant worsening
    trend, or a group worse than its area at 99.8% (module docstring)."""
    worse = significantly_worse in _WORSE
    worsening = trend is st.TrendJudgement.WORSENING
    reasons = []
    if worse and worsening:
        reasons.append(NeedReason.WORSE_AND_WORSENING)
    if comparison_with_area in _WORSE:
        reasons.append(NeedReason.VULNERABLE_GROUP)
    if worse:
        reasons.append(NeedReason.WORSE_THAN_BENCHMARK)
    if worsening:
        reasons.append(NeedReason.WORSENING)
    return tuple(reasons)


def _withheld(
    data: IndicatorData,
    series: tuple[AreaKind, str, str],
    window: tuple[Measured, ...],
    benchmark: Benchmark | None,
    area_overall: Measured | None,
) -> SeriesAssessment:
    """A series whose latest count is hidden: no label of it may be published (the
    benchmark, another area's figure, is kept as evidence of what was compared with)."""
    kind, code, bk = series
    return SeriesAssessment(
        indicator=data.indicator,
        area_kind=kind,
        area_code=code,
        breakdown_key=bk,
        points=window,
        benchmark=benchmark,
        comparison=st.BenchmarkComparison.WITHHELD,
        trend=st.TrendJudgement.WITHHELD,
        consecutive_worsening=0,
        area_overall=area_overall,
        comparison_with_area=st.BenchmarkComparison.WITHHELD if bk else None,
        quintile=None,
        reasons=(),
    )


def _compare(
    measured: Measured,
    benchmark_value: float | None,
    indicator: Indicator,
    confidence: st.ComparisonConfidence,
) -> st.BenchmarkComparison:
    statistic = measured.statistic
    if statistic is None or benchmark_value is None or not math.isfinite(benchmark_value):
        return st.BenchmarkComparison.NOT_COMPARED
    return st.compare(
        statistic.ci95, statistic.ci998, benchmark_value, indicator.polarity, confidence
    )


def judge_recent_trend(points: Sequence[Measured], indicator: Indicator) -> st.TrendJudgement:
    """Fingertips' recent trend over the window, judged by polarity."""
    if any(p.statistic is None for p in points):
        return st.TrendJudgement.CANNOT_BE_CALCULATED
    trend_points = [
        trend_marker.TrendPoint.of(
            p.statistic,
            p.reported.numerator,
            int(p.reported.denominator) if p.reported.denominator is not None else None,
        )
        for p in points
        if p.statistic is not None
    ]
    direction = trend_marker.recent_trend(
        trend_points, _TREND_TYPES[indicator.value_type]
    ).direction
    return trend_marker.judge_trend(direction, indicator.polarity)


def consecutive_worsening(series: Sequence[Measured], polarity: st.Polarity) -> int:
    """How many of the latest period-on-period changes each moved the wrong way."""
    if polarity is st.Polarity.NO_JUDGEMENT:
        return 0
    values = [m.value for m in series if m.value is not None]
    run = 0
    for before, after in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        worse = after > before if polarity is st.Polarity.LOW_IS_GOOD else after < before
        if not worse:
            break
        run += 1
    return run


class NeedTransition(StrEnum):
    """What a fresh assessment means for a series' need."""

    IDENTIFY = "identify"
    RESOLVE = "resolve"
    UNCHANGED = "unchanged"


def need_transition(assessment: SeriesAssessment | None, is_open: bool) -> NeedTransition:
    """Publish on a change of state only: identify when a need opens, resolve when it stops."""
    is_need = assessment is not None and assessment.is_need
    if is_need and not is_open:
        return NeedTransition.IDENTIFY
    if is_open and not is_need:
        return NeedTransition.RESOLVE
    return NeedTransition.UNCHANGED


def affected_series(
    changed: Iterable[ReportedValue], data: IndicatorData
) -> list[tuple[AreaKind, str, str]]:
    """Series whose assessment a change can alter.

    A locality or trust value alters its own series and, for all children, its groups (the
    vulnerable-group comparison). A comparator value, or a trust value for an indicator
    benchmarked against the trust, alters every series of that group.
    """
    keys = {(kind, code, bk) for _, kind, code, bk in data.series_keys()}
    wanted: set[tuple[AreaKind, str, str]] = set()
    trust_benchmark = data.indicator.comparator is Comparator.TRUST
    for value in changed:
        kind, code, bk = value.area_kind, value.area_code, value.breakdown_key
        if kind in ANALYSED_KINDS:
            wanted.add((kind, code, bk))
            if not bk:
                wanted.update(k for k in keys if k[0] is kind and k[1] == code)
        if kind not in ANALYSED_KINDS or (kind is AreaKind.TRUST and trust_benchmark):
            wanted.update(k for k in keys if k[2] == bk)
            # A comparator's change can move peers' quintiles but not their needs.
    return sorted(wanted & keys)
