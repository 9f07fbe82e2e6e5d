"""Response and request bodies of the monitoring API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.monitoring.application.ports import AuditEntry, StoredReturn
from services.monitoring.application.queries import ContractPerformance
from services.monitoring.domain.lifecycle import Alert
from shared.contracts.monitoring import (
    AlertRule,
    AlertState,
    Audience,
    PerformanceReturn,
    Rag,
    Recommendation,
    Severity,
)


class KpiPointOut(BaseModel):
    period: str
    value: float
    rag: Rag
    rating: str | None = Field(description="PA2023 rating, when the trust turns it on.")


class KpiPerformanceOut(BaseModel):
    kpi_id: str
    name: str
    trend: str = Field(description="improving, worsening, stable or unknown (one period).")
    points: list[KpiPointOut]


class PerformanceOut(BaseModel):
    contract_id: str
    status: Rag | None = Field(description="The worst KPI at the latest period; none yet.")
    kpis: list[KpiPerformanceOut]

    @classmethod
    def of(cls, found: ContractPerformance) -> PerformanceOut:
        return cls(
            contract_id=found.contract.contract_id,
            status=found.status,
            kpis=[
                KpiPerformanceOut(
                    kpi_id=k.kpi_id,
                    name=k.name,
                    trend=k.trend.value,
                    points=[
                        KpiPointOut(period=p.period, value=p.value, rag=p.rag, rating=p.rating)
                        for p in k.points
                    ],
                )
                for k in found.kpis
            ],
        )


class ReturnReceipt(BaseModel):
    contract_id: str
    period: str
    revision: int
    outcome: str = Field(description="stored, or duplicate (already held, nothing changed).")


class ReturnRevisionOut(BaseModel):
    received_via: str
    received_at: datetime
    performance_return: PerformanceReturn

    @classmethod
    def of(cls, stored: StoredReturn) -> ReturnRevisionOut:
        return cls(
            received_via=stored.received_via,
            received_at=stored.received_at,
            performance_return=stored.performance_return,
        )


class AlertOut(BaseModel):
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
    state: AlertState
    review_on: date | None
    raised_at: datetime

    @classmethod
    def of(cls, alert: Alert) -> AlertOut:
        return cls(**{name: getattr(alert, name) for name in cls.model_fields})


class StepIn(BaseModel):
    """Why the step is taken (kept in the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class PlanIn(StepIn):
    review_on: date = Field(description="When the improvement plan is reviewed.")


class AuditOut(BaseModel):
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    at: datetime | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            detail=entry.detail,
            at=entry.at,
        )
