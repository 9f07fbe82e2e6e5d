"""Monitored contracts, performance returns with their revisions, alerts and the audit trail.

Revision ID: monitoring_0002
Revises: monitoring_0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "monitoring_0002"
down_revision = "monitoring_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE monitored_contract (
            contract_id text NOT NULL,
            version integer NOT NULL,
            provider_id text NOT NULL,
            locality text,
            body jsonb NOT NULL,
            registered_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (contract_id, version)
        )
        """
    )
    op.execute("CREATE INDEX monitored_contract_by_locality ON monitored_contract (locality)")
    op.execute(
        """
        CREATE TABLE performance_return (
            seq bigserial PRIMARY KEY,
            contract_id text NOT NULL,
            period text NOT NULL,
            revision integer NOT NULL,
            body jsonb NOT NULL,
            digest text NOT NULL,
            received_via text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT performance_return_one_per_revision UNIQUE (contract_id, period, revision)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE alert (
            alert_id uuid PRIMARY KEY,
            contract_id text NOT NULL,
            kpi_id text NOT NULL,
            rule text NOT NULL,
            period text NOT NULL,
            audience text NOT NULL,
            locality text,
            state text NOT NULL,
            review_on date,
            body jsonb NOT NULL,
            raised_at timestamptz NOT NULL,
            CONSTRAINT alert_one_per_finding UNIQUE (contract_id, kpi_id, rule, period, audience)
        )
        """
    )
    op.execute("CREATE INDEX alert_by_audience ON alert (audience, locality)")
    op.execute(
        """
        CREATE TABLE audit_entry (
            seq bigserial PRIMARY KEY,
            actor text NOT NULL,
            action text NOT NULL,
            subject text NOT NULL,
            detail jsonb NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX audit_entry_by_subject ON audit_entry (subject)")


def downgrade() -> None:
    for table in ("audit_entry", "alert", "performance_return", "monitored_contract"):
        op.execute(f"DROP TABLE {table}")
