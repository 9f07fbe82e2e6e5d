"""The monitoring service's real process for the fault suite, optionally with a TEST-ONLY
mutation that disables one of its guarantees, so the suite can show its check failing.

    python -m tests.faults.monitoring_process serve monitoring --port N

runs `commissioning serve` itself. COMMISSIONING_TEST_MUTATION (read here only, never by
the service) names the mutation:
- `direct-delivery`: no delivery outbox; each alert's webhooks are sent straight after the
  commit, from the request, as a fire-and-forget task;
- `mark-before-send`: a delivery is marked delivered before it is sent (at most once);
- `offsets-first`: a consumer commits its Kafka offsets before applying the batch;
- `no-dedup`: neither the inbox nor the return store recognises a return seen before.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from typing import Any

import httpx
from aiokafka import TopicPartition

import shared.runtime
from services.monitoring import service
from services.monitoring.adapters.channels import (
    PostgresAlertFeed,
    StandardWebhookSender,
    _entry,
    _subscription,
)
from services.monitoring.adapters.repository import PostgresReturns
from services.monitoring.adapters.unit_of_work import PostgresMonitoringUnitOfWork
from services.monitoring.application.delivery import RetryPolicy
from services.monitoring.application.ports import DeliveryQueue, StoreOutcome, WebhookSender
from shared.contracts.monitoring import PerformanceReturn
from shared.db import Database
from shared.deliveries import Delivery
from shared.failpoints import MONITORING_WEBHOOK_SENT, failpoint
from shared.inbox import InboxConsumer
from tests.backbone.ledger import MUTATION_ENV, WithoutDeduplication

MUTATIONS = ("direct-delivery", "mark-before-send", "offsets-first", "no-dedup")
SUBSCRIPTIONS = "SELECT * FROM webhook_subscription"
_tasks: set[asyncio.Task[None]] = set()


def _direct_delivery() -> None:
    flush = PostgresAlertFeed.flush
    commit = PostgresMonitoringUnitOfWork.commit

    async def flush_without_outbox(self: PostgresAlertFeed) -> list[int]:
        seqs = await flush(self)
        await self.connection.execute(
            "DELETE FROM webhook_delivery WHERE feed_seq = ANY($1::bigint[])", seqs
        )
        self.__dict__.setdefault("to_send", []).extend(seqs)
        return seqs

    async def commit_then_send(self: PostgresMonitoringUnitOfWork) -> None:
        await commit(self)
        seqs = list(getattr(self.feed, "to_send", []))
        if seqs:
            task = asyncio.create_task(_send_now(self.platform.db, seqs))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

    PostgresAlertFeed.flush = flush_without_outbox  # type: ignore[method-assign]
    PostgresMonitoringUnitOfWork.commit = commit_then_send  # type: ignore[method-assign]


async def _send_now(db: Database, seqs: list[int]) -> None:
    """Send each alert event to its board's webhooks now, once, whatever happens."""
    pool = await db.pool()
    feed = await pool.fetch("SELECT * FROM alert_feed WHERE seq = ANY($1::bigint[])", seqs)
    subscriptions = [_subscription(r) for r in await pool.fetch(SUBSCRIPTIONS)]
    async with httpx.AsyncClient(timeout=5) as client:
        sender = StandardWebhookSender(client)
        for entry in map(_entry, feed):
            for s in subscriptions:
                if s.audience is entry.audience and s.locality in (None, entry.locality):
                    await sender.send(s, entry)


async def _deliver_marking_first(
    queue: DeliveryQueue,
    sender: WebhookSender,
    policy: RetryPolicy,
    rng: random.Random,
    *,
    batch: int = 50,
) -> int:
    due = await queue.claim(batch, lease_seconds=30)
    if not due:
        return 0
    await queue.delivered([d.delivery_id for d in due])
    failpoint(MONITORING_WEBHOOK_SENT)  # the same window, reached in the mutated order
    await asyncio.gather(*(sender.send(d.subscription, d.entry) for d in due))
    return len(due)


class OffsetsFirst(InboxConsumer):
    """Commits the batch's offsets, then applies it: a crash in between loses the batch."""

    async def process(
        self, batch: dict[TopicPartition, list[Any]], deliveries: list[Delivery] | None = None
    ) -> None:
        assert self._consumer is not None
        await self._consumer.commit({tp: r[-1].offset + 1 for tp, r in batch.items() if r})
        await super().process(batch, deliveries)


def _no_dedup() -> None:
    add = PostgresReturns.add

    async def add_as_new(
        self: PostgresReturns, performance_return: PerformanceReturn, *, via: str
    ) -> StoreOutcome:
        outcome = await add(self, performance_return, via=via)
        return StoreOutcome.STORED if outcome is StoreOutcome.DUPLICATE else outcome

    PostgresReturns.add = add_as_new  # type: ignore[method-assign]
    setattr(shared.runtime, "InboxConsumer", WithoutDeduplication)  # noqa: B010


def mutate(mutation: str | None) -> None:
    if mutation is None:
        return
    if mutation == "direct-delivery":
        _direct_delivery()
    elif mutation == "mark-before-send":
        setattr(service, "deliver_due", _deliver_marking_first)  # noqa: B010
    elif mutation == "offsets-first":
        setattr(shared.runtime, "InboxConsumer", OffsetsFirst)  # noqa: B010
    elif mutation == "no-dedup":
        _no_dedup()
    else:
        raise SystemExit(f"{MUTATION_ENV}: unknown mutation {mutation!r}; known: {MUTATIONS}")
    sys.stderr.write(f"TEST-ONLY mutation {mutation} applied\n")


if __name__ == "__main__":
    mutate(os.environ.get(MUTATION_ENV) or None)
    from shared.cli import app

    app(sys.argv[1:])
