"""PostgreSQL access: one asyncpg pool per service, pinned to the service's own schema.

A service's tables are created without a schema name and found through `search_path`, so
the same code runs in `needs` in production and in `needs_t1a2b3` in an isolated test.
Units of work run on the asyncpg pool; the SQLAlchemy engine serves schema management
(DDL, Alembic) and the tests' inspection of tables.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from shared.settings import DatabaseSettings

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    """Schema names are interpolated into DDL, so only plain identifiers are allowed."""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"schema name {schema!r} must match {SCHEMA_NAME.pattern}")
    return schema


def asyncpg_url(url: str) -> str:
    """Normalise a postgresql:// URL to SQLAlchemy's asyncpg form."""
    return DatabaseSettings(DATABASE_URL=url).async_url


def plain_url(url: str) -> str:
    """A libpq/asyncpg URL (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _decode_json(conn: asyncpg.Connection) -> None:
    """json/jsonb columns read as Python values; parameters are sent as JSON text."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=lambda v: v, decoder=json.loads, schema="pg_catalog", format="text"
        )


class Database:
    """The connection pool (and schema-management engine) of one service's schema."""

    def __init__(
        self, url: str, schema: str, *, pool_size: int = 10, fallback: Sequence[str] = ()
    ) -> None:
        """`fallback`: schemas searched after `schema` for tables it lacks (a projection's
        rebuild writes its own tables and inbox in a shadow schema, reading the rest)."""
        self.schema = check_schema_name(schema)
        self.search_path = ", ".join([self.schema, *map(check_schema_name, fallback)])
        self.url = asyncpg_url(url)
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": self.search_path}},
        )

    async def pool(self) -> asyncpg.Pool:
        """The asyncpg pool, opened on first use (connections set `search_path`)."""
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        plain_url(self.url),
                        min_size=0,
                        max_size=self.pool_size * 2,
                        server_settings={"search_path": self.search_path},
                        init=_decode_json,
                    )
        return self._pool

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed on success."""
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> bool:
        """True when the database answers (readiness)."""
        try:
            pool = await self.pool()
            async with pool.acquire(timeout=5) as conn:
                await conn.fetchval("SELECT 1")
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
        await self.engine.dispose()
