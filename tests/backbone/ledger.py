"""A two-process test application for the backbone: a relay process and a consumer process.

The consumer applies each event to a ledger table with an upsert that counts applications,
so an event applied twice shows `applied_count = 2`, and records arrival order so per-key
ordering can be checked. Run as `python -m tests.backbone.ledger relay|consume`, with
DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, LEDGER_SOURCE_SCHEMA and
LEDGER_SINK_SCHEMA in the environment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.db import Database
from shared.envelope import Event
from shared.inbox import BatchHandler, InboxConsumer
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.topics import INDICATOR_VALUES
from shared.unit_of_work import UnitOfWork

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS ledger_applied (
    event_id uuid PRIMARY KEY,
    subject text NOT NULL,
    n bigint NOT NULL,
    applied_count int NOT NULL DEFAULT 1,
    arrival bigserial
)
"""


def submitted(n: int) -> IndicatorValueSubmitted:
    """The n-th test value: a real inbound contract."""
    return IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency="pct",
        area=Area(kind=AreaKind.LOCALITY, code=f"loc{n % 5}"),
        period="2025",
        numerator=n,
        denominator=1_000_000,
        revision=1,
    )


async def produce(
    db: Database, kafka: KafkaSettings, count: int, *, keys: int = 16, per_tx: int = 100
) -> list[str]:
    """Commit `count` events through the outbox; return their ids in commit order."""
    ids: list[str] = []
    for start in range(0, count, per_tx):
        async with UnitOfWork(db, kafka, source="ledger-test", trust="durham") as uow:
            for n in range(start, min(start + per_tx, count)):
                envelope = uow.publish(submitted(n), subject=f"key-{n % keys}")
                ids.append(str(envelope.id))
            await uow.commit()
    return ids


async def apply_ledger(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Record each event; the upsert makes a double application visible."""
    await uow.connection.executemany(
        "INSERT INTO ledger_applied (event_id, subject, n) VALUES ($1, $2, $3) "
        "ON CONFLICT (event_id) DO UPDATE SET applied_count = ledger_applied.applied_count + 1",
        [(e.id, e.envelope.subject, int(e.payload.numerator)) for e in events],
    )
    delay_ms = int(os.environ.get("LEDGER_HANDLER_DELAY_MS", "0"))
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)


def ledger_consumer(
    name: str,
    db: Database,
    kafka: KafkaSettings,
    handler: BatchHandler = apply_ledger,
    topic: str | None = None,
) -> InboxConsumer:
    """An inbox consumer of the inbound topic (or `topic`) applying to the ledger."""
    return InboxConsumer(
        name=name,
        topics=[topic or kafka.topic(INDICATOR_VALUES.name)],
        handler=handler,
        db=db,
        kafka=kafka,
        source="ledger-test",
        trust="durham",
    )


def _settings() -> tuple[str, KafkaSettings]:
    return os.environ["DATABASE_URL"], KafkaSettings()


async def _run(mode: str) -> None:
    url, kafka = _settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if mode == "relay":
        relay = OutboxRelay(
            service="ledger",
            database_url=url,
            schema=os.environ["LEDGER_SOURCE_SCHEMA"],
            kafka=kafka,
            relay=RelaySettings(batch_size=int(os.environ.get("LEDGER_RELAY_BATCH", "100"))),
        )
        await relay.run(stop)
    elif mode == "consume":
        db = Database(url, os.environ["LEDGER_SINK_SCHEMA"])
        consumer = ledger_consumer(os.environ.get("LEDGER_GROUP", "ledger"), db, kafka)
        await consumer.run(stop)
        await db.dispose()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    asyncio.run(_run(sys.argv[1]))
