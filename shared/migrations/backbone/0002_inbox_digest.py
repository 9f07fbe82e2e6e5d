"""The inbox keeps a digest of each event it received, so that a reused event id with
other content is told from a redelivery (rows received before this revision have none).

Revision ID: backbone_0002
Revises: backbone_0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "backbone_0002"
down_revision = "backbone_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox", sa.Column("digest", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("inbox", "digest")
