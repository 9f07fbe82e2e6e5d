"""Helpers for backbone tests: schemas, polling, background tasks, publishing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.db import Database
from shared.migrations import upgrade
from shared.settings import KafkaSettings

BACKBONE_VERSIONS = (
    Path(__file__).resolve().parents[2] / "services" / "needs" / "adapters" / "migrations"
)


async def migrated(database_url: str, schema: str, schemas: list[str], *ddl: str) -> Database:
    """A database for `schema` with the backbone tables (through Alembic) plus extra DDL."""
    schemas.append(schema)
    await upgrade(database_url, schema, BACKBONE_VERSIONS)
    db = Database(database_url, schema, pool_size=4)
    if ddl:
        async with db.connect() as conn:
            for statement in ddl:
                await conn.exec_driver_sql(statement)
    return db


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 60.0, interval_s: float = 0.2
) -> None:
    """Poll until `check` is true; fail with a clear message on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s: {check.__qualname__}")


async def scalar(db: Database, sql: str) -> int:
    async with db.connect() as conn:
        value = (await conn.exec_driver_sql(sql)).scalar()
    return int(value or 0)


async def read_records(
    kafka: KafkaSettings, topic: str, expected: int, timeout_s: float
) -> list[Any]:
    """Read a topic from the beginning, without a group, until `expected` records arrive."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        for _ in range(int(timeout_s / 0.2)):
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
            if len(records) >= expected:
                break
    finally:
        await consumer.stop()
    return records


async def publish_in_one_batch(
    bootstrap_servers: str, topic: str, values: Iterable[bytes], key: bytes
) -> None:
    """Publish record values as one record batch on partition 0, so a consumer reads them
    in one fetch, as it reads an agency system's submission."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        batch = producer.create_batch()
        for value in values:
            assert batch.append(key=key, value=value, timestamp=None) is not None, "batch full"
        await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()
