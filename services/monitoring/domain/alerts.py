"""Alert rules and who hears each alert.

Commissioning managers and the JCU are alerted to problems with service delivery, and
deficits are highlighted so that plans are agreed to address them (Durham Children's Trust
framework, section 3, Planning, Performance and Delivery Group duties 4 and 5). A local
contract's alerts go to its locality's Local Children's Board (section 3, "Local Children's
Boards", responsibility 7; roles table, "Monitor contract"); a specialist or trust-wide
contract's go to the JCU. The trust works with a failing provider before anything else
(Medway, paragraph 2.25); red again after an agreed improvement plan goes to the Executive
Board, which may intervene, veto or decommission (Durham, section 3, Children's Executive
Board duties 7 and 9).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from services.monitoring.domain.periods import next_period
from services.monitoring.domain.rag import rag, worsened
from shared.contracts.monitoring import (
    AlertRule,
    Audience,
    ContractLevel,
    Kpi,
    MonitoredContract,
    Rag,
    Recommendation,
    Severity,
)
from shared.trust import MonitoringRules

TRUST_WIDE_KEY = "trust-wide"
"""The alerts topic's key for contracts with no locality."""


@dataclass(frozen=True)
class Finding:
    """What a rule found, before it becomes an alert for an audience."""

    rule: AlertRule
    severity: Severity
    kpi_id: str | None
    period: str
    evidence: str
    recommendation: Recommendation | None = None


def audience_of(contract: MonitoredContract) -> Audience:
    return Audience.LOCAL_BOARD if contract.level is ContractLevel.LOCAL else Audience.JCU


def alert_key(contract: MonitoredContract) -> str:
    """The Kafka key of the contract's alerts: its locality keeps them in order."""
    return contract.locality or TRUST_WIDE_KEY


def _consecutive(periods: Sequence[str]) -> bool:
    return all(next_period(a) == b for a, b in itertools.pairwise(periods))


def kpi_findings(
    kpi: Kpi, series: Sequence[tuple[str, float]], rules: MonitoringRules
) -> list[Finding]:
    """Rules over a KPI's current values in period order, judged at the latest period."""
    if not series:
        return []
    period, value = series[-1]
    found: list[Finding] = []
    colour = rag(kpi, value)
    if colour is Rag.RED and rules.alert_on_red:
        found.append(
            Finding(
                AlertRule.KPI_RED,
                Severity.HIGH,
                kpi.id,
                period,
                f"{kpi.name} is red in {period}: {value:g} against a target of "
                f"{kpi.target:g} ({kpi.polarity.value.replace('_', ' ')})",
            )
        )
    found += _amber_repeated(kpi, series, rules.amber_periods_to_alert)
    found += _worsening(kpi, series, rules.worsening_periods_to_alert)
    return found


def _amber_repeated(kpi: Kpi, series: Sequence[tuple[str, float]], n: int) -> list[Finding]:
    last = series[-n:]
    if len(last) < n or not _consecutive([p for p, _ in last]):
        return []
    if any(rag(kpi, v) is not Rag.AMBER for _, v in last):
        return []
    values = ", ".join(f"{p}: {v:g}" for p, v in last)
    return [
        Finding(
            AlertRule.AMBER_REPEATED,
            Severity.MEDIUM,
            kpi.id,
            last[-1][0],
            f"{kpi.name} has been amber for {n} consecutive periods ({values}); "
            f"target {kpi.target:g}",
        )
    ]


def _worsening(kpi: Kpi, series: Sequence[tuple[str, float]], n: int) -> list[Finding]:
    last = series[-(n + 1) :]
    if len(last) < n + 1 or not _consecutive([p for p, _ in last]):
        return []
    if not all(worsened(kpi, a, b) for (_, a), (_, b) in itertools.pairwise(last)):
        return []
    values = " -> ".join(f"{v:g}" for _, v in last)
    return [
        Finding(
            AlertRule.KPI_WORSENING,
            Severity.MEDIUM,
            kpi.id,
            last[-1][0],
            f"{kpi.name} has worsened in each of the last {n} periods ({values})",
        )
    ]


def missing_return(contract: MonitoredContract, period: str, due: str) -> Finding:
    return Finding(
        AlertRule.RETURN_MISSING,
        Severity.HIGH,
        None,
        period,
        f"no performance return for {period} from {contract.provider_id}; it was due on {due}",
    )


def recommendation(reds_after_plan: int, threshold: int) -> Recommendation:
    """The first escalation asks the Executive Board to intervene; red again, to use its
    veto; red after that, to decommission (Gateshead, "Spend money wisely")."""
    if reds_after_plan <= threshold:
        return Recommendation.INTERVENE
    if reds_after_plan == threshold + 1:
        return Recommendation.VETO
    return Recommendation.DECOMMISSION


def escalation(kpi: Kpi, period: str, reds_after_plan: int, threshold: int) -> Finding:
    advice = recommendation(reds_after_plan, threshold)
    return Finding(
        AlertRule.RED_AFTER_PLAN,
        Severity.HIGH,
        kpi.id,
        period,
        f"{kpi.name} is red in {period}, {reds_after_plan} red period(s) after an improvement "
        f"plan was agreed; recommendation: {advice.value}",
        advice,
    )


def escalated_by_board(kpi_id: str | None, period: str, evidence: str, by: str) -> Finding:
    """A board escalates an alert it cannot resolve with the provider."""
    return Finding(
        AlertRule.ESCALATED_BY_BOARD,
        Severity.HIGH,
        kpi_id,
        period,
        f"escalated by {by}: {evidence}; recommendation: intervene",
        Recommendation.INTERVENE,
    )
