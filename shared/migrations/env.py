"""Alembic environment shared by every service; the connection and the models to compare
against are passed in by `shared.migrations` (never read from an ini file)."""

from __future__ import annotations

from alembic import context

from shared.migrations import not_alembic_bookkeeping

config = context.config
schema = config.attributes["schema"]

context.configure(
    connection=config.attributes["connection"],
    target_metadata=config.attributes["target_metadata"],
    version_table_schema=schema,
    transactional_ddl=True,
    compare_server_default=True,
    include_name=not_alembic_bookkeeping,
)
with context.begin_transaction():
    context.run_migrations()
