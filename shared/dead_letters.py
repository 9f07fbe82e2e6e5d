"""Sending refused records to their dead-letter topics (`<topic>.dlq`), with why and where
from in headers, so a consumer never stops on bad input and an operator can see, fix and
replay it (`commissioning dlq`; the headers are documented in the AsyncAPI)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.deliveries import Delivery, error_class
from shared.envelope import header_value
from shared.telemetry import EVENTS_DEAD_LETTERED
from shared.topics import DLQ_SUFFIX

log = logging.getLogger(__name__)


def dead_letter_headers(
    record: Any, reason: str, consumer: str, kind: str
) -> list[tuple[str, bytes]]:
    """The original headers plus why and where from."""
    headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
    headers += [
        ("dlq.reason", reason[:4000].encode()),
        ("dlq.error_class", kind.encode()),
        ("dlq.consumer", consumer.encode()),
        ("dlq.origin.topic", record.topic.encode()),
        ("dlq.origin.partition", str(record.partition).encode()),
        ("dlq.origin.offset", str(record.offset).encode()),
        ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
    ]
    return headers


async def send_dead_letters(
    producer: AIOKafkaProducer, dead: list[Delivery], *, consumer: str, max_value_bytes: int
) -> None:
    """Send each delivery's record to its dead-letter topic and wait for every ack.

    A value over the platform's limit is cut to it (the reason says so): the dead-letter
    topic must accept what the consumer could not."""
    futures = []
    for d in dead:
        record = d.record
        reason = d.reason or "unknown"
        kind = error_class(reason)
        topic = record.topic if record.topic.endswith(DLQ_SUFFIX) else record.topic + DLQ_SUFFIX
        value = record.value
        if value is not None and len(value) > max_value_bytes:
            value = value[:max_value_bytes]
            reason += " (value truncated in the dead-letter topic)"
        headers = dead_letter_headers(record, reason, consumer, kind)
        futures.append(await producer.send(topic, value=value, key=record.key, headers=headers))
        EVENTS_DEAD_LETTERED.labels(consumer, record.topic).inc()
        log.warning(
            "dead-lettered %s[%s]@%s: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
            extra={"fields": {"event_id": header_value(record.headers, "ce_id")}},
        )
    await asyncio.gather(*futures)
