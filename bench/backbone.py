"""Backbone throughput: raw Kafka reads vs the outbox -> Kafka -> inbox pipeline vs a naive
per-message consumer, measured in one run on the same broker and database.

    python -m bench.backbone [--events N] [--partitions P] [--naive-sample M] ...

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded
PostgreSQL (data dir under /tmp) and the embedded Tansu broker, and stops them at the end.
Every run uses its own topic prefix and schemas, and drops the schemas when it finishes.

A benchmark prints figures: it exits 0 whether or not a target is met (see README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import multiprocessing
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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from sqlmodel import Field, SQLModel

from shared.contracts.registry import registry
from shared.db import Database, plain_url
from shared.envelope import Event
from shared.inbox import InboxConsumer
from shared.kafka import consumer as platform_consumer
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.telemetry import configure_tracing
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import LEDGER_TOPIC, submitted

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
    if not count or seconds is None or seconds <= 0:
        return None
    return count / seconds


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


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


def settle(freeze: bool) -> None:
    """With --gc-freeze: collect, then move every live object out of the collector's sight
    (what a service could do once started), so collections scan only per-batch garbage."""
    if freeze:
        gc.collect()
        gc.freeze()


class Ticker:
    """Prints `label: done/total` about once a second while a phase runs."""

    def __init__(self, label: str, total: int, count: Callable[[], int]) -> None:
        self.label, self.total, self.count = label, total, count
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        started = time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            elapsed = time.perf_counter() - started
            say(f"    {self.label}: {self.count():,}/{self.total:,} after {elapsed:.1f}s")

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
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    total = sum(fields[:8])
    return total - idle, total


@dataclass
class Timed:
    """Events, wall time, this process's CPU and the whole machine's CPU over a phase."""

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
    """Wall, process-CPU and machine-CPU clocks for a phase, optionally under cProfile."""

    def __init__(self, profile: cProfile.Profile | None = None) -> None:
        self.profile = profile
        self.wall0 = self.cpu0 = 0.0
        self.host0: tuple[float, float] | None = None

    def start(self, at: float | None = None) -> None:
        self.wall0 = at if at is not None else time.perf_counter()
        self.cpu0 = time.process_time()
        self.host0 = host_cpu()
        if self.profile is not None:
            self.profile.enable()

    def stop(self, timed: Timed, count: int, wall_end: float | None = None) -> None:
        if self.profile is not None:
            self.profile.disable()
        end = wall_end if wall_end is not None else time.perf_counter()
        timed.count = count
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
    """The platform relay, recording its first publish and when `target` rows are done."""

    def __init__(self, target: int, stop_when_done: asyncio.Event | None = None, **kw: Any):
        super().__init__(**kw)
        self.target = target
        self.stop_when_done = stop_when_done
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
            if self.stop_when_done is not None:
                self.stop_when_done.set()
        return n


class TimedInbox(InboxConsumer):
    """The platform inbox consumer, counting records whose batch committed (DB + offsets)."""

    def __init__(self, target: int, **kw: Any) -> None:
        super().__init__(**kw)
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


# ------------------------------------------------------ the relay as its own process


def relay_process(
    pipe: Connection,
    url: str,
    schema: str,
    kafka_fields: dict[str, Any],
    target: int,
    tracing: str,
    gc_freeze: bool,
) -> None:
    """Entry point of the relay process (the source service, apart from the sink's)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if tracing == "service":
        configure_tracing("bench-relay", "none")
    asyncio.run(_relay_process(pipe, url, schema, kafka_fields, target, gc_freeze))


async def _relay_process(
    pipe: Connection,
    url: str,
    schema: str,
    kafka_fields: dict[str, Any],
    target: int,
    gc_freeze: bool,
) -> None:
    stop = asyncio.Event()
    relay = TimedRelay(
        target,
        stop,
        service=f"bench-{schema}",
        database_url=url,
        schema=schema,
        kafka=KafkaSettings(**kafka_fields),
        relay=RelaySettings(),
    )
    pipe.send("ready")
    await asyncio.to_thread(pipe.recv)  # "go"
    settle(gc_freeze)
    cpu0 = time.process_time()
    with suppress(TimeoutError):
        await asyncio.wait_for(relay.run(stop), PHASE_TIMEOUT_S)
    pipe.send(
        {
            "first_batch_at": relay.first_batch_at,
            "done_at": relay.done_at,
            "published": relay.published,
            "cpu_seconds": time.process_time() - cpu0,
        }
    )


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
                described.append(f"embedded PostgreSQL 127.0.0.1:{pg.port}")
            bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if bootstrap:
                described.append(f"Kafka from KAFKA_BOOTSTRAP_SERVERS ({bootstrap})")
            else:
                from shared.embedded import EmbeddedKafka

                say("  starting embedded Tansu broker ...")
                broker = EmbeddedKafka()
                bootstrap = broker.start()
                stoppers.append(broker.stop)
                described.append(f"embedded Tansu broker {bootstrap}")
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
    raw_repeats: int
    relay: str  # "process" | "loop"
    tracing: str  # "service" | "off"
    gc_freeze: bool
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
    e2e_relay: Timed = field(default_factory=Timed)
    relay_startup_s: float | None = None
    consumer_only: Timed = field(default_factory=Timed)
    consumer_join_s: float | None = None
    naive: Timed = field(default_factory=Timed)
    relay_only: Timed = field(default_factory=Timed)
    failures: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, cfg: Config, infra: Infra) -> None:
        self.cfg = cfg
        self.url = infra.database_url
        self.bootstrap = infra.bootstrap
        self.run = uuid.uuid4().hex[:8]
        self.schemas: list[str] = []
        self.results = Results()
        self.profiles: dict[str, cProfile.Profile] = {}

    def kafka(self, part: str) -> KafkaSettings:
        """Settings with a topic prefix unique to this run and this part of it."""
        # Short session timeouts: group joins take ~half of it on Tansu (FACTS.md).
        return KafkaSettings(
            bootstrap_servers=self.bootstrap,
            topic_prefix=f"bench{self.run}{part}.",
            session_timeout_ms=2_000,
            heartbeat_interval_ms=500,
            default_partitions=self.cfg.partitions,
        )

    def clock(self, name: str) -> Clock:
        if not self.cfg.profile:
            return Clock()
        return Clock(self.profiles.setdefault(name, cProfile.Profile()))

    async def migrated(self, suffix: str, *ddl: str) -> Database:
        schema = f"bench_{self.run}_{suffix}"
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
        kafka = self.kafka("raw")
        topic = kafka.topic("bench.raw")
        await ensure_topics(kafka, [topic], partitions=cfg.partitions)
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
            bootstrap_servers=kafka.bootstrap_servers,
            acks="all",
            linger_ms=5,
            max_batch_size=262_144,
        )
        await producer.start()
        sent = 0
        try:
            with Ticker("produced", cfg.events, lambda: sent):
                clock = Clock()
                clock.start()
                futures = []
                for n, value in enumerate(values):
                    key = f"key-{n % cfg.keys}".encode()
                    futures.append(await producer.send(topic, value=value, key=key))
                    sent += 1
                await asyncio.gather(*futures)
                clock.stop(res.raw_produce, cfg.events)
        finally:
            await producer.stop()
        del values
        say(f"[raw] produced at {fmt_rate(res.raw_produce.per_s)}/s")

        runs: list[Timed] = []
        for attempt in range(1, cfg.raw_repeats + 1):
            timed = await self.raw_read(kafka, topic, attempt)
            runs.append(timed)
            say(f"[raw] read #{attempt}: {timed.count:,} at {fmt_rate(timed.per_s)}/s")
        best = sorted(runs, key=lambda t: t.per_s or 0.0)[len(runs) // 2]
        res.raw = best
        if len(runs) > 1:
            shown = ", ".join(fmt_rate(t.per_s) for t in runs)
            best.notes.insert(0, f"median of {len(runs)} reads, each a new group: {shown}")

    async def raw_read(self, kafka: KafkaSettings, topic: str, attempt: int) -> Timed:
        """One read of the whole raw topic by a new consumer group, doing no work."""
        cfg, timed = self.cfg, Timed()
        listener = Assigned()
        consumer = platform_consumer(
            kafka, group_id=f"{kafka.topic_prefix}raw{attempt}", client_id="bench-raw"
        )
        consumer.subscribe([topic], listener=listener)
        started = time.perf_counter()
        await consumer.start()
        seen = polls = 0
        clock = self.clock("raw getmany")
        settle(cfg.gc_freeze)
        try:
            deadline = started + PHASE_TIMEOUT_S
            while seen < cfg.events and time.perf_counter() < deadline:
                batch = await consumer.getmany(timeout_ms=200)
                if listener.at is not None and not clock.wall0:
                    # The group join happens inside the first getmany: time from assignment.
                    clock.start(at=listener.at)
                seen += sum(len(records) for records in batch.values())
                polls += bool(batch)
            clock.stop(timed, seen)
        finally:
            await consumer.stop()
        if listener.at is not None:
            self.results.raw_join_s = listener.at - started
        timed.notes.append(batch_note(seen, polls))
        if seen < cfg.events:
            timed.notes.append(f"only {seen} of {cfg.events} read before the timeout")
        return timed

    # ------------------------------------------------------------- 2. outbox writes

    async def stage(self, db: Database, kafka: KafkaSettings, label: str) -> Timed:
        """Commit N events through UnitOfWork.publish in transactions of --per-tx events."""
        cfg, timed = self.cfg, Timed()
        done = 0
        with Ticker(f"{label} staged", cfg.events, lambda: done):
            clock = Clock()
            clock.start()
            for start in range(0, cfg.events, cfg.per_tx):
                async with UnitOfWork(db, kafka, source=SOURCE, trust=TRUST) as uow:
                    for n in range(start, min(start + cfg.per_tx, cfg.events)):
                        uow.publish(submitted(n), subject=f"key-{n % cfg.keys}")
                    await uow.commit()
                done = min(start + cfg.per_tx, cfg.events)
            clock.stop(timed, cfg.events)
        return timed

    # ------------------------------------------------------------------ 3. pipeline

    def inbox(self, db: Database, kafka: KafkaSettings, name: str) -> TimedInbox:
        return TimedInbox(
            self.cfg.events,
            name=f"{kafka.topic_prefix}{name}",
            topics=[kafka.topic(LEDGER_TOPIC)],
            handler=apply_projection,
            db=db,
            kafka=kafka,
            source=SOURCE,
            trust=TRUST,
        )

    def relay(self, db: Database, kafka: KafkaSettings, stop: asyncio.Event | None) -> TimedRelay:
        return TimedRelay(
            self.cfg.events,
            stop,
            service=f"bench-{db.schema}",
            database_url=self.url,
            schema=db.schema,
            kafka=kafka,
            relay=RelaySettings(),
        )

    async def pipeline(self) -> None:
        cfg, res = self.cfg, self.results
        kafka = self.kafka("p")
        topic = kafka.topic(LEDGER_TOPIC)
        await ensure_topics(kafka, [topic, topic + ".dlq"], partitions=cfg.partitions)
        source = await self.migrated("src")
        sink = await self.migrated("sink", PROJECTION_DDL)
        try:
            say(f"[pipeline] outbox write: {cfg.events:,} events, {cfg.per_tx:,} per transaction")
            res.outbox_write = await self.stage(source, kafka, "outbox")
            say(f"[pipeline] outbox write at {fmt_rate(res.outbox_write.per_s)}/s")
            await self.end_to_end(source, sink, kafka)
        finally:
            await source.dispose()
            await sink.dispose()
        # The topic now holds N published events: a clean consumer-only and naive workload.
        await self.consumer_only(kafka)
        await self.naive(kafka)

    async def end_to_end(self, source: Database, sink: Database, kafka: KafkaSettings) -> None:
        cfg, res = self.cfg, self.results
        where = "its own process" if cfg.relay == "process" else "this event loop"
        say(f"[pipeline] end to end (relay in {where}): starting the inbox consumer ...")
        stop = asyncio.Event()
        inbox = self.inbox(sink, kafka, "e2e")
        consumer_task = asyncio.create_task(inbox.run(stop))
        relay_task: asyncio.Task[None] | None = None
        relay: TimedRelay | None = None
        child: multiprocessing.process.BaseProcess | None = None
        pipe: Connection | None = None
        went = False
        try:
            if cfg.relay == "process":
                ctx = multiprocessing.get_context("spawn")
                pipe, child_end = ctx.Pipe()
                child = ctx.Process(
                    target=relay_process,
                    args=(
                        child_end,
                        self.url,
                        source.schema,
                        kafka.model_dump(),
                        cfg.events,
                        cfg.tracing,
                        cfg.gc_freeze,
                    ),
                    daemon=True,
                )
                child.start()
                ready = await asyncio.wait_for(asyncio.to_thread(pipe.recv), 60)
                assert ready == "ready"
            await wait_until(inbox.assigned, 60, "consumer assignment")
            say("[pipeline] consumer joined; starting the relay (timing starts) ...")
            settle(cfg.gc_freeze)
            clock = self.clock("pipeline end to end (consumer side)")
            clock.start()
            if pipe is not None:
                pipe.send("go")
                went = True
            else:
                relay = self.relay(source, kafka, None)
                relay_task = asyncio.create_task(relay.run(stop))
            with Ticker("applied", cfg.events, lambda: inbox.applied):
                await wait_until(lambda: inbox.done_at is not None, PHASE_TIMEOUT_S, "all applied")
            assert inbox.done_at is not None
            clock.stop(res.e2e_total, cfg.events, wall_end=inbox.done_at)
        finally:
            stop.set()
            await asyncio.gather(consumer_task, *([relay_task] if relay_task else []))
            relay_stats = self._relay_stats(relay, pipe, child, went)
        first, done = relay_stats.get("first_batch_at"), relay_stats.get("done_at")
        res.e2e_total.notes.append(batch_note(inbox.applied, inbox.batches))
        if first is not None:
            res.relay_startup_s = first - clock.wall0
            res.e2e_steady.count = cfg.events
            res.e2e_steady.seconds = inbox.done_at - first
            if done is not None:
                res.e2e_relay.count = cfg.events
                res.e2e_relay.seconds = done - first
                cpu = relay_stats.get("cpu_seconds")
                if cpu is not None and res.e2e_relay.seconds:
                    share = 100 * cpu / (done - clock.wall0)
                    res.e2e_relay.notes.append(f"relay process CPU {share:.0f}%")
        applied = await count_rows(self.url, sink.schema, "SELECT count(*) FROM bench_projection")
        if applied != cfg.events:
            res.e2e_total.notes.append(f"{applied} rows in the projection, expected {cfg.events}")
        say(
            f"[pipeline] end to end: {fmt_rate(res.e2e_total.per_s)}/s from relay start, "
            f"{fmt_rate(res.e2e_steady.per_s)}/s from its first batch ({applied:,} rows)"
        )

    def _relay_stats(
        self,
        relay: TimedRelay | None,
        pipe: Connection | None,
        child: multiprocessing.process.BaseProcess | None,
        went: bool,
    ) -> dict[str, Any]:
        if relay is not None:
            return {"first_batch_at": relay.first_batch_at, "done_at": relay.done_at}
        stats: dict[str, Any] = {}
        if pipe is not None and child is not None:
            # The relay process stops by itself once it has published every event.
            if went and pipe.poll(PHASE_TIMEOUT_S if child.is_alive() else 0):
                with suppress(EOFError):
                    stats = pipe.recv()
            child.join(10 if went else 0)
            if child.is_alive():
                child.terminate()
                child.join(5)
        return stats

    async def consumer_only(self, kafka: KafkaSettings) -> None:
        cfg, res = self.cfg, self.results
        say("[pipeline] consumer only: a new group over the already published topic ...")
        sink = await self.migrated("sink2", PROJECTION_DDL)
        stop = asyncio.Event()
        inbox = self.inbox(sink, kafka, "consumer-only")
        started = time.perf_counter()
        task = asyncio.create_task(inbox.run(stop))
        clock = self.clock("pipeline consumer only")
        try:
            await wait_until(inbox.assigned, 60, "consumer assignment")
            settle(cfg.gc_freeze)
            clock.start()
            res.consumer_join_s = clock.wall0 - started
            with Ticker("applied", cfg.events, lambda: inbox.applied):
                await wait_until(lambda: inbox.done_at is not None, PHASE_TIMEOUT_S, "all applied")
            clock.stop(res.consumer_only, cfg.events, wall_end=inbox.done_at)
            res.consumer_only.notes.append(batch_note(inbox.applied, inbox.batches))
        finally:
            stop.set()
            await task
            await sink.dispose()
        say(f"[pipeline] consumer only: {fmt_rate(res.consumer_only.per_s)}/s")

    async def relay_only(self) -> None:
        cfg, res = self.cfg, self.results
        say("[relay] relay only: staging a second outbox, then running the relay alone ...")
        kafka = self.kafka("r")
        topic = kafka.topic(LEDGER_TOPIC)
        await ensure_topics(kafka, [topic], partitions=cfg.partitions)
        source = await self.migrated("src_relay")
        try:
            await self.stage(source, kafka, "outbox #2")
            stop = asyncio.Event()
            relay = self.relay(source, kafka, stop)
            settle(cfg.gc_freeze)
            clock = self.clock("relay only")
            task = asyncio.create_task(relay.run(stop))
            try:
                with Ticker("published", cfg.events, lambda: relay.published):
                    await wait_until(lambda: relay.first_batch_at is not None, 60, "first batch")
                    clock.start(at=relay.first_batch_at)
                    await wait_until(lambda: relay.done_at is not None, PHASE_TIMEOUT_S, "all sent")
                clock.stop(res.relay_only, cfg.events, wall_end=relay.done_at)
            finally:
                stop.set()
                await task
        finally:
            await source.dispose()
        say(f"[relay] relay only: {fmt_rate(res.relay_only.per_s)}/s")

    # --------------------------------------------------------------------- 4. naive

    async def naive(self, kafka: KafkaSettings) -> None:
        """Per message: getone, decode, one SQLModel session and transaction per event."""
        res = self.results
        sample = min(self.cfg.events, self.cfg.naive_sample)
        say(f"[naive] per-message consumer over {sample:,} events ...")
        db = await self.migrated("naive", PROJECTION_DDL)
        name = f"{kafka.topic_prefix}naive"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=name,
            client_id="bench-naive",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=kafka.session_timeout_ms,
            heartbeat_interval_ms=kafka.heartbeat_interval_ms,
        )
        consumer.subscribe([kafka.topic(LEDGER_TOPIC)])
        await consumer.start()
        done = 0
        clock = self.clock("naive")
        try:
            with Ticker("applied", sample, lambda: done):
                deadline = time.perf_counter() + PHASE_TIMEOUT_S
                while done < sample and time.perf_counter() < deadline:
                    record = await consumer.getone()
                    if done == 0:
                        settle(self.cfg.gc_freeze)
                        clock.start()  # from the first record: the group join is excluded
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
                        row = dict(zip(PROJECTION_COLUMNS, projection_row(event), strict=True))
                        session.add(NaiveProjectionRow(**row))
                        await session.commit()
                    done += 1
                clock.stop(res.naive, done)
            # One offset commit at the end: per-message commits (FACTS.md) are slower still.
            await consumer.commit()
        finally:
            await consumer.stop()
            await db.dispose()
        say(f"[naive] {done:,} applied at {fmt_rate(res.naive.per_s)}/s")


# ----------------------------------------------------------------------------- report


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def report(cfg: Config, res: Results, infra: Infra) -> None:
    relay_where = "own process" if cfg.relay == "process" else "same event loop"
    rows: list[tuple[str, Timed, str]] = [
        ("raw: aiokafka produce (setup only)", res.raw_produce, "linger_ms=5, 256 KB batches"),
        ("1. raw: getmany in a group, no work", res.raw, "from partition assignment"),
        ("2. pipeline: outbox write (UnitOfWork)", res.outbox_write, f"{cfg.per_tx:,} per tx"),
        ("2. pipeline: end to end, from relay start", res.e2e_total, f"relay in {relay_where}"),
        ("2. pipeline: END TO END (steady)", res.e2e_steady, "relay's 1st batch -> last applied"),
        ("2. pipeline: relay, during end to end", res.e2e_relay, "1st batch -> all acked+marked"),
        ("2. pipeline: relay only", res.relay_only, "alone, 1st batch -> all marked"),
        ("2. pipeline: CONSUMER ONLY (inbox)", res.consumer_only, "new group, published topic"),
        ("3. naive: per-message SQLModel tx", res.naive, "sample; from its 1st record"),
    ]
    width = 100
    say("")
    say("=" * width)
    say(
        f"Backbone throughput: {cfg.events:,} events, {cfg.partitions} partitions, "
        f"~{res.record_bytes:.0f}-byte envelopes, {cfg.keys:,} keys, {CORES} cores"
    )
    say(
        f"  tracing: {cfg.tracing}; relay: {relay_where}; "
        f"gc.freeze: {'yes' if cfg.gc_freeze else 'no'}; " + "; ".join(infra.described)
    )
    say("-" * width)
    say(
        f"{'path':<44}{'events':>8}{'seconds':>9}{'events/s':>10}{'py CPU':>8}"
        f"{'host CPU':>10}  note"
    )
    for label, t, note in rows:
        secs = "" if t.seconds is None else f"{t.seconds:.2f}"
        say(
            f"{label:<44}{t.count:>8,}{secs:>9}{fmt_rate(t.per_s):>10}{t.cpu_pct:>8}"
            f"{t.host_pct:>10}  {note}"
        )
        for extra in t.notes:
            say(f"{'':<46}- {extra}")
    say("-" * width)
    startup = []
    if res.raw_join_s is not None:
        startup.append(f"group join {res.raw_join_s:.2f}s (raw)")
    if res.consumer_join_s is not None:
        startup.append(f"{res.consumer_join_s:.2f}s (inbox)")
    if res.relay_startup_s is not None:
        startup.append(f"relay start-up (lock, epoch check) {res.relay_startup_s:.2f}s")
    say("start-up costs left out of the steady figures: " + ", ".join(startup))
    raw, naive = res.raw.per_s, res.naive.per_s
    checks = [
        ("consumer only / raw", ratio(res.consumer_only.per_s, raw), 0.5),
        ("end to end (steady) / raw", ratio(res.e2e_steady.per_s, raw), 0.5),
        ("consumer only / naive", ratio(res.consumer_only.per_s, naive), 10.0),
        ("end to end (steady) / naive", ratio(res.e2e_steady.per_s, naive), 10.0),
    ]
    say("-" * width)
    for label, value, target in checks:
        if value is None:
            shown, verdict = "n/a", "n/a"
        else:
            shown = f"{100 * value:.1f}%" if target < 1 else f"{value:.1f}x"
            verdict = "PASS" if value >= target else "MISS"
        goal = f"{100 * target:.0f}%" if target < 1 else f"{target:.0f}x"
        say(f"pipeline {label:<36}{shown:>9}   target >= {goal:<5} {verdict}")
    for failure in res.failures:
        say(f"!! {failure}")
    say("=" * width)
    say("Figures are noisy (2 cores shared by Python, PostgreSQL and the broker): re-run")
    say("before drawing conclusions. A missed target is reported, never an error (exit 0).")


def print_profiles(profiles: dict[str, cProfile.Profile]) -> None:
    for name, prof in profiles.items():
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        say(f"\n---- profile: {name} (top 25 by own time; coroutine resumes count as calls)")
        say(out.getvalue())


# ------------------------------------------------------------------------------- main


async def run(cfg: Config, infra: Infra) -> Results:
    bench = Bench(cfg, infra)
    try:
        for phase in (bench.raw, bench.pipeline, bench.relay_only):
            try:
                await phase()
            except Exception as exc:  # a failed phase must not hide the others' figures
                message = f"phase {phase.__name__} failed: {type(exc).__name__}: {exc}"
                say(f"!! {message}")
                bench.results.failures.append(message)
    finally:
        await bench.drop_schemas()
    report(cfg, bench.results, infra)
    if cfg.profile:
        print_profiles(bench.profiles)
    return bench.results


def parse(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.backbone",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=(
            "Measure backbone throughput in one run on one broker and database: "
            "(1) raw aiokafka getmany in a group doing no work; "
            "(2) the platform pipeline outbox -> Kafka -> inbox: outbox write, end to end, "
            "relay only and consumer only; "
            "(3) a naive per-message consumer, one SQLModel transaction per event. "
            "Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else starts the embedded "
            "PostgreSQL and Tansu broker and stops them at the end. Prints a table of "
            "events/s and the ratios against the targets (pipeline >= 50% of raw, >= 10x "
            "naive); exits 0 whether or not a target is met."
        ),
    )
    parser.add_argument("--events", type=int, default=50_000, help="events per path")
    parser.add_argument("--partitions", type=int, default=6, help="partitions of every topic")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=3_000,
        help="events for the naive consumer, at most --events",
    )
    parser.add_argument("--keys", type=int, default=1_000, help="distinct partition keys")
    parser.add_argument("--per-tx", type=int, default=5_000, help="events per outbox transaction")
    parser.add_argument(
        "--raw-repeats", type=int, default=3, help="raw reads (new group each); median reported"
    )
    parser.add_argument(
        "--relay",
        choices=("process", "loop"),
        default="process",
        help="end to end: run the relay in its own process (the source service is another "
        "process than the sink's) or in the consumer's event loop",
    )
    parser.add_argument(
        "--tracing",
        choices=("service", "off"),
        default="service",
        help="'service' installs the SDK tracer provider exactly as every service process "
        "does (OTEL exporter 'none'); 'off' leaves OpenTelemetry unconfigured (no-op spans)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.collect() + gc.freeze() before each timed phase (what a service could do "
        "after start-up); off by default because the platform does not do it",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile each timed phase in this process and print the top functions "
        "(slows every phase)",
    )
    args = parser.parse_args(argv)
    for name in ("events", "partitions", "naive_sample", "keys", "per_tx", "raw_repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return Config(
        events=args.events,
        partitions=args.partitions,
        naive_sample=args.naive_sample,
        keys=args.keys,
        per_tx=args.per_tx,
        raw_repeats=args.raw_repeats,
        relay=args.relay,
        tracing=args.tracing,
        gc_freeze=args.gc_freeze,
        profile=args.profile,
    )


@contextmanager
def infrastructure() -> Iterator[Infra]:
    infra = Infra.start()
    try:
        yield infra
    finally:
        if infra.stoppers:
            say("stopping the embedded infrastructure ...")
        infra.stop()


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if cfg.tracing == "service":
        configure_tracing("bench", "none")
    started = time.perf_counter()
    with infrastructure() as infra:
        asyncio.run(run(cfg, infra))
    say(f"total run time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
