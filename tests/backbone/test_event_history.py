"""The event history is kept: topics are never cleaned by age or size, and a fresh embedded
broker gets a service's whole history back, so a projection can always be rebuilt from the
first event."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.embedded import EmbeddedKafka
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay, requeue_published
from shared.settings import KafkaSettings, RelaySettings
from shared.topics import DLQ_SUFFIX
from tests.backbone.ledger import LEDGER_TOPIC, produce
from tests.backbone.support import eventually, migrated, read_records, scalar

FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


async def topic_configs(kafka: KafkaSettings, names: list[str]) -> dict[str, dict[str, str]]:
    """The configuration the broker holds for each topic."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        found: dict[str, dict[str, str]] = {}
        for name in names:
            [response] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name)]
            )
            [resource] = response.resources
            found[name] = {entry[0]: entry[1] for entry in resource[4]}
        return found
    finally:
        await admin.close()


@pytest.mark.broker
async def test_topics_the_platform_creates_delete_no_domain_event_by_age_or_size(
    kafka: KafkaSettings,
) -> None:
    created = await ensure_topics(kafka)
    configs = await topic_configs(kafka, created)
    domain = [n for n in created if not n.endswith(DLQ_SUFFIX)]
    assert kafka.topic(LEDGER_TOPIC) in domain
    for name in domain:
        assert {k: configs[name].get(k) for k in FOREVER} == FOREVER, name
    for name in created:
        if name.endswith(DLQ_SUFFIX):
            assert configs[name]["retention.ms"] == str(30 * 24 * 3600 * 1000), name


@pytest.mark.database
async def test_a_fresh_broker_is_given_the_whole_history_unless_a_window_is_opted_into(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    source = await migrated(database_url, unique_schema, schemas)
    await produce(source, kafka, 30)
    async with source.connect() as conn:
        await conn.exec_driver_sql(
            "UPDATE outbox SET state = 'published', published_at = now(), "
            "created_at = now() - CASE WHEN seq % 3 = 0 THEN interval '2 years' "
            "ELSE interval '1 hour' END"
        )
    pool = await source.pool()
    async with pool.acquire() as conn:
        opted_in = conn.transaction()
        await opted_in.start()
        assert await requeue_published(conn, window_hours=24) == 20, "the last day only"
        await opted_in.rollback()
        assert await requeue_published(conn, window_hours=None) == 30, "the whole history"
    await source.dispose()


@pytest.mark.embedded_broker
@pytest.mark.database
async def test_a_fresh_embedded_broker_gets_back_events_years_old(
    database_url: str, schemas: list[str], unique_schema: str
) -> None:
    source = await migrated(database_url, unique_schema, schemas)
    broker = EmbeddedKafka()
    broker.start()
    kafka = KafkaSettings(
        bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=f"h{uuid.uuid4().hex[:8]}.",
    )

    def relay() -> OutboxRelay:
        return OutboxRelay(
            service="src",
            database_url=database_url,
            schema=source.schema,
            kafka=kafka,
            relay=RelaySettings(batch_size=100),
        )

    async def all_published() -> bool:
        return await scalar(source, "SELECT count(*) FROM outbox WHERE state <> 'published'") == 0

    try:
        ids = await produce(source, kafka, 60)
        stop = asyncio.Event()
        task = asyncio.create_task(relay().run(stop))
        await eventually(all_published, 60)
        stop.set()
        await task
        async with source.connect() as conn:
            await conn.exec_driver_sql("UPDATE outbox SET created_at = now() - interval '3 years'")
        broker.stop()

        broker.start()  # empty: the relay notices the new epoch and re-publishes
        stop = asyncio.Event()
        task = asyncio.create_task(relay().run(stop))
        records = await read_records(kafka, kafka.topic(LEDGER_TOPIC), len(ids), 60)
        stop.set()
        await task
    finally:
        broker.stop()
    assert sorted({dict(r.headers)["ce_id"].decode() for r in records}) == sorted(ids)
    await source.dispose()
