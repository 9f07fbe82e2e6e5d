"""The disclosure attacks of issue 8, each replayed as a reader would try it.

Every test here recovered (or pinned) a hidden count before the fix. The general proof is
the linear-programming audit (``test_disclosure_audit.py``); these are the named cases.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.analysis import AnalysisSettings, IndicatorData, assess_series, measure
from services.needs.domain.disclosure import (
    NHS_DIGITAL,
    SUPPRESS_ONE_TO_FIVE,
    SuppressionRule,
    breakdown_groups,
    disclose_table,
)
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.publication import disclose_period, published
from services.needs.domain.statistics import BenchmarkComparison, TrendJudgement
from shared.trust import DisclosureRule, load_trust_config

CATALOGUE = load_catalogue()
NEET = CATALOGUE["neet_16_17"]  # proportion, per cent, higher is worse


def neet(
    code: str,
    count: int,
    population: int,
    *,
    kind: AreaKind = AreaKind.LOCALITY,
    period: str = "2024",
    breakdown: tuple[tuple[str, str], ...] = (),
    revision: int = 1,
) -> ReportedValue:
    return ReportedValue(
        NEET.id,
        "durham-county-council",
        kind,
        code,
        period,
        breakdown,
        count,
        population,
        revision=revision,
    )


def trust(count: int, population: int, **kwargs) -> ReportedValue:  # type: ignore[no-untyped-def]
    return neet("county-durham", count, population, kind=AreaKind.TRUST, **kwargs)


def figures(values: list[ReportedValue], rule: SuppressionRule, code: str, period: str = "2024"):  # type: ignore[no-untyped-def]
    data = IndicatorData(NEET, values)
    found = next(v for v in values if v.area_code == code and v.period == period)
    measured = data.at(found.area_kind, code, found.breakdown_key, period)
    assert measured is not None
    disclosure = disclose_period(data.cells_at(period), NEET, rule).get(
        (found.area_kind.value, code, found.breakdown_key)
    )
    return published(measured, NEET, disclosure, rule)


def test_1_the_value_beside_a_rounded_count_does_not_give_the_count_back() -> None:
    # 23 of 487 is shown as 25 of 485; a value of 23/487 would give 23 back.
    shown = figures([neet("easington", 23, 487)], NHS_DIGITAL, "easington")
    assert (shown.count, shown.denominator) == (25, 485)
    assert shown.value == pytest.approx(25 / 485 * 100)
    assert shown.lower95 is not None and shown.upper95 is not None
    recovered = shown.value * shown.denominator / 100
    assert round(recovered) == 25  # the shown count, not the true 23


def test_1_a_scoped_reader_holding_the_trust_and_their_own_locality_gets_no_exact_count() -> None:
    # Two localities reported: trust minus one gives the other, but only within rounding.
    values = [trust(40, 100), neet("easington", 23, 52), neet("derwentside", 17, 48)]
    whole = figures(values, NHS_DIGITAL, "county-durham")
    own = figures(values, NHS_DIGITAL, "easington")
    assert whole.value is not None and own.value is not None
    for shown in (whole, own):
        assert shown.count is not None and shown.denominator is not None
        assert shown.value == pytest.approx(shown.count / shown.denominator * 100)
    assert whole.count is not None and own.count is not None
    assert whole.count - own.count != 17  # 40 - 25


def test_2_a_small_complement_is_protected_like_a_small_count() -> None:
    # Older rule, no rounding: 17 of 22 would say that 5 children are not NEET.
    shown = figures([neet("easington", 17, 22)], SUPPRESS_ONE_TO_FIVE, "easington")
    assert shown.count_suppressed
    assert shown.count is None or shown.denominator is None
    assert shown.value is None


def test_3_a_later_release_does_not_undo_an_earlier_one() -> None:
    # v1: two localities and the trust, all shown. v2: a third locality reports 3, so
    # hiding the smallest other locality (shown in v1, unchanged) would leave 3 = trust -
    # v1 localities. The earlier release makes those localities known: the trust is hidden.
    first = [trust(50, 500), neet("easington", 20, 200), neet("derwentside", 30, 300)]
    data_v1 = IndicatorData(NEET, first)
    release = data_v1.disclosure_table("2024", SUPPRESS_ONE_TO_FIVE).release
    assert not release.hidden
    second = [
        trust(53, 540, revision=2),
        neet("easington", 20, 200),
        neet("derwentside", 30, 300),
        neet("sedgefield", 3, 40),
    ]
    naive = IndicatorData(NEET, second).disclosure_at("2024", SUPPRESS_ONE_TO_FIVE)
    assert not naive[("trust", "county-durham", "")].hidden  # the leak, without history
    data_v2 = IndicatorData(NEET, second, released={"2024": [release]})
    after = data_v2.disclosure_at("2024", SUPPRESS_ONE_TO_FIVE)
    assert after[("locality", "sedgefield", "")].hidden
    assert after[("trust", "county-durham", "")].hidden


def test_3_a_cell_hidden_in_an_earlier_release_stays_hidden() -> None:
    first = [trust(45, 500), neet("easington", 4, 200), neet("derwentside", 41, 300)]
    release = IndicatorData(NEET, first).disclosure_table("2024", SUPPRESS_ONE_TO_FIVE).release
    second = [trust(50, 500, revision=2), neet("easington", 9, 200, revision=2), first[2]]
    after = IndicatorData(NEET, second, released={"2024": [release]}).disclosure_at(
        "2024", SUPPRESS_ONE_TO_FIVE
    )
    assert after[("locality", "easington", "")].hidden  # 9 is not small, but was hidden
    assert after[("locality", "derwentside", "")].hidden  # and its partner too


def test_4_quarters_sum_to_the_year() -> None:
    values = [neet("easington", 100, 1000)] + [
        neet("easington", count, 250, period=f"2024-Q{q}")
        for q, count in zip((1, 2, 3, 4), (30, 32, 35, 3), strict=True)
    ]
    data = IndicatorData(NEET, values)
    q4 = data.disclosure_at("2024-Q4", SUPPRESS_ONE_TO_FIVE)[("locality", "easington", "")]
    assert q4.hidden
    shown = [
        not data.disclosure_at(p, SUPPRESS_ONE_TO_FIVE)[("locality", "easington", "")].hidden
        for p in ("2024", "2024-Q1", "2024-Q2", "2024-Q3")
    ]
    assert not all(shown)  # the year or another quarter is hidden with it


def test_5_a_hidden_cell_carries_no_label() -> None:
    settings = AnalysisSettings("county-durham")
    values = [
        ReportedValue(NEET.id, "x", AreaKind.ENGLAND, "E92000001", "2024", (), None, None, 5.0),
        neet("easington", 300, 1000),
        neet("easington", 6, 7, breakdown=(("looked_after", "yes"),)),
        neet("easington", 294, 993, breakdown=(("looked_after", "no"),)),
    ]
    data = IndicatorData(NEET, values)
    hidden = assess_series(data, AreaKind.LOCALITY, "easington", "looked_after=yes", settings)
    assert hidden is not None
    assert hidden.comparison is BenchmarkComparison.WITHHELD
    assert hidden.comparison_with_area is BenchmarkComparison.WITHHELD
    assert hidden.trend is TrendJudgement.WITHHELD
    assert hidden.quintile is None and not hidden.is_need and not hidden.vulnerable_group
    overall = assess_series(data, AreaKind.LOCALITY, "easington", "", settings)
    assert overall is not None and overall.comparison is BenchmarkComparison.WORSE


def test_6_two_hidden_ones_that_sum_to_two_are_not_protection() -> None:
    # "A * is at least 1": with A + B = 2 both are pinned at 1, so a third cell is hidden.
    counts = {"All": 20, "A": 1, "B": 1, "C": 18}
    disclosed = disclose_table(counts, breakdown_groups("All", ["A", "B", "C"]))
    assert disclosed["C"].is_suppressed or disclosed["All"].is_suppressed


def test_6_two_hidden_cells_that_sum_to_three_still_narrow_below_the_rule() -> None:
    # A + B = 3 leaves A in 1..2: fewer than three possible values under the older rule.
    counts = {"All": 30, "A": 1, "B": 2, "C": 27}
    disclosed = disclose_table(
        counts, breakdown_groups("All", ["A", "B", "C"]), SUPPRESS_ONE_TO_FIVE
    )
    assert disclosed["C"].is_suppressed or disclosed["All"].is_suppressed


@pytest.mark.parametrize("kind", [AreaKind.REGION, AreaKind.STATISTICAL_NEIGHBOUR])
def test_7_small_counts_of_comparators_below_national_level_are_hidden(kind: AreaKind) -> None:
    value = ReportedValue(NEET.id, "x", kind, "E12000001", "2024", (), 4, 60)
    shown = published(measure(value, NEET), NEET, None, NHS_DIGITAL)
    assert shown.count is None and shown.value is None and shown.count_suppressed
    england = ReportedValue(NEET.id, "x", AreaKind.ENGLAND, "E92000001", "2024", (), 4, 60)
    assert published(measure(england, NEET), NEET, None, NHS_DIGITAL).count == 4


def test_8_a_threshold_that_hides_nothing_is_refused() -> None:
    with pytest.raises(ValidationError, match="threshold"):
        DisclosureRule(threshold=0)
    with pytest.raises(ValueError, match="threshold"):
        SuppressionRule("hides nothing", threshold=1)
    with pytest.raises(ValidationError, match="suppressed_marker"):
        DisclosureRule(suppressed_marker="0")
    assert load_trust_config().disclosure.threshold == 7
