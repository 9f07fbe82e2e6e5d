"""The procurement service's tables: the one definition of each (SQLModel), created by
the frozen revision ``0002_procurement.py``. Bids hold ciphertext only: ``bid.sealed``
is AES-GCM under the tender's data key, which ``tender_key`` holds wrapped until close."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

procurement_registry = registry()
metadata: MetaData = procurement_registry.metadata

MONEY = Numeric(14, 2)


class ProcurementTable(SQLModel, registry=procurement_registry):
    """Base of the procurement service's tables."""


def _ts(nullable: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable)


class ProviderRow(ProcurementTable, table=True):
    __tablename__ = "provider"

    provider_id: str = Field(sa_type=Text, primary_key=True)
    name: str = Field(sa_type=Text)
    sector: str = Field(sa_type=Text)
    evidence: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class SelectListRow(ProcurementTable, table=True):
    __tablename__ = "select_list_entry"

    locality: str = Field(sa_type=Text, primary_key=True)
    priority: str = Field(sa_type=Text, primary_key=True)
    provider_id: str = Field(
        sa_column=Column(Text, ForeignKey("provider.provider_id"), primary_key=True)
    )
    admitted_by: str = Field(sa_type=Text)
    admitted_at: datetime = Field(sa_column=_ts())


class ProcurementRow(ProcurementTable, table=True):
    __tablename__ = "procurement"
    __table_args__ = (Index("procurement_by_locality", "locality"),)

    procurement_id: uuid.UUID = Field(primary_key=True)
    title: str = Field(sa_type=Text)
    locality: str = Field(sa_type=Text)
    priority: str = Field(sa_type=Text)
    value: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    specialist: bool = Field(sa_column=Column(Boolean, nullable=False))
    outcomes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    route: str = Field(sa_type=Text)
    route_rule: str = Field(sa_type=Text)
    state: str = Field(sa_type=Text)
    requested_by: str = Field(sa_type=Text)
    opened_at: datetime = Field(sa_column=_ts())
    tender: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class TenderKeyRow(ProcurementTable, table=True):
    """The tender's data key: wrapped until close, then released in the clear."""

    __tablename__ = "tender_key"

    procurement_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("procurement.procurement_id"), primary_key=True)
    )
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    released_key: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class BidRow(ProcurementTable, table=True):
    __tablename__ = "bid"
    __table_args__ = (
        UniqueConstraint("procurement_id", "provider_id", name="bid_one_per_provider"),
    )

    bid_id: uuid.UUID = Field(primary_key=True)
    procurement_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("procurement.procurement_id"), nullable=False)
    )
    provider_id: str = Field(sa_type=Text)
    received_at: datetime = Field(sa_column=_ts())
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ClarificationRow(ProcurementTable, table=True):
    """A bidder's question and its answer, published to every bidder."""

    __tablename__ = "clarification"
    __table_args__ = (Index("clarification_by_procurement", "procurement_id"),)

    clarification_id: uuid.UUID = Field(primary_key=True)
    procurement_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("procurement.procurement_id"), nullable=False)
    )
    question: str = Field(sa_type=Text)
    asked_by: str = Field(sa_type=Text)
    asked_at: datetime = Field(sa_column=_ts())
    answer: str | None = Field(default=None, sa_type=Text)
    answered_by: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class DeclarationRow(ProcurementTable, table=True):
    __tablename__ = "panel_declaration"

    procurement_id: uuid.UUID = Field(primary_key=True)
    member: str = Field(sa_type=Text, primary_key=True)
    conflicted: bool = Field(sa_column=Column(Boolean, nullable=False))
    note: str = Field(sa_type=Text)


class ScoreRow(ProcurementTable, table=True):
    __tablename__ = "panel_score"

    procurement_id: uuid.UUID = Field(primary_key=True)
    member: str = Field(sa_type=Text, primary_key=True)
    bid_id: uuid.UUID = Field(primary_key=True)
    quality: Decimal = Field(sa_column=Column(Numeric(5, 2), nullable=False))
    rationale: str = Field(sa_type=Text)


class ContractRow(ProcurementTable, table=True):
    __tablename__ = "contract"
    __table_args__ = (Index("contract_by_provider", "provider_id"),)

    contract_id: uuid.UUID = Field(primary_key=True)
    procurement_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("procurement.procurement_id"), nullable=False, unique=True)
    )
    provider_id: str = Field(sa_type=Text)
    value: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    state: str = Field(sa_type=Text)
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class FundRow(ProcurementTable, table=True):
    __tablename__ = "fund"

    fund_id: str = Field(sa_type=Text, primary_key=True)
    name: str = Field(sa_type=Text)
    contributions: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    committed: Decimal = Field(sa_column=Column(MONEY, nullable=False))


class AuditRow(ProcurementTable, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("audit_by_procurement", "procurement_id"),)

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    at: datetime = Field(sa_column=_ts())
    actor: str = Field(sa_type=Text)
    action: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
    procurement_id: uuid.UUID | None = None
    locality: str | None = Field(default=None, sa_type=Text)
    provider_id: str | None = Field(default=None, sa_type=Text)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))


class ProjectLinkRow(ProcurementTable, table=True):
    """The commissioning project a procurement was requested for (from the projects
    service's ``ProcurementRequested``): a decommissioning decision names the project, and
    ends the contracts of its procurements (Gateshead handbook, Activity Three step 9)."""

    __tablename__ = "project_link"
    __table_args__ = (Index("project_link_by_project", "project_id"),)

    procurement_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("procurement.procurement_id"), primary_key=True)
    )
    project_id: uuid.UUID = Field(nullable=False)
