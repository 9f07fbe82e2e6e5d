"""What becomes of each record of a batch, and how the inbox records it.

A record's content digest tells a redelivery (same id, same bytes: a silent no-op) from a
reused event id with other content (dead-lettered as a conflicting duplicate). A record on
a per-agency inbound topic whose payload claims another agency is refused: the topic
establishes the agency (docs/decisions/0003-producer-identity.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from shared.envelope import Event


@dataclass(slots=True)
class Delivery:
    """One record and what became of it."""

    record: Any
    event: Event[Any] | None = None
    reason: str | None = None
    digest: bytes = b""
    """Of the record value: tells a redelivery from a reused id with other content."""


def content_digest(value: bytes) -> bytes:
    """A 128-bit digest of a record value.

    The value's bytes, not a re-serialised envelope: a redelivery and a relay's re-publish
    carry the outbox's stored bytes, and hashing them costs a fraction of re-serialising.
    """
    return hashlib.blake2b(value, digest_size=16).digest()


def impersonation_reason(topic: str, writer: str, event: Event[Any]) -> str:
    """Why a record whose payload claims another agency than its topic's is refused."""
    claimed = getattr(event.payload, "agency", None)
    return (
        f"agency: the record on {topic} can only come from agency {writer!r}, but its "
        f"payload claims agency {claimed!r}; an agency publishes only to its own topic"
    )


def conflicting_duplicate_reason(delivery: Delivery, held: bytes) -> str:
    """Why a reused event id is refused, naming both contents' digests."""
    assert delivery.event is not None
    return (
        f"conflicting duplicate: event id {delivery.event.id} was already received with "
        f"different content (digest {held.hex()}, this record {delivery.digest.hex()}); "
        "an event id must never be reused"
    )


ERROR_CLASSES = ("invalid", "handler", "conflict", "agency")
"""Values of a dead letter's `dlq.error_class` header (documented in the AsyncAPI)."""


def error_class(reason: str) -> str:
    """The `dlq.error_class` of a dead letter, from its reason."""
    for prefix, kind in (
        ("handler error", "handler"),
        ("conflicting duplicate", "conflict"),
        ("agency:", "agency"),
    ):
        if reason.startswith(prefix):
            return kind
    return "invalid"


INSERT_INBOX_ROWS = """
WITH incoming AS (
    SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bytea[])
        AS t(event_id, event_type, topic, partition, "offset", digest)
), inserted AS (
    INSERT INTO inbox (consumer, event_id, event_type, topic, partition, "offset", digest)
    SELECT $1, * FROM incoming
    ON CONFLICT DO NOTHING
    RETURNING event_id
)
SELECT incoming.event_id, (
    SELECT digest FROM inbox WHERE consumer = $1 AND event_id = incoming.event_id
) AS held
FROM incoming
WHERE NOT EXISTS (SELECT 1 FROM inserted WHERE inserted.event_id = incoming.event_id)
"""
"""Inserts a batch's inbox rows in one statement; returns the events received before.

Each returned row is an event that was not inserted, with the digest held for it. An id
inserted by a concurrent transaction is returned too (with no digest: the sub-select sees
the inbox as it was when the statement began), so it counts as received, never as new. On
the happy path nothing comes back."""


INBOX_COPY_COLUMNS = (
    "consumer",
    "event_id",
    "event_type",
    "topic",
    "partition",
    "offset",
    "digest",
)
"""The inbox columns a batch of new events is copied into (`applied_at` is defaulted)."""


def inbox_records(consumer: str, deliveries: list[Delivery]) -> list[tuple[Any, ...]]:
    """A batch's inbox rows for COPY, in INBOX_COPY_COLUMNS' order.

    COPY has no ON CONFLICT: the primary key refuses the whole COPY if any event was
    received before, which is how the inbox tells a batch of new events (the happy path:
    about half the database time and a third of the Python time of INSERT_INBOX_ROWS, from
    bench.backbone) from a redelivery, which then goes through INSERT_INBOX_ROWS."""
    return [
        (
            consumer,
            d.event.id,
            d.event.type,
            d.record.topic,
            d.record.partition,
            d.record.offset,
            d.digest,
        )
        for d in deliveries
        if d.event is not None
    ]


def inbox_columns(deliveries: list[Delivery]) -> tuple[list[Any], ...]:
    events = [d for d in deliveries if d.event is not None]
    return (
        [d.event.id for d in events if d.event is not None],
        [d.event.type for d in events if d.event is not None],
        [d.record.topic for d in events],
        [d.record.partition for d in events],
        [d.record.offset for d in events],
        [d.digest for d in events],
    )
