"""The monitoring service's tables: the one definition of each, as SQLModel classes.

Created by the frozen revision `0002_contract_monitoring.py`; Alembic compares these models
with the migrated schema. Their own registry keeps their names apart from other services'.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

monitoring_registry = registry()
metadata = monitoring_registry.metadata


class MonitoringTable(SQLModel, registry=monitoring_registry):
    """Base of the monitoring service's tables."""


class MonitoredContractRow(MonitoringTable, table=True):
    """Every version of a monitored contract; the highest is current."""

    __tablename__ = "monitored_contract"
    __table_args__ = (Index("monitored_contract_by_locality", "locality"),)

    contract_id: str = Field(sa_column_kwargs={"primary_key": True}, sa_type=Text)
    version: int = Field(primary_key=True)
    provider_id: str = Field(sa_type=Text)
    locality: str | None = Field(default=None, sa_type=Text)
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    registered_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class PerformanceReturnRow(MonitoringTable, table=True):
    """Every revision of every return; the highest revision of a period is current."""

    __tablename__ = "performance_return"
    __table_args__ = (
        UniqueConstraint(
            "contract_id", "period", "revision", name="performance_return_one_per_revision"
        ),
    )

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    contract_id: str = Field(sa_type=Text)
    period: str = Field(sa_type=Text)
    revision: int
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    digest: str = Field(sa_type=Text)
    received_via: str = Field(sa_type=Text)
    received_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class AlertRow(MonitoringTable, table=True):
    """An alert and its current lifecycle state; one per contract, KPI, rule, period and
    audience."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint(
            "contract_id", "kpi_id", "rule", "period", "audience", name="alert_one_per_finding"
        ),
        Index("alert_by_audience", "audience", "locality"),
    )

    alert_id: uuid.UUID = Field(primary_key=True)
    contract_id: str = Field(sa_type=Text)
    kpi_id: str = Field(sa_type=Text)
    rule: str = Field(sa_type=Text)
    period: str = Field(sa_type=Text)
    audience: str = Field(sa_type=Text)
    locality: str | None = Field(default=None, sa_type=Text)
    state: str = Field(sa_type=Text)
    review_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    raised_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuditEntryRow(MonitoringTable, table=True):
    """Who did what, when and why: every decision of the service."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("audit_entry_by_subject", "subject"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    actor: str = Field(sa_type=Text)
    action: str = Field(sa_type=Text)
    subject: str = Field(sa_type=Text)
    detail: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class AlertFeedRow(MonitoringTable, table=True):
    """Every alert event in the order committed, with its audience: the source of the live
    stream (its `seq` is the SSE event id) and of webhook deliveries."""

    __tablename__ = "alert_feed"
    __table_args__ = (Index("alert_feed_by_audience", "audience", "locality", "seq"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    event_id: uuid.UUID = Field(sa_column_kwargs={"unique": True})
    event_type: str = Field(sa_type=Text)
    audience: str = Field(sa_type=Text)
    locality: str | None = Field(default=None, sa_type=Text)
    severity: str = Field(sa_type=Text)
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class WebhookSubscriptionRow(MonitoringTable, table=True):
    """A board's webhook: its audience (and locality for a local board) and filters."""

    __tablename__ = "webhook_subscription"

    subscription_id: uuid.UUID = Field(primary_key=True)
    audience: str = Field(sa_type=Text)
    locality: str | None = Field(default=None, sa_type=Text)
    severities: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    url: str = Field(sa_type=Text)
    secret: str = Field(sa_type=Text)
    created_by: str = Field(sa_type=Text)
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class WebhookDeliveryRow(MonitoringTable, table=True):
    """The delivery outbox: one row per subscription per alert event, written in the same
    transaction as the alert, so no alert is lost across restarts."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "feed_seq", name="webhook_delivery_once"),
        Index("webhook_delivery_due", "state", "next_attempt_at"),
    )

    delivery_id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    subscription_id: uuid.UUID
    feed_seq: int = Field(sa_type=BigInteger)
    state: str = Field(sa_type=Text)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
