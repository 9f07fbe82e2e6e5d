"""Backbone throughput: raw Kafka reads vs the outbox -> Kafka -> inbox pipeline vs a naive
per-message consumer, measured in one run on the same broker and database.

    python -m bench.backbone [--events N] [--partitions P] [--naive-sample M] [--profile]

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded
PostgreSQL (data dir under /tmp) and the embedded Tansu broker, and stops them at the end.
Every run uses its own topic prefix and schemas and drops the schemas when it finishes.

A benchmark prints figures: it exits 0 whether or not a target is met (see README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import os
import pstats
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from sqlmodel import Field, SQLModel

from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.contracts.registry import registry
from shared.db import Database, plain_url
from shared.envelope import Event
from shared.inbox import InboxConsumer
from shared.kafka import consumer as platform_consumer
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.topics import INDICATOR_VALUES
from shared.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
BACKBONE_VERSIONS = ROOT / "services" / "needs" / "adapters" / "migrations"
SOURCE = "bench"
TRUST = "durham"
PHASE_TIMEOUT_S = 120.0
CORES = os.cpu_count() or 1

PROJECTION_DDL = """
CREATE TABLE IF NOT EXISTS bench_projection (
    event_id uuid PRIMARY KEY,
    subject text NOT NULL,
    indicator_id text NOT NULL,
    agency text NOT NULL,
    area_code text NOT NULL,
    period text NOT NULL,
    numerator double precision,
    denominator double precision,
    revision int NOT NULL
)
"""
PROJECTION_COLUMNS = (
    "event_id",
    "subject",
    "indicator_id",
    "agency",
    "area_code",
    "period",
    "numerator",
    "denominator",
    "revision",
)


# --------------------------------------------------------------------------- helpers


def say(message: str) -> None:
    print(message, flush=True)


def rate(count: int, seconds: float | None) -> float | None:
    if seconds is None or seconds <= 0:
        return None
    return count / seconds


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def submitted(n: int) -> IndicatorValueSubmitted:
    """The n-th benchmark payload: a real inbound contract (as in tests/backbone/ledger.py)."""
    return IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency="pct",
        area=Area(kind=AreaKind.LOCALITY, code=f"loc{n % 5}"),
        period="2025",
        numerator=n,
        denominator=1_000_000,
        revision=1,
    )


def projection_row(event: Event[Any]) -> tuple[Any, ...]:
    p = event.payload
    return (
        event.id,
        event.envelope.subject,
        p.indicator_id,
        p.agency,
        p.area.code,
        p.period,
        p.numerator,
        p.denominator,
        p.revision,
    )


async def apply_projection(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """The pipeline's handler: one COPY of the whole batch, inside the inbox transaction."""
    raw = await uow.driver_connection()
    await raw.copy_records_to_table(
        "bench_projection",
        records=[projection_row(e) for e in events],
        columns=PROJECTION_COLUMNS,
    )


class Ticker:
    """Prints `label: done/total (rate)` about once a second while a phase runs."""

    def __init__(self, label: str, total: int, count: Callable[[], int]) -> None:
        self.label, self.total, self.count = label, total, count
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        started = time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            n = self.count()
            elapsed = time.perf_counter() - started
            say(f"    {self.label}: {n:,}/{self.total:,} after {elapsed:.1f}s")

    def __enter__(self) -> Ticker:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


def host_cpu() -> tuple[float, float] | None:
    """(busy, total) jiffies of the whole machine from /proc/stat; None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [float(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    total = sum(fields[:8])
    return total - idle, total


@dataclass
class Timed:
    """Wall and process-CPU time of a phase (CPU% > ~90 means Python is the bottleneck)."""

    count: int = 0
    seconds: float | None = None
    cpu_seconds: float | None = None
    host_busy: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def per_s(self) -> float | None:
        return rate(self.count, self.seconds)

    @property
    def cpu_pct(self) -> str:
        if not self.seconds or self.cpu_seconds is None:
            return ""
        return f"{100 * self.cpu_seconds / self.seconds:.0f}%"

    @property
    def host_pct(self) -> str:
        if self.host_busy is None:
            return ""
        return f"{100 * self.host_busy * CORES:.0f}%"


class Clock:
    """Start/stop wall and CPU clocks, optionally under cProfile."""

    def __init__(self, profile: cProfile.Profile | None = None) -> None:
        self.profile = profile
        self.wall0 = self.cpu0 = 0.0
        self.host0: tuple[float, float] | None = None

    def start(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.host0 = host_cpu()
        if self.profile is not None:
            self.profile.enable()

    def stop(self, timed: Timed, wall_end: float | None = None) -> None:
        if self.profile is not None:
            self.profile.disable()
        end = wall_end if wall_end is not None else time.perf_counter()
        timed.seconds = end - self.wall0
        timed.cpu_seconds = time.process_time() - self.cpu0
        host1 = host_cpu()
        if self.host0 is not None and host1 is not None and host1[1] > self.host0[1]:
            timed.host_busy = (host1[0] - self.host0[0]) / (host1[1] - self.host0[1])


async def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.perf_counter() + timeout_s
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s:.0f}s")
        await asyncio.sleep(0.005)


async def count_rows(url: str, schema: str, sql: str) -> int:
    conn = await asyncpg.connect(plain_url(url), server_settings={"search_path": schema})
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def batch_note(records: int, batches: int) -> str:
    mean = records / batches if batches else 0
    return f"{batches:,} non-empty getmany batches, mean {mean:,.0f} records"


# ------------------------------------------------------------------ instrumented parts


class TimedRelay(OutboxRelay):
    """The platform relay, recording when it first publishes and when `target` are done."""

    def __init__(self, target: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.published = 0
        self.first_batch_at: float | None = None
        self.done_at: float | None = None

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        n = await super().publish_batch(conn)
        self.published += n
        if self.done_at is None and self.published >= self.target:
            self.done_at = time.perf_counter()
        return n


class TimedInbox(InboxConsumer):
    """The platform inbox consumer, counting records whose batch committed (DB + offsets)."""

    def __init__(self, target: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.applied = 0
        self.batches = 0
        self.done_at: float | None = None

    async def _process_until_done(self, batch: dict[Any, list[Any]], stop: asyncio.Event) -> None:
        await super()._process_until_done(batch, stop)
        self.batches += 1
        self.applied += sum(len(records) for records in batch.values())
        if self.done_at is None and self.applied >= self.target:
            self.done_at = time.perf_counter()
            stop.set()

    def assigned(self) -> bool:
        # Reads the private aiokafka consumer: the join happens inside the first getmany.
        c = self._consumer
        return c is not None and bool(c.assignment())


class Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.at: float | None = None

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned and self.at is None:
            self.at = time.perf_counter()


# ------------------------------------------------------------------------ SQLModel (naive)


class NaiveInboxRow(SQLModel, table=True):
    """The backbone inbox table, mapped with SQLModel for the naive consumer."""

    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True)
    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str
    topic: str
    partition: int
    offset: int


class NaiveProjectionRow(SQLModel, table=True):
    __tablename__ = "bench_projection"

    event_id: uuid.UUID = Field(primary_key=True)
    subject: str
    indicator_id: str
    agency: str
    area_code: str
    period: str
    numerator: float | None = None
    denominator: float | None = None
    revision: int


# ---------------------------------------------------------------------- infrastructure


@dataclass
class Infra:
    database_url: str
    bootstrap: str
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    described: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> Infra:
        stoppers: list[Callable[[], None]] = []
        described: list[str] = []
        try:
            url = os.environ.get("DATABASE_URL")
            if url:
                described.append("PostgreSQL from DATABASE_URL")
            else:
                from shared.embedded import EmbeddedPostgres

                # Under /tmp: as root, the server runs as an unprivileged user who must be
                # able to traverse every parent directory of the data dir.
                data_dir = Path("/tmp") / f"commissioning-bench-pg-{os.getpid()}"
                pg = EmbeddedPostgres(data_dir)
                say(f"  starting embedded PostgreSQL in {data_dir} ...")
                url = pg.start()

                def stop_pg() -> None:
                    pg.stop()
                    shutil.rmtree(data_dir, ignore_errors=True)

                stoppers.append(stop_pg)
                described.append(f"embedded PostgreSQL ({url})")
            bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if bootstrap:
                described.append(f"Kafka from KAFKA_BOOTSTRAP_SERVERS ({bootstrap})")
            else:
                from shared.embedded import EmbeddedKafka

                say("  starting embedded Tansu broker ...")
                broker = EmbeddedKafka()
                bootstrap = broker.start()
                stoppers.append(broker.stop)
                described.append(f"embedded Tansu broker ({bootstrap})")
        except BaseException:
            for stop in reversed(stoppers):
                stop()
            raise
        return cls(url, bootstrap, stoppers, described)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            with suppress(Exception):
                stop()


# --------------------------------------------------------------------------- the run


@dataclass
class Config:
    events: int
    partitions: int
    naive_sample: int
    keys: int
    per_tx: int
    profile: bool


@dataclass
class Results:
    record_bytes: float = 0.0
    raw_produce: Timed = field(default_factory=Timed)
    raw: Timed = field(default_factory=Timed)
    raw_join_s: float | None = None
    outbox_write: Timed = field(default_factory=Timed)
    e2e_total: Timed = field(default_factory=Timed)
    e2e_steady: Timed = field(default_factory=Timed)
    e2e_relay_done: Timed = field(default_factory=Timed)
    relay_only: Timed = field(default_factory=Timed)
    relay_startup_s: float | None = None
    consumer_only: Timed = field(default_factory=Timed)
    consumer_join_s: float | None = None
    naive: Timed = field(default_factory=Timed)


class Bench:
    def __init__(self, cfg: Config, infra: Infra) -> None:
        self.cfg = cfg
        self.url = infra.database_url
        run = uuid.uuid4().hex[:8]
        self.run = run
        self.kafka = self._kafka(infra.bootstrap, f"bench{run}.")
        self.schema_base = f"bench_{run}"
        self.schemas: list[str] = []
        self.results = Results()
        self.profiles: dict[str, cProfile.Profile] = {}

    def _kafka(self, bootstrap: str, prefix: str) -> KafkaSettings:
        # Short session timeouts: group joins take ~half of it on Tansu (FACTS.md).
        return KafkaSettings(
            bootstrap_servers=bootstrap,
            topic_prefix=prefix,
            session_timeout_ms=2_000,
            heartbeat_interval_ms=500,
            default_partitions=self.cfg.partitions,
        )

    def _profile(self, name: str) -> cProfile.Profile | None:
        if not self.cfg.profile:
            return None
        return self.profiles.setdefault(name, cProfile.Profile())

    async def migrated(self, suffix: str, *ddl: str) -> Database:
        schema = f"{self.schema_base}_{suffix}"
        self.schemas.append(schema)
        await upgrade(self.url, schema, BACKBONE_VERSIONS)
        db = Database(self.url, schema, pool_size=4)
        if ddl:
            async with db.connect() as conn:
                for statement in ddl:
                    await conn.exec_driver_sql(statement)
        return db

    async def drop_schemas(self) -> None:
        if not self.schemas:
            return
        conn = await asyncpg.connect(plain_url(self.url))
        try:
            for schema in self.schemas:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    # ---------------------------------------------------------------- 1. raw getmany

    async def raw(self) -> None:
        cfg, res = self.cfg, self.results
        topic = self.kafka.topic("bench.raw")
        await ensure_topics(self.kafka, [topic], partitions=cfg.partitions)
        say(f"[raw] building {cfg.events:,} envelopes ...")
        values = [
            registry.envelope(
                submitted(n), source=SOURCE, subject=f"key-{n % cfg.keys}", trust=TRUST
            ).to_bytes()
            for n in range(cfg.events)
        ]
        res.record_bytes = statistics.fmean(len(v) for v in values)
        say(f"[raw] producing {cfg.events:,} records (~{res.record_bytes:.0f} bytes) ...")
        producer = AIOKafkaProducer(
            bootstrap_servers=self.kafka.bootstrap_servers,
            acks="all",
            linger_ms=5,
            max_batch_size=262_144,
        )
        await producer.start()
        sent = 0
        clock = Clock()
        try:
            with Ticker("produced", cfg.events, lambda: sent):
                clock.start()
                futures = []
                for n, value in enumerate(values):
                    futures.append(
                        await producer.send(topic, value=value, key=f"key-{n % cfg.keys}".encode())
                    )
                    sent += 1
                await asyncio.gather(*futures)
                clock.stop(res.raw_produce)
                res.raw_produce.count = cfg.events
        finally:
            await producer.stop()
        say(f"[raw] produced at {fmt_rate(res.raw_produce.per_s)}/s; consuming with getmany ...")

        listener = Assigned()
        consumer = platform_consumer(
            self.kafka, group_id=f"{self.kafka.topic_prefix}raw", client_id="bench-raw"
        )
        consumer.subscribe([topic], listener=listener)
        started = time.perf_counter()
        await consumer.start()
        seen = polls = 0
        clock = Clock(self._profile("raw getmany"))
        try:
            with Ticker("read", cfg.events, lambda: seen):
                # The group join happens inside the first getmany; time from the assignment.
                deadline = started + PHASE_TIMEOUT_S
                first = True
                while seen < cfg.events and time.perf_counter() < deadline:
                    batch = await consumer.getmany(timeout_ms=200)
                    if first and listener.at is not None:
                        clock.start()
                        clock.wall0 = listener.at
                        first = False
                    seen += sum(len(records) for records in batch.values())
                    polls += bool(batch)
                clock.stop(res.raw)
                res.raw.count = seen
        finally:
            await consumer.stop()
        res.raw_join_s = (listener.at - started) if listener.at else None
        res.raw.notes.append(batch_note(seen, polls))
        if seen < cfg.events:
            res.raw.notes.append(f"only {seen} of {cfg.events} read before the timeout")
        say(f"[raw] {seen:,} read at {fmt_rate(res.raw.per_s)}/s ({res.raw.cpu_pct} CPU)")

    # ------------------------------------------------------------- 2. outbox writes

    async def stage(self, db: Database, kafka: KafkaSettings, into: Timed, label: str) -> None:
        cfg = self.cfg
        done = 0
        clock = Clock()
        with Ticker(f"{label} staged", cfg.events, lambda: done):
            clock.start()
            for start in range(0, cfg.events, cfg.per_tx):
                async with UnitOfWork(db, kafka, source=SOURCE, trust=TRUST) as uow:
                    for n in range(start, min(start + cfg.per_tx, cfg.events)):
                        uow.publish(submitted(n), subject=f"key-{n % cfg.keys}")
                    await uow.commit()
                done = min(start + cfg.per_tx, cfg.events)
            clock.stop(into)
        into.count = cfg.events

    # ------------------------------------------------------------------ 3. pipeline

    def inbox(self, db: Database, kafka: KafkaSettings, name: str) -> TimedInbox:
        return TimedInbox(
            self.cfg.events,
            name=f"{kafka.topic_prefix}{name}",
            topics=[kafka.topic(INDICATOR_VALUES.name)],
            handler=apply_projection,
            db=db,
            kafka=kafka,
            source=SOURCE,
            trust=TRUST,
        )

    def relay(self, db: Database, kafka: KafkaSettings) -> TimedRelay:
        return TimedRelay(
            self.cfg.events,
            service=f"bench-{db.schema}",
            database_url=self.url,
            schema=db.schema,
            kafka=kafka,
            relay=RelaySettings(),
        )

    async def pipeline(self) -> None:
        cfg, res = self.cfg, self.results
        kafka = self._kafka(self.kafka.bootstrap_servers, f"bench{self.run}p.")
        topic = kafka.topic(INDICATOR_VALUES.name)
        await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=cfg.partitions)
        source = await self.migrated("src")
        sink = await self.migrated("sink", PROJECTION_DDL)

        say(f"[pipeline] outbox write: {cfg.events:,} events, {cfg.per_tx:,} per transaction ...")
        await self.stage(source, kafka, res.outbox_write, "outbox")
        say(f"[pipeline] outbox write at {fmt_rate(res.outbox_write.per_s)}/s")

        say("[pipeline] end to end: starting the inbox consumer and waiting for its join ...")
        stop = asyncio.Event()
        inbox = self.inbox(sink, kafka, "e2e")
        relay = self.relay(source, kafka)
        consumer_task = asyncio.create_task(inbox.run(stop))
        relay_task: asyncio.Task[None] | None = None
        try:
            await wait_until(inbox.assigned, 60, "consumer assignment")
            say("[pipeline] consumer joined; starting the outbox relay (timing starts) ...")
            clock = Clock(self._profile("pipeline end to end"))
            clock.start()
            relay_task = asyncio.create_task(relay.run(stop))
            with Ticker("published / applied", cfg.events, lambda: inbox.applied):
                await wait_until(
                    lambda: inbox.done_at is not None, PHASE_TIMEOUT_S, "all events applied"
                )
            clock.stop(res.e2e_total, wall_end=inbox.done_at)
        finally:
            stop.set()
            await asyncio.gather(consumer_task, *([relay_task] if relay_task else []))
        res.e2e_total.count = res.e2e_steady.count = cfg.events
        res.e2e_total.notes.append(batch_note(inbox.applied, inbox.batches))
        assert inbox.done_at is not None and relay.first_batch_at is not None
        res.e2e_steady.seconds = inbox.done_at - relay.first_batch_at
        res.relay_startup_s = relay.first_batch_at - clock.wall0
        if relay.done_at is not None:
            res.e2e_relay_done.count = cfg.events
            res.e2e_relay_done.seconds = relay.done_at - relay.first_batch_at
        applied = await count_rows(self.url, sink.schema, "SELECT count(*) FROM bench_projection")
        if applied != cfg.events:
            res.e2e_total.notes.append(f"{applied} rows in the projection, expected {cfg.events}")
        say(
            f"[pipeline] end to end: {fmt_rate(res.e2e_total.per_s)}/s from relay start, "
            f"{fmt_rate(res.e2e_steady.per_s)}/s from its first batch ({applied:,} rows)"
        )

        say("[pipeline] consumer only: a new group over the already published topic ...")
        sink2 = await self.migrated("sink2", PROJECTION_DDL)
        stop = asyncio.Event()
        inbox2 = self.inbox(sink2, kafka, "consumer-only")
        started = time.perf_counter()
        task = asyncio.create_task(inbox2.run(stop))
        clock = Clock(self._profile("pipeline consumer only"))
        try:
            await wait_until(inbox2.assigned, 60, "consumer assignment")
            clock.start()
            res.consumer_join_s = clock.wall0 - started
            with Ticker("applied", cfg.events, lambda: inbox2.applied):
                await wait_until(
                    lambda: inbox2.done_at is not None, PHASE_TIMEOUT_S, "all events applied"
                )
            clock.stop(res.consumer_only, wall_end=inbox2.done_at)
            res.consumer_only.count = cfg.events
            res.consumer_only.notes.append(batch_note(inbox2.applied, inbox2.batches))
        finally:
            stop.set()
            await task
        say(f"[pipeline] consumer only: {fmt_rate(res.consumer_only.per_s)}/s")

        await self.naive(kafka)
        await sink.dispose()
        await sink2.dispose()
        await source.dispose()

        say("[pipeline] relay only: staging a second outbox, then the relay alone ...")
        kafka_r = self._kafka(self.kafka.bootstrap_servers, f"bench{self.run}r.")
        topic_r = kafka_r.topic(INDICATOR_VALUES.name)
        await ensure_topics(kafka_r, [topic_r], partitions=cfg.partitions)
        source_r = await self.migrated("src_relay")
        await self.stage(source_r, kafka_r, Timed(), "outbox #2")
        relay_r = self.relay(source_r, kafka_r)
        stop = asyncio.Event()
        task = asyncio.create_task(relay_r.run(stop))
        clock = Clock(self._profile("relay only"))
        clock.start()
        try:
            with Ticker("published", cfg.events, lambda: relay_r.published):
                await wait_until(
                    lambda: relay_r.done_at is not None, PHASE_TIMEOUT_S, "all events published"
                )
        finally:
            stop.set()
            await task
        assert relay_r.first_batch_at is not None and relay_r.done_at is not None
        clock.stop(res.relay_only, wall_end=relay_r.done_at)
        res.relay_only.seconds = relay_r.done_at - relay_r.first_batch_at
        res.relay_only.count = cfg.events
        await source_r.dispose()
        say(f"[pipeline] relay only: {fmt_rate(res.relay_only.per_s)}/s")

    # --------------------------------------------------------------------- 4. naive

    async def naive(self, kafka: KafkaSettings) -> None:
        """Per message: getone, decode, one SQLModel session + transaction per event."""
        res = self.results
        sample = min(self.cfg.events, self.cfg.naive_sample)
        say(f"[naive] per-message consumer over {sample:,} events ...")
        db = await self.migrated("naive", PROJECTION_DDL)
        name = f"{kafka.topic_prefix}naive"
        listener = Assigned()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=name,
            client_id="bench-naive",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=kafka.session_timeout_ms,
            heartbeat_interval_ms=kafka.heartbeat_interval_ms,
        )
        consumer.subscribe([kafka.topic(INDICATOR_VALUES.name)], listener=listener)
        await consumer.start()
        done = 0
        clock = Clock(self._profile("naive"))
        try:
            with Ticker("applied", sample, lambda: done):
                deadline = time.perf_counter() + PHASE_TIMEOUT_S
                while done < sample and time.perf_counter() < deadline:
                    record = await consumer.getone()
                    if done == 0:
                        clock.start()
                    event = registry.decode(record.value)
                    async with db.sessions() as session:
                        session.add(
                            NaiveInboxRow(
                                consumer=name,
                                event_id=event.id,
                                event_type=event.type,
                                topic=record.topic,
                                partition=record.partition,
                                offset=record.offset,
                            )
                        )
                        session.add(
                            NaiveProjectionRow(**dict(zip(PROJECTION_COLUMNS, projection_row(event))))
                        )
                        await session.commit()
                    done += 1
                clock.stop(res.naive)
                res.naive.count = done
            # One offset commit at the end (per FACTS.md, per-message commits are slower still).
            await consumer.commit()
        finally:
            await consumer.stop()
            await db.dispose()
        res.naive.notes.append("timed from its first record (the group join excluded)")
        say(f"[naive] {done:,} applied at {fmt_rate(res.naive.per_s)}/s")


# ----------------------------------------------------------------------------- report


def verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "n/a"
    return "PASS" if ratio >= target else "MISS"


def report(cfg: Config, res: Results, infra: Infra) -> None:
    rows: list[tuple[str, Timed, str]] = [
        ("raw: aiokafka produce (setup, linger_ms=5)", res.raw_produce, ""),
        ("raw: getmany in a group, no work", res.raw, "from partition assignment"),
        ("pipeline: outbox write (UnitOfWork)", res.outbox_write, f"{cfg.per_tx:,} per tx"),
        ("pipeline: end to end, from relay start", res.e2e_total, "consumer already joined"),
        ("pipeline: end to end, steady", res.e2e_steady, "relay's 1st batch -> last applied"),
        ("pipeline: relay, during end to end", res.e2e_relay_done, "shares the event loop"),
        ("pipeline: relay only", res.relay_only, "relay alone, from its 1st batch"),
        ("pipeline: consumer only (inbox)", res.consumer_only, "new group, published topic"),
        ("naive: per-message SQLModel tx", res.naive, "sample"),
    ]
    say("")
    say("=" * 96)
    say(
        f"Backbone throughput: {cfg.events:,} events, {cfg.partitions} partitions, "
        f"~{res.record_bytes:.0f}-byte envelopes, {cfg.keys} keys"
    )
    for line in infra.described:
        say(f"  {line}")
    say("-" * 96)
    say(
        f"{'path':<44}{'events':>9}{'seconds':>9}{'events/s':>11}{'py CPU':>8}"
        f"{'host CPU':>10}  note"
    )
    for label, t, note in rows:
        secs = "" if t.seconds is None else f"{t.seconds:.2f}"
        say(
            f"{label:<44}{t.count:>9,}{secs:>9}{fmt_rate(t.per_s):>11}{t.cpu_pct:>8}"
            f"{t.host_pct:>10}  {note}"
        )
        for extra in t.notes:
            say(f"{'':<44}  ! {extra}")
    say("-" * 96)
    startup = []
    if res.raw_join_s is not None:
        startup.append(f"raw group join {res.raw_join_s:.2f}s")
    if res.consumer_join_s is not None:
        startup.append(f"inbox group join {res.consumer_join_s:.2f}s")
    if res.relay_startup_s is not None:
        startup.append(f"relay startup (lock, epoch check) {res.relay_startup_s:.2f}s")
    say("excluded start-up costs: " + ", ".join(startup))

    raw, naive = res.raw.per_s, res.naive.per_s

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    checks = [
        ("pipeline consumer-only / raw", ratio(res.consumer_only.per_s, raw), 0.5, "%"),
        ("pipeline end-to-end steady / raw", ratio(res.e2e_steady.per_s, raw), 0.5, "%"),
        ("pipeline consumer-only / naive", ratio(res.consumer_only.per_s, naive), 10.0, "x"),
        ("pipeline end-to-end steady / naive", ratio(res.e2e_steady.per_s, naive), 10.0, "x"),
    ]
    say("-" * 96)
    for label, value, target, unit in checks:
        if value is None:
            shown, goal = "n/a", ""
        elif unit == "%":
            shown, goal = f"{100 * value:.0f}%", f">= {100 * target:.0f}%"
        else:
            shown, goal = f"{value:.1f}x", f">= {target:.0f}x"
        say(f"{label:<44}{shown:>9}   target {goal:<8} {verdict(value, target)}")
    say("=" * 96)
    say("Figures are noisy (2 cores shared by Python, PostgreSQL and the broker): re-run before")
    say("drawing conclusions. A missed target is reported, never an error (exit status 0).")


def print_profiles(profiles: dict[str, cProfile.Profile]) -> None:
    for name, prof in profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        say(f"\n---- profile: {name} (top 25 by own time) ----")
        say(out.getvalue())


# ------------------------------------------------------------------------------- main


async def run(cfg: Config, infra: Infra) -> Results:
    bench = Bench(cfg, infra)
    try:
        for phase in (bench.raw, bench.pipeline):
            try:
                await phase()
            except Exception as exc:  # a failed phase must not hide the others' figures
                say(f"!! phase {phase.__name__} failed: {type(exc).__name__}: {exc}")
                logging.getLogger(__name__).debug("phase failed", exc_info=True)
    finally:
        await bench.drop_schemas()
    report(cfg, bench.results, infra)
    if cfg.profile:
        print_profiles(bench.profiles)
    return bench.results


def parse(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.backbone",
        description=(
            "Measure backbone throughput in one run on one broker and database: (1) raw "
            "aiokafka getmany with no work, (2) the platform pipeline outbox -> Kafka -> "
            "inbox (outbox write, end to end, relay only, consumer only), (3) a naive "
            "per-message consumer with one SQLModel transaction per event. Uses "
            "DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else starts the embedded "
            "PostgreSQL and Tansu broker. Prints figures; never fails on a missed target."
        ),
    )
    parser.add_argument("--events", type=int, default=50_000, help="events per path (50000)")
    parser.add_argument(
        "--partitions", type=int, default=6, help="partitions of every topic (6)"
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=3_000,
        help="events for the naive consumer: min(events, this) (3000)",
    )
    parser.add_argument(
        "--keys", type=int, default=1_000, help="distinct partition keys (subjects) (1000)"
    )
    parser.add_argument(
        "--per-tx", type=int, default=5_000, help="events per outbox transaction (5000)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile each timed phase and print the top functions (slows every phase)",
    )
    args = parser.parse_args(argv)
    if args.events < 1 or args.partitions < 1 or args.naive_sample < 1 or args.per_tx < 1:
        parser.error("--events, --partitions, --naive-sample and --per-tx must be positive")
    return Config(
        events=args.events,
        partitions=args.partitions,
        naive_sample=args.naive_sample,
        keys=max(1, args.keys),
        per_tx=args.per_tx,
        profile=args.profile,
    )


@contextmanager
def infrastructure() -> Iterator[Infra]:
    infra = Infra.start()
    try:
        yield infra
    finally:
        say("stopping ..." if infra.stoppers else "done.")
        infra.stop()


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    with infrastructure() as infra:
        asyncio.run(run(cfg, infra))
    say(f"total run time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
