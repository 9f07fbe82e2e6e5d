"""Alembic, run programmatically: one shared environment, one versions folder per service.

Each service keeps its revisions in `services/<name>/adapters/migrations/` and its
`alembic_version` table in its own schema; `search_path` puts its tables there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import asyncpg_url, check_schema_name

ENVIRONMENT = Path(__file__).parent


def alembic_config(schema: str, versions: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["schema"] = schema
    return cfg


async def upgrade(database_url: str, schema: str, versions: Path, revision: str = "head") -> None:
    """Create the schema if needed and upgrade it to `revision`."""
    check_schema_name(schema)
    engine = create_async_engine(
        asyncpg_url(database_url), connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

        def run(sync_conn: Connection) -> None:
            cfg = alembic_config(schema, versions)
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, revision)

        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
