"""Projections: consumers that own tables, and how far behind the event history each is.

A projection is a consumer of a service (`ConsumerSpec`) that names the tables it alone
writes. It is its own consumer group, applying events through the service's inbox, and can
be rebuilt from the first event (shared/rebuild.py), because domain topics keep their
whole history (shared/kafka.topic_config).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import Table

from shared.db import check_schema_name, plain_url
from shared.runtime import ConsumerSpec, ServiceDefinition
from shared.settings import KafkaSettings, PlatformSettings
from shared.trust import TrustConfig


class UnknownProjection(KeyError):
    """A projection name no declared service has."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Projection:
    """A service's consumer that owns tables: `<service>.<consumer>`, e.g. `boards.jcu`."""

    definition: ServiceDefinition
    spec: ConsumerSpec

    @property
    def name(self) -> str:
        return f"{self.definition.name}.{self.spec.name}"

    def group(self, kafka: KafkaSettings) -> str:
        """The live consumer group (and inbox consumer name), as the service runs it."""
        return f"{kafka.topic_prefix}{self.name}"

    def schema(self, settings: PlatformSettings) -> str:
        return check_schema_name(settings.database.database_schema or self.definition.name)

    def topics(self, kafka: KafkaSettings, trust: TrustConfig) -> list[str]:
        return [kafka.topic(t) for t in self.spec.topic_names(trust)]

    def tables(self) -> list[Table]:
        """The projection's tables, from the service's one definition of each."""
        metadata = self.definition.tables
        missing = [t for t in self.spec.tables if metadata is None or t not in metadata.tables]
        if missing or metadata is None:
            raise ValueError(f"{self.name} names tables its service does not define: {missing}")
        return [metadata.tables[t] for t in self.spec.tables]


def projections_of(definitions: Iterable[ServiceDefinition]) -> list[Projection]:
    """Every projection of the given services, in their order."""
    return [Projection(d, spec) for d in definitions for spec in d.consumers if spec.tables]


def find_projection(name: str, definitions: Iterable[ServiceDefinition]) -> Projection:
    found = projections_of(definitions)
    for projection in found:
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in found) or "none"
    raise UnknownProjection(f"unknown projection {name!r}; choose from {known}")


async def partitions_of(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist (metadata refreshed once if needed)."""
    await consumer._client.force_metadata_update()
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


def group_less(kafka: KafkaSettings, group_id: str | None = None) -> AIOKafkaConsumer:
    """A consumer that joins no group: it reads what it is assigned, from where it seeks."""
    return AIOKafkaConsumer(
        **kafka.client_options(),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1_048_576,
        fetch_max_bytes=16 * 1_048_576,
    )


async def end_offsets(
    kafka: KafkaSettings, partitions: Sequence[TopicPartition], timeout_s: float = 15.0
) -> dict[TopicPartition, int]:
    """The offset after each partition's last record, as a fetch reports it (its high
    watermark). Tansu answers ListOffsets with the offset after the first record of the
    last batch, short of the end (docs/stack-facts.md): the listed offset only says where
    to fetch from, and the higher of the two is taken."""
    if not partitions:
        return {}
    probe = AIOKafkaConsumer(
        **kafka.client_options(), group_id=None, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    await probe.start()
    try:
        probe.assign(list(partitions))
        listed = await probe.end_offsets(list(partitions))
        for tp, end in listed.items():
            probe.seek(tp, max(end - 1, 0))
        deadline = asyncio.get_running_loop().time() + timeout_s
        while any(probe.highwater(tp) is None for tp in partitions):
            if asyncio.get_running_loop().time() > deadline:
                raise KafkaError("no high watermark for every partition; is the broker up?")
            await probe.getmany(timeout_ms=200, max_records=len(partitions))
        return {tp: max(listed[tp], probe.highwater(tp) or 0) for tp in partitions}
    finally:
        await probe.stop()


@dataclass(frozen=True)
class ProjectionStatus:
    """How far behind the history a projection is, and what it last applied."""

    name: str
    group: str
    lag: int
    """Events in its topics beyond the group's committed offsets."""
    committed: bool
    """False when the group has committed nothing yet (lag counts from the first event)."""
    last_event_type: str | None
    last_event_at: datetime | None


async def group_lag(kafka: KafkaSettings, group: str, topics: Sequence[str]) -> tuple[int, bool]:
    """Sum over partitions of end offset minus the group's committed offset.

    Read with a consumer that names the group but never subscribes, so it never joins it
    (the admin client's offset listing fails on Tansu, docs/stack-facts.md)."""
    consumer = group_less(kafka, group_id=group)
    await consumer.start()
    try:
        tps = await partitions_of(consumer, topics)
        if not tps:
            return 0, False
        ends = await end_offsets(kafka, tps)
        starts = await consumer.beginning_offsets(tps)
        lag, any_committed = 0, False
        for tp in tps:
            committed = await consumer.committed(tp)
            any_committed = any_committed or committed is not None
            lag += max(ends[tp] - (starts[tp] if committed is None else committed), 0)
        return lag, any_committed
    finally:
        await consumer.stop()


async def last_applied(database_url: str, schema: str, group: str) -> asyncpg.Record | None:
    """The inbox's latest row for a consumer: what it applied last, and when."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        row: asyncpg.Record | None = await conn.fetchrow(
            f'SELECT event_type, applied_at FROM "{schema}".inbox WHERE consumer = $1 '
            "ORDER BY applied_at DESC LIMIT 1",
            group,
        )
        return row
    finally:
        await conn.close()


async def projection_status(
    projection: Projection, settings: PlatformSettings, trust: TrustConfig
) -> ProjectionStatus:
    kafka = settings.kafka
    group = projection.group(kafka)
    lag, committed = await group_lag(kafka, group, projection.topics(kafka, trust))
    row = await last_applied(settings.database.database_url, projection.schema(settings), group)
    return ProjectionStatus(
        name=projection.name,
        group=group,
        lag=lag,
        committed=committed,
        last_event_type=row["event_type"] if row else None,
        last_event_at=row["applied_at"] if row else None,
    )
