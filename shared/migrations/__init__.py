"""Alembic, run programmatically: one shared environment, the shared backbone branch, and
one versions folder per service (docs/decisions/0004-migrations.md).

Each service keeps its revisions in `services/<name>/adapters/migrations/`, a chain that
depends on the backbone branch in `shared/migrations/backbone/`, and its
`alembic_version` table in its own schema; `search_path` puts its tables there.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.backbone_tables import metadata as backbone_metadata
from shared.db import asyncpg_url, check_schema_name

ENVIRONMENT = Path(__file__).parent
BACKBONE_VERSIONS = ENVIRONMENT / "backbone"
BACKBONE_BRANCH = "backbone"
T = TypeVar("T")


def alembic_config(
    schema: str, versions: Path, tables: MetaData | None = None, connection: object = None
) -> Config:
    """Alembic's configuration for one service's schema: its versions folder and the
    backbone's, and the models its migrations must agree with."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    folders = dict.fromkeys([str(BACKBONE_VERSIONS), str(versions)])
    cfg.set_main_option("version_locations", os.pathsep.join(folders))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["schema"] = schema
    cfg.attributes["target_metadata"] = target_metadata(tables)
    cfg.attributes["connection"] = connection
    return cfg


def not_alembic_bookkeeping(name: str | None, kind: str, _parents: object) -> bool:
    """Leave Alembic's own `alembic_version` table out of model comparisons."""
    return not (kind == "table" and name == "alembic_version")


def target_metadata(tables: MetaData | None) -> Sequence[MetaData]:
    """The backbone tables plus the service's own: everything its schema should hold."""
    return [backbone_metadata] if tables is None else [backbone_metadata, tables]


async def upgrade(database_url: str, schema: str, versions: Path, revision: str = "heads") -> None:
    """Create the schema if needed and upgrade it to `revision` (default: every head)."""
    check_schema_name(schema)
    engine = create_async_engine(
        asyncpg_url(database_url), connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

        def run(sync_conn: Connection) -> None:
            command.upgrade(alembic_config(schema, versions, connection=sync_conn), revision)

        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def _with_connection(database_url: str, schema: str, work: Callable[[Connection], T]) -> T:
    check_schema_name(schema)
    engine = create_async_engine(
        asyncpg_url(database_url), connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


async def differences(database_url: str, schema: str, tables: MetaData | None) -> list[Any]:
    """What Alembic would change to make a migrated schema match the models: empty when the
    models and the migrations agree."""

    def compare(sync_conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync_conn,
            opts={
                "compare_server_default": True,
                "version_table_schema": schema,
                "target_metadata": target_metadata(tables),
                "include_name": not_alembic_bookkeeping,
            },
        )
        # Alembic accepts a sequence of MetaData here, as for `target_metadata`.
        return list(compare_metadata(context, target_metadata(tables)))  # type: ignore[arg-type]

    return await _with_connection(database_url, schema, compare)


def next_number(versions: Path) -> int:
    """The number of a folder's next revision file (`0003_...py` after `0002_...py`)."""
    numbers = [int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(numbers, default=0) + 1


async def autogenerate(
    database_url: str, branch: str, versions: Path, tables: MetaData | None, message: str
) -> Path | None:
    """Write the next revision of `branch` (a service, or `backbone`): the DDL that takes a
    schema migrated to today's heads to the models; None when they already agree. Works on
    a scratch schema, then drops it."""
    scratch = f"revision_{uuid.uuid4().hex[:12]}"
    number = next_number(versions)
    target = "backbone@head" if branch == BACKBONE_BRANCH else "heads"
    try:
        await upgrade(database_url, scratch, versions, revision=target)
        if not await differences(database_url, scratch, tables):
            return None

        def write(sync_conn: Connection) -> Path:
            cfg = alembic_config(scratch, versions, tables, connection=sync_conn)
            cfg.set_main_option("file_template", f"{number:04d}_%%(slug)s")
            format_with_ruff(cfg)
            script = command.revision(
                cfg,
                message=message,
                autogenerate=True,
                head=f"{branch}@head",
                version_path=str(versions),
                rev_id=f"{branch}_{number:04d}",
            )
            if script is None or isinstance(script, list):
                raise RuntimeError(f"Alembic wrote no single revision for {branch}")
            return Path(script.path)

        return await _with_connection(database_url, scratch, write)
    finally:
        await _drop_schema(database_url, scratch)


def format_with_ruff(cfg: Config) -> None:
    """Where ruff is installed (a development environment), the revision Alembic writes is
    tidied to the project's style before anyone reads it."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        return
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
    for hook, options in (("ruff_fix", "check --fix --quiet"), ("ruff_format", "format --quiet")):
        cfg.set_section_option("post_write_hooks", f"{hook}.type", "exec")
        cfg.set_section_option("post_write_hooks", f"{hook}.executable", ruff)
        cfg.set_section_option(
            "post_write_hooks", f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME"
        )


async def scratch_differences(
    database_url: str, versions: Path, tables: MetaData | None
) -> list[Any]:
    """`differences()` on a scratch schema migrated from nothing, dropped afterwards."""
    scratch = f"check_{uuid.uuid4().hex[:12]}"
    try:
        await upgrade(database_url, scratch, versions)
        return await differences(database_url, scratch, tables)
    finally:
        await _drop_schema(database_url, scratch)


async def _drop_schema(database_url: str, schema: str) -> None:
    await _with_connection(
        database_url,
        "public",
        lambda c: c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'),
    )
