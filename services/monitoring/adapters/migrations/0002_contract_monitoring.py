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
    _channels()


def _channels() -> None:
    # The alert feed (SSE ids) and the webhook delivery outbox, written with the alert.
    op.execute(
        """
        CREATE TABLE alert_feed (
            seq bigserial PRIMARY KEY,
            event_id uuid NOT NULL UNIQUE,
            event_type text NOT NULL,
            audience text NOT NULL,
            locality text,
            severity text NOT NULL,
            body jsonb NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX alert_feed_by_audience ON alert_feed (audience, locality, seq)")
    op.execute(
        """
        CREATE TABLE webhook_subscription (
            subscription_id uuid PRIMARY KEY,
            audience text NOT NULL,
            locality text,
            severities text[] NOT NULL,
            url text NOT NULL,
            secret text NOT NULL,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE webhook_delivery (
            delivery_id bigserial PRIMARY KEY,
            subscription_id uuid NOT NULL,
            feed_seq bigint NOT NULL,
            state text NOT NULL,
            attempts integer NOT NULL,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            last_error text,
            delivered_at timestamptz,
            CONSTRAINT webhook_delivery_once UNIQUE (subscription_id, feed_seq)
        )
        """
    )
    op.execute("CREATE INDEX webhook_delivery_due ON webhook_delivery (state, next_attempt_at)")


def downgrade() -> None:
    for table in (
        "webhook_delivery",
        "webhook_subscription",
        "alert_feed",
        "audit_entry",
        "alert",
        "performance_return",
        "monitored_contract",
    ):
        op.execute(f"DROP TABLE {table}")
