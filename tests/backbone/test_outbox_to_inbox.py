"""Events travel outbox -> Kafka -> inbox: committed events arrive once, in key order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from shared.db import Database
from shared.outbox import OutboxRelay, read_broker_epoch
from shared.settings import KafkaSettings, RelaySettings
from tests.backbone.ledger import LEDGER_DDL, ledger_consumer, produce
from tests.backbone.support import eventually, migrated, scalar

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_committed_events_are_applied_exactly_once_in_key_order(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    source = await migrated(database_url, unique_schema + "_src", schemas)
    sink = await migrated(database_url, unique_schema + "_dst", schemas, LEDGER_DDL)
    ids = await produce(source, kafka, 500)

    stop = asyncio.Event()
    relay = OutboxRelay(
        service="src",
        database_url=database_url,
        schema=source.schema,
        kafka=kafka,
        relay=RelaySettings(batch_size=128),
    )
    consumer = ledger_consumer(f"{kafka.topic_prefix}ledger", sink, kafka)
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
    try:

        async def all_applied() -> bool:
            return await scalar(sink, "SELECT count(*) FROM ledger_applied") >= len(ids)

        await eventually(all_applied, 90)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert await scalar(sink, "SELECT count(*) FROM ledger_applied WHERE applied_count <> 1") == 0
    assert await scalar(source, "SELECT count(*) FROM outbox WHERE state <> 'published'") == 0
    await assert_key_order(sink)
    await source.dispose()
    await sink.dispose()


async def assert_key_order(sink: Database) -> None:
    """Within a key, events were applied in the order they were committed."""
    async with sink.connect() as conn:
        rows: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql("SELECT subject, n FROM ledger_applied ORDER BY arrival")
        ).all()
    last: dict[str, int] = {}
    for subject, n in rows:
        assert n > last.get(subject, -1), f"{subject}: {n} applied after {last[subject]}"
        last[subject] = n


async def test_every_relay_reads_back_the_same_broker_epoch(kafka: KafkaSettings) -> None:
    """The first relay writes the epoch; later ones (and restarts) read the same one back."""
    first = await read_broker_epoch(kafka)
    assert await read_broker_epoch(kafka) == first
    assert await read_broker_epoch(kafka) == first
