"""Disclosure control of everything the needs service publishes below trust level."""

from __future__ import annotations

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.analysis import IndicatorData, measure
from services.needs.domain.disclosure import NHS_DIGITAL, SuppressionReason
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.publication import disclose_period, published, rule_from_trust

CATALOGUE = load_catalogue()
NEET = CATALOGUE["neet_16_17"]


def neet(
    kind: AreaKind,
    code: str,
    count: int,
    population: int,
    breakdown: tuple[tuple[str, str], ...] = (),
) -> ReportedValue:
    return ReportedValue(
        NEET.id, "durham-county-council", kind, code, "2024", breakdown, count, population
    )


def table(values: list[ReportedValue]):  # type: ignore[no-untyped-def]
    data = IndicatorData(NEET, values)
    return data, disclose_period(data.cells_at("2024"), NEET, NHS_DIGITAL)


def test_the_trust_default_rule_is_nhs_digitals() -> None:
    rule = rule_from_trust(7, 5, "*")
    assert (rule.threshold, rule.rounding_base, rule.name) == (8, 5, NHS_DIGITAL.name)
    assert rule_from_trust(9, 1, "~").threshold == 10


def test_a_small_locality_count_is_hidden_and_so_is_one_that_would_give_it_away() -> None:
    values = [
        neet(AreaKind.TRUST, "county-durham", 120, 3000),
        neet(AreaKind.LOCALITY, "easington", 5, 500),
        neet(AreaKind.LOCALITY, "derwentside", 45, 900),
        neet(AreaKind.LOCALITY, "sedgefield", 70, 1600),
    ]
    _, disclosed = table(values)
    easington = disclosed[("locality", "easington", "")]
    derwentside = disclosed[("locality", "derwentside", "")]
    assert (
        easington.numerator is not None and easington.numerator.reason is SuppressionReason.PRIMARY
    )
    assert derwentside.numerator is not None
    assert derwentside.numerator.reason is SuppressionReason.SECONDARY
    sedgefield = disclosed[("locality", "sedgefield", "")].numerator
    assert sedgefield is not None and sedgefield.shown == 70


def test_groups_are_protected_against_their_area_total() -> None:
    values = [
        neet(AreaKind.LOCALITY, "easington", 60, 1000),
        neet(AreaKind.LOCALITY, "easington", 3, 40, (("looked_after", "yes"),)),
        neet(AreaKind.LOCALITY, "easington", 57, 960, (("looked_after", "no"),)),
    ]
    data, disclosed = table(values)
    assert disclosed[("locality", "easington", "looked_after=yes")].hidden
    assert disclosed[("locality", "easington", "looked_after=no")].hidden
    overall = published(
        data.at(AreaKind.LOCALITY, "easington", "", "2024"),
        NEET,
        disclosed[("locality", "easington", "")],
        NHS_DIGITAL,
    )
    assert overall.count == 60 and overall.value == 6.0


def test_a_statistic_built_from_a_hidden_count_is_withheld() -> None:
    values = [neet(AreaKind.LOCALITY, "easington", 5, 500)]
    data, disclosed = table(values)
    figures = published(
        data.at(AreaKind.LOCALITY, "easington", "", "2024"),
        NEET,
        disclosed[("locality", "easington", "")],
        NHS_DIGITAL,
    )
    assert figures.count is None and figures.value is None and figures.lower95 is None
    assert figures.count_suppressed and figures.value_note is not None


def test_parts_that_fall_short_of_the_total_still_protect_the_small_one() -> None:
    values = [
        neet(AreaKind.LOCALITY, "easington", 60, 1000),
        neet(AreaKind.LOCALITY, "easington", 3, 40, (("sen", "yes"),)),
    ]
    _, disclosed = table(values)
    assert disclosed[("locality", "easington", "sen=yes")].hidden
    assert not disclosed[("locality", "easington", "")].hidden


def test_counts_are_rounded_and_a_counts_interval_is_withheld() -> None:
    caf = CATALOGUE["caf_assessments_started"]
    fte = CATALOGUE["first_time_entrants_youth_justice"]
    assert caf.has_counts and fte.has_counts
    value = ReportedValue(fte.id, "x", AreaKind.LOCALITY, "easington", "2024", (), 23, 12000)
    data = IndicatorData(fte, [value])
    disclosed = disclose_period(data.cells_at("2024"), fte, NHS_DIGITAL)
    figures = published(
        measure(value, fte), fte, disclosed[("locality", "easington", "")], NHS_DIGITAL
    )
    assert figures.count == 25 and figures.denominator == 12000
    assert figures.lower95 is not None  # a rate's interval is a complex statistic: shown


def test_comparator_areas_pass_through_unchanged() -> None:
    value = ReportedValue(NEET.id, "x", AreaKind.ENGLAND, "E92000001", "2024", (), 3, 50)
    figures = published(measure(value, NEET), NEET, None, NHS_DIGITAL)
    assert figures.count == 3 and figures.value == 6.0
