"""The inbox keeps each event's content digest, so a reused event id is caught.

Revision ID: needs_0003
Revises: needs_0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "needs_0003"
down_revision = "needs_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # if_not_exists: revision 0001 creates the backbone tables from their current
    # definition, which already has the column on a fresh schema.
    op.add_column("inbox", sa.Column("digest", sa.LargeBinary(), nullable=True), if_not_exists=True)


def downgrade() -> None:
    op.drop_column("inbox", "digest", if_exists=True)
