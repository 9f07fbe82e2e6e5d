"""The projects service's outbox, inbox and relay state.

Revision ID: projects_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from shared.backbone_tables import create_backbone_tables, drop_backbone_tables

revision = "projects_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_backbone_tables(op.get_bind())


def downgrade() -> None:
    drop_backbone_tables(op.get_bind())
