"""Commissioning projects: the contracts started for each project's service (from the
procurement service's ContractStarted).

Revision ID: projects_0003
Revises: projects_0002
Create Date: 2026-11-29 22:20:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "projects_0003"
down_revision = "projects_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "project",
        sa.Column(
            "contract_starts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("project", "contract_starts")
