"""`python -m bench.rebuild`: how fast a projection is rebuilt from the event history.

Publishes N synthetic indicator values (real envelopes of the inbound contract, each with
its own id) straight to the topic, then rebuilds the tally projection (bench/tally.py) with
`shared.rebuild.Rebuild`, exactly as `commissioning projections rebuild` does: a group-less
read from offset 0, the inbox's batch logic into a shadow schema, and the switch-over.
Prints events/s; never fails on a figure. Runs on DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS,
else on the embedded stack.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import uuid

from aiokafka import AIOKafkaProducer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.infrastructure import Infra, infrastructure
from bench.tally import AGENCY, TOPIC, apply_tally, definition, metadata
from shared import event_loop
from shared.cli_projections import EventsPerSecond, EventsRead
from shared.contracts import registry
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.db import Database
from shared.kafka import ensure_topics
from shared.migrations import BACKBONE_VERSIONS, upgrade
from shared.projections import Projection
from shared.rebuild import Rebuild, RebuildResult
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings

TEMPLATE_ID = uuid.UUID(int=0xC0FFEE)
TEMPLATE_NUMERATOR = 987_654_321
TEMPLATE_SUBJECT = "subject-of-the-template"


def template() -> bytes:
    """One real envelope; each synthetic event is it with its own id and value."""
    payload = IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency=AGENCY,
        area=Area(kind=AreaKind.LOCALITY, code="durham-east"),
        period="2025",
        numerator=TEMPLATE_NUMERATOR,
        denominator=1_000_000_000,
        revision=1,
    )
    envelope = registry.envelope(
        payload, source="bench", subject=TEMPLATE_SUBJECT, trust="durham", event_id=TEMPLATE_ID
    )
    return envelope.to_bytes()


async def publish(kafka: KafkaSettings, count: int, keys: int) -> float:
    """Publish `count` events; seconds taken."""
    base = template()
    old_id, old_n = str(TEMPLATE_ID).encode(), str(TEMPLATE_NUMERATOR).encode()
    old_subject = TEMPLATE_SUBJECT.encode()
    producer = AIOKafkaProducer(
        **kafka.client_options(), linger_ms=20, max_batch_size=1_048_576, acks="all"
    )
    await producer.start()
    started = time.perf_counter()
    try:
        topic = kafka.topic(TOPIC)
        for start in range(0, count, 20_000):
            futures = []
            for n in range(start, min(start + 20_000, count)):
                key = f"key-{n % keys}".encode()
                value = (
                    base.replace(old_id, str(uuid.uuid4()).encode())
                    .replace(old_n, str(n % 1_000_000).encode())
                    .replace(old_subject, key)
                )
                futures.append(await producer.send(topic, value=value, key=key))
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def live_projection(url: str, schema: str) -> None:
    """The tally projection's schema, as its service's migrations would leave it."""
    await upgrade(url, schema, BACKBONE_VERSIONS)
    db = Database(url, schema)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    finally:
        await db.dispose()


async def run(infra: Infra, events: int, partitions: int, keys: int, batch: int) -> None:
    suffix = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(bootstrap_servers=infra.bootstrap, topic_prefix=f"rb{suffix}.")
    schema = f"bench_rebuild_{suffix}"
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=infra.database_url, DATABASE_SCHEMA=schema),
    )
    await ensure_topics(kafka, [kafka.topic(TOPIC)], partitions=partitions)
    await live_projection(infra.database_url, schema)
    print(f"publishing {events:,} events to {partitions} partitions ...", flush=True)
    took = await publish(kafka, events, keys)
    print(f"published in {took:.1f} s ({events / took:,.0f} events/s)", flush=True)
    gc.collect()
    gc.freeze()
    result = await rebuild(settings, batch)
    print(
        f"rebuild: {result.records:,} events read, {result.applied:,} applied, "
        f"{result.skipped:,} skipped, in {result.seconds:.1f} s"
    )
    print(f"rebuild rate: {result.per_second:,.0f} events/s (goal: 20,000 events/s)")
    db = Database(infra.database_url, schema)
    async with db.connect() as conn:
        await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    await db.dispose()


async def rebuild(settings: PlatformSettings, batch: int) -> RebuildResult:
    projection = Projection(definition, definition.consumers[0])
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        EventsRead(),
        EventsPerSecond(),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task("rebuilding tally.totals", total=None)
        return await Rebuild(
            projection,
            settings,
            topics=[settings.kafka.topic(TOPIC)],
            handler=apply_tally,
            trust="durham",
            progress=lambda n: progress.advance(task, n),
            sized=lambda total: progress.update(task, total=total),
            batch_records=batch,
        ).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the history")
    parser.add_argument("--partitions", type=int, default=6, help="partitions of the topic")
    parser.add_argument("--keys", type=int, default=1_000, help="distinct subjects")
    parser.add_argument("--batch", type=int, default=2_000, help="records per transaction")
    args = parser.parse_args()
    with infrastructure() as infra:
        print("\n".join(infra.described))
        event_loop.run(run(infra, args.events, args.partitions, args.keys, args.batch))


if __name__ == "__main__":
    main()
