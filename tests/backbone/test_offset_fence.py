"""A batch fetched from a broker that then restarted empty never commits its offsets there.

aiokafka commits with the group generation current when the request is sent, so without the
fence (shared/consumption.py) a batch fetched from the old broker, applied while the
consumer rejoined the restarted one, commits offsets of the old log on the new one. The
next owner of the partition then starts past the new log's records: on the memory-only
Tansu it waits there, and the events published after the restart are never applied.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from shared.contracts.registry import registry
from shared.embedded import EmbeddedKafka
from shared.envelope import Event
from shared.inbox import InboxConsumer
from shared.kafka import ensure_topics
from shared.settings import KafkaSettings
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import LEDGER_DDL, LEDGER_TOPIC, apply_ledger, ledger_consumer, submitted
from tests.backbone.support import eventually, migrated, scalar

pytestmark = [pytest.mark.embedded_broker, pytest.mark.database]


async def publish(kafka: KafkaSettings, numbers: range) -> None:
    """Envelopes straight onto the ledger topic (one partition), acknowledged by the broker."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for n in numbers:
            envelope = registry.envelope(
                submitted(n), source="ledger-test", subject=f"key-{n}", trust="durham"
            )
            await producer.send_and_wait(kafka.topic(LEDGER_TOPIC), envelope.to_bytes())
    finally:
        await producer.stop()


class HeldFirstBatch:
    """The ledger handler, holding its first batch until released."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        await apply_ledger(events, uow)


async def test_a_batch_from_before_a_broker_restart_leaves_its_offsets_uncommitted(
    database_url: str, schemas: list[str], unique_schema: str
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    broker = EmbeddedKafka()
    broker.start()
    kafka = KafkaSettings(
        bootstrap_servers=broker.bootstrap_servers,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
        topic_prefix=f"o{uuid.uuid4().hex[:8]}.",
    )
    topic = kafka.topic(LEDGER_TOPIC)

    async def applied() -> int:
        return await scalar(sink, "SELECT count(*) FROM ledger_applied")

    try:
        await ensure_topics(kafka, [topic], partitions=1)
        await publish(kafka, range(10))
        held = HeldFirstBatch()
        first = ledger_consumer("ledger", sink, kafka, handler=held)
        stop = asyncio.Event()
        task = asyncio.create_task(first.run(stop))
        await asyncio.wait_for(held.entered.wait(), 60)

        # The broker restarts empty while the batch (offsets 0-9 of the old log) is applied.
        before = rebalances(first)
        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(broker.start)
        await ensure_topics(kafka, [topic], partitions=1)
        await eventually(lambda: rejoined(first, before, topic), 60)
        held.release.set()
        await eventually(lambda: _at_least(applied, 10), 60)
        stop.set()
        await task

        # Three events on the new broker: the group's next consumer must apply them.
        await publish(kafka, range(10, 13))
        stop = asyncio.Event()
        task = asyncio.create_task(ledger_consumer("ledger", sink, kafka).run(stop))
        try:
            await eventually(lambda: _at_least(applied, 13), 30)
        finally:
            stop.set()
            await task
    finally:
        broker.stop()
        await sink.dispose()


def rebalances(consumer: InboxConsumer) -> int:
    assert consumer._fence is not None
    return consumer._fence.rebalances


async def rejoined(consumer: InboxConsumer, before: int, topic: str) -> bool:
    """Rejoined the restarted broker: rebalanced since, a generation and the partition again."""
    assert consumer._fence is not None and consumer._consumer is not None
    membership = consumer._fence.membership()
    assigned = {tp.topic for tp in consumer._consumer.assignment()}
    return membership.rebalances > before + 1 and membership.generation >= 0 and topic in assigned


async def _at_least(count: Any, n: int) -> bool:
    return bool(await count() >= n)
