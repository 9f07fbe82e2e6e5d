"""The measured phases: raw Kafka reads, the outbox -> Kafka -> inbox pipeline (outbox
write, end to end, consumer only, relay only) and the naive consumer."""

from __future__ import annotations

import asyncio
import cProfile
import multiprocessing
import statistics
import time
import uuid
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.backbone.instrumented import Assigned, TimedInbox, TimedRelay, relay_process
from bench.backbone.measure import (
    Clock,
    Ticker,
    Timed,
    batch_note,
    count_rows,
    fmt_rate,
    median_run,
    say,
    settle,
    wait_until,
)
from bench.backbone.model import Config, Results
from bench.backbone.peer import measure_peer
from bench.backbone.report import print_profiles, report
from bench.backbone.workload import (
    BENCH_TOPIC,
    PHASE_TIMEOUT_S,
    PROJECTION_COLUMNS,
    PROJECTION_DDL,
    SOURCE,
    TRUST,
    NaiveInboxRow,
    NaiveProjectionRow,
    apply_projection,
    projection_row,
    submitted,
)
from bench.infrastructure import Infra
from shared.contracts.registry import registry
from shared.db import Database, plain_url
from shared.kafka import consumer as platform_consumer
from shared.kafka import ensure_topics
from shared.migrations import BACKBONE_VERSIONS, upgrade
from shared.settings import KafkaSettings, RelaySettings
from shared.unit_of_work import UnitOfWork


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
        # Short session timeouts: group joins take ~half of it on Tansu.
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
        res.raw = median_run(runs, "reads")

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
            topics=[kafka.topic(BENCH_TOPIC)],
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
        topic = kafka.topic(BENCH_TOPIC)
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
        await self.consumer_and_peer(kafka)
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
                        cfg.loop,
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

    async def consumer_only(self, kafka: KafkaSettings, attempt: int) -> Timed:
        """A new inbox group (and sink schema) reads the published topic, from assignment."""
        cfg, res, timed = self.cfg, self.results, Timed()
        say(f"[pipeline] consumer only #{attempt}: a new group over the published topic ...")
        sink = await self.migrated(f"sink2_{attempt}", PROJECTION_DDL)
        stop = asyncio.Event()
        inbox = self.inbox(sink, kafka, f"consumer-only{attempt}")
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
            clock.stop(timed, cfg.events, wall_end=inbox.done_at)
            timed.notes.append(batch_note(inbox.applied, inbox.batches))
        finally:
            stop.set()
            await task
            await sink.dispose()
        say(f"[pipeline] consumer only #{attempt}: {fmt_rate(timed.per_s)}/s")
        return timed

    async def consumer_and_peer(self, kafka: KafkaSettings) -> None:
        """Consumer only and the FastStream peer over the same published topic, --repeats
        times each, alternating which goes first; the medians are reported."""
        mine: list[Timed] = []
        peers: list[Timed] = []
        for attempt in range(1, self.cfg.repeats + 1):
            if attempt % 2:
                mine.append(await self.consumer_only(kafka, attempt))
                peers.append(await measure_peer(self, kafka, attempt))
            else:
                peers.append(await measure_peer(self, kafka, attempt))
                mine.append(await self.consumer_only(kafka, attempt))
        self.results.consumer_only = median_run(mine, "reads")
        self.results.faststream = median_run(peers, "reads")

    async def relay_only(self) -> None:
        cfg, res = self.cfg, self.results
        say("[relay] relay only: staging a second outbox, then running the relay alone ...")
        kafka = self.kafka("r")
        topic = kafka.topic(BENCH_TOPIC)
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
        consumer.subscribe([kafka.topic(BENCH_TOPIC)])
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
                    async with AsyncSession(db.engine) as session:
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
            # One offset commit at the end: per-message commits are slower still.
            await consumer.commit()
        finally:
            await consumer.stop()
            await db.dispose()
        say(f"[naive] {done:,} applied at {fmt_rate(res.naive.per_s)}/s")


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
