"""A two-process test application for the backbone: a relay process and a consumer process.

The consumer applies each event to a ledger table with an upsert that counts applications,
so an event applied twice shows `applied_count = 2`, and records arrival order so per-key
ordering can be checked. Run as `python -m tests.backbone.ledger relay|consume`, with
DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, LEDGER_SOURCE_SCHEMA and
LEDGER_SINK_SCHEMA in the environment.

Optional: LEDGER_POISON_EVERY=N makes every event whose number n has n % N == N - 1 a
poison event (its handler writes, then fails in the database), so batches take the inbox's
event-by-event fallback. COMMISSIONING_TEST_MUTATION (read here only, never by the
platform) breaks the inbox on purpose, to prove the fault suite notices:
`no-dedup` treats every delivery as new; `no-savepoint` drops the fallback's savepoints.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.db import Database
from shared.deliveries import Delivery
from shared.envelope import Event
from shared.inbox import BatchHandler, InboxConsumer
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.topics import INDICATOR_VALUES
from shared.unit_of_work import UnitOfWork

LEDGER_AGENCY = "nhs-county-durham"
"""The PCT (a partner agency of the default trust, so its inbound topic is created)."""
LEDGER_TOPIC = INDICATOR_VALUES.for_agency(LEDGER_AGENCY)
"""The inbound topic the ledger's values go to: the PCT's own."""

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
        agency=LEDGER_AGENCY,
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


MUTATION_ENV = "COMMISSIONING_TEST_MUTATION"
MUTATIONS = ("no-dedup", "no-savepoint")


def is_poison(n: int, every: int | None) -> bool:
    """Whether the n-th test value is a poison event when every `every`-th one is."""
    return bool(every) and n % every == every - 1  # type: ignore[operator]


def _poison_every() -> int | None:
    every = os.environ.get("LEDGER_POISON_EVERY")
    return int(every) if every else None


async def apply_ledger(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Record each event; the upsert makes a double application visible.

    A poison event (LEDGER_POISON_EVERY) fails in the database after the batch is written,
    as a value the schema refuses would."""
    await uow.connection.executemany(
        "INSERT INTO ledger_applied (event_id, subject, n) VALUES ($1, $2, $3) "
        "ON CONFLICT (event_id) DO UPDATE SET applied_count = ledger_applied.applied_count + 1",
        [(e.id, e.envelope.subject, int(e.payload.numerator)) for e in events],
    )
    every = _poison_every()
    if every and any(is_poison(int(e.payload.numerator), every) for e in events):
        await uow.connection.execute("SELECT 1 / 0")
    delay_ms = int(os.environ.get("LEDGER_HANDLER_DELAY_MS", "0"))
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)


class WithoutDeduplication(InboxConsumer):
    """TEST-ONLY mutation: every delivery counts as new, as if the inbox did not de-duplicate."""

    async def _record_in_inbox(self, uow: UnitOfWork, deliveries: list[Delivery]) -> list[Delivery]:
        await super()._record_in_inbox(uow, deliveries)
        return [d for d in deliveries if d.event is not None]


class WithoutSavepoint(InboxConsumer):
    """TEST-ONLY mutation: the fallback applies events one by one with no savepoint each."""

    def _savepoint(self, uow: UnitOfWork) -> AbstractAsyncContextManager[None]:
        return _nothing()


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def ledger_consumer(
    name: str,
    db: Database,
    kafka: KafkaSettings,
    handler: BatchHandler = apply_ledger,
    topic: str | None = None,
    mutation: str | None = None,
) -> InboxConsumer:
    """An inbox consumer of the PCT's inbound topic (or `topic`) applying to the ledger."""
    kind = {None: InboxConsumer, "no-dedup": WithoutDeduplication, "no-savepoint": WithoutSavepoint}
    if mutation not in kind:
        raise SystemExit(f"{MUTATION_ENV}: unknown mutation {mutation!r}; known: {MUTATIONS}")
    return kind[mutation](
        name=name,
        topics=[topic or kafka.topic(LEDGER_TOPIC)],
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
        consumer = ledger_consumer(
            os.environ.get("LEDGER_GROUP", "ledger"),
            db,
            kafka,
            mutation=os.environ.get(MUTATION_ENV) or None,
        )
        await consumer.run(stop)
        await db.dispose()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    asyncio.run(_run(sys.argv[1]))
