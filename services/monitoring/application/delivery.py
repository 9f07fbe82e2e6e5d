"""Webhook deliveries from the outbox: retried with exponential backoff and full jitter,
parked after repeated failure, and re-driven on request. Each board hears its alerts, "to
be told, not to look" (Durham Children's Trust framework, section 3, PPDG duty 4)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from services.monitoring.application.ports import DeliveryQueue, WebhookSender
from shared.failpoints import MONITORING_WEBHOOK_SENT, failpoint


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    max_attempts: int = 10
    """Failures before a delivery is parked."""

    def delay(self, attempts: int, rng: random.Random) -> float | None:
        """Seconds before the next attempt after `attempts` failures; None: park it."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** (attempts - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


async def deliver_due(
    queue: DeliveryQueue,
    sender: WebhookSender,
    policy: RetryPolicy,
    rng: random.Random,
    *,
    batch: int = 50,
) -> int:
    """Send what is due, concurrently; returns how many were attempted."""
    due = await queue.claim(batch, lease_seconds=30)
    if not due:
        return 0
    results = await asyncio.gather(*(sender.send(d.subscription, d.entry) for d in due))
    failpoint(MONITORING_WEBHOOK_SENT)  # sent before marked: a crash re-sends, never loses
    await queue.delivered(
        [d.delivery_id for d, error in zip(due, results, strict=True) if not error]
    )
    for delivery, error in zip(due, results, strict=True):
        if error is not None:
            delay = policy.delay(delivery.attempts + 1, rng)
            await queue.failed(delivery.delivery_id, error=error, retry_in_seconds=delay)
    return len(due)
