"""The inbox records a batch of new events with one COPY; a batch holding an event received
before is refused whole by the primary key and applied again by the statement that tells
which events are new. Records are fed to `InboxConsumer.process` as a fetch returns them
(no broker: what is tested here is the database side)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from shared.contracts import registry
from shared.db import Database, plain_url
from shared.deliveries import Delivery
from shared.inbox import InboxConsumer
from shared.settings import KafkaSettings
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import (
    LEDGER_DDL,
    LEDGER_TOPIC,
    WithoutDeduplication,
    ledger_consumer,
    submitted,
)
from tests.backbone.support import migrated, scalar

pytestmark = [pytest.mark.database]

TOPIC = LEDGER_TOPIC
PARTITION = TopicPartition(TOPIC, 0)


def value(n: int) -> bytes:
    return registry.envelope(submitted(n), source="pct", subject=f"k{n}", trust="durham").to_bytes()


def with_other_content(raw: bytes) -> bytes:
    """The same event id, another body: a reused id."""
    body = json.loads(raw)
    body["payload"]["numerator"] += 1
    return json.dumps(body).encode()


def fetched(*values: bytes, first_offset: int = 0) -> dict[TopicPartition, list[Any]]:
    records = [
        ConsumerRecord(TOPIC, 0, first_offset + i, 0, 0, None, v, None, 0, len(v), ())
        for i, v in enumerate(values)
    ]
    return {PARTITION: records}


class Watched(InboxConsumer):
    """The inbox, counting which way each batch's inbox rows were written; dead letters
    are kept here instead of sent (no broker in these tests)."""

    copies = statements = 0
    dead: list[Delivery]

    async def _copy_into_inbox(self, uow: UnitOfWork, deliveries: list[Delivery]) -> list[Delivery]:
        self.copies += 1
        return await super()._copy_into_inbox(uow, deliveries)

    async def _record_in_inbox(self, uow: UnitOfWork, deliveries: list[Delivery]) -> list[Delivery]:
        self.statements += 1
        return await super()._record_in_inbox(uow, deliveries)

    async def _dead_letter(self, dead: list[Delivery]) -> None:
        self.dead = getattr(self, "dead", []) + dead


class WatchedWithoutDeduplication(WithoutDeduplication, Watched):
    """The same, with the no-dedup mutation: the check below can fail."""


def watched(sink: Database, kafka: KafkaSettings, kind: type[Watched] = Watched) -> Watched:
    template = ledger_consumer("ledger", sink, kafka, topic=TOPIC)
    return kind(
        name="ledger",
        topics=template.topics,
        handler=template.handler,
        db=sink,
        kafka=kafka,
        source=template.source,
        trust=template.trust,
    )


async def applied_counts(sink: Database) -> dict[int, int]:
    async with sink.connect() as conn:
        rows = await conn.exec_driver_sql("SELECT n, applied_count FROM ledger_applied")
        found: list[tuple[Any, Any]] = [tuple(row) for row in rows.all()]
        return {int(n): int(count) for n, count in found}


async def test_a_batch_of_new_events_is_recorded_by_one_copy(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    inbox = watched(sink, kafka)
    await inbox.process(fetched(*(value(n) for n in range(50))))
    assert (inbox.copies, inbox.statements) == (1, 0)
    assert await applied_counts(sink) == {n: 1 for n in range(50)}
    assert await scalar(sink, "SELECT count(*) FROM inbox WHERE digest IS NOT NULL") == 50
    await sink.dispose()


async def redelivered_with_new_and_reused(inbox: Watched) -> None:
    """Batch 1: events 0-2. Batch 2: event 1 again (same bytes), event 3 (new), and event
    2's id with other content."""
    first = [value(n) for n in range(3)]
    await inbox.process(fetched(*first))
    await inbox.process(fetched(first[1], value(3), with_other_content(first[2]), first_offset=3))


async def test_a_batch_holding_an_event_received_before_is_applied_by_the_statement_instead(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    inbox = watched(sink, kafka)
    await redelivered_with_new_and_reused(inbox)
    # Batch 2's copy was refused whole (its transaction rolled back), then the statement
    # told the redelivery from the new event and from the reused id.
    assert (inbox.copies, inbox.statements) == (2, 1)
    assert await applied_counts(sink) == {0: 1, 1: 1, 2: 1, 3: 1}
    assert await scalar(sink, "SELECT count(*) FROM inbox") == 4
    assert [d.record.offset for d in inbox.dead] == [5]
    assert inbox.dead[0].reason is not None
    assert inbox.dead[0].reason.startswith("conflicting duplicate")
    await sink.dispose()


async def test_without_deduplication_the_same_batches_apply_the_redelivery_twice(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    inbox = watched(sink, kafka, WatchedWithoutDeduplication)
    await redelivered_with_new_and_reused(inbox)
    counts = await applied_counts(sink)
    assert counts[1] == 2, "the check above can fail: the mutation applies event 1 twice"
    await sink.dispose()


async def another_consumer_receives(sink: Database, raw: bytes) -> asyncpg.Connection:
    """Another instance of the consumer (a rebalance's new owner) inserts the event's inbox
    row and holds its transaction open; the caller commits or rolls it back."""
    event = registry.decode(raw)
    other = await asyncpg.connect(plain_url(sink.url), server_settings={"search_path": sink.schema})
    await other.execute("BEGIN")
    await other.execute(
        'INSERT INTO inbox (consumer, event_id, event_type, topic, partition, "offset") '
        "VALUES ('ledger', $1, $2, $3, 0, 0)",
        event.id,
        event.type,
        TOPIC,
    )
    return other


@pytest.mark.parametrize("other_outcome", ["COMMIT", "ROLLBACK"])
async def test_an_event_another_consumer_is_receiving_is_applied_by_exactly_one_of_them(
    other_outcome: str,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
) -> None:
    sink = await migrated(database_url, unique_schema, schemas, LEDGER_DDL)
    inbox = watched(sink, kafka)
    values = [value(n) for n in range(5)]
    other = await another_consumer_receives(sink, values[2])
    batch = asyncio.create_task(inbox.process(fetched(*values)))
    await asyncio.sleep(0.5)
    assert not batch.done(), "the COPY waits for the other transaction's row"
    await other.execute(other_outcome)
    await asyncio.wait_for(batch, 30)
    await other.close()
    counts = await applied_counts(sink)
    if other_outcome == "COMMIT":  # the other consumer applied event 2: not applied here
        assert (inbox.copies, inbox.statements) == (1, 1)
        assert counts == {0: 1, 1: 1, 3: 1, 4: 1}
    else:  # the other gave it up: this batch's COPY goes through, event 2 with it
        assert (inbox.copies, inbox.statements) == (1, 0)
        assert counts == {n: 1 for n in range(5)}
    await sink.dispose()
