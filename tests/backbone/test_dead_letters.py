"""Bad input is parked with a reason, and the partition keeps moving."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from shared.envelope import Event, header_value
from shared.kafka import ensure_topics
from shared.outbox import EventTooLarge, OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import LEDGER_DDL, LEDGER_TOPIC, apply_ledger, ledger_consumer, submitted
from tests.backbone.support import eventually, migrated, read_records, scalar

pytestmark = [pytest.mark.broker, pytest.mark.database]


def envelope_json(n: int, **overrides: Any) -> bytes:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": "needs.IndicatorValueSubmitted.v1",
        "source": "pct-system",
        "subject": "teenage_conceptions/loc1",
        "occurred_at": "2026-11-23T10:00:00+00:00",
        "correlation_id": str(uuid.uuid4()),
        "trust": "durham",
        "locality": "loc1",
        "payload": submitted(n).model_dump(mode="json"),
    }
    body.update(overrides)
    return json.dumps(body).encode()


async def test_malformed_unknown_and_invalid_events_are_dead_lettered_and_later_events_applied(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    topic = kafka.topic(LEDGER_TOPIC)
    await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=1)
    poison_id = uuid.uuid4()

    async def apply_or_refuse(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if any(e.id == poison_id for e in events):
            raise ValueError("indicator 'teenage_conceptions' is not published by agency 'pct'")
        await apply_ledger(events, uow)

    bad = [
        (b"{not json", "malformed JSON"),
        (
            envelope_json(2, type="needs.NoSuchThing.v1"),
            "unknown event type 'needs.NoSuchThing.v1'",
        ),
        (
            envelope_json(3, payload={**submitted(3).model_dump(mode="json"), "numerator": -4}),
            "payload.numerator: Input should be greater than or equal to 0",
        ),
        (envelope_json(4, id=str(poison_id)), "handler error: ValueError: indicator"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope_json(1), key=b"k")
        for value, _ in bad:
            await producer.send_and_wait(topic, value, key=b"k")
        for n in range(5, 10):
            await producer.send_and_wait(topic, envelope_json(n), key=b"k")
    finally:
        await producer.stop()

    stop = asyncio.Event()
    consumer = ledger_consumer(f"{kafka.topic_prefix}dlq-test", sink, kafka, apply_or_refuse, topic)
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def good_ones_applied() -> bool:
            return await scalar(sink, "SELECT count(*) FROM ledger_applied") >= 6

        await eventually(good_ones_applied, 60)
    finally:
        stop.set()
        await task

    assert await scalar(sink, "SELECT count(*) FROM ledger_applied") == 6
    dead = await read_records(kafka, topic + ".dlq", len(bad), 20)
    assert len(dead) == len(bad)
    for record, (value, reason) in zip(dead, bad, strict=True):
        assert record.value == value
        assert reason in (header_value(record.headers, "dlq.reason") or "")
        assert header_value(record.headers, "dlq.origin.topic") == topic
        assert header_value(record.headers, "dlq.origin.offset") is not None
    await sink.dispose()


async def test_an_event_larger_than_the_platform_accepts_is_refused_at_the_edge(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    small = kafka.model_copy(update={"max_event_bytes": 300})
    async with UnitOfWork(db, small, source="t", trust="durham") as uow:
        with pytest.raises(EventTooLarge, match="at most 300 bytes"):
            uow.publish(submitted(1), subject="s")
    assert await scalar(db, "SELECT count(*) FROM outbox") == 0
    await db.dispose()


async def test_a_row_the_broker_refuses_never_wedges_the_relay(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    async with UnitOfWork(db, kafka, source="t", trust="durham") as uow:
        uow.publish(submitted(1), subject="s")
        await uow.commit()
    # A row too large for any broker, as an older release with a looser limit might have left.
    async with db.connect() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO outbox (event_id, event_type, topic, key, headers, value) "
            "VALUES (gen_random_uuid(), 'needs.IndicatorValueSubmitted.v1', "
            f"'{kafka.topic(LEDGER_TOPIC)}', 's', '[]', "
            "decode(repeat('78', 3000000), 'hex'))"
        )
    async with UnitOfWork(db, kafka, source="t", trust="durham") as uow:
        uow.publish(submitted(2), subject="s")
        await uow.commit()

    stop = asyncio.Event()
    relay = OutboxRelay(
        service="t",
        database_url=database_url,
        schema=db.schema,
        kafka=kafka,
        relay=RelaySettings(batch_size=10),
    )
    task = asyncio.create_task(relay.run(stop))
    try:

        async def drained() -> bool:
            return await scalar(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0

        await eventually(drained, 60)
    finally:
        stop.set()
        await task
    assert await scalar(db, "SELECT count(*) FROM outbox WHERE state = 'published'") == 2
    async with db.connect() as conn:
        reason = (
            await conn.exec_driver_sql("SELECT last_error FROM outbox WHERE state = 'failed'")
        ).scalar_one()
    assert "MessageSizeTooLarge" in reason
    await db.dispose()


async def test_a_handler_failing_mid_batch_after_writing_loses_no_other_event(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """The fallback applies each event in its own savepoint: the events before and after
    the bad one are applied and recorded, the bad one leaves neither effect nor inbox row
    (so it can be replayed from the dead-letter topic), and the database error it caused
    does not spill over onto its neighbours."""
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    topic = kafka.topic(LEDGER_TOPIC)
    await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=1)
    poison_id = uuid.uuid4()

    async def write_then_fail(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await apply_ledger(events, uow)
        if any(e.id == poison_id for e in events):
            await uow.connection.execute("SELECT 1 / 0")

    values = [envelope_json(n) for n in range(2)]
    values.append(envelope_json(2, id=str(poison_id)))
    values += [envelope_json(n) for n in range(3, 5)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        batch = producer.create_batch()
        for value in values:
            batch.append(key=b"k", value=value, timestamp=None)
        await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()

    stop = asyncio.Event()
    consumer = ledger_consumer(f"{kafka.topic_prefix}mid", sink, kafka, write_then_fail, topic)
    task = asyncio.create_task(consumer.run(stop))
    try:
        dead = await read_records(kafka, topic + ".dlq", 1, 60)

        async def neighbours_applied() -> bool:
            return await scalar(sink, "SELECT count(*) FROM ledger_applied") >= 4

        await eventually(neighbours_applied, 60)
    finally:
        stop.set()
        await task

    assert await scalar(sink, "SELECT count(*) FROM ledger_applied") == 4
    assert (
        await scalar(sink, f"SELECT count(*) FROM ledger_applied WHERE event_id = '{poison_id}'")
        == 0
    )
    assert await scalar(sink, f"SELECT count(*) FROM inbox WHERE event_id = '{poison_id}'") == 0
    assert await scalar(sink, "SELECT count(*) FROM inbox") == 4
    assert len(dead) == 1
    assert "division by zero" in (header_value(dead[0].headers, "dlq.reason") or "")
    await sink.dispose()


async def test_a_reused_event_id_with_other_content_is_dead_lettered_as_a_conflicting_duplicate(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same id with the same bytes is a redelivery (a silent no-op); the same id with
    other content is refused, whether it arrives in a later batch or in the same one."""
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    topic = kafka.topic(LEDGER_TOPIC)
    await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=1)
    reused, other = str(uuid.uuid4()), str(uuid.uuid4())
    original = envelope_json(1, id=reused)
    changed = envelope_json(2, id=reused)
    in_one_batch = [envelope_json(3, id=other), envelope_json(4, id=other)]

    async def send(*values: bytes) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            batch = producer.create_batch()
            for value in values:
                batch.append(key=b"k", value=value, timestamp=None)
            await (await producer.send_batch(batch, topic, partition=0))
        finally:
            await producer.stop()

    stop = asyncio.Event()
    consumer = ledger_consumer(f"{kafka.topic_prefix}reuse", sink, kafka, apply_ledger, topic)
    task = asyncio.create_task(consumer.run(stop))
    try:
        await send(original)

        async def first_applied() -> bool:
            return await scalar(sink, "SELECT count(*) FROM ledger_applied") >= 1

        await eventually(first_applied, 60)
        await send(original, changed, *in_one_batch, envelope_json(5))
        dead = await read_records(kafka, topic + ".dlq", 2, 60)

        async def last_applied() -> bool:
            return await scalar(sink, "SELECT count(*) FROM ledger_applied") >= 3

        await eventually(last_applied, 60)
    finally:
        stop.set()
        await task

    assert await scalar(sink, "SELECT count(*) FROM ledger_applied") == 3
    assert await scalar(sink, f"SELECT n FROM ledger_applied WHERE event_id = '{reused}'") == 1, (
        "the first content stays applied"
    )
    assert (
        await scalar(sink, f"SELECT applied_count FROM ledger_applied WHERE event_id = '{reused}'")
        == 1
    ), "the identical redelivery was applied again"
    assert [record.value for record in dead] == [changed, in_one_batch[1]]
    for record, event_id in zip(dead, (reused, other), strict=True):
        reason = header_value(record.headers, "dlq.reason") or ""
        assert reason.startswith(f"conflicting duplicate: event id {event_id}"), reason
        assert header_value(record.headers, "dlq.error_class") == "conflict"
    assert sum("conflicting duplicate" in r.getMessage() for r in caplog.records) >= 2
    await sink.dispose()
