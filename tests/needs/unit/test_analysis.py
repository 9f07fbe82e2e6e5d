"""Needs analysis, in the words of the Assess stage: worse than the benchmark, worsening,
vulnerable groups, and needs opened and resolved only on a change of state."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.analysis import (
    AnalysisSettings,
    IndicatorData,
    NeedReason,
    NeedTransition,
    SeriesAssessment,
    affected_series,
    assess_series,
    consecutive_worsening,
    measure,
    need_transition,
)
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.statistics import BenchmarkComparison, Polarity, TrendJudgement

CATALOGUE = load_catalogue()
CONCEPTIONS = CATALOGUE["teenage_conceptions"]  # rate per 1,000, lower is better
SETTINGS = AnalysisSettings(trust_id="county-durham")
YEARS = ("2020", "2021", "2022", "2023", "2024")


def rate(
    code: str,
    period: str,
    count: int,
    population: float = 2000,
    *,
    kind: AreaKind = AreaKind.LOCALITY,
    breakdown: tuple[tuple[str, str], ...] = (),
    revision: int = 1,
) -> ReportedValue:
    return ReportedValue(
        "teenage_conceptions",
        "nhs-county-durham",
        kind,
        code,
        period,
        breakdown,
        count,
        population,
        None,
        None,
        revision,
    )


def england(period: str, value: float = 20.0) -> ReportedValue:
    return ReportedValue(
        "teenage_conceptions",
        "nhs-county-durham",
        AreaKind.ENGLAND,
        "E92000001",
        period,
        (),
        None,
        None,
        value,
    )


def assess(
    values: Sequence[ReportedValue],
    code: str = "easington",
    bk: str = "",
    kind: AreaKind = AreaKind.LOCALITY,
    settings: AnalysisSettings = SETTINGS,
) -> SeriesAssessment:
    result = assess_series(IndicatorData(CONCEPTIONS, values), kind, code, bk, settings)
    assert result is not None
    return result


def test_a_locality_significantly_above_england_and_rising_is_worse_and_worsening() -> None:
    values = [england(y) for y in YEARS]
    values += [rate("easington", y, n) for y, n in zip(YEARS, (40, 48, 56, 66, 76), strict=True)]
    result = assess(values)
    assert result.comparison is BenchmarkComparison.WORSE
    assert result.trend is TrendJudgement.WORSENING
    assert result.reason is NeedReason.WORSE_AND_WORSENING
    assert set(result.reasons) == {
        NeedReason.WORSE_AND_WORSENING,
        NeedReason.WORSE_THAN_BENCHMARK,
        NeedReason.WORSENING,
    }
    assert result.benchmark is not None and result.benchmark.value == 20.0
    assert result.latest.period == "2024"


def test_a_locality_like_england_and_steady_is_not_a_need() -> None:
    values = [england(y) for y in YEARS] + [rate("derwentside", y, 40) for y in YEARS]
    result = assess(values, "derwentside")
    assert result.comparison is BenchmarkComparison.SIMILAR
    assert result.trend is TrendJudgement.NO_SIGNIFICANT_CHANGE
    assert not result.is_need


def test_raw_worsenings_without_a_significant_trend_are_reported_but_are_no_need() -> None:
    # Issue 8: three raw period-on-period worsenings used to open a need on their own.
    values = [rate("sedgefield", y, n) for y, n in zip(YEARS[2:], (40, 41, 42), strict=True)]
    values.insert(0, rate("sedgefield", "2021", 39))
    result = assess(values, "sedgefield")
    assert result.consecutive_worsening == 3
    assert result.trend is TrendJudgement.CANNOT_BE_CALCULATED  # only four points
    assert not result.is_need


def test_a_significant_worsening_trend_alone_is_a_need() -> None:
    values = [rate("sedgefield", y, n) for y, n in zip(YEARS, (40, 50, 60, 72, 85), strict=True)]
    result = assess(values, "sedgefield")
    assert result.trend is TrendJudgement.WORSENING
    assert result.reasons == (NeedReason.WORSENING,)


def test_a_group_significantly_worse_than_its_locality_is_a_vulnerable_group() -> None:
    values = [
        rate("derwentside", "2024", 40),
        rate("derwentside", "2024", 10, 100, breakdown=(("looked_after", "yes"),)),
        rate("derwentside", "2024", 30, 1900, breakdown=(("looked_after", "no"),)),
    ]
    group = assess(values, "derwentside", "looked_after=yes")
    assert group.comparison_with_area is BenchmarkComparison.WORSE
    assert group.vulnerable_group and group.reason is NeedReason.VULNERABLE_GROUP
    assert group.comparison is BenchmarkComparison.NOT_COMPARED  # no England figure
    assert not assess(values, "derwentside", "looked_after=no").is_need


def test_a_higher_revision_supersedes_an_earlier_one() -> None:
    values = [
        rate("derwentside", "2024", 40),
        rate("derwentside", "2024", 10, 100, breakdown=(("looked_after", "yes"),)),
        rate("derwentside", "2024", 4, 100, breakdown=(("looked_after", "yes"),), revision=2),
    ]
    group = assess(values, "derwentside", "looked_after=yes")
    assert group.latest.reported.revision == 2
    assert not group.is_need


def test_statistical_neighbours_benchmark_is_their_average() -> None:
    attainment = CATALOGUE["looked_after_attainment"]  # proportion, higher is better
    values = [
        ReportedValue(
            attainment.id,
            "durham-county-council",
            AreaKind.STATISTICAL_NEIGHBOUR,
            code,
            "2024",
            (),
            None,
            None,
            v,
        )
        for code, v in (("sn1", 50.0), ("sn2", 60.0), ("sn3", 55.0))
    ]
    values.append(
        ReportedValue(
            attainment.id,
            "durham-county-council",
            AreaKind.TRUST,
            "county-durham",
            "2024",
            (),
            40,
            100,
        )
    )
    data = IndicatorData(attainment, values)
    result = assess_series(data, AreaKind.TRUST, "county-durham", "", SETTINGS)
    assert result is not None and result.benchmark is not None
    assert result.benchmark.value == pytest.approx(55.0)
    assert len(result.benchmark.sources) == 3
    assert result.comparison is BenchmarkComparison.WORSE  # 40% (30.9-49.8) below 55%
    assert result.quintile is not None and result.quintile.label.value == "worst"


def test_caf_activity_is_compared_with_the_trust() -> None:
    caf = CATALOGUE["caf_assessments_started"]
    values = [
        ReportedValue(
            caf.id,
            "durham-county-council",
            AreaKind.TRUST,
            "county-durham",
            "2024",
            (),
            300,
            100_000,
        ),
        ReportedValue(
            caf.id, "durham-county-council", AreaKind.LOCALITY, "easington", "2024", (), 120, 20_000
        ),
    ]
    data = IndicatorData(caf, values)
    locality = assess_series(data, AreaKind.LOCALITY, "easington", "", SETTINGS)
    assert locality is not None and locality.comparison is BenchmarkComparison.WORSE
    trust = assess_series(data, AreaKind.TRUST, "county-durham", "", SETTINGS)
    assert trust is not None and trust.comparison is BenchmarkComparison.NOT_COMPARED


def test_a_waiting_time_with_a_spread_is_measured_with_students_t() -> None:
    camhs = CATALOGUE["camhs_waiting_time"]
    value = ReportedValue(
        camhs.id,
        "nhs-county-durham",
        AreaKind.LOCALITY,
        "easington",
        "2024",
        (),
        None,
        40,
        12.0,
        4.0,
    )
    measured = measure(value, camhs)
    assert measured.statistic is not None
    assert measured.statistic.lower95 < 12.0 < measured.statistic.upper95
    without_spread = measure(
        ReportedValue(camhs.id, "x", AreaKind.ENGLAND, "E", "2024", value=10.0), camhs
    )
    assert without_spread.value == 10.0 and without_spread.statistic is None


def test_consecutive_worsening_counts_back_from_the_latest_change() -> None:
    series = [
        measure(rate("a", y, n), CONCEPTIONS)
        for y, n in zip(YEARS, (50, 40, 41, 42, 43), strict=True)
    ]
    assert consecutive_worsening(series, Polarity.LOW_IS_GOOD) == 3
    assert consecutive_worsening(series, Polarity.HIGH_IS_GOOD) == 0
    assert consecutive_worsening(series, Polarity.NO_JUDGEMENT) == 0


def test_needs_open_and_close_only_on_a_change_of_state() -> None:
    values = [england(y) for y in YEARS]
    values += [rate("easington", y, n) for y, n in zip(YEARS, (40, 48, 56, 66, 76), strict=True)]
    need = assess(values)
    calm = assess([england("2024"), rate("easington", "2024", 40)])
    assert need_transition(need, is_open=False) is NeedTransition.IDENTIFY
    assert need_transition(need, is_open=True) is NeedTransition.UNCHANGED
    assert need_transition(calm, is_open=True) is NeedTransition.RESOLVE
    assert need_transition(calm, is_open=False) is NeedTransition.UNCHANGED


def test_a_change_re_assesses_the_series_it_can_alter() -> None:
    values = [
        england("2024"),
        rate("derwentside", "2024", 40),
        rate("derwentside", "2024", 10, 100, breakdown=(("looked_after", "yes"),)),
        rate("easington", "2024", 40),
    ]
    data = IndicatorData(CONCEPTIONS, values)
    overall = affected_series([values[1]], data)
    assert overall == [
        (AreaKind.LOCALITY, "derwentside", ""),
        (AreaKind.LOCALITY, "derwentside", "looked_after=yes"),
    ]
    assert affected_series([values[0]], data) == [
        (AreaKind.LOCALITY, "derwentside", ""),
        (AreaKind.LOCALITY, "easington", ""),
    ]


def test_a_locality_starting_far_more_cafs_than_the_trust_shows_unmet_need() -> None:
    """CAF activity per locality is evidence of unmet need (Durham, Sections 2 and 3;
    Urbanham, toolkit appendix 6): CAF starts are benchmarked against the trust as a whole."""
    caf = CATALOGUE["caf_assessments_started"]

    def cafs(kind: AreaKind, code: str, count: int, children: float) -> ReportedValue:
        return ReportedValue(
            "caf_assessments_started",
            "durham-county-council",
            kind,
            code,
            "2024",
            (),
            count,
            children,
            None,
            None,
        )

    values = [
        cafs(AreaKind.TRUST, "county-durham", 1000, 100_000),
        cafs(AreaKind.LOCALITY, "easington", 400, 20_000),
        cafs(AreaKind.LOCALITY, "derwentside", 200, 20_000),
    ]
    data = IndicatorData(caf, values)
    easington = assess_series(data, AreaKind.LOCALITY, "easington", "", SETTINGS)
    derwentside = assess_series(data, AreaKind.LOCALITY, "derwentside", "", SETTINGS)
    assert easington is not None and derwentside is not None
    assert easington.benchmark is not None and easington.benchmark.value == pytest.approx(100.0)
    assert easington.comparison is BenchmarkComparison.WORSE
    assert easington.is_need
    assert derwentside.comparison is BenchmarkComparison.SIMILAR
    assert not derwentside.is_need
