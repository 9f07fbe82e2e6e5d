"""Specification of the needs service's indicator statistics.

Check values come from docs/domain/needs-intelligence.md (the Fingertips / PHE methods), from
closed forms that do not share code with the implementation (the chi-squared distribution
with 2 degrees of freedom is exponential; Student's t with 1 degree of freedom is Cauchy;
a chi-squared CDF with even degrees of freedom is a Poisson tail sum), and from standard
statistical tables. Method sources: ukhsa-collaboration/PHEindicatormethods and
ukhsa-collaboration/fingertips-open (PholioVisualisationWS/Analysis).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.needs.domain.statistics import (
    CONFIDENCE_95,
    CONFIDENCE_998,
    TREND_CHI_SQUARED_CRITICAL,
    Z_95,
    Z_998,
    BenchmarkComparison,
    ComparisonConfidence,
    ConfidenceLimits,
    IndicatorValue,
    MeasureKind,
    Polarity,
    QuintileLabel,
    StandardisationStratum,
    TrendDirection,
    TrendJudgement,
    WithheldValue,
    byars_limits,
    chi_squared_cdf,
    chi_squared_quantile,
    compare,
    compare_two_level,
    count_limits,
    count_value,
    crude_rate,
    directly_standardised_rate,
    exact_poisson_limits,
    is_worse_and_worsening,
    mean_from_summary,
    mean_value,
    proportion,
    quintile_rank,
    student_t_quantile,
    wilson_limits,
)
from services.needs.domain.trend import TrendPoint, judge_trend, recent_trend


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean) by direct summation (independent of the module)."""
    return sum(math.exp(-mean) * mean**j / math.factorial(j) for j in range(k + 1))


# --------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------


class TestChiSquaredQuantile:
    @pytest.mark.parametrize("p", [0.001, 0.025, 0.5, 0.975, 0.999])
    def test_two_degrees_of_freedom_matches_the_exponential_closed_form(self, p: float) -> None:
        # chi-squared(2) is exponential with mean 2: qchisq(p, 2) = -2 ln(1 - p)
        assert chi_squared_quantile(p, 2) == pytest.approx(-2 * math.log1p(-p), rel=1e-10)

    @pytest.mark.parametrize(
        ("p", "df", "expected"),
        [
            (0.025, 2, 0.05063562),  # R qchisq(0.025, 2); = -2 ln 0.975
            (0.975, 2, 7.377759),  # R qchisq(0.975, 2); = -2 ln 0.025
            (0.975, 20, 34.16961),  # standard table, chi-squared 20 df, 0.025 upper tail
            (0.001, 10, 1.478743),  # standard table, chi-squared 10 df, 0.999 upper tail
            (0.5, 1, 0.4549364),  # median of chi-squared(1) = qnorm(0.75)^2
            (0.999, 40, 73.40196),  # standard table, chi-squared 40 df, 0.001 upper tail
        ],
    )
    def test_known_values(self, p: float, df: int, expected: float) -> None:
        assert chi_squared_quantile(p, df) == pytest.approx(expected, rel=1e-6)

    @pytest.mark.parametrize(
        ("p", "df", "quantile"), [(0.975, 20, 34.16961), (0.001, 10, 1.478743)]
    )
    def test_known_values_agree_with_the_poisson_relationship(
        self, p: float, df: int, quantile: float
    ) -> None:
        # For even df = 2k: P(chi2_2k <= x) = P(Poisson(x/2) >= k), computed by plain sums,
        # so the table constants above are checked by a method sharing no code with ours.
        assert 1 - poisson_cdf(df // 2 - 1, quantile / 2) == pytest.approx(p, abs=1e-7)

    def test_trend_threshold_is_the_998_critical_value_of_one_degree_of_freedom(self) -> None:
        # Fingertips' 9.5495 is qchisq(0.998, 1) = qnorm(0.999)^2
        assert chi_squared_quantile(0.998, 1) == pytest.approx(TREND_CHI_SQUARED_CRITICAL, 1e-10)
        z_squared = Z_998**2
        assert z_squared == pytest.approx(TREND_CHI_SQUARED_CRITICAL, rel=1e-12)
        assert round(TREND_CHI_SQUARED_CRITICAL, 4) == 9.5495

    @given(
        p=st.floats(min_value=1e-6, max_value=1 - 1e-6),
        df=st.integers(min_value=1, max_value=200),
    )
    def test_quantile_inverts_the_distribution_function(self, p: float, df: int) -> None:
        assert chi_squared_cdf(chi_squared_quantile(p, df), df) == pytest.approx(p, abs=1e-10)

    def test_rejects_probabilities_outside_zero_to_one(self) -> None:
        with pytest.raises(ValueError):
            chi_squared_quantile(1.0, 2)


class TestStudentTQuantile:
    @pytest.mark.parametrize("p", [0.6, 0.975, 0.999])
    def test_one_degree_of_freedom_is_cauchy(self, p: float) -> None:
        assert student_t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), 1e-9)

    @pytest.mark.parametrize("p", [0.6, 0.975, 0.999])
    def test_two_degrees_of_freedom_closed_form(self, p: float) -> None:
        expected = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
        assert student_t_quantile(p, 2) == pytest.approx(expected, rel=1e-9)

    @pytest.mark.parametrize(
        ("p", "df", "expected"),
        [(0.975, 3, 3.182446), (0.975, 10, 2.228139), (0.999, 5, 5.893430)],  # t tables
    )
    def test_known_values(self, p: float, df: int, expected: float) -> None:
        assert student_t_quantile(p, df) == pytest.approx(expected, rel=1e-6)

    def test_lower_tail_is_symmetric_and_large_samples_approach_the_normal(self) -> None:
        assert student_t_quantile(0.025, 7) == pytest.approx(-student_t_quantile(0.975, 7))
        assert student_t_quantile(0.975, 100_000) == pytest.approx(Z_95, rel=1e-4)


def test_normal_deviates_are_the_ones_domain_md_names() -> None:
    assert round(Z_95, 6) == 1.959964
    assert round(Z_998, 6) == 3.090232


# --------------------------------------------------------------------------------------
# Proportions: Wilson score
# --------------------------------------------------------------------------------------


class TestProportion:
    def test_ten_in_a_hundred_has_the_published_95_interval(self) -> None:
        # Check value in docs/domain/needs-intelligence.md; PHEindicatormethods
        # wilson_lower / wilson_upper
        limits = wilson_limits(10, 100, CONFIDENCE_95)
        assert limits.lower == pytest.approx(0.05523, abs=5e-6)
        assert limits.upper == pytest.approx(0.17437, abs=5e-6)

    def test_value_and_limits_scale_with_the_multiplier(self) -> None:
        as_percentage = proportion(10, 100, multiplier=100)
        assert as_percentage.value == pytest.approx(10.0)
        assert as_percentage.lower95 == pytest.approx(5.523, abs=5e-4)
        assert as_percentage.upper95 == pytest.approx(17.437, abs=5e-4)

    def test_wilson_formula_as_written_in_domain_md(self) -> None:
        x, n, z = 37, 250, Z_998
        root = z * math.sqrt(z**2 + 4 * x * (1 - x / n))
        limits = wilson_limits(x, n, CONFIDENCE_998)
        assert limits.lower == pytest.approx((2 * x + z**2 - root) / (2 * (n + z**2)))
        assert limits.upper == pytest.approx((2 * x + z**2 + root) / (2 * (n + z**2)))

    def test_none_and_all_stay_inside_zero_to_one(self) -> None:
        none = proportion(0, 12)
        everyone = proportion(12, 12)
        assert none.lower95 == none.lower998 == 0.0
        assert none.upper95 > 0
        assert everyone.upper95 == everyone.upper998 == 1.0
        assert everyone.lower95 < 1

    def test_rejects_a_count_above_the_denominator(self) -> None:
        with pytest.raises(ValueError):
            proportion(11, 10)

    @given(data=st.data(), n=st.integers(min_value=1, max_value=100_000))
    def test_intervals_contain_the_value_and_998_contains_95(
        self, data: st.DataObject, n: int
    ) -> None:
        x = data.draw(st.integers(min_value=0, max_value=n))
        value = proportion(x, n)  # IndicatorValue itself enforces the nesting
        assert value.lower998 <= value.lower95 <= value.value <= value.upper95 <= value.upper998
        assert value.ci998.lower < value.ci95.lower or value.lower95 == 0

    @given(
        data=st.data(),
        n=st.integers(min_value=1, max_value=10_000),
        k=st.integers(min_value=2, max_value=10),
    )
    def test_intervals_widen_as_counts_fall_for_the_same_proportion(
        self, data: st.DataObject, n: int, k: int
    ) -> None:
        x = data.draw(st.integers(min_value=0, max_value=n))
        small, large = proportion(x, n), proportion(k * x, k * n)
        assert small.upper95 - small.lower95 > large.upper95 - large.lower95
        assert small.upper998 - small.lower998 > large.upper998 - large.lower998


# --------------------------------------------------------------------------------------
# Counts and rates: Byar's and exact Poisson
# --------------------------------------------------------------------------------------


class TestCountsAndRates:
    def test_a_count_of_twenty_has_the_domain_md_byars_interval(self) -> None:
        limits = byars_limits(20, CONFIDENCE_95)
        assert limits.lower == pytest.approx(12.2114, abs=5e-5)
        assert limits.upper == pytest.approx(30.8899, abs=5e-5)

    def test_a_rate_divides_the_count_limits_by_the_denominator(self) -> None:
        rate = crude_rate(20, 4_000, multiplier=1_000)
        assert rate.value == pytest.approx(5.0)
        assert rate.lower95 == pytest.approx(12.2114 / 4, abs=5e-5)
        assert rate.upper95 == pytest.approx(30.8899 / 4, abs=5e-5)

    def test_counts_below_ten_use_exact_limits_and_ten_upward_byars(self) -> None:
        # PHEindicatormethods phe_rate: if_else(x < 10, qchisq(...), byars_...)
        assert count_limits(9, CONFIDENCE_95) == exact_poisson_limits(9, CONFIDENCE_95)
        assert count_limits(10, CONFIDENCE_95) == byars_limits(10, CONFIDENCE_95)

    def test_zero_events_have_a_lower_limit_of_zero_and_a_closed_form_upper(self) -> None:
        # qchisq(0.975, 2) / 2 = -ln(0.025)
        limits = exact_poisson_limits(0, CONFIDENCE_95)
        assert limits.lower == 0.0
        assert limits.upper == pytest.approx(-math.log(0.025), rel=1e-10)
        assert limits.upper == pytest.approx(3.688879, abs=1e-6)

    @pytest.mark.parametrize(
        ("count", "lower", "upper"),
        [(1, 0.025318, 5.571643), (5, 1.623486, 11.668332), (9, 4.115373, 17.084803)],
    )
    def test_exact_limits_match_published_poisson_tables(
        self, count: int, lower: float, upper: float
    ) -> None:
        # Garwood exact 95% limits, as tabulated for small observed counts
        limits = exact_poisson_limits(count, CONFIDENCE_95)
        assert limits.lower == pytest.approx(lower, abs=1e-6)
        assert limits.upper == pytest.approx(upper, abs=1e-6)

    @given(
        count=st.integers(min_value=0, max_value=60),
        confidence=st.sampled_from([CONFIDENCE_95, CONFIDENCE_998]),
    )
    def test_exact_limits_leave_half_of_alpha_in_each_poisson_tail(
        self, count: int, confidence: float
    ) -> None:
        alpha = 1 - confidence
        limits = exact_poisson_limits(count, confidence)
        assert poisson_cdf(count, limits.upper) == pytest.approx(alpha / 2, abs=1e-9)
        if count > 0:
            assert 1 - poisson_cdf(count - 1, limits.lower) == pytest.approx(alpha / 2, abs=1e-9)

    def test_a_count_is_a_rate_per_one(self) -> None:
        assert count_value(20).lower95 == pytest.approx(12.2114, abs=5e-5)

    @given(
        count=st.integers(min_value=0, max_value=5_000),
        denominator=st.integers(min_value=1, max_value=10**6),
    )
    def test_rate_intervals_contain_the_value_and_998_contains_95(
        self, count: int, denominator: int
    ) -> None:
        rate = crude_rate(count, denominator)
        assert rate.lower998 <= rate.lower95 <= rate.value <= rate.upper95 <= rate.upper998
        assert rate.upper998 > rate.upper95

    @given(
        count=st.integers(min_value=0, max_value=2_000),
        denominator=st.integers(min_value=1, max_value=10**6),
        k=st.integers(min_value=2, max_value=10),
    )
    def test_rate_intervals_widen_as_counts_fall_for_the_same_rate(
        self, count: int, denominator: int, k: int
    ) -> None:
        small, large = crude_rate(count, denominator), crude_rate(k * count, k * denominator)
        assert small.value == pytest.approx(large.value)
        assert small.upper95 - small.lower95 > large.upper95 - large.lower95
        assert small.upper998 - small.lower998 > large.upper998 - large.lower998


# --------------------------------------------------------------------------------------
# Directly standardised rates: Dobson
# --------------------------------------------------------------------------------------


class TestDirectlyStandardisedRate:
    def test_withheld_when_the_total_count_is_below_ten(self) -> None:
        # PHEindicatormethods phe_dsr: "dsr NA for total count < 10"
        strata = [StandardisationStratum(4, 1_000, 5_000), StandardisationStratum(5, 800, 5_500)]
        result = directly_standardised_rate(strata)
        assert isinstance(result, WithheldValue)
        assert "below 10" in result.note

    def test_a_single_stratum_reduces_to_the_crude_rate_with_byars_limits(self) -> None:
        # With one stratum Dobson's limits are exactly Byar's limits over the population.
        dsr = directly_standardised_rate([StandardisationStratum(20, 4_000, 5_000)], 1_000)
        crude = crude_rate(20, 4_000, 1_000)
        assert isinstance(dsr, IndicatorValue)
        for field in ("value", "lower95", "upper95", "lower998", "upper998"):
            assert getattr(dsr, field) == pytest.approx(getattr(crude, field))

    def test_equal_age_specific_rates_standardise_to_that_rate(self) -> None:
        strata = [
            StandardisationStratum(10, 1_000, 5_000),
            StandardisationStratum(30, 3_000, 5_500),
            StandardisationStratum(5, 500, 5_500),
        ]
        dsr = directly_standardised_rate(strata, multiplier=1_000)
        assert isinstance(dsr, IndicatorValue)
        assert dsr.value == pytest.approx(10.0)

    def test_worked_example_of_the_dobson_method(self) -> None:
        # Two age bands weighted 4000 and 6000 (Dobson: DSR = sum(x w / n) / sum(w)).
        # DSR = (12*4000/2000 + 18*6000/3000) / 10000 = (24 + 36) / 10000 = 0.006
        # var = (12*(2)^2 + 18*(2)^2) / 10000^2 = 120 / 1e8; X = 30
        # limits = DSR + sqrt(var / X) * (Byar(X) - X)
        strata = [
            StandardisationStratum(12, 2_000, 4_000),
            StandardisationStratum(18, 3_000, 6_000),
        ]
        dsr = directly_standardised_rate(strata, multiplier=100_000)
        assert isinstance(dsr, IndicatorValue)
        assert dsr.value == pytest.approx(600.0)
        factor = math.sqrt(120 / 1e8 / 30)
        byars95 = byars_limits(30, CONFIDENCE_95)
        assert dsr.lower95 == pytest.approx((0.006 + factor * (byars95.lower - 30)) * 1e5)
        assert dsr.upper95 == pytest.approx((0.006 + factor * (byars95.upper - 30)) * 1e5)
        assert dsr.lower998 < dsr.lower95 and dsr.upper998 > dsr.upper95


# --------------------------------------------------------------------------------------
# Means (waiting times)
# --------------------------------------------------------------------------------------


class TestMean:
    def test_phe_mean_example_data(self) -> None:
        # PHEindicatormethods phe_mean example c(30, 40, 50, 60): mean 45, sd 12.90994,
        # 45 -/+ qt(0.975, 3) * sd / 2 with qt(0.975, 3) = 3.182446 (t tables)
        value = mean_value([30, 40, 50, 60])
        half_width = 3.182446 * 12.909944 / 2
        assert value.value == pytest.approx(45.0)
        assert value.lower95 == pytest.approx(45 - half_width, abs=1e-4)
        assert value.upper95 == pytest.approx(45 + half_width, abs=1e-4)

    def test_summary_form_matches_raw_observations(self) -> None:
        assert mean_from_summary(45.0, 12.909944487358056, 4) == pytest.approx(
            mean_value([30, 40, 50, 60])
        )

    def test_needs_two_observations(self) -> None:
        with pytest.raises(ValueError):
            mean_value([12.0])


def test_limits_must_nest_around_the_value() -> None:
    with pytest.raises(ValueError):
        IndicatorValue(value=5, lower95=4, upper95=6, lower998=4.5, upper998=7)


# --------------------------------------------------------------------------------------
# Comparison with a benchmark
# --------------------------------------------------------------------------------------

AREA = IndicatorValue(value=20, lower95=17, upper95=23, lower998=15, upper998=25)


class TestCompare:
    @pytest.mark.parametrize(
        ("benchmark", "polarity", "expected"),
        [
            (20, Polarity.HIGH_IS_GOOD, BenchmarkComparison.SIMILAR),
            (23, Polarity.HIGH_IS_GOOD, BenchmarkComparison.SIMILAR),  # limits inclusive
            (16, Polarity.HIGH_IS_GOOD, BenchmarkComparison.BETTER),
            (16, Polarity.LOW_IS_GOOD, BenchmarkComparison.WORSE),
            (24, Polarity.HIGH_IS_GOOD, BenchmarkComparison.WORSE),
            (24, Polarity.LOW_IS_GOOD, BenchmarkComparison.BETTER),
            (16, Polarity.NO_JUDGEMENT, BenchmarkComparison.HIGHER),
            (24, Polarity.NO_JUDGEMENT, BenchmarkComparison.LOWER),
        ],
    )
    def test_benchmark_inside_the_95_interval_is_similar_otherwise_by_polarity(
        self, benchmark: float, polarity: Polarity, expected: BenchmarkComparison
    ) -> None:
        assert compare(AREA.ci95, AREA.ci998, benchmark, polarity) is expected

    def test_an_indicator_compared_at_998_ignores_the_95_interval(self) -> None:
        assert (
            compare(AREA.ci95, AREA.ci998, 16, Polarity.HIGH_IS_GOOD, ComparisonConfidence.CI998)
            is BenchmarkComparison.SIMILAR
        )

    def test_nothing_to_compare_gives_not_compared(self) -> None:
        assert compare(None, None, 16, Polarity.HIGH_IS_GOOD) is BenchmarkComparison.NOT_COMPARED
        assert (
            compare(AREA.ci95, AREA.ci998, None, Polarity.HIGH_IS_GOOD)
            is BenchmarkComparison.NOT_COMPARED
        )

    @pytest.mark.parametrize(
        ("benchmark", "polarity", "expected"),
        [
            (21, Polarity.HIGH_IS_GOOD, BenchmarkComparison.SIMILAR),
            (16, Polarity.HIGH_IS_GOOD, BenchmarkComparison.BETTER),
            (14, Polarity.HIGH_IS_GOOD, BenchmarkComparison.BETTER_998),
            (14, Polarity.LOW_IS_GOOD, BenchmarkComparison.WORSE_998),
            (26, Polarity.HIGH_IS_GOOD, BenchmarkComparison.WORSE_998),
            (26, Polarity.LOW_IS_GOOD, BenchmarkComparison.BETTER_998),
            (24, Polarity.LOW_IS_GOOD, BenchmarkComparison.BETTER),
            (14, Polarity.NO_JUDGEMENT, BenchmarkComparison.HIGHER_998),
            (26, Polarity.NO_JUDGEMENT, BenchmarkComparison.LOWER_998),
        ],
    )
    def test_two_level_variant_marks_benchmarks_beyond_998(
        self, benchmark: float, polarity: Polarity, expected: BenchmarkComparison
    ) -> None:
        assert compare_two_level(AREA.ci95, AREA.ci998, benchmark, polarity) is expected

    def test_limits_contain_is_inclusive(self) -> None:
        assert ConfidenceLimits(1, 2).contains(1) and ConfidenceLimits(1, 2).contains(2)


# --------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------


def series(values: list[float], half_width: float = 0.5) -> list[TrendPoint]:
    return [TrendPoint(v, v - half_width, v + half_width) for v in values]


class TestRecentTrend:
    def test_a_clearly_rising_series_with_narrow_intervals_is_increasing(self) -> None:
        trend = recent_trend(series([10, 12, 14, 16, 18]), MeasureKind.CRUDE_RATE)
        assert trend.direction is TrendDirection.INCREASING
        assert trend.chi_squared is not None and trend.chi_squared > TREND_CHI_SQUARED_CRITICAL

    def test_a_clearly_falling_series_is_decreasing(self) -> None:
        trend = recent_trend(series([18, 16, 14, 12, 10]), MeasureKind.DIRECTLY_STANDARDISED_RATE)
        assert trend.direction is TrendDirection.DECREASING

    def test_a_flat_series_shows_no_significant_change(self) -> None:
        trend = recent_trend(series([15, 15.1, 14.9, 15, 15.05]), MeasureKind.CRUDE_RATE)
        assert trend.direction is TrendDirection.NO_SIGNIFICANT_CHANGE

    def test_a_rise_inside_wide_intervals_is_not_significant(self) -> None:
        trend = recent_trend(series([10, 12, 14, 16, 18], half_width=20), MeasureKind.CRUDE_RATE)
        assert trend.direction is TrendDirection.NO_SIGNIFICANT_CHANGE

    def test_four_points_cannot_be_calculated(self) -> None:
        trend = recent_trend(series([10, 12, 14, 16]), MeasureKind.CRUDE_RATE)
        assert trend.direction is TrendDirection.CANNOT_BE_CALCULATED

    def test_a_slope_that_flips_sign_when_one_point_is_dropped_is_not_significant(self) -> None:
        # Four gently falling points and one jump: the full fit rises steeply (chi-squared
        # far above 9.5495), but without the last point the slope is negative.
        trend = recent_trend(series([10.5, 10.4, 10.3, 10.2, 20]), MeasureKind.CRUDE_RATE)
        assert trend.chi_squared is not None and trend.chi_squared > 100
        assert trend.direction is TrendDirection.NO_SIGNIFICANT_CHANGE

    def test_only_the_five_most_recent_points_count(self) -> None:
        older = series([90, 80, 70])
        assert (
            recent_trend([*older, *series([10, 12, 14, 16, 18])], MeasureKind.CRUDE_RATE).direction
            is TrendDirection.INCREASING
        )

    def test_weights_follow_domain_md_standard_errors(self) -> None:
        # se = (UCI95 - LCI95) / 3.92; with equal se the WLS slope is the OLS slope and
        # chi-squared = slope^2 * sum((t - 3)^2) / se^2.
        points = series([10, 11, 12.5, 13, 14.5], half_width=1.96)
        trend = recent_trend(points, MeasureKind.CRUDE_RATE)
        slope = (-2 * 10 - 11 + 13 + 2 * 14.5) / 10
        se = 3.92 / 3.92
        assert trend.chi_squared == pytest.approx(slope**2 * 10 / se**2)

    def test_a_point_without_interval_width_cannot_be_calculated(self) -> None:
        points = [*series([10, 12, 14, 16]), TrendPoint(18, 18, 18)]
        trend = recent_trend(points, MeasureKind.CRUDE_RATE)
        assert trend.direction is TrendDirection.CANNOT_BE_CALCULATED

    def test_proportions_use_the_chi_squared_test_for_trend(self) -> None:
        rising = [TrendPoint.of(proportion(x, 1_000), x, 1_000) for x in (50, 60, 70, 80, 90)]
        trend = recent_trend(rising, MeasureKind.PROPORTION)
        assert trend.direction is TrendDirection.INCREASING
        # Armitage's statistic in its textbook form T^2 / Var(T) (independent algebra)
        counts, ns, ts = [50, 60, 70, 80, 90], [1_000] * 5, [1, 2, 3, 4, 5]
        p_bar = sum(counts) / sum(ns)
        t_stat = sum(t * (x - n * p_bar) for t, x, n in zip(ts, counts, ns, strict=True))
        spread = sum(n * t * t for n, t in zip(ns, ts, strict=True)) - sum(
            n * t for n, t in zip(ns, ts, strict=True)
        ) ** 2 / sum(ns)
        assert trend.chi_squared == pytest.approx(t_stat**2 / (p_bar * (1 - p_bar) * spread))

    def test_steady_proportions_show_no_significant_change(self) -> None:
        flat = [TrendPoint.of(proportion(x, 1_000), x, 1_000) for x in (70, 68, 71, 69, 70)]
        assert recent_trend(flat, MeasureKind.PROPORTION).direction is (
            TrendDirection.NO_SIGNIFICANT_CHANGE
        )

    def test_falling_proportions_with_a_zero_period_still_decrease(self) -> None:
        falling = [TrendPoint.of(proportion(x, 500), x, 500) for x in (60, 40, 25, 10, 0)]
        assert recent_trend(falling, MeasureKind.PROPORTION).direction is TrendDirection.DECREASING

    def test_proportions_whose_logit_slope_flips_when_a_point_is_dropped(self) -> None:
        # Armitage chi-squared is large, but dropping the final surge reverses the slope.
        counts = [105, 104, 103, 102, 400]
        points = [TrendPoint.of(proportion(x, 1_000), x, 1_000) for x in counts]
        trend = recent_trend(points, MeasureKind.PROPORTION)
        assert trend.chi_squared is not None and trend.chi_squared > 100
        assert trend.direction is TrendDirection.NO_SIGNIFICANT_CHANGE

    def test_proportions_without_counts_fall_back_to_weighted_least_squares(self) -> None:
        points = [TrendPoint.of(proportion(x, 1_000)) for x in (50, 60, 70, 80, 90)]
        assert recent_trend(points, MeasureKind.PROPORTION).direction is TrendDirection.INCREASING

    @pytest.mark.parametrize(
        ("direction", "polarity", "expected"),
        [
            (TrendDirection.INCREASING, Polarity.HIGH_IS_GOOD, TrendJudgement.IMPROVING),
            (TrendDirection.INCREASING, Polarity.LOW_IS_GOOD, TrendJudgement.WORSENING),
            (TrendDirection.DECREASING, Polarity.LOW_IS_GOOD, TrendJudgement.IMPROVING),
            (TrendDirection.DECREASING, Polarity.HIGH_IS_GOOD, TrendJudgement.WORSENING),
            (TrendDirection.INCREASING, Polarity.NO_JUDGEMENT, TrendJudgement.INCREASING),
            (TrendDirection.DECREASING, Polarity.NO_JUDGEMENT, TrendJudgement.DECREASING),
            (
                TrendDirection.NO_SIGNIFICANT_CHANGE,
                Polarity.HIGH_IS_GOOD,
                TrendJudgement.NO_SIGNIFICANT_CHANGE,
            ),
            (
                TrendDirection.CANNOT_BE_CALCULATED,
                Polarity.LOW_IS_GOOD,
                TrendJudgement.CANNOT_BE_CALCULATED,
            ),
        ],
    )
    def test_polarity_turns_direction_into_improving_or_worsening(
        self, direction: TrendDirection, polarity: Polarity, expected: TrendJudgement
    ) -> None:
        assert judge_trend(direction, polarity) is expected


# --------------------------------------------------------------------------------------
# Quintiles and the red-red flag
# --------------------------------------------------------------------------------------


class TestQuintileRank:
    def test_fewer_than_four_values_give_no_ranking(self) -> None:
        assert quintile_rank(2.0, [1.0, 2.0, 3.0], Polarity.HIGH_IS_GOOD) is None

    def test_four_values_are_enough(self) -> None:
        # Fingertips ranks into quintiles only with more than 3 values
        assert quintile_rank(4.0, [1.0, 2.0, 3.0, 4.0], Polarity.HIGH_IS_GOOD) is not None

    @pytest.mark.parametrize(
        ("value", "quintile"), [(1.0, 1), (2.0, 1), (3.0, 2), (6.0, 3), (8.0, 4), (10.0, 5)]
    )
    def test_bounds_are_interpolated_percentiles(self, value: float, quintile: int) -> None:
        # values 1..10: 20th/40th/60th/80th percentiles (type 7) are 2.8, 4.6, 6.4, 8.2
        rank = quintile_rank(value, [float(v) for v in range(1, 11)], Polarity.NO_JUDGEMENT)
        assert rank is not None and rank.value_quintile == quintile

    @pytest.mark.parametrize(
        ("polarity", "highest", "lowest"),
        [
            (Polarity.HIGH_IS_GOOD, QuintileLabel.BEST, QuintileLabel.WORST),
            (Polarity.LOW_IS_GOOD, QuintileLabel.WORST, QuintileLabel.BEST),
            (Polarity.NO_JUDGEMENT, QuintileLabel.HIGHEST, QuintileLabel.LOWEST),
        ],
    )
    def test_labels_follow_polarity(
        self, polarity: Polarity, highest: QuintileLabel, lowest: QuintileLabel
    ) -> None:
        values = [float(v) for v in range(1, 11)]
        top, bottom = quintile_rank(10.0, values, polarity), quintile_rank(1.0, values, polarity)
        assert top is not None and top.label is highest
        assert bottom is not None and bottom.label is lowest

    def test_value_must_be_among_the_comparators(self) -> None:
        with pytest.raises(ValueError):
            quintile_rank(99.0, [1.0, 2.0, 3.0, 4.0], Polarity.HIGH_IS_GOOD)


class TestWorseAndWorsening:
    def test_worse_and_worsening_is_the_headline_flag(self) -> None:
        assert is_worse_and_worsening(BenchmarkComparison.WORSE, TrendJudgement.WORSENING)
        assert is_worse_and_worsening(BenchmarkComparison.WORSE_998, TrendJudgement.WORSENING)

    @pytest.mark.parametrize(
        ("comparison", "trend"),
        [
            (BenchmarkComparison.WORSE, TrendJudgement.IMPROVING),
            (BenchmarkComparison.WORSE, TrendJudgement.NO_SIGNIFICANT_CHANGE),
            (BenchmarkComparison.SIMILAR, TrendJudgement.WORSENING),
            (BenchmarkComparison.LOWER, TrendJudgement.DECREASING),
        ],
    )
    def test_anything_else_is_not_flagged(
        self, comparison: BenchmarkComparison, trend: TrendJudgement
    ) -> None:
        assert not is_worse_and_worsening(comparison, trend)

    def test_end_to_end_an_area_worse_than_england_and_getting_worse(self) -> None:
        # Low-is-good rate: area well above England's 300 and rising five years running.
        rates = [crude_rate(c, 50_000) for c in (200, 230, 260, 290, 320)]
        latest = rates[-1]
        comparison = compare(latest.ci95, latest.ci998, 300.0, Polarity.LOW_IS_GOOD)
        trend = judge_trend(
            recent_trend([TrendPoint.of(r) for r in rates], MeasureKind.CRUDE_RATE).direction,
            Polarity.LOW_IS_GOOD,
        )
        assert comparison is BenchmarkComparison.WORSE
        assert trend is TrendJudgement.WORSENING
        assert is_worse_and_worsening(comparison, trend)


def test_confidence_levels_are_two_sided() -> None:
    assert NormalDist().cdf(Z_998) == pytest.approx(0.5 + CONFIDENCE_998 / 2)
