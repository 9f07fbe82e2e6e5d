"""The projects service's tables: the one definition of each, as SQLModel classes.

Created by the frozen revision `0002_commissioning_projects.py`; their own SQLAlchemy
registry keeps their names apart from other services' models in the same process.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

projects_registry = registry()
metadata: MetaData = projects_registry.metadata


class ProjectsTable(SQLModel, registry=projects_registry):
    """Base of the projects service's tables."""


class ProjectRow(ProjectsTable, table=True):
    """A project's current version; `version` rises with every change (optimistic
    concurrency: an update names the version it replaces)."""

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("stage BETWEEN 1 AND 9", name="project_stage_check"),
        CheckConstraint("version >= 1", name="project_version_check"),
        CheckConstraint(
            "level IN ('individual', 'locality', 'strategic')", name="project_level_check"
        ),
    )

    project_id: uuid.UUID = Field(primary_key=True)
    title: str = Field(sa_type=Text)
    level: str = Field(sa_type=Text)
    localities: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    target_groups: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    outcomes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    lead_commissioner: str = Field(sa_type=Text)
    commissioning_officer: str = Field(sa_type=Text)
    priority_id: uuid.UUID | None = None
    stage: int = Field(sa_column=Column(Integer, nullable=False))
    completed: bool = Field(sa_column=Column(Boolean, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    evidence: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    review_flags: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    procurement_requested: bool = Field(sa_column=Column(Boolean, nullable=False))
    contract_awards: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    contract_starts: list[dict[str, Any]] = Field(
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    )
    performance_reviews: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    scoping: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    local_views: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class AuditEntryRow(ProjectsTable, table=True):
    """Who decided or changed what, when and why; rows are only ever added."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("audit_entry_by_subject", "subject", "seq"),)

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    subject: str = Field(sa_type=Text)
    actor: str = Field(sa_type=Text)
    roles: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    action: str = Field(sa_type=Text)
    reasons: str = Field(sa_type=Text)
    detail: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PriorityRow(ProjectsTable, table=True):
    """A key improvement priority the Executive Board agreed for a plan year."""

    __tablename__ = "priority"
    __table_args__ = (Index("priority_by_year", "year", "title"),)

    priority_id: uuid.UUID = Field(primary_key=True)
    year: str = Field(sa_type=Text)
    title: str = Field(sa_type=Text)
    description: str = Field(sa_type=Text)
    outcomes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    lead_commissioner: str = Field(sa_type=Text)
    agreed_by: str = Field(sa_type=Text)
    agreed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SelfEvaluationRow(ProjectsTable, table=True):
    """The trust's scores against the thirteen commissioning standards at a date."""

    __tablename__ = "self_evaluation"
    __table_args__ = (Index("self_evaluation_by_date", "as_of", "recorded_at"),)

    evaluation_id: uuid.UUID = Field(primary_key=True)
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    scores: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    recorded_by: str = Field(sa_type=Text)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PublishedNeedRow(ProjectsTable, table=True):
    """A need the needs service published (from needs.events.v1), open or resolved."""

    __tablename__ = "published_need"

    need_id: uuid.UUID = Field(primary_key=True)
    need_key: str = Field(sa_type=Text)
    locality: str | None = Field(default=None, sa_type=Text)
    outcomes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    open: bool = Field(sa_column=Column(Boolean, nullable=False))


class PublishedAssessmentRow(ProjectsTable, table=True):
    """A needs assessment the needs service published."""

    __tablename__ = "published_assessment"

    assessment_id: uuid.UUID = Field(primary_key=True)
    area: str = Field(sa_type=Text)
