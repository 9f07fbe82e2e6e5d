"""The monitoring service's chain starts here, on the shared backbone tables.

Until 2026-11-29 this revision created the outbox, inbox and relay state itself; those
tables are now created by `backbone_0001` (shared/migrations/backbone/), on which this
revision depends, so a database migrated before then is already up to date.

Revision ID: monitoring_0001
Revises:
Create Date: 2026-11-23
"""

revision = "monitoring_0001"
down_revision = None
branch_labels = ("monitoring",)
depends_on = "backbone_0001"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
