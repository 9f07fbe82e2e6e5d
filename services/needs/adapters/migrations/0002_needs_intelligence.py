"""Indicator values with their revision history, needs, and needs assessments.

Revision ID: needs_0002
Revises: needs_0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "needs_0002"
down_revision = "needs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every revision is kept; (indicator, area, period, breakdown, revision) is unique, so an
    # identical resubmission is a no-op and the current value is the highest revision.
    op.execute(
        """
        CREATE TABLE indicator_value (
            seq bigserial PRIMARY KEY,
            indicator_id text NOT NULL,
            agency text NOT NULL,
            area_kind text NOT NULL,
            area_code text NOT NULL,
            period text NOT NULL,
            breakdown_key text NOT NULL,
            breakdown jsonb NOT NULL DEFAULT '{}'::jsonb,
            numerator bigint CHECK (numerator >= 0),
            denominator double precision CHECK (denominator > 0),
            value double precision,
            standard_deviation double precision CHECK (standard_deviation >= 0),
            revision integer NOT NULL CHECK (revision >= 1),
            note text,
            digest text NOT NULL,
            received_via text NOT NULL,
            source_event_id uuid,
            received_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT indicator_value_one_per_revision
                UNIQUE (indicator_id, area_kind, area_code, period, breakdown_key, revision)
        )
        """
    )
    op.execute(
        "CREATE INDEX indicator_value_by_area ON indicator_value "
        "(area_kind, area_code, indicator_id)"
    )
    op.execute(
        """
        CREATE TABLE need (
            need_id uuid PRIMARY KEY,
            need_key text NOT NULL,
            indicator_id text NOT NULL,
            area_kind text NOT NULL,
            area_code text NOT NULL,
            breakdown_key text NOT NULL,
            state text NOT NULL CHECK (state IN ('open', 'resolved')),
            reason text NOT NULL,
            reasons jsonb NOT NULL,
            outcomes jsonb NOT NULL,
            vulnerable_group boolean NOT NULL,
            identified_at timestamptz NOT NULL,
            resolved_at timestamptz,
            evidence jsonb NOT NULL,
            resolution_evidence jsonb
        )
        """
    )
    # At most one open need per series: concurrent analyses cannot both open it.
    op.execute("CREATE UNIQUE INDEX need_one_open ON need (need_key) WHERE state = 'open'")
    op.execute("CREATE INDEX need_by_area ON need (area_kind, area_code, state)")
    op.execute(
        """
        CREATE TABLE needs_assessment (
            assessment_id uuid PRIMARY KEY,
            area_kind text NOT NULL,
            area_code text NOT NULL,
            version integer NOT NULL CHECK (version >= 1),
            published_at timestamptz NOT NULL,
            requested_by text NOT NULL,
            data_version text NOT NULL,
            body jsonb NOT NULL,
            csv text NOT NULL,
            CONSTRAINT needs_assessment_one_per_version UNIQUE (area_kind, area_code, version)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE needs_assessment")
    op.execute("DROP TABLE need")
    op.execute("DROP TABLE indicator_value")
