"""The alert lifecycle by the audience's members, and the clock-driven missing-return rule.

Each step is an event on the alerts topic and a line in the audit trail (who, what, when,
why). See `domain/lifecycle.py` for the ladder and its sources.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from services.monitoring.application.evaluation import (
    Clock,
    announce,
    raise_alert,
    step_recorded,
)
from services.monitoring.application.ports import AuditEntry, MonitoringUnitOfWork
from services.monitoring.application.problems import Conflict, Problem
from services.monitoring.application.scoping import visible_alert
from services.monitoring.domain.alerts import (
    alert_key,
    audience_of,
    escalated_by_board,
    missing_return,
)
from services.monitoring.domain.lifecycle import Alert, StepRefused
from services.monitoring.domain.periods import due_on, overdue_periods
from shared.auth import Principal
from shared.contracts.monitoring import AlertState, Audience
from shared.trust import MonitoringRules


async def record_step(
    alert_id: uuid.UUID,
    to: AlertState,
    uow: MonitoringUnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    note: str | None,
    review_on: date | None = None,
) -> Alert:
    alert = visible_alert(principal, await uow.alerts.get(alert_id), str(alert_id))
    try:
        moved = alert.step(to, review_on=review_on)
    except StepRefused as refused:
        raise Conflict([Problem("state", str(refused))]) from None
    now = clock()
    await uow.alerts.save(moved)
    await announce(uow, step_recorded(moved, principal.subject, note, now), moved)
    if to is AlertState.ESCALATED:
        await _tell_the_executive_board(uow, moved, principal.subject, note, now)
    await uow.audit.record(
        AuditEntry(
            principal.subject,
            f"alert {to.value}",
            str(alert_id),
            {"note": note, "review_on": review_on.isoformat() if review_on else None},
        )
    )
    return moved


async def _tell_the_executive_board(
    uow: MonitoringUnitOfWork, alert: Alert, by: str, note: str | None, now: datetime
) -> None:
    contract = await uow.contracts.get(alert.contract_id)
    if contract is None:  # alerts are only raised on monitored contracts
        return
    why = f"{note}; {alert.evidence}" if note else alert.evidence
    finding = escalated_by_board(alert.kpi_id, alert.period, why, by)
    await raise_alert(uow, contract, finding, Audience.EXECUTIVE_BOARD, now)


async def check_missing_returns(
    uow: MonitoringUnitOfWork, rules: MonitoringRules, clock: Clock
) -> list[Alert]:
    """Raise an alert for each return missing after its due date plus grace (once each)."""
    now = clock()
    raised = []
    for contract in await uow.contracts.all_current():
        received = {r.period for r in await uow.returns.current(contract.contract_id)}
        for period in overdue_periods(
            contract, received, now.date(), rules.missing_return_grace_days
        ):
            finding = missing_return(contract, period, due_on(contract, period).isoformat())
            alert = await raise_alert(uow, contract, finding, audience_of(contract), now)
            if alert is not None:
                raised.append(alert)
                await uow.audit.record(
                    AuditEntry(
                        "system",
                        "return missing",
                        contract.contract_id,
                        {"period": period, "key": alert_key(contract)},
                    )
                )
    return raised
