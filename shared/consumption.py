"""A fetched batch and its offset commit, fenced by the group membership that fetched it.

aiokafka sends an offset commit with the group generation current when the request is
built, not the one the records were fetched under, and retries a failed commit with
whatever generation is current then. A batch fetched before a rebalance or a lost broker
and committed after it is therefore committed by the new membership. On a broker that
came back without its log (the embedded, memory-only Tansu) those are offsets of the old
log: the new log's records below them are skipped, and if the new log is shorter the
partition waits for ever. This was the stall of the broker-restart test
(tests/backbone/test_restarts_mid_stream.py), with the serial inbox as with the pipelined
one; pipelining only widened the window.

So a batch's offsets are committed only while the membership that fetched it (the
rebalance count seen by the listener, the generation and the member id) is still the
current one, checked in the same step as the commit request is built. Leaving a commit
out is always safe: the partition's next owner, perhaps this consumer, reads from the last
commit and the inbox skips what was applied.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from aiokafka.structs import OffsetAndMetadata

from shared.deliveries import Delivery

log = logging.getLogger(__name__)

REFUSED = (
    CommitFailedError,
    IllegalGenerationError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
"""The broker no longer knows the membership: the partitions may have another owner."""


@dataclass(frozen=True, slots=True)
class Membership:
    """Who the consumer was in its group when it fetched a batch."""

    rebalances: int
    generation: int
    member_id: str


@dataclass(slots=True)
class FetchedBatch:
    """Records returned by one `getmany`, the membership they were fetched under, and
    (pipelined consumption) their deliveries, decoded while the previous batch ran."""

    records: dict[TopicPartition, list[Any]]
    membership: Membership
    deliveries: list[Delivery] | None = None

    def next_offsets(self) -> dict[TopicPartition, int]:
        return {tp: records[-1].offset + 1 for tp, records in self.records.items() if records}


class OffsetFence(ConsumerRebalanceListener):  # type: ignore[misc]
    """Counts rebalances and commits a batch's offsets only under its own membership.

    Reads aiokafka's group coordinator (private, aiokafka pinned to 0.14.x in
    pyproject.toml): its public `commit` cannot be tied to a generation."""

    def __init__(self, name: str, retry_s: float = 0.1) -> None:
        self.name = name
        self.retry_s = retry_s
        self.rebalances = 0
        self._consumer: AIOKafkaConsumer | None = None

    def attach(self, consumer: AIOKafkaConsumer, topics: list[str]) -> None:
        self._consumer = consumer
        consumer.subscribe(topics, listener=self)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.rebalances += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.rebalances += 1

    def membership(self) -> Membership:
        coordinator = self._coordinator()
        return Membership(self.rebalances, coordinator.generation, coordinator.member_id)

    def fetched(self, records: dict[TopicPartition, list[Any]]) -> FetchedBatch:
        """Tag records just returned by `getmany` (no await in between) with the membership."""
        return FetchedBatch(records, self.membership())

    async def commit(self, batch: FetchedBatch) -> bool:
        """Commit the batch's next offsets; False when its membership has gone (left out).

        Retried while the coordinator is unavailable, the membership checked again before
        every attempt; any other broker error is raised, as aiokafka's `commit` does."""
        coordinator = self._coordinator()
        offsets = {tp: OffsetAndMetadata(o, "") for tp, o in batch.next_offsets().items()}
        while True:
            await coordinator.ensure_coordinator_known()
            if coordinator.coordinator_id is None:  # only when the consumer is closing
                return False
            async with coordinator._commit_lock:
                if not self._still(batch.membership):
                    log.info(
                        "consumer %s: offsets of a batch fetched before a rebalance left out; "
                        "the partitions' owner re-reads from the last commit",
                        self.name,
                    )
                    return False
                # No await between the check and the request: it carries that generation.
                sent = coordinator._do_commit_offsets(self._assignment(), offsets)
                try:
                    await sent
                    return True
                except REFUSED as exc:
                    log.info("consumer %s: commit after rebalance refused: %r", self.name, exc)
                    return False
                except KafkaError as exc:
                    if not exc.retriable:
                        raise
                    log.info("consumer %s: commit failed, retrying: %r", self.name, exc)
            await asyncio.sleep(self.retry_s)

    def _still(self, membership: Membership) -> bool:
        return membership.generation >= 0 and self.membership() == membership

    def _coordinator(self) -> Any:
        assert self._consumer is not None
        return self._consumer._coordinator

    def _assignment(self) -> Any:
        assert self._consumer is not None
        return self._consumer._subscription.subscription.assignment
