"""Procurement: the commissioning project each procurement was requested for.

Revision ID: procurement_0003
Revises: procurement_0002
Create Date: 2026-11-29 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "procurement_0003"
down_revision = "procurement_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_link",
        sa.Column("procurement_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procurement_id"],
            ["procurement.procurement_id"],
        ),
        sa.PrimaryKeyConstraint("procurement_id"),
    )
    op.create_index("project_link_by_project", "project_link", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index("project_link_by_project", table_name="project_link")
    op.drop_table("project_link")
