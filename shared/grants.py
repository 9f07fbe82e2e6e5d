"""A service's database role may use its own schema and nothing else.

In a deployment, migrations run under a migration role that owns every schema and table;
each service runs under its own role. `grant_schema` gives that role the data rights the
service needs on its own schema only: it cannot create, alter or drop anything, and it
cannot see another service's schema, so "services own their data" is enforced by
PostgreSQL rather than by naming. Default privileges cover tables a later migration adds.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import asyncpg_url, check_schema_name

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_role_name(role: str) -> str:
    """Role names are interpolated into GRANT statements: plain identifiers only."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"role name {role!r} must match {ROLE_NAME.pattern}")
    return role


def grant_statements(schema: str, role: str) -> list[str]:
    """The GRANTs that let `role` read and write the tables of `schema`, and no more."""
    s, r = f'"{check_schema_name(schema)}"', f'"{check_role_name(role)}"'
    data = "SELECT, INSERT, UPDATE, DELETE"
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT {data} ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {data} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
    ]


async def grant_schema(database_url: str, schema: str, role: str) -> None:
    """Grant `role` the data rights on `schema` (run as the schema's owner, after migrating)."""
    engine = create_async_engine(asyncpg_url(database_url))
    try:
        async with engine.begin() as conn:
            for statement in grant_statements(schema, role):
                await conn.execute(text(statement))
    finally:
        await engine.dispose()
