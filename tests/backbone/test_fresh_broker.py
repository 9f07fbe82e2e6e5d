"""The embedded broker forgets everything when it stops; restarting it loses nothing.

Events published to broker A that no consumer applied before A died are re-published to a
fresh broker B from the outbox; those consumers had applied are re-published too and
skipped by the inbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from shared.embedded import EmbeddedKafka
from shared.inbox import InboxConsumer
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from tests.backbone.ledger import LEDGER_DDL, ledger_consumer, produce
from tests.backbone.support import eventually, migrated, scalar

pytestmark = [pytest.mark.embedded_broker, pytest.mark.database]


async def test_a_fresh_embedded_broker_gets_back_everything_consumers_have_not_applied(
    database_url: str, schemas: list[str], unique_schema: str
) -> None:
    source = await migrated(database_url, unique_schema + "_src", schemas)
    sink = await migrated(database_url, unique_schema + "_dst", schemas, LEDGER_DDL)
    broker = EmbeddedKafka()
    broker.start()
    kafka = KafkaSettings(
        bootstrap_servers=broker.bootstrap_servers,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
        topic_prefix=f"f{uuid.uuid4().hex[:8]}.",
    )

    def relay() -> OutboxRelay:
        return OutboxRelay(
            service="src",
            database_url=database_url,
            schema=source.schema,
            kafka=kafka,
            relay=RelaySettings(batch_size=100),
        )

    def consumer() -> InboxConsumer:
        return ledger_consumer("ledger", sink, kafka)

    async def published() -> int:
        return await scalar(source, "SELECT count(*) FROM outbox WHERE state = 'published'")

    async def applied() -> int:
        return await scalar(sink, "SELECT count(*) FROM ledger_applied")

    try:
        # Broker A: 200 events published and applied.
        first = await produce(source, kafka, 200)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(relay().run(stop)), asyncio.create_task(consumer().run(stop))]
        await eventually(lambda: _equals(applied, 200), 60)
        stop.set()
        await asyncio.gather(*tasks)

        # 100 more published to A, but A dies before any consumer reads them.
        second = await produce(source, kafka, 100)
        stop = asyncio.Event()
        task = asyncio.create_task(relay().run(stop))
        await eventually(lambda: _equals(published, 300), 60)
        stop.set()
        await task
        broker.stop()

        # Broker B: empty. The relay notices and re-publishes; the consumer catches up.
        broker.start()
        stop = asyncio.Event()
        tasks = [asyncio.create_task(relay().run(stop)), asyncio.create_task(consumer().run(stop))]
        await eventually(lambda: _equals(applied, 300), 90)
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        broker.stop()

    async with sink.connect() as conn:
        found: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql("SELECT event_id::text, applied_count FROM ledger_applied")
        ).all()
    rows = dict(found)
    assert set(rows) == set(first) | set(second)
    assert set(rows.values()) == {1}
    async with sink.connect() as conn:
        skipped = (await conn.exec_driver_sql("SELECT count(*) FROM inbox")).scalar_one()
    assert skipped == 300
    await source.dispose()
    await sink.dispose()


async def _equals(probe, n: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await probe() == n)
