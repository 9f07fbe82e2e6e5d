"""Specification of per-trust configuration (shared/trust.py, shared/trust_defaults.yaml)."""

import copy
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from shared.trust import (
    CommissioningActivity,
    ComparatorArea,
    TrustConfig,
    TrustConfigError,
    load_trust_config,
)

EVERY_CHILD_MATTERS = {
    "be_healthy",
    "stay_safe",
    "enjoy_and_achieve",
    "make_a_positive_contribution",
    "achieve_economic_wellbeing",
}


@pytest.fixture(scope="module")
def defaults_document() -> dict[str, Any]:
    text = resources.files("shared").joinpath("trust_defaults.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _variant(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)


def _error_locations(error: ValidationError) -> list[tuple[int | str, ...]]:
    return [tuple(detail["loc"]) for detail in error.errors()]


class TestPackagedDefaults:
    config = load_trust_config(None)

    def test_county_durham_has_five_local_childrens_boards(self) -> None:
        assert self.config.id == "county-durham"
        assert len(self.config.localities) == 5
        assert all(
            locality.local_childrens_board.endswith("Local Children's Board")
            for locality in self.config.localities
        )

    def test_the_outcome_framework_is_the_five_every_child_matters_outcomes(self) -> None:
        assert self.config.outcome_ids == EVERY_CHILD_MATTERS

    def test_the_cycle_has_nine_stages_across_assess_plan_do_review(self) -> None:
        activities = [stage.activity for stage in self.config.commissioning_stages]

        assert len(activities) == 9
        assert activities.count(CommissioningActivity.ASSESS) == 3
        assert activities.count(CommissioningActivity.PLAN) == 2
        assert activities.count(CommissioningActivity.DO) == 3
        assert activities.count(CommissioningActivity.REVIEW) == 1

    def test_durham_buys_under_fifty_thousand_pounds_from_the_select_list(self) -> None:
        procurement = self.config.procurement

        assert procurement.select_list_below == Decimal("50000")
        assert procurement.uses_select_list(Decimal("49999.99"))
        assert not procurement.uses_select_list(Decimal("50000"))

    def test_procurement_act_2023_thresholds_are_the_2026_values(self) -> None:
        act = self.config.procurement.procurement_act

        assert (act.central_government, act.sub_central, act.light_touch, act.works) == (
            Decimal("135018"),
            Decimal("207720"),
            Decimal("663540"),
            Decimal("5193000"),
        )
        assert self.config.procurement.notifiable.central_government_and_nhs == 12000
        assert self.config.procurement.notifiable.other_authorities == 30000
        assert self.config.procurement.standstill_working_days == 8
        assert self.config.procurement.minimum_tender_days == 25

    def test_benchmarks_and_disclosure_follow_fingertips_and_nhs_digital(self) -> None:
        assert self.config.benchmark.default_comparator is ComparatorArea.ENGLAND
        assert self.config.benchmark.trend_periods == 5
        assert self.config.benchmark.worsening_periods_to_flag == 3
        assert (self.config.disclosure.threshold, self.config.disclosure.rounding) == (7, 5)

    def test_an_unknown_locality_is_reported_with_the_known_ones(self) -> None:
        with pytest.raises(KeyError, match="easington"):
            self.config.locality("hartlepool")


class TestValidation:
    def test_a_duplicate_locality_id_is_rejected_naming_localities(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["localities"].append(dict(document["localities"][0]))

        with pytest.raises(ValidationError) as error:
            TrustConfig.model_validate(document)

        assert _error_locations(error.value) == [("localities",)]
        assert "locality ids must be unique; repeated: durham-chester-le-street" in str(error.value)

    def test_a_negative_threshold_is_rejected_naming_the_field(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["procurement"]["select_list_below"] = -50000

        with pytest.raises(ValidationError) as error:
            TrustConfig.model_validate(document)

        assert _error_locations(error.value) == [("procurement", "select_list_below")]
        assert error.value.errors()[0]["type"] == "greater_than"

    def test_statutory_thresholds_out_of_order_are_rejected(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["procurement"]["procurement_act"]["sub_central"] = 100000

        with pytest.raises(ValidationError, match="central_government must be below sub_central"):
            TrustConfig.model_validate(document)

    def test_a_select_list_above_the_statutory_threshold_is_rejected(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["procurement"]["select_list_below"] = 250000

        with pytest.raises(ValidationError, match="select_list_below must not exceed"):
            TrustConfig.model_validate(document)

    def test_a_trust_needs_at_least_one_locality_and_one_outcome(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["localities"] = []
        document["outcome_framework"]["outcomes"] = []

        with pytest.raises(ValidationError) as error:
            TrustConfig.model_validate(document)

        assert set(_error_locations(error.value)) == {
            ("localities",),
            ("outcome_framework", "outcomes"),
        }

    def test_an_outcome_lead_must_be_a_known_partner_agency(
        self, defaults_document: dict[str, Any]
    ) -> None:
        document = _variant(defaults_document)
        document["outcome_framework"]["outcomes"][0]["lead_agency"] = "sunderland-pct"

        with pytest.raises(ValidationError, match="unknown agency 'sunderland-pct'"):
            TrustConfig.model_validate(document)

    def test_stages_must_run_assess_plan_do_review(self, defaults_document: dict[str, Any]) -> None:
        document = _variant(defaults_document)
        document["commissioning_stages"][0]["activity"] = "review"

        with pytest.raises(ValidationError, match="assess, plan, do, review"):
            TrustConfig.model_validate(document)

    def test_a_file_that_is_not_a_mapping_is_rejected_naming_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "trust.yaml"
        path.write_text("- just\n- a list\n", encoding="utf-8")

        with pytest.raises(TrustConfigError, match=r"trust\.yaml: must be a YAML mapping"):
            load_trust_config(path)


def test_a_medway_style_three_outcome_framework_loads(
    defaults_document: dict[str, Any], tmp_path: Path
) -> None:
    document = _variant(defaults_document)
    document["id"] = "medway"
    document["name"] = "Medway Children's Trust"
    document["outcome_framework"] = {
        "id": "medway-local-outcomes",
        "name": "Medway local outcomes",
        "outcomes": [
            {"id": "safe_and_cared_for", "name": "Safe and cared for"},
            {"id": "succeed_in_learning", "name": "Succeed in learning"},
            {"id": "thrive", "name": "Thrive"},
        ],
    }
    path = tmp_path / "medway.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    config = load_trust_config(path)

    assert config.outcome_ids == {"safe_and_cared_for", "succeed_in_learning", "thrive"}
