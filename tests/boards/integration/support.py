"""Running the boards' projections against real Kafka and PostgreSQL: publishing what the
other services publish, running each projection's inbox consumer (or the whole service),
and reading its tables back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.boards.projections import PROJECTIONS, Projection
from services.boards.service import definition
from shared.db import Database
from shared.envelope import Event
from shared.inbox import InboxConsumer
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.settings import KafkaSettings
from tests.backbone.support import eventually
from tests.boards.story import TRUST


async def publish(kafka: KafkaSettings, told: Sequence[tuple[str, Event[Any]]]) -> None:
    """Publish each event on its topic, keyed by its subject, as the services' relays do."""
    producer = AIOKafkaProducer(**kafka.client_options())
    await producer.start()
    try:
        for topic, event in told:
            envelope = event.envelope
            await producer.send_and_wait(
                kafka.topic(topic),
                envelope.to_bytes(),
                key=envelope.subject.encode(),
                headers=envelope.headers(),
            )
    finally:
        await producer.stop()


async def migrated(database_url: str, schema: str, schemas: list[str]) -> Database:
    schemas.append(schema)
    await upgrade(database_url, schema, definition.migrations)
    return Database(database_url, schema, pool_size=4)


@asynccontextmanager
async def consuming(
    db: Database, kafka: KafkaSettings, kind: type[InboxConsumer] = InboxConsumer
) -> AsyncIterator[list[InboxConsumer]]:
    """Each projection's inbox consumer, in its own group, as the service runs them."""
    await ensure_topics(kafka)
    consumers = [
        kind(
            name=kafka.topic_prefix + p.consumer_group,
            topics=[kafka.topic(t) for t in p.topics],
            handler=p.handler(),
            db=db,
            kafka=kafka,
            source="boards",
            trust=TRUST,
        )
        for p in PROJECTIONS
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    try:

        async def ready() -> bool:
            return all(c.ready for c in consumers)

        await eventually(ready, 60)
        yield consumers
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def caught_up(kafka: KafkaSettings) -> None:
    """Wait until every projection's group has committed the end of every topic it reads:
    every event published so far has been applied (or found already applied)."""
    metadata = AIOKafkaProducer(**kafka.client_options())
    await metadata.start()
    try:
        for projection in PROJECTIONS:
            await _group_at_end(kafka, metadata, projection)
    finally:
        await metadata.stop()


async def _group_at_end(
    kafka: KafkaSettings, metadata: AIOKafkaProducer, projection: Projection
) -> None:
    # A consumer of the group that never joins it reads the group's committed offsets.
    group = kafka.topic_prefix + projection.consumer_group
    reader = AIOKafkaConsumer(**kafka.client_options(), group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = [
            TopicPartition(kafka.topic(t), p)
            for t in projection.topics
            for p in await metadata.partitions_for(kafka.topic(t))
        ]

        async def at_end() -> bool:
            ends = await reader.end_offsets(partitions)
            for tp, end in ends.items():
                if (await reader.committed(tp) or 0) < end:
                    return False
            return True

        await eventually(at_end, 90, 0.25)
    finally:
        await reader.stop()


async def rows(db: Database, projection: Projection) -> dict[str, list[tuple[Any, ...]]]:
    """Everything in the projection's tables, in a stable order."""
    pool = await db.pool()
    documents, story = projection.tables.names
    async with pool.acquire() as conn:
        docs = await conn.fetch(
            f"SELECT kind, key, localities, body::text, occurred_at FROM {documents} "
            "ORDER BY kind, key"
        )
        lines = await conn.fetch(
            f"SELECT seq, event_id, kind, key, localities, summary, occurred_at FROM {story} "
            "ORDER BY seq"
        )
    return {documents: [tuple(r) for r in docs], story: [tuple(r) for r in lines]}


async def all_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for projection in PROJECTIONS:
        found |= await rows(db, projection)
    return found
