"""Assessing a contract after each return: RAG per KPI, the contract's status, and the
alerts its rules raise for the right audience (see `domain/alerts.py` for the sources)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from services.monitoring.application.ports import MonitoringUnitOfWork
from services.monitoring.domain.alerts import (
    TRUST_WIDE_KEY,
    Finding,
    audience_of,
    escalation,
    kpi_findings,
)
from services.monitoring.domain.lifecycle import Alert
from services.monitoring.domain.rag import contract_status, rag, rating
from shared.contracts.monitoring import (
    AlertRaised,
    AlertRule,
    AlertState,
    AlertStepRecorded,
    Audience,
    Kpi,
    KpiResult,
    MonitoredContract,
    PerformanceReturn,
    Rag,
)
from shared.envelope import Envelope
from shared.trust import MonitoringRules

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def results_of(
    contract: MonitoredContract, ret: PerformanceReturn, rules: MonitoringRules
) -> list[KpiResult]:
    out = []
    for kpi in contract.kpis:
        if kpi.id not in ret.kpi_values:  # a KPI added by a later variation
            continue
        value = float(ret.kpi_values[kpi.id])
        out.append(
            KpiResult(
                kpi_id=kpi.id,
                value=value,
                rag=rag(kpi, value),
                rating=rating(kpi, value).value if rules.pa2023_rating else None,
            )
        )
    return out


def alert_raised(alert: Alert) -> AlertRaised:
    return AlertRaised(
        alert_id=alert.alert_id,
        contract_id=alert.contract_id,
        provider_id=alert.provider_id,
        kpi_id=alert.kpi_id,
        period=alert.period,
        rule=alert.rule,
        severity=alert.severity,
        audience=alert.audience,
        locality=alert.locality,
        evidence=alert.evidence,
        recommendation=alert.recommendation,
        raised_at=alert.raised_at,
    )


async def raise_alert(
    uow: MonitoringUnitOfWork,
    contract: MonitoredContract,
    finding: Finding,
    audience: Audience,
    now: datetime,
    caused_by: Envelope | None = None,
) -> Alert | None:
    """Store and publish an alert, unless the same one was raised before."""
    alert = Alert.raise_for(
        finding,
        contract_id=contract.contract_id,
        provider_id=contract.provider_id,
        audience=audience,
        locality=contract.locality,
        now=now,
    )
    if not await uow.alerts.add(alert):
        return None
    await announce(uow, alert_raised(alert), alert, caused_by)
    return alert


async def announce(
    uow: MonitoringUnitOfWork,
    payload: AlertRaised | AlertStepRecorded,
    alert: Alert,
    caused_by: Envelope | None = None,
) -> None:
    """Every channel from one transaction: the alerts topic (keyed by locality, so each
    locality's alerts stay in order), the live feed, and the webhook delivery outbox."""
    uow.publish(
        payload,
        subject=alert.locality or TRUST_WIDE_KEY,
        locality=alert.locality,
        caused_by=caused_by,
    )
    await uow.feed.append(
        payload, audience=alert.audience, locality=alert.locality, severity=alert.severity
    )


async def assess(
    contract: MonitoredContract,
    period: str,
    uow: MonitoringUnitOfWork,
    rules: MonitoringRules,
    clock: Clock,
    *,
    caused_by: Envelope | None = None,
) -> Rag:
    """The contract's status at `period` (the return's); raises the alerts its rules find
    there, so a late return or a correction is judged at its own period."""
    current = [r for r in await uow.returns.current(contract.contract_id) if r.period <= period]
    latest = current[-1]
    now = clock()
    for kpi in contract.kpis:
        # A KPI added by a variation has no values in returns made before it.
        series = [
            (r.period, float(r.kpi_values[kpi.id])) for r in current if kpi.id in r.kpi_values
        ]
        for finding in kpi_findings(kpi, series, rules):
            await raise_alert(uow, contract, finding, audience_of(contract), now, caused_by)
        await _escalate_after_plan(uow, contract, kpi, series, rules, now, caused_by)
    return contract_status(r.rag for r in results_of(contract, latest, rules))


async def _escalate_after_plan(
    uow: MonitoringUnitOfWork,
    contract: MonitoredContract,
    kpi: Kpi,
    series: list[tuple[str, float]],
    rules: MonitoringRules,
    now: datetime,
    caused_by: Envelope | None,
) -> None:
    """Red again after an agreed improvement plan: the Executive Board is told."""
    period, value = series[-1]
    if rag(kpi, value) is not Rag.RED:
        return
    planned = [
        a
        for a in await uow.alerts.find(contract_id=contract.contract_id)
        if a.kpi_id == kpi.id and a.review_on is not None and a.rule is not AlertRule.RED_AFTER_PLAN
    ]
    if not planned:
        return
    plan = min(planned, key=lambda a: a.period)
    reds = sum(1 for p, v in series if p > plan.period and rag(kpi, v) is Rag.RED)
    if reds < rules.reds_after_plan_to_escalate:
        return
    finding = escalation(kpi, period, reds, rules.reds_after_plan_to_escalate)
    raised = await raise_alert(uow, contract, finding, Audience.EXECUTIVE_BOARD, now, caused_by)
    if raised is None:
        return
    for alert in planned:
        if alert.state is AlertState.PLAN_AGREED:
            escalated = replace(alert, state=AlertState.ESCALATED)
            await uow.alerts.save(escalated)
            note = f"escalated as {raised.alert_id}"
            await announce(uow, step_recorded(escalated, "system", note, now), escalated, caused_by)


def step_recorded(alert: Alert, by: str, note: str | None, now: datetime) -> AlertStepRecorded:
    return AlertStepRecorded(
        alert_id=alert.alert_id,
        contract_id=alert.contract_id,
        audience=alert.audience,
        locality=alert.locality,
        state=alert.state,
        by=by,
        note=note,
        review_on=alert.review_on,
        recorded_at=now,
    )
