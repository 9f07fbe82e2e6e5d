"""Each alert rule with the trust's defaults: a red KPI; amber for two consecutive periods;
worsening for three periods; a return missing after its due date plus grace; red after an
improvement plan recommends intervene, veto, then decommission (Durham Children's Trust
framework, section 3, PPDG duties 4-5 and CEB duties 7 and 9; Medway, paragraph 2.25)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.monitoring.domain.alerts import kpi_findings, recommendation
from services.monitoring.domain.periods import overdue_periods
from shared.contracts.monitoring import AlertRule, Recommendation, Severity
from shared.trust import MonitoringRules
from tests.monitoring.unit.fakes import attendance_kpi, local_contract

RULES = MonitoringRules()


def rules_found(series: Sequence[tuple[str, float]], rules: MonitoringRules = RULES) -> set[str]:
    return {f.rule.value for f in kpi_findings(attendance_kpi(), series, rules)}


def test_a_red_kpi_raises_a_high_severity_alert_with_its_evidence() -> None:
    (found,) = kpi_findings(attendance_kpi(), [("2025-04", 70)], RULES)
    assert found.rule is AlertRule.KPI_RED
    assert found.severity is Severity.HIGH
    assert "70" in found.evidence and "target of 90" in found.evidence


def test_a_single_amber_period_raises_nothing() -> None:
    assert rules_found([("2025-04", 95), ("2025-05", 85)]) == set()


def test_amber_in_two_consecutive_periods_raises_an_alert() -> None:
    assert rules_found([("2025-05", 85), ("2025-06", 86)]) == {"amber_repeated"}


def test_amber_in_two_periods_with_a_gap_between_raises_nothing() -> None:
    assert rules_found([("2025-05", 85), ("2025-07", 86)]) == set()


def test_the_trust_can_ask_for_three_amber_periods() -> None:
    three = MonitoringRules(amber_periods_to_alert=3)
    assert rules_found([("2025-05", 85), ("2025-06", 86)], three) == set()
    assert rules_found([("2025-04", 85), ("2025-05", 85), ("2025-06", 86)], three) == {
        "amber_repeated"
    }


def test_worsening_in_each_of_three_periods_raises_an_alert_even_while_green() -> None:
    series = [("2025-04", 99), ("2025-05", 97), ("2025-06", 95), ("2025-07", 93)]
    assert rules_found(series) == {"kpi_worsening"}


def test_worsening_twice_then_improving_raises_nothing() -> None:
    series = [("2025-04", 99), ("2025-05", 97), ("2025-06", 95), ("2025-07", 96)]
    assert rules_found(series) == set()


def test_the_trust_can_turn_off_alerts_on_red() -> None:
    assert rules_found([("2025-04", 70)], MonitoringRules(alert_on_red=False)) == set()


def test_a_return_is_missing_only_after_its_due_date_plus_grace() -> None:
    contract = local_contract()  # monthly from April 2025, due 20 days after the month
    # April's return is due on 20 May; with 5 days' grace it is missing from 26 May.
    assert overdue_periods(contract, set(), date(2025, 5, 25), 5) == []
    assert overdue_periods(contract, set(), date(2025, 5, 26), 5) == ["2025-04"]
    assert overdue_periods(contract, {"2025-04"}, date(2025, 5, 26), 5) == []


def test_returns_are_never_missing_for_periods_after_the_contract() -> None:
    contract = local_contract()
    overdue = overdue_periods(contract, set(), date(2027, 1, 1), 5)
    assert overdue[0] == "2025-04" and overdue[-1] == "2026-03" and len(overdue) == 12


def test_the_executive_board_is_asked_to_intervene_then_veto_then_decommission() -> None:
    assert recommendation(1, 1) is Recommendation.INTERVENE
    assert recommendation(2, 1) is Recommendation.VETO
    assert recommendation(3, 1) is Recommendation.DECOMMISSION
