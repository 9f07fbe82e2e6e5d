"""Needs are raised on evidence only, by Fingertips' rules (issue 8, "Needs without evidence").

A need sends commissioners to work; one raised by chance wastes that work. On data with no
real differences at all, a trust's refresh must raise almost none.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.analysis import AnalysisSettings, IndicatorData, assess_series, measure
from services.needs.domain.catalogue import Indicator
from services.needs.domain.disclosure import NHS_DIGITAL
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.publication import published
from services.needs.domain.statistics import (
    BenchmarkComparison,
    MeasureKind,
    TrendDirection,
    TrendJudgement,
    count_value,
    mean_from_summary,
    proportion,
)
from services.needs.domain.trend import TrendPoint, recent_trend
from shared.trust import BenchmarkSettings

CATALOGUE = load_catalogue()
NEET = CATALOGUE["neet_16_17"]  # proportion, per cent, higher is worse
CONCEPTIONS = CATALOGUE["teenage_conceptions"]  # rate per 1,000, lower is better
CAMHS = CATALOGUE["camhs_waiting_time"]  # mean waiting time, compared with the region
YEARS = ("2020", "2021", "2022", "2023", "2024")
LOCALITIES = ("easington", "derwentside", "sedgefield", "chester-le-street", "durham")
SEXES = ("female", "male")
SETTINGS = AnalysisSettings("county-durham")


def value(
    indicator: Indicator,
    kind: AreaKind,
    code: str,
    period: str,
    count: int | None,
    denominator: float | None,
    bk: str = "",
    figure: float | None = None,
) -> ReportedValue:
    name, _, level = bk.partition("=")
    breakdown = ((name, level),) if bk else ()
    return ReportedValue(
        indicator.id,
        "x",
        kind,
        code,
        period,
        breakdown,
        count,
        denominator,
        figure,
    )


def null_trust(indicator: Indicator, rng: np.random.Generator, truth: float) -> list[ReportedValue]:
    """Five years of five localities by sex, every one drawn from the same true level."""
    values = [
        value(indicator, AreaKind.ENGLAND, "E92000001", y, None, None, figure=truth * 100)
        if indicator is NEET
        else value(indicator, AreaKind.ENGLAND, "E92000001", y, None, None, figure=truth * 1000)
        for y in YEARS
    ]
    for year in YEARS:
        totals = {bk: [0, 0] for bk in ("", *(f"sex={s}" for s in SEXES))}
        for code in LOCALITIES:
            overall = [0, 0]
            for sex in SEXES:
                population = int(rng.integers(1500, 3000))
                if indicator is NEET:
                    count = int(rng.binomial(population, truth))
                else:
                    count = int(rng.poisson(population * truth))
                bk = f"sex={sex}"
                values.append(
                    value(indicator, AreaKind.LOCALITY, code, year, count, population, bk)
                )
                overall = [overall[0] + count, overall[1] + population]
                totals[bk] = [totals[bk][0] + count, totals[bk][1] + population]
            values.append(value(indicator, AreaKind.LOCALITY, code, year, overall[0], overall[1]))
            totals[""] = [totals[""][0] + overall[0], totals[""][1] + overall[1]]
        for bk, (count, population) in totals.items():
            values.append(
                value(indicator, AreaKind.TRUST, "county-durham", year, count, population, bk)
            )
    return values


def test_null_data_raises_at_most_half_a_percent_of_series_as_needs() -> None:
    # Issue 8 measured 5.8% before: three raw worsenings and unadjusted group screening.
    rng = np.random.default_rng(20261129)
    series = needs = 0
    for _ in range(12):
        for indicator, truth in ((NEET, 0.06), (CONCEPTIONS, 0.02)):
            data = IndicatorData(indicator, null_trust(indicator, rng, truth))
            for _, kind, code, bk in data.series_keys():
                assessment = assess_series(data, kind, code, bk, SETTINGS)
                assert assessment is not None
                series += 1
                needs += assessment.is_need
    assert series == 12 * 2 * 18
    assert needs / series <= 0.005, f"{needs} of {series} null series became needs"


def test_worse_at_95_percent_only_is_shown_but_is_no_need() -> None:
    # 69 of 1000 against England's 5.4%: outside the 95% limits, inside the 99.8% ones.
    values = [value(NEET, AreaKind.ENGLAND, "E92000001", "2024", None, None, figure=5.4)]
    values.append(value(NEET, AreaKind.LOCALITY, "easington", "2024", 69, 1000))
    result = assess_series(
        IndicatorData(NEET, values), AreaKind.LOCALITY, "easington", "", SETTINGS
    )
    assert result is not None
    assert result.comparison is BenchmarkComparison.WORSE
    assert not result.is_need


def test_a_group_is_vulnerable_only_when_worse_than_its_area_at_99_8_percent() -> None:
    def group(count: int) -> list[ReportedValue]:
        return [
            value(NEET, AreaKind.LOCALITY, "easington", "2024", 300 + count, 6000),
            value(NEET, AreaKind.LOCALITY, "easington", "2024", count, 1000, "looked_after=yes"),
            value(NEET, AreaKind.LOCALITY, "easington", "2024", 300, 5000, "looked_after=no"),
        ]

    def assess(count: int):  # type: ignore[no-untyped-def]
        data = IndicatorData(NEET, group(count))
        return assess_series(data, AreaKind.LOCALITY, "easington", "looked_after=yes", SETTINGS)

    assert not assess(80).vulnerable_group  # 8.0% against 6.3%: a 95% difference at most
    assert assess(110).vulnerable_group  # 11% against 6.8%


class TestFingertipsTrendRules:
    def test_counts_and_means_get_no_trend(self) -> None:
        counts = [TrendPoint.of(count_value(n)) for n in (10, 20, 40, 80, 160)]
        means = [TrendPoint.of(mean_from_summary(m, 2, 50)) for m in (5, 6, 7, 8, 9)]
        assert recent_trend(counts, MeasureKind.COUNT).direction is (
            TrendDirection.CANNOT_BE_CALCULATED
        )
        assert recent_trend(means, MeasureKind.MEAN).direction is (
            TrendDirection.CANNOT_BE_CALCULATED
        )

    def test_a_period_at_100_percent_cannot_be_calculated(self) -> None:
        points = [TrendPoint.of(proportion(x, 100), x, 100) for x in (60, 70, 80, 90, 100)]
        assert recent_trend(points, MeasureKind.PROPORTION).direction is (
            TrendDirection.CANNOT_BE_CALCULATED
        )

    @pytest.mark.parametrize("value_type", [MeasureKind.PROPORTION, MeasureKind.CRUDE_RATE])
    def test_a_slope_of_exactly_zero_is_no_significant_change(
        self, value_type: MeasureKind
    ) -> None:
        points = [TrendPoint.of(proportion(50, 1000), 50, 1000) for _ in range(5)]
        trend = recent_trend(points, value_type)
        assert trend.direction is TrendDirection.NO_SIGNIFICANT_CHANGE


def test_a_mean_whose_interval_overflows_is_stored_as_cannot_be_calculated() -> None:
    huge = ReportedValue(
        CAMHS.id, "x", AreaKind.LOCALITY, "easington", "2024", (), None, 2, 1e308, 1e308
    )
    measured = measure(huge, CAMHS)
    assert measured.statistic is None
    figures = published(measured, CAMHS, None, NHS_DIGITAL)
    assert all(
        v is None or math.isfinite(v)
        for v in (figures.value, figures.lower95, figures.upper95, figures.lower998)
    )
    big = ReportedValue(
        CAMHS.id, "x", AreaKind.LOCALITY, "easington", "2024", (), None, 40, 1.7e308, 1e308
    )
    assert measure(big, CAMHS).statistic is None
    later = [
        big,
        ReportedValue(
            CAMHS.id, "x", AreaKind.REGION, "E12000001", "2024", (), None, 40, 1e308, 1.0
        ),
        ReportedValue(
            CAMHS.id, "x", AreaKind.STATISTICAL_NEIGHBOUR, "a", "2024", (), None, 40, 1e308, 1.0
        ),
        ReportedValue(
            CAMHS.id, "x", AreaKind.STATISTICAL_NEIGHBOUR, "b", "2024", (), None, 40, 1e308, 1.0
        ),
    ]
    data = IndicatorData(CAMHS, later)
    result = assess_series(data, AreaKind.LOCALITY, "easington", "", SETTINGS)
    assert result is not None and result.trend is TrendJudgement.CANNOT_BE_CALCULATED
    assert data.benchmark("statistical_neighbours", "2024", "", "county-durham") is None


def test_fewer_trend_periods_than_fingertips_needs_are_refused() -> None:
    with pytest.raises(ValueError, match="trend_periods"):
        AnalysisSettings("county-durham", trend_periods=3)
    with pytest.raises(ValidationError, match="trend_periods"):
        BenchmarkSettings(trend_periods=3)
