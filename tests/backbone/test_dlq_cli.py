"""An operator lists, inspects and re-drives dead letters with `commissioning dlq`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from typer.testing import CliRunner

from shared.cli import app
from shared.envelope import Event
from shared.kafka import ensure_topics
from shared.settings import KafkaSettings
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import LEDGER_DDL, LEDGER_TOPIC, apply_ledger, ledger_consumer
from tests.backbone.support import eventually, migrated, scalar
from tests.backbone.test_dead_letters import envelope_json

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_a_dead_letter_replayed_after_a_fix_is_applied_once(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    topic = kafka.topic(LEDGER_TOPIC)
    await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=1)
    refused = str(uuid.uuid4())
    fixed = asyncio.Event()

    async def handler(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if not fixed.is_set() and any(str(e.id) == refused for e in events):
            raise LookupError("indicator not yet in the catalogue")
        await apply_ledger(events, uow)

    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    await producer.send_and_wait(topic, envelope_json(1, id=refused), key=b"k")
    await producer.send_and_wait(topic, envelope_json(2), key=b"k")
    await producer.stop()

    stop = asyncio.Event()
    consumer = ledger_consumer(f"{kafka.topic_prefix}cli", sink, kafka, handler, topic)
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: _count_is(sink, 1), 60)
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
        monkeypatch.setenv("KAFKA_TOPIC_PREFIX", kafka.topic_prefix)
        runner = CliRunner()

        listed = await asyncio.to_thread(runner.invoke, app, ["dlq", "list", LEDGER_TOPIC])
        assert listed.exit_code == 0, listed.output
        assert "handler error: LookupError: indicator not yet in the catalogue" in listed.output
        assert "0:0" in listed.output

        shown = await asyncio.to_thread(runner.invoke, app, ["dlq", "show", LEDGER_TOPIC, "0", "0"])
        assert shown.exit_code == 0, shown.output
        assert f'"id": "{refused}"' in shown.output
        assert f"dlq.origin.topic: {topic}" in shown.output

        fixed.set()
        for _ in range(2):  # replaying twice is harmless: the inbox skips the second
            replayed = await asyncio.to_thread(
                runner.invoke, app, ["dlq", "replay", LEDGER_TOPIC, "--offset", "0:0"]
            )
            assert replayed.exit_code == 0, replayed.output
            assert "replayed 1 dead letter(s)" in replayed.output
        await eventually(lambda: _count_is(sink, 2), 60)
        await asyncio.sleep(1)
    finally:
        stop.set()
        await task
    assert await scalar(sink, "SELECT max(applied_count) FROM ledger_applied") == 1
    assert await scalar(sink, "SELECT count(*) FROM ledger_applied") == 2
    await sink.dispose()


async def _count_is(db: Any, n: int) -> bool:
    return await scalar(db, "SELECT count(*) FROM ledger_applied") == n
