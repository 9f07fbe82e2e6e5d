"""Response bodies of the projects API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.projects.application.config import ProjectsConfig
from services.projects.application.documents import EvidenceDoc
from services.projects.application.ports import AuditEntry
from services.projects.application.priorities import behind_calendar
from services.projects.domain.gates import StageGate
from services.projects.domain.project import Level, Project, Status


class ReviewFlagView(BaseModel):
    reason: str = Field(description="need_resolved | need_identified")
    need_id: uuid.UUID
    need_key: str
    flagged_at: datetime


class ContractAwardView(BaseModel):
    contract_ref: str
    provider: str
    value: Decimal
    awarded_at: datetime


class ContractStartView(BaseModel):
    """A contract entered into for the project's service (from procurement)."""

    contract_id: uuid.UUID
    procurement_id: uuid.UUID
    provider: str
    value: Decimal
    starts_on: date
    ends_on: date
    reporting_frequency: str
    performance_criteria: list[str] = Field(
        description="The contract's KPIs: what stage 9's monitoring arrangements take."
    )
    started_at: datetime


class PerformanceReviewView(BaseModel):
    summary: str
    rating: str
    escalated: bool
    reviewed_at: datetime


class LocalViewView(BaseModel):
    locality: str
    author: str
    text: str
    recorded_at: datetime


class ProjectView(BaseModel):
    project_id: uuid.UUID
    version: int = Field(description="Send it back as If-Match to change the project.")
    title: str
    level: Level
    localities: list[str] = Field(description="Empty for a trust-wide project.")
    target_groups: list[str]
    outcomes: list[str]
    lead_commissioner: str
    commissioning_officer: str
    priority_id: uuid.UUID | None
    stage: int
    status: Status
    behind_calendar: bool = Field(
        description="Still in an activity whose months have passed this cycle year."
    )
    gate_approvers: list[str] = Field(description="Who decides the current stage's gate.")
    evidence: EvidenceDoc
    review_flags: list[ReviewFlagView]
    procurement_requested: bool
    contract_awards: list[ContractAwardView]
    contract_starts: list[ContractStartView] = Field(
        description="Contracts started for the project's service, from procurement."
    )
    performance_reviews: list[PerformanceReviewView]
    local_views: list[LocalViewView] = Field(description="From the localities' boards.")


class MissingView(BaseModel):
    field: str
    rule: str


class GateView(BaseModel):
    """The gate out of the project's current stage: who decides, and what is still missing."""

    stage: int
    approvers: list[str]
    ready: bool
    missing: list[MissingView]


class AuditEntryView(BaseModel):
    actor: str
    roles: list[str]
    action: str
    reasons: str
    detail: dict[str, Any]
    at: datetime


def project_view(p: Project, config: ProjectsConfig) -> ProjectView:
    return ProjectView(
        project_id=p.project_id,
        version=p.version,
        title=p.title,
        level=p.level,
        localities=list(p.localities),
        target_groups=list(p.target_groups),
        outcomes=list(p.outcomes),
        lead_commissioner=p.lead_commissioner,
        commissioning_officer=p.commissioning_officer,
        priority_id=p.priority_id,
        stage=p.stage,
        status=p.status,
        behind_calendar=behind_calendar(p, config, datetime.now(UTC).date()),
        gate_approvers=[] if p.completed else sorted(StageGate(p.stage).approvers),
        evidence=EvidenceDoc.of(p.evidence),
        review_flags=[ReviewFlagView(**vars(f)) for f in p.review_flags],
        procurement_requested=p.procurement_requested,
        contract_awards=[ContractAwardView(**vars(a)) for a in p.contract_awards],
        contract_starts=[ContractStartView(**vars(s)) for s in p.contract_starts],
        performance_reviews=[PerformanceReviewView(**vars(r)) for r in p.performance_reviews],
        local_views=[LocalViewView(**vars(v)) for v in p.local_views],
    )


def audit_view(e: AuditEntry) -> AuditEntryView:
    return AuditEntryView(
        actor=e.actor,
        roles=list(e.roles),
        action=e.action,
        reasons=e.reasons,
        detail=e.detail,
        at=e.at,
    )
