"""The needs service's tables: the one definition of each, as SQLModel classes.

Alembic compares these models with the migrated schema (`tests/shared/test_migrations.py`)
and autogenerates the next revision from them (`commissioning db revision`). The tables
were created by the frozen revision `0002_needs_intelligence.py`; constraint names are
PostgreSQL's defaults, which that revision's DDL produced.

The tables use their own SQLAlchemy registry so that their names never clash with another
service's models imported into the same process.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

needs_registry = registry()
metadata: MetaData = needs_registry.metadata


class NeedsTable(SQLModel, registry=needs_registry):
    """Base of the needs service's tables."""


class IndicatorValueRow(NeedsTable, table=True):
    """One revision of one value. Every revision is kept; (indicator, area, period,
    breakdown, revision) is unique, so an identical resubmission is a no-op and the current
    value is the highest revision."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id",
            "area_kind",
            "area_code",
            "period",
            "breakdown_key",
            "revision",
            name="indicator_value_one_per_revision",
        ),
        CheckConstraint("numerator >= 0", name="indicator_value_numerator_check"),
        CheckConstraint("denominator > 0", name="indicator_value_denominator_check"),
        CheckConstraint("standard_deviation >= 0", name="indicator_value_standard_deviation_check"),
        CheckConstraint("revision >= 1", name="indicator_value_revision_check"),
        Index("indicator_value_by_area", "area_kind", "area_code", "indicator_id"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    indicator_id: str = Field(sa_type=Text)
    agency: str = Field(sa_type=Text)
    area_kind: str = Field(sa_type=Text)
    area_code: str = Field(sa_type=Text)
    period: str = Field(sa_type=Text)
    breakdown_key: str = Field(sa_type=Text)
    breakdown: dict[str, str] = Field(
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    numerator: int | None = Field(default=None, sa_column=Column(BigInteger))
    denominator: float | None = Field(default=None, sa_column=Column(Float))
    value: float | None = Field(default=None, sa_column=Column(Float))
    standard_deviation: float | None = Field(default=None, sa_column=Column(Float))
    revision: int = Field(sa_column=Column(Integer, nullable=False))
    note: str | None = Field(default=None, sa_type=Text)
    digest: str = Field(sa_type=Text)
    received_via: str = Field(sa_type=Text)
    source_event_id: uuid.UUID | None = None
    received_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class NeedRow(NeedsTable, table=True):
    """A need, open until the analysis stops finding it; evidence is as published."""

    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'resolved')", name="need_state_check"),
        # At most one open need per series: concurrent analyses cannot both open it.
        Index("need_one_open", "need_key", unique=True, postgresql_where=text("state = 'open'")),
        Index("need_by_area", "area_kind", "area_code", "state"),
    )

    need_id: uuid.UUID = Field(primary_key=True)
    need_key: str = Field(sa_type=Text)
    indicator_id: str = Field(sa_type=Text)
    area_kind: str = Field(sa_type=Text)
    area_code: str = Field(sa_type=Text)
    breakdown_key: str = Field(sa_type=Text)
    state: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
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
    __table_args__ = (
        UniqueConstraint(
            "area_kind", "area_code", "version", name="needs_assessment_one_per_version"
        ),
        CheckConstraint("version >= 1", name="needs_assessment_version_check"),
    )

    assessment_id: uuid.UUID = Field(primary_key=True)
    area_kind: str = Field(sa_type=Text)
    area_code: str = Field(sa_type=Text)
    version: int = Field(sa_column=Column(Integer, nullable=False))
    published_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    requested_by: str = Field(sa_type=Text)
    data_version: str = Field(sa_type=Text)
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    csv: str = Field(sa_type=Text)


class DisclosureReleaseRow(NeedsTable, table=True):
    """One published release of a disclosure table (one indicator, one calendar year):
    the numerators and denominators it was decided on and the cells it hid. Later
    decisions honour every release (``application/releases.py``); rows are only added."""

    __tablename__ = "disclosure_release"
    __table_args__ = (
        UniqueConstraint("indicator_id", "family", "digest", name="disclosure_release_once"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    indicator_id: str = Field(sa_type=Text)
    family: str = Field(sa_type=Text)
    digest: str = Field(sa_type=Text)
    counts: list[Any] = Field(sa_column=Column(JSONB, nullable=False))
    hidden: list[Any] = Field(sa_column=Column(JSONB, nullable=False))
    released_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
