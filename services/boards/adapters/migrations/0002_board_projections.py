"""The three board projections' tables: each projection's documents and story.

Revision ID: boards_0002
Revises: boards_0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "boards_0002"
down_revision = "boards_0001"
branch_labels = None
depends_on = None

TABLES = (
    "local_board_story",
    "local_board_document",
    "jcu_story",
    "jcu_document",
    "executive_board_story",
    "executive_board_document",
)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE local_board_document (
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            body jsonb NOT NULL,
            occurred_at timestamptz NOT NULL,
            PRIMARY KEY (kind, key)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE local_board_story (
            seq bigserial PRIMARY KEY,
            event_id uuid NOT NULL,
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            summary text NOT NULL,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE jcu_document (
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            body jsonb NOT NULL,
            occurred_at timestamptz NOT NULL,
            PRIMARY KEY (kind, key)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE jcu_story (
            seq bigserial PRIMARY KEY,
            event_id uuid NOT NULL,
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            summary text NOT NULL,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE executive_board_document (
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            body jsonb NOT NULL,
            occurred_at timestamptz NOT NULL,
            PRIMARY KEY (kind, key)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE executive_board_story (
            seq bigserial PRIMARY KEY,
            event_id uuid NOT NULL,
            kind text NOT NULL,
            key text NOT NULL,
            localities text[] NOT NULL DEFAULT '{}',
            summary text NOT NULL,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX local_board_document_by_locality ON local_board_document "
        "USING gin (localities)"
    )
    op.execute(
        "CREATE INDEX local_board_story_by_locality ON local_board_story USING gin (localities)"
    )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE {table}")
