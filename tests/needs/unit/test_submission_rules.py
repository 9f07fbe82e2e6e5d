"""What an agency may submit: aggregates only, for its own indicators and known areas."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.model import (
    AreaKind,
    Submission,
    SubmissionRefused,
    accept,
    breakdown_key,
    parse_breakdown_key,
    parse_period,
)

CATALOGUE = load_catalogue()
LOCALITIES = {"easington", "derwentside"}


def submit(**changes: Any) -> Any:
    base = Submission(
        indicator_id="neet_16_17",
        agency="durham-county-council",
        area_kind=AreaKind.LOCALITY,
        area_code="easington",
        period="2024",
        numerator=50,
        denominator=1000,
    )
    return accept(
        replace(base, **changes), CATALOGUE, trust_id="county-durham", locality_ids=LOCALITIES
    )


def refusal(**changes: Any) -> tuple[str, str]:
    with pytest.raises(SubmissionRefused) as caught:
        submit(**changes)
    return caught.value.field, caught.value.rule


def test_a_well_formed_aggregate_is_accepted_with_its_breakdown_in_a_stable_order() -> None:
    accepted = submit(breakdown={"sex": "female", "ethnicity": "white british"})
    assert accepted.breakdown_key == "ethnicity=white british;sex=female"
    assert parse_breakdown_key(accepted.breakdown_key) == accepted.breakdown
    assert breakdown_key(()) == ""


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"indicator_id": "nope"}, "indicator_id", "unknown indicator 'nope'"),
        (
            {"agency": "nhs-county-durham"},
            "agency",
            "is published by agency 'durham-county-council'",
        ),
        ({"area_code": "atlantis"}, "area.code", "unknown locality 'atlantis'"),
        ({"area_kind": AreaKind.TRUST, "area_code": "gateshead"}, "area.code", "serves trust"),
        ({"numerator": 1001}, "numerator", "must not exceed the denominator"),
        ({"numerator": 2.5}, "numerator", "whole number"),
        ({"numerator": -1}, "numerator", "must not be negative"),
        ({"numerator": None}, "numerator", "is required for a proportion"),
        ({"value": 9.0}, "value", "does not match numerator/denominator"),
        ({"value": float("nan")}, "value", "finite"),
        ({"period": "2024/26"}, "period", "runs into the next year"),
        ({"period": "2024-13"}, "period", "month must be 01 to 12"),
        ({"period": "Q3 2024"}, "period", "is not a period"),
        ({"breakdown": {"postcode_district": "DH1"}}, "breakdown.postcode_district", "individual"),
        ({"breakdown": {"child_id": "17"}}, "breakdown.child_id", "individual child"),
        ({"breakdown": {"sex": "943 476 5919"}}, "breakdown.sex", "an NHS number"),
        ({"breakdown": {"sex": "2009-04-01"}}, "breakdown.sex", "a date of birth"),
        ({"breakdown": {"need_category": "x"}}, "breakdown.need_category", "is not broken down by"),
        ({"breakdown": {"shoe_size": "9"}}, "breakdown.shoe_size", "is not broken down by"),
        ({"numerator": 1, "denominator": 1}, "denominator", "describes a single child"),
    ],
)
def test_a_value_breaking_a_rule_is_refused_naming_the_field_and_rule(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    refused_field, refused_rule = refusal(**changes)
    assert refused_field == field
    assert rule in refused_rule


def test_comparator_areas_may_send_a_published_value_without_counts() -> None:
    accepted = submit(
        area_kind=AreaKind.ENGLAND,
        area_code="E92000001",
        numerator=None,
        denominator=None,
        value=5.2,
    )
    assert accepted.value == 5.2 and accepted.numerator is None


def test_a_waiting_time_needs_a_value_and_the_number_of_children() -> None:
    camhs = {"indicator_id": "camhs_waiting_time", "agency": "nhs-county-durham", "numerator": None}
    assert refusal(**camhs, denominator=40)[0] == "value"
    assert refusal(**camhs, value=12.0, denominator=None)[0] == "denominator"
    accepted = submit(**camhs, value=12.0, denominator=40, standard_deviation=4.0)
    assert accepted.standard_deviation == 4.0


def test_caf_activity_may_be_broken_down_by_need_category() -> None:
    accepted = submit(
        indicator_id="caf_assessments_started",
        breakdown={"need_category": "parenting"},
        numerator=30,
        denominator=9000,
    )
    assert accepted.breakdown == (("need_category", "parenting"),)


def test_periods_order_within_their_granularity() -> None:
    assert parse_period("2024/25").granularity == "year_span"
    assert parse_period("2024-Q4") < parse_period("2025-Q1")
    assert parse_period("2024-12") < parse_period("2025-01")
    assert parse_period("2024-H2").ordinal == parse_period("2025-H1").ordinal - 1


def test_a_resubmission_with_the_same_figures_has_the_same_digest() -> None:
    assert submit().digest() == submit().digest()
    assert submit().digest() != submit(numerator=51).digest()
    assert submit().digest() != submit(revision=2).digest()


def test_a_comparator_on_the_wrong_scale_is_refused() -> None:
    # Issue 8: England's NEET sent as the fraction 0.054 instead of 5.4%.
    england = {"area_kind": AreaKind.ENGLAND, "area_code": "E92000001"}
    figures = {"numerator": None, "denominator": None}
    field, rule = refusal(**england, **figures, value=0.054)
    assert field == "value" and "scale" in rule
    assert submit(**england, **figures, value=5.4).value == 5.4


def test_a_proportion_above_its_multiplier_is_refused() -> None:
    region = {"area_kind": AreaKind.REGION, "area_code": "E12000001"}
    attainment = {"indicator_id": "looked_after_attainment", "numerator": None}
    field, rule = refusal(**region, **attainment, denominator=None, value=540.0)
    assert field == "value" and "between 0 and 100" in rule


def test_a_second_england_code_is_refused() -> None:
    field, rule = refusal(
        area_kind=AreaKind.ENGLAND, area_code="E92000002", numerator=None, value=5.4
    )
    assert field == "area.code" and "E92000001" in rule


def test_a_count_beyond_what_the_store_holds_is_refused() -> None:
    assert refusal(numerator=2.0**63, denominator=2.0**64) == (
        "numerator",
        "must be at most 9223372036854775807",
    )
    assert submit(numerator=2**53, denominator=2.0**60).numerator == 2**53


def test_a_note_with_a_nul_character_is_refused() -> None:
    assert refusal(note="checked\x00") == ("note", "must not contain NUL characters")
