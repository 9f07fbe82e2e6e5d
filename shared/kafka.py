"""Kafka clients built from settings, and topic administration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.settings import KafkaSettings
from shared.topics import DLQ_SUFFIX, EPOCH_TOPIC, all_physical_names

log = logging.getLogger(__name__)


def producer(settings: KafkaSettings, *, client_id: str = "commissioning") -> AIOKafkaProducer:
    """A producer with acks=all; idempotence only where the broker supports it."""
    return AIOKafkaProducer(
        **settings.client_options(),
        client_id=client_id,
        acks="all" if settings.acks == "all" else int(settings.acks),
        enable_idempotence=settings.enable_idempotence,
        linger_ms=settings.linger_ms,
        max_batch_size=settings.max_batch_size,
        # Leave room for headers and batch overhead above the platform's own limit.
        max_request_size=max(settings.max_event_bytes * 2, 1_048_576),
        compression_type=None if settings.compression_type == "none" else settings.compression_type,
        request_timeout_ms=30_000,
    )


def consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, client_id: str = "commissioning"
) -> AIOKafkaConsumer:
    """A consumer that commits only when told to (after the database commit)."""
    return AIOKafkaConsumer(
        *topics,
        **settings.client_options(),
        client_id=client_id,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        max_poll_records=settings.max_poll_records,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        max_partition_fetch_bytes=4 * 1_048_576,
        fetch_max_bytes=16 * 1_048_576,
        metadata_max_age_ms=5_000,
    )


def catalogue_topics(settings: KafkaSettings, agencies: Iterable[str] | None = None) -> list[str]:
    """Physical names of every catalogue topic and its dead-letter topic; a per-agency
    family has one topic per agency (by default, the configured trust's agencies)."""
    names = all_physical_names(trust_agencies() if agencies is None else agencies)
    return [settings.topic(n) for n in names]


def trust_agencies() -> list[str]:
    """The partner agencies of the configured trust (COMMISSIONING_TRUST_CONFIG or defaults)."""
    from shared.settings import PlatformSettings
    from shared.trust import load_trust_config

    return [a.id for a in load_trust_config(PlatformSettings().trust_config).agencies]


DEAD_LETTER_RETENTION_MS = str(30 * 24 * 3600 * 1000)
KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}
"""No deletion by age or size, whatever the broker's defaults (Apache Kafka deletes after
7 days unless told otherwise)."""


def topic_config(name: str) -> dict[str, str]:
    """Per-topic settings. Domain event topics are the record of what happened: every
    projection is rebuilt from their first event (`commissioning projections rebuild`), so
    they are never deleted by age or size. The epoch record must never expire either (the
    relay would take the broker for a fresh one). Dead letters are kept for 30 days for
    operators."""
    if name.endswith(DLQ_SUFFIX):
        return {"retention.ms": DEAD_LETTER_RETENTION_MS}
    return dict(KEEP_FOREVER)


async def ensure_topics(
    settings: KafkaSettings, names: Iterable[str] | None = None, *, partitions: int | None = None
) -> list[str]:
    """Create the topics that are missing; return the ones created.

    Topics are created up front: Tansu does not create them on a metadata request, and an
    operator wants partition counts chosen, not defaulted (docs/stack-facts.md, "The
    embedded broker").
    """
    wanted = list(names) if names is not None else catalogue_topics(settings)
    wanted.append(settings.topic(EPOCH_TOPIC))
    admin = AIOKafkaAdminClient(**settings.client_options(), request_timeout_ms=15_000)
    try:
        await admin.start()  # inside: a start that fails half-way must still be closed
        existing = set(await admin.list_topics())
        missing = [n for n in dict.fromkeys(wanted) if n not in existing]
        if not missing:
            return []
        new = [
            NewTopic(
                name=n,
                num_partitions=1
                if n.endswith(EPOCH_TOPIC)
                else (partitions or settings.default_partitions),
                replication_factor=settings.replication_factor,
                topic_configs=topic_config(n),
            )
            for n in missing
        ]
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        await _wait_for_metadata(admin, missing)
        return missing
    finally:
        await admin.close()


async def _wait_for_metadata(
    admin: AIOKafkaAdminClient, names: list[str], timeout_s: float = 15.0
) -> None:
    """Wait until created topics appear in metadata (creation is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            listed = set(await admin.list_topics())
        except KafkaError:
            listed = set()
        if all(n in listed for n in names) or loop.time() > deadline:
            return
        await asyncio.sleep(0.1)
