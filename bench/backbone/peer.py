"""The peer: a FastStream batch subscriber doing the platform consumer's work on the same
topic (the one-pass decode, the same inbox write: COPY of the batch's inbox rows, or the
`unnest ... ON CONFLICT` statement when any was received before, and the COPY of the
projection, in one transaction; NACK_ON_ERROR), so "platform / FastStream same work"
compares frameworks, not workloads. FastStream is in the `bench` extra, never in the
services' dependencies."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg
from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker

from bench.backbone.measure import Ticker, Timed, batch_note, fmt_rate, say, settle, wait_until
from bench.backbone.workload import (
    BENCH_AGENCY,
    BENCH_TOPIC,
    PHASE_TIMEOUT_S,
    PROJECTION_COLUMNS,
    PROJECTION_DDL,
    projection_row,
)
from shared.contracts.registry import registry
from shared.db import plain_url
from shared.deliveries import (
    INBOX_COPY_COLUMNS,
    INSERT_INBOX_ROWS,
    Delivery,
    content_digest,
    inbox_columns,
    inbox_records,
)
from shared.settings import KafkaSettings

FASTSTREAM_LOG = logging.getLogger("bench.peer.faststream")
"""FastStream's own log at WARNING: its per-batch "Received" and "Processed" lines stay out
of the report (the platform's consumer logs nothing per batch either)."""
FASTSTREAM_LOG.setLevel(logging.WARNING)

MESSAGE = Context("message")
"""FastStream injects the batch's message: its raw records carry topic, partition, offset."""


class FastStreamPeer:
    """Counts records whose batch committed; `done_at` when `target` are in."""

    def __init__(
        self, url: str, schema: str, kafka: KafkaSettings, topic: str, target: int, attempt: int
    ):
        self.url, self.schema, self.kafka = url, schema, kafka
        self.topic = topic
        self.target = target
        self.name = f"{kafka.topic_prefix}faststream{attempt}"
        self.applied = 0
        self.batches = 0
        self.first_batch_at: float | None = None
        self.done_at: float | None = None
        self.done = asyncio.Event()
        self._pool: asyncpg.Pool | None = None

    async def run(self, stop: asyncio.Event) -> None:
        self._pool = await asyncpg.create_pool(
            plain_url(self.url),
            min_size=1,
            max_size=2,
            server_settings={"search_path": self.schema},
        )
        broker = KafkaBroker(
            self.kafka.bootstrap_servers, client_id="bench-faststream", logger=FASTSTREAM_LOG
        )
        broker.subscriber(
            self.topic,
            group_id=self.name,
            batch=True,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            max_records=self.kafka.max_poll_records,
            fetch_max_wait_ms=self.kafka.fetch_max_wait_ms,
            session_timeout_ms=self.kafka.session_timeout_ms,
            heartbeat_interval_ms=self.kafka.heartbeat_interval_ms,
            max_partition_fetch_bytes=4 * 1_048_576,
            fetch_max_bytes=16 * 1_048_576,
        )(self.handle)
        try:
            await broker.start()
            await stop.wait()
        finally:
            await broker.stop()
            await self._pool.close()

    async def handle(self, message: Any = MESSAGE) -> None:
        """One batch: decode every record, keep the first of each id from the topic's agency,
        then the inbox write and the projection COPY in one transaction."""
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        records = message.raw_message
        first_of_each_id: dict[Any, Delivery] = {}
        for record in records:
            event = registry.decode(record.value)
            if getattr(event.payload, "agency", None) != BENCH_AGENCY:
                continue  # the inbox refuses a payload claiming another agency than its topic's
            delivery = Delivery(record, event=event, digest=content_digest(record.value))
            first_of_each_id.setdefault(event.id, delivery)  # as the inbox drops repeats
        deliveries = list(first_of_each_id.values())
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            try:
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        "inbox",
                        records=inbox_records(self.name, deliveries),
                        columns=INBOX_COPY_COLUMNS,
                    )
                    await self._project(conn, deliveries, received=set())
            except asyncpg.UniqueViolationError:  # a redelivery: tell which were received
                async with conn.transaction():
                    cols = inbox_columns(deliveries)
                    seen = await conn.fetch(INSERT_INBOX_ROWS, self.name, *cols)
                    await self._project(conn, deliveries, received={row[0] for row in seen})
        self.batches += 1
        self.applied += len(records)
        if self.done_at is None and self.applied >= self.target:
            self.done_at = time.perf_counter()
            self.done.set()

    async def _project(
        self, conn: asyncpg.Connection, deliveries: list[Delivery], received: set[Any]
    ) -> None:
        await conn.copy_records_to_table(
            "bench_projection",
            records=[
                projection_row(d.event)
                for d in deliveries
                if d.event is not None and d.event.id not in received
            ],
            columns=PROJECTION_COLUMNS,
        )


async def measure_peer(bench: Any, kafka: KafkaSettings, attempt: int) -> Timed:
    """The peer over the already published topic, a new group, timed from its first batch."""
    cfg, timed = bench.cfg, Timed()
    say(f"[peer] FastStream #{attempt}: batch subscriber, same work, over the published topic ...")
    sink = await bench.migrated(f"peer{attempt}", PROJECTION_DDL)
    await sink.dispose()
    peer = FastStreamPeer(
        bench.url, sink.schema, kafka, kafka.topic(BENCH_TOPIC), cfg.events, attempt
    )
    stop = asyncio.Event()
    settle(cfg.gc_freeze)
    task = asyncio.create_task(peer.run(stop))
    clock = bench.clock("faststream same work")
    try:
        await wait_until(lambda: peer.first_batch_at is not None or task.done(), 60, "1st batch")
        if task.done():
            task.result()
        clock.start(at=peer.first_batch_at)
        with Ticker("applied", cfg.events, lambda: peer.applied):
            await wait_until(lambda: peer.done_at is not None, PHASE_TIMEOUT_S, "all applied")
        clock.stop(timed, cfg.events, wall_end=peer.done_at)
        timed.notes.append(batch_note(peer.applied, peer.batches))
    finally:
        stop.set()
        await task
    say(f"[peer] FastStream #{attempt} same work: {fmt_rate(timed.per_s)}/s")
    return timed
