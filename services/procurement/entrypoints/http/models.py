"""Request and response bodies of the procurement API. Money is GBP, exact to the penny."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.procurement.domain.contract import Frequency, Polarity
from services.procurement.domain.procurement import ProcurementState
from services.procurement.domain.providers import QualityStandard, Sector
from services.procurement.domain.routing import Route

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", min_length=1, max_length=64)
]
NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold NUL: refused as a 422 rather than failing in the database."""
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=NO_NUL)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Short = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_NUL)]
Proposal = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=NO_NUL)]
Note = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_NUL)]
Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Weight = Annotated[int, Field(ge=0, le=100)]
Measure = Annotated[Decimal, Field(ge=-1_000_000_000, le=1_000_000_000, decimal_places=4)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProcurementRequestIn(_In):
    """A request to buy a service; the same shape as the projects service's
    ``ProcurementRequested`` event. Resending the same ``request_id`` is a no-op."""

    request_id: uuid.UUID
    title: Name
    locality: Slug
    priority: Slug = Field(description="The local priority whose select list applies.")
    value: Money = Field(description="Estimated whole-life value, GBP.")
    specialist: bool = Field(
        default=False, description="County-wide, low-incidence, high-need: awarded by the JCU."
    )
    outcomes: list[Slug] = Field(default_factory=list, max_length=10)
    project_id: uuid.UUID | None = None


class ProcurementView(BaseModel):
    procurement_id: uuid.UUID
    title: str
    locality: str
    priority: str
    value: Decimal
    specialist: bool
    outcomes: list[str]
    route: Route
    route_rule: str
    state: ProcurementState
    requested_by: str
    opened_at: datetime
    deadline: datetime | None
    quality_weight: int | None
    price_weight: int | None
    closed_at: datetime | None
    awarded_provider: str | None
    award_value: Decimal | None
    award_rationale: str | None
    standstill_ends: date | None


class TenderIn(_In):
    deadline: AwareDatetime
    quality_weight: Weight
    price_weight: Weight


class BidIn(_In):
    """Sealed on arrival: nobody can read it before the deadline."""

    price: Money
    proposal: Proposal


class BidReceipt(BaseModel):
    bid_id: uuid.UUID
    provider_id: str
    received_at: datetime


class OpenedBid(BidReceipt):
    price: Decimal
    proposal: str


class DeclarationIn(_In):
    conflicted: bool
    note: Note = ""


class ScoreIn(_In):
    bid_id: uuid.UUID
    quality: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
    rationale: Text


class RankedView(BaseModel):
    rank: int
    bid_id: str
    provider_id: str
    price: Decimal
    quality_score: Decimal
    price_score: Decimal
    total: Decimal


class AwardIn(_In):
    rationale: Text
    provider_id: Slug | None = Field(default=None, description="JCU awards only.")
    value: Money | None = Field(default=None, description="JCU awards only.")


class KpiIn(_In):
    kpi_id: Slug
    name: Name
    unit: Short
    target: Measure
    polarity: Polarity
    amber_tolerance: Measure
    red_tolerance: Measure


class FundingIn(_In):
    fund_id: Slug
    amount: Money


class ContractIn(_In):
    kpis: list[KpiIn] = Field(min_length=1, max_length=50)
    reporting_frequency: Frequency
    starts_on: date
    ends_on: date
    funding: list[FundingIn] = Field(min_length=1, max_length=10)
    localities: list[Slug] = Field(default_factory=list, max_length=20)
    return_due_days: int = Field(
        default=20, ge=0, le=120, description="Days after a period ends that its return is due."
    )


class VariationIn(_In):
    reason: Text
    ends_on: date | None = None
    kpis: list[KpiIn] | None = Field(default=None, min_length=1, max_length=50)


class TerminationIn(_In):
    terminated_on: date
    reason: Text


class ContractView(BaseModel):
    contract_id: uuid.UUID
    procurement_id: uuid.UUID
    provider_id: str
    title: str
    value: Decimal
    localities: list[str]
    outcomes: list[str]
    kpis: list[dict[str, Any]]
    reporting_frequency: Frequency
    starts_on: date
    ends_on: date
    funding: list[dict[str, Any]]
    state: str


class EvidenceIn(_In):
    standard: QualityStandard
    reference: Reference
    expires_on: date


class ProviderIn(_In):
    provider_id: Slug
    name: Name
    sector: Sector
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=9)


class ProviderView(BaseModel):
    provider_id: str
    name: str
    sector: Sector
    evidence: list[dict[str, Any]]
    eligible: bool
    missing: list[QualityStandard]
    lapsed: list[QualityStandard]
    lapsing: list[QualityStandard] = Field(
        description="Evidence expiring within the warning window."
    )


class AdmissionIn(_In):
    provider_id: Slug


class SelectListView(BaseModel):
    locality: str
    priority: str
    providers: list[str]


class FundIn(_In):
    fund_id: Slug
    name: Name
    contributions: dict[Slug, Money] = Field(min_length=1, max_length=20)


class FundView(BaseModel):
    fund_id: str
    name: str
    contributions: dict[str, Decimal]
    total: Decimal
    committed: Decimal
    available: Decimal


class AuditView(BaseModel):
    at: datetime
    actor: str
    action: str
    reason: str
    procurement_id: uuid.UUID | None
    locality: str | None
    provider_id: str | None
    detail: dict[str, Any] | None


class QuestionIn(_In):
    question: Text


class AnswerIn(_In):
    answer: Text


class ClarificationView(BaseModel):
    """A question and its answer as every bidder sees them (the asker is not shown)."""

    clarification_id: uuid.UUID
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
