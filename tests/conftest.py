"""Real infrastructure for tests: a Kafka-compatible broker and PostgreSQL.

Each is the one named by `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL`, else the embedded one
started for the session (`shared.infrastructure`, the same choice `commissioning up` makes).
Every test gets its own topic prefix and its own schemas, so tests never see each other's
data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.infrastructure import running_broker, running_database
from shared.settings import KafkaSettings


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real broker for the whole session."""
    with running_broker(tmp_path_factory.mktemp("broker")) as servers:
        yield servers


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a real PostgreSQL for the whole session."""
    # Under /tmp: its parents are traversable by the unprivileged server user.
    data_dir = Path("/tmp") / f"commissioning-test-pg-{os.getpid()}"
    with running_database(data_dir, remove_data=True) as url:
        yield url


@pytest.fixture
def kafka(kafka_bootstrap: str) -> KafkaSettings:
    """Kafka settings with a topic prefix unique to this test."""
    return KafkaSettings(
        bootstrap_servers=kafka_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
    )


@pytest.fixture
def unique_schema() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def schemas(database_url: str) -> AsyncIterator[list[str]]:
    """Collects schemas a test creates and drops them afterwards."""
    created: list[str] = []
    yield created
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from shared.db import asyncpg_url

    engine = create_async_engine(asyncpg_url(database_url))
    async with engine.begin() as conn:
        for schema in created:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()
