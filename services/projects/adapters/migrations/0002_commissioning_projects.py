"""Commissioning projects: projects at their current version, the audit trail of decisions,
key improvement priorities, self-evaluations against the thirteen standards, and the
projection of what the needs service published.

Revision ID: projects_0002
Revises: projects_0001
Create Date: 2026-11-29 20:08:23.759770
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "projects_0002"
down_revision = "projects_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("audit_entry_by_subject", "audit_entry", ["subject", "seq"], unique=False)
    op.create_table(
        "priority",
        sa.Column("priority_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lead_commissioner", sa.Text(), nullable=False),
        sa.Column("agreed_by", sa.Text(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("priority_id"),
    )
    op.create_index("priority_by_year", "priority", ["year", "title"], unique=False)
    op.create_table(
        "project",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("localities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("target_groups", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lead_commissioner", sa.Text(), nullable=False),
        sa.Column("commissioning_officer", sa.Text(), nullable=False),
        sa.Column("priority_id", sa.Uuid(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("review_flags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("procurement_requested", sa.Boolean(), nullable=False),
        sa.Column("contract_awards", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("performance_reviews", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scoping", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("local_views", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "level IN ('individual', 'locality', 'strategic')", name="project_level_check"
        ),
        sa.CheckConstraint("stage BETWEEN 1 AND 9", name="project_stage_check"),
        sa.CheckConstraint("version >= 1", name="project_version_check"),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "published_assessment",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id"),
    )
    op.create_table(
        "published_need",
        sa.Column("need_id", sa.Uuid(), nullable=False),
        sa.Column("need_key", sa.Text(), nullable=False),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("need_id"),
    )
    op.create_table(
        "self_evaluation",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("evaluation_id"),
    )
    op.create_index(
        "self_evaluation_by_date", "self_evaluation", ["as_of", "recorded_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("self_evaluation_by_date", table_name="self_evaluation")
    op.drop_table("self_evaluation")
    op.drop_table("published_need")
    op.drop_table("published_assessment")
    op.drop_table("project")
    op.drop_index("priority_by_year", table_name="priority")
    op.drop_table("priority")
    op.drop_index("audit_entry_by_subject", table_name="audit_entry")
    op.drop_table("audit_entry")
