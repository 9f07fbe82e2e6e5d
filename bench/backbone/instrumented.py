"""The platform's relay and inbox, instrumented to stop their clocks at the N-th event;
the relay can run in a process of its own, as in production."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
from aiokafka import ConsumerRebalanceListener

from bench.backbone.measure import (
    settle,
)
from bench.backbone.workload import (
    PHASE_TIMEOUT_S,
)
from shared import event_loop
from shared.consumption import FetchedBatch
from shared.inbox import InboxConsumer
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.telemetry import configure_tracing


class TimedRelay(OutboxRelay):
    """The platform relay, recording its first publish and when `target` rows are done."""

    def __init__(self, target: int, stop_when_done: asyncio.Event | None = None, **kw: Any):
        super().__init__(**kw)
        self.target = target
        self.stop_when_done = stop_when_done
        self.published = 0
        self.first_batch_at: float | None = None
        self.done_at: float | None = None

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        n = await super().publish_batch(conn)
        self.published += n
        if self.done_at is None and self.published >= self.target:
            self.done_at = time.perf_counter()
            if self.stop_when_done is not None:
                self.stop_when_done.set()
        return n


class TimedInbox(InboxConsumer):
    """The platform inbox consumer, counting records whose batch committed (DB + offsets)."""

    def __init__(self, target: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.target = target
        self.applied = 0
        self.batches = 0
        self.done_at: float | None = None

    async def _process_until_done(self, batch: FetchedBatch, stop: asyncio.Event) -> bool:
        if not await super()._process_until_done(batch, stop):
            return False
        self.batches += 1
        self.applied += sum(len(records) for records in batch.records.values())
        if self.done_at is None and self.applied >= self.target:
            self.done_at = time.perf_counter()
            stop.set()
        return True

    def assigned(self) -> bool:
        # Reads the private aiokafka consumer: the join happens inside the first getmany.
        c = self._consumer
        return c is not None and bool(c.assignment())


class Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.at: float | None = None

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned and self.at is None:
            self.at = time.perf_counter()


def relay_process(
    pipe: Connection,
    url: str,
    schema: str,
    kafka_fields: dict[str, Any],
    target: int,
    tracing: str,
    gc_freeze: bool,
    loop: str = "uvloop",
) -> None:
    """Entry point of the relay process (the source service, apart from the sink's)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if tracing == "service":
        configure_tracing("bench-relay", "none")
    relay = _relay_process(pipe, url, schema, kafka_fields, target, gc_freeze)
    if loop == "uvloop":
        event_loop.run(relay)
    else:
        asyncio.run(relay)


async def _relay_process(
    pipe: Connection,
    url: str,
    schema: str,
    kafka_fields: dict[str, Any],
    target: int,
    gc_freeze: bool,
) -> None:
    stop = asyncio.Event()
    relay = TimedRelay(
        target,
        stop,
        service=f"bench-{schema}",
        database_url=url,
        schema=schema,
        kafka=KafkaSettings(**kafka_fields),
        relay=RelaySettings(),
    )
    pipe.send("ready")
    await asyncio.to_thread(pipe.recv)  # "go"
    settle(gc_freeze)
    cpu0 = time.process_time()
    with suppress(TimeoutError):
        await asyncio.wait_for(relay.run(stop), PHASE_TIMEOUT_S)
    pipe.send(
        {
            "first_batch_at": relay.first_batch_at,
            "done_at": relay.done_at,
            "published": relay.published,
            "cpu_seconds": time.process_time() - cpu0,
        }
    )
