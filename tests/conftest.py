"""Real infrastructure for tests: a Kafka-compatible broker and PostgreSQL.

Each is, in order of preference: the one named by `KAFKA_BOOTSTRAP_SERVERS` /
`DATABASE_URL`; a testcontainers container when a Docker engine answers; otherwise the
embedded one (Tansu, embedded PostgreSQL) started for the session. Every test gets its own
topic prefix and its own schemas, so tests never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.settings import KafkaSettings


def _docker_answers() -> bool:
    if os.environ.get("COMMISSIONING_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a real broker for the whole session."""
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    if _docker_answers():  # pragma: no cover - no Docker engine on the CI machine
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    from shared.embedded import EmbeddedKafka

    broker = EmbeddedKafka()
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real PostgreSQL for the whole session."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    if _docker_answers():  # pragma: no cover - no Docker engine on the CI machine
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17", driver=None) as container:
            yield container.get_connection_url()
        return
    from shared.embedded import EmbeddedPostgres

    # Under /tmp: its parents are traversable by the unprivileged server user.
    data_dir = Path("/tmp") / f"commissioning-test-pg-{os.getpid()}"
    server = EmbeddedPostgres(data_dir)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


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
