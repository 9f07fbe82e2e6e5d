"""SQLModel tables of the needs service (DDL in migrations/0002_needs_intelligence.py).

The tables use their own SQLAlchemy registry so that their names never clash with another
service's models imported into the same process.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

needs_registry = registry()


class NeedsTable(SQLModel, registry=needs_registry):
    """Base of the needs service's tables."""


class IndicatorValueRow(NeedsTable, table=True):
    """One revision of one value; bulk-written through asyncpg by the repository."""

    __tablename__ = "indicator_value"

    seq: int | None = Field(default=None, primary_key=True)
    indicator_id: str
    agency: str
    area_kind: str
    area_code: str
    period: str
    breakdown_key: str
    breakdown: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    numerator: int | None = None
    denominator: float | None = None
    value: float | None = None
    standard_deviation: float | None = None
    revision: int
    note: str | None = None
    digest: str
    received_via: str
    source_event_id: uuid.UUID | None = None
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NeedRow(NeedsTable, table=True):
    """A need, open until the analysis stops finding it; evidence is as published."""

    __tablename__ = "need"

    need_id: uuid.UUID = Field(primary_key=True)
    need_key: str
    indicator_id: str
    area_kind: str
    area_code: str
    breakdown_key: str
    state: str
    reason: str
    reasons: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    outcomes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    vulnerable_group: bool
    identified_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    resolved_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    evidence: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    resolution_evidence: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB, nullable=True)
    )


class NeedsAssessmentRow(NeedsTable, table=True):
    """A published needs assessment: one version for one area, with its downloads."""

    __tablename__ = "needs_assessment"

    assessment_id: uuid.UUID = Field(primary_key=True)
    area_kind: str
    area_code: str
    version: int
    published_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    requested_by: str
    data_version: str
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    csv: str
