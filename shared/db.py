"""PostgreSQL access: one engine per service, pinned to the service's own schema.

A service's tables are created without a schema name and found through `search_path`, so
the same code runs in `needs` in production and in `needs_t1a2b3` in an isolated test.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

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


class Database:
    """The engine and session factory of one service's schema."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 10) -> None:
        self.schema = check_schema_name(schema)
        self.url = asyncpg_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": self.schema}},
        )
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed on success."""
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> bool:
        """True when the database answers (readiness)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
