"""An alert and its lifecycle: raised, acknowledged, improvement plan agreed (with a review
date), then resolved or escalated.

The ladder follows the frameworks: identify services not meeting their targets and work
with them to improve (Gateshead handbook, Activity Four step 2; Medway, paragraph 2.25),
agree plans to address the deficit (Durham Children's Trust framework, section 3, PPDG
duty 5), and escalate to the Executive Board when that fails (CEB duties 7 and 9).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from services.monitoring.domain.alerts import Finding
from shared.contracts.monitoring import (
    AlertRule,
    AlertState,
    Audience,
    Recommendation,
    Severity,
)

ALLOWED: dict[AlertState, frozenset[AlertState]] = {
    AlertState.RAISED: frozenset(
        {AlertState.ACKNOWLEDGED, AlertState.RESOLVED, AlertState.ESCALATED}
    ),
    AlertState.ACKNOWLEDGED: frozenset(
        {AlertState.PLAN_AGREED, AlertState.RESOLVED, AlertState.ESCALATED}
    ),
    AlertState.PLAN_AGREED: frozenset({AlertState.RESOLVED, AlertState.ESCALATED}),
    AlertState.RESOLVED: frozenset(),
    AlertState.ESCALATED: frozenset(),
}


class StepRefused(ValueError):
    """The step does not follow from the alert's state."""


@dataclass(frozen=True)
class Alert:
    alert_id: uuid.UUID
    contract_id: str
    provider_id: str
    kpi_id: str | None
    period: str
    rule: AlertRule
    severity: Severity
    audience: Audience
    locality: str | None
    evidence: str
    recommendation: Recommendation | None
    raised_at: datetime
    state: AlertState = AlertState.RAISED
    review_on: date | None = None

    @classmethod
    def raise_for(
        cls,
        finding: Finding,
        *,
        contract_id: str,
        provider_id: str,
        audience: Audience,
        locality: str | None,
        now: datetime,
    ) -> Alert:
        return cls(
            alert_id=uuid.uuid4(),
            contract_id=contract_id,
            provider_id=provider_id,
            kpi_id=finding.kpi_id,
            period=finding.period,
            rule=finding.rule,
            severity=finding.severity,
            audience=audience,
            locality=locality,
            evidence=finding.evidence,
            recommendation=finding.recommendation,
            raised_at=now,
        )

    @property
    def identity(self) -> tuple[str, str, str, str, str]:
        """One alert per contract, KPI, rule, period and audience: re-evaluating a
        corrected return never raises the same alert twice."""
        return (self.contract_id, self.kpi_id or "", self.rule.value, self.period, self.audience)

    def step(self, to: AlertState, *, review_on: date | None = None) -> Alert:
        if to not in ALLOWED[self.state]:
            raise StepRefused(f"an alert that is {self.state.value} cannot become {to.value}")
        if to is AlertState.PLAN_AGREED and review_on is None:
            raise StepRefused("an improvement plan needs a review date")
        return replace(self, state=to, review_on=review_on or self.review_on)
