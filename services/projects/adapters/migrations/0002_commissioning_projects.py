"""Commissioning projects: projects at their current version, their audit trail, and the
projection of what the needs service published (needs and needs assessments).

Revision ID: projects_0002
Revises: projects_0001
Create Date: 2026-11-29 19:40:05.759349
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
        "project_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(
        "project_audit_by_project", "project_audit", ["project_id", "seq"], unique=False
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


def downgrade() -> None:
    op.drop_table("published_need")
    op.drop_table("published_assessment")
    op.drop_index("project_audit_by_project", table_name="project_audit")
    op.drop_table("project_audit")
    op.drop_table("project")
