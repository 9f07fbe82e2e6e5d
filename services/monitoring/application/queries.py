"""Reads, scoped to the caller: contracts, their performance, alerts and the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.monitoring.application.ports import AuditEntry, MonitoringUnitOfWork, StoredReturn
from services.monitoring.application.problems import Forbidden, Problem
from services.monitoring.application.scoping import (
    alert_audiences,
    can_see_alert,
    can_see_contract,
    visible_alert,
    visible_contract,
)
from services.monitoring.domain.lifecycle import Alert
from services.monitoring.domain.rag import Trend, contract_status, rag, rating, trend
from shared.auth import Principal, Role
from shared.contracts.monitoring import Audience, MonitoredContract, Rag
from shared.trust import MonitoringRules


@dataclass(frozen=True)
class KpiPoint:
    period: str
    value: float
    rag: Rag
    rating: str | None


@dataclass(frozen=True)
class KpiPerformance:
    kpi_id: str
    name: str
    points: list[KpiPoint]
    trend: Trend


@dataclass(frozen=True)
class ContractPerformance:
    contract: MonitoredContract
    status: Rag | None
    kpis: list[KpiPerformance]


async def contracts(uow: MonitoringUnitOfWork, principal: Principal) -> list[MonitoredContract]:
    found = await uow.contracts.find()
    return [c for c in found if can_see_contract(principal, c)]


async def performance(
    uow: MonitoringUnitOfWork, principal: Principal, contract_id: str, rules: MonitoringRules
) -> ContractPerformance:
    """RAG per KPI per period, trend, PA2023 rating if the trust uses it, overall status."""
    contract = visible_contract(principal, await uow.contracts.get(contract_id), contract_id)
    current = await uow.returns.current(contract_id)
    kpis = []
    for kpi in contract.kpis:
        reported = [r for r in current if kpi.id in r.kpi_values]  # variations add KPIs
        values = [float(r.kpi_values[kpi.id]) for r in reported]
        points = [
            KpiPoint(
                r.period, v, rag(kpi, v), rating(kpi, v).value if rules.pa2023_rating else None
            )
            for r, v in zip(reported, values, strict=True)
        ]
        kpis.append(KpiPerformance(kpi.id, kpi.name, points, trend(kpi, values)))
    status = contract_status(k.points[-1].rag for k in kpis if k.points) if current else None
    return ContractPerformance(contract, status, kpis)


async def contract_versions(
    uow: MonitoringUnitOfWork, principal: Principal, contract_id: str
) -> list[MonitoredContract]:
    """Every version of a contract in scope, oldest first."""
    visible_contract(principal, await uow.contracts.get(contract_id), contract_id)
    return await uow.contracts.versions(contract_id)


async def return_history(
    uow: MonitoringUnitOfWork, principal: Principal, contract_id: str, period: str
) -> list[StoredReturn]:
    visible_contract(principal, await uow.contracts.get(contract_id), contract_id)
    return await uow.returns.history(contract_id, period)


async def alerts(
    uow: MonitoringUnitOfWork, principal: Principal, contract_id: str | None = None
) -> list[Alert]:
    audiences = alert_audiences(principal)
    if principal.has_any(Role.LOCAL_BOARD_MEMBER):
        audiences.add(Audience.LOCAL_BOARD)
    if not audiences:
        return []
    found = await uow.alerts.find(contract_id=contract_id, audiences=sorted(audiences))
    return [a for a in found if can_see_alert(principal, a)]


async def alert(uow: MonitoringUnitOfWork, principal: Principal, alert_id: uuid.UUID) -> Alert:
    return visible_alert(principal, await uow.alerts.get(alert_id), str(alert_id))


async def audit_trail(
    uow: MonitoringUnitOfWork, principal: Principal, subject: str | None
) -> list[AuditEntry]:
    """The trail is for the trust-wide bodies that answer for it."""
    if not principal.is_trust_wide:
        raise Forbidden([Problem("roles", "the audit trail is for trust-wide roles")])
    return await uow.audit.find(subject)
