"""The boards service's chain starts here, on the shared backbone tables.

Revision ID: boards_0001
Revises:
Create Date: 2026-11-29
"""

revision = "boards_0001"
down_revision = None
branch_labels = ("boards",)
depends_on = "backbone_0001"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
