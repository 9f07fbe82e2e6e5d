"""Cancelling a consumer (the supervisor's last resort at shutdown) finishes the batch in
flight: it is never stopped between its inbox write and its commit."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiokafka import TopicPartition

from shared.consumption import FetchedBatch
from shared.inbox import InboxConsumer
from shared.settings import KafkaSettings

PARTITION = TopicPartition("t", 0)


class TwoBatches:
    """A consumer that returns two one-record batches, then nothing."""

    def __init__(self) -> None:
        self.batches: list[dict[TopicPartition, list[Any]]] = [
            {PARTITION: [object()]},
            {PARTITION: [object()]},
        ]

    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        await asyncio.sleep(0)
        return self.batches.pop(0) if self.batches else {}


class Fence:
    def fetched(self, records: dict[TopicPartition, list[Any]]) -> FetchedBatch:
        return FetchedBatch(records, membership=(0, 0))  # type: ignore[arg-type]


class SlowBatches(InboxConsumer):
    """The first batch waits for `release` inside its transaction."""

    def __init__(self) -> None:
        super().__init__(
            name="c",
            topics=["t"],
            handler=None,  # type: ignore[arg-type]
            db=None,  # type: ignore[arg-type]
            kafka=KafkaSettings(),
            source="test",
            trust="test",
        )
        self._consumer = TwoBatches()
        self._fence = Fence()  # type: ignore[assignment]
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.outcomes: list[str] = []

    async def _decode_in_chunks(self, records: dict[TopicPartition, list[Any]]) -> list[Any]:
        return []

    async def _process_until_done(self, batch: FetchedBatch, stop: asyncio.Event) -> bool:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.outcomes.append("cancelled mid-transaction")
            raise
        self.outcomes.append("committed")
        return True


async def test_a_cancelled_consumer_finishes_the_batch_in_flight_before_it_stops() -> None:
    consumer = SlowBatches()
    pipeline = asyncio.create_task(consumer._pipeline(asyncio.Event()))
    await consumer.started.wait()
    for _ in range(5):  # the second batch is fetched and waits for the first
        await asyncio.sleep(0)
    pipeline.cancel()
    await asyncio.sleep(0.01)
    assert consumer.outcomes == []  # the first batch is still in its transaction
    consumer.release.set()
    with contextlib.suppress(asyncio.CancelledError):
        await pipeline
    assert consumer.outcomes == ["committed"]
    assert pipeline.cancelled()
