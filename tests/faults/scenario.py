"""One fault scenario: events committed through an outbox, relayed and consumed by separate
processes, one of which is SIGKILLed at a failpoint and restarted; then the ledger check.

The check compares the sink's ledger with what was committed, event by event:
- lost: committed, not a poison event, never applied;
- doubled: applied more than once (the ledger counts applications with an upsert, so a
  primary key cannot hide a second application);
- dead and applied: in the dead-letter topic and also applied;
- poison not dead-lettered: a poison event neither applied nor in the dead-letter topic;
- out of order: for a key, applied in another order than committed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.db import Database
from shared.envelope import header_value
from shared.failpoints import ENV_VAR as FAILPOINT_ENV
from shared.settings import KafkaSettings
from tests.backbone.ledger import LEDGER_DDL, LEDGER_TOPIC, MUTATION_ENV, is_poison, produce
from tests.backbone.support import migrated, read_records, scalar
from tests.backbone.test_crash_recovery import ROOT, print_log_tails, start, stop

EVENTS = 2_000
KEYS = 8


@dataclass
class Verdict:
    """What the ledger check found."""

    events: int
    kills: int
    applied: int
    dead_lettered: int
    caught_up: bool
    lost: list[str] = field(default_factory=list)
    doubled: dict[str, int] = field(default_factory=dict)
    dead_and_applied: list[str] = field(default_factory=list)
    poison_missing: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        found = [
            f"{name}: {len(items)}, e.g. {list(items)[:3]}"
            for name, items in (
                ("lost", self.lost),
                ("applied twice", self.doubled),
                ("dead-lettered and applied", self.dead_and_applied),
                ("poison neither applied nor dead-lettered", self.poison_missing),
                ("keys out of order", self.out_of_order),
            )
            if items
        ]
        if not self.caught_up:
            found.append("the consumer never caught up with the topic")
        return found

    def summary(self) -> str:
        return (
            f"events {self.events}, kills {self.kills}, applied {self.applied}, "
            f"dead-lettered {self.dead_lettered}, lost {len(self.lost)}, "
            f"doubled {len(self.doubled)}, dead and applied {len(self.dead_and_applied)}, "
            f"keys out of order {len(self.out_of_order)}"
        )


@dataclass
class Scenario:
    """A failpoint, the hit counts at which successive processes are killed, and options."""

    failpoint: str
    hits: tuple[int, ...]
    poison_every: int | None = None
    mutation: str | None = None
    events: int = EVENTS
    settle_timeout_s: float = 90.0
    then: tuple[str, int] | None = None
    """A last kill at another point and hit, in the same process kind: e.g. inside the
    redelivery that the kills before it cause."""

    @property
    def armed(self) -> str:
        return "relay" if self.failpoint.startswith("outbox.") else "consume"

    @property
    def kills(self) -> list[tuple[str, int]]:
        """Each armed process's failpoint and hit, in order."""
        return [(self.failpoint, hit) for hit in self.hits] + ([self.then] if self.then else [])


async def run(
    scenario: Scenario,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    schema: str,
    logs: Path,
) -> Verdict:
    """Run the scenario and return the ledger check's verdict (never raises on a violation)."""
    source = await migrated(database_url, schema + "_src", schemas)
    sink = await migrated(database_url, schema + "_dst", schemas, LEDGER_DDL)
    committed = await produce(source, kafka, scenario.events, keys=KEYS)
    env = _environment(scenario, database_url, kafka, source, sink, logs)
    group = env["LEDGER_GROUP"]
    other = "consume" if scenario.armed == "relay" else "relay"
    processes = [start(other, env)]
    kills = 0
    try:
        for point, hit in scenario.kills:
            armed = start(scenario.armed, {**env, FAILPOINT_ENV: f"{point}@{hit}"})
            processes.append(armed)
            code = await _exit_code(armed, 120)
            assert code == -signal.SIGKILL, (
                f"{scenario.armed} was not killed at {point}@{hit} (exit {code})"
            )
            kills += 1
        processes.append(start(scenario.armed, env))
        caught_up = await _caught_up(source, kafka, group, scenario.settle_timeout_s)
        await asyncio.sleep(1.5)  # let any stray redelivery land before comparing
    except AssertionError:
        print_log_tails(logs)
        raise
    finally:
        for process in processes:
            stop(process)
    verdict = await _check(scenario, committed, sink, kafka, kills, caught_up)
    await source.dispose()
    await sink.dispose()
    return verdict


def _environment(
    scenario: Scenario,
    database_url: str,
    kafka: KafkaSettings,
    source: Database,
    sink: Database,
    logs: Path,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (FAILPOINT_ENV, MUTATION_ENV)} | {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "KAFKA_SESSION_TIMEOUT_MS": str(kafka.session_timeout_ms),
        "KAFKA_HEARTBEAT_INTERVAL_MS": str(kafka.heartbeat_interval_ms),
        "KAFKA_MAX_POLL_RECORDS": "200",
        "LEDGER_SOURCE_SCHEMA": source.schema,
        "LEDGER_SINK_SCHEMA": sink.schema,
        "LEDGER_GROUP": f"{kafka.topic_prefix}ledger",
        "LEDGER_RELAY_BATCH": "100",
        "PYTHONPATH": str(ROOT),
        "LEDGER_LOG_DIR": str(logs),
    }
    if scenario.poison_every:
        env["LEDGER_POISON_EVERY"] = str(scenario.poison_every)
    if scenario.mutation:
        env[MUTATION_ENV] = scenario.mutation
    return env


async def _exit_code(process: subprocess.Popen[bytes], timeout_s: float) -> int | None:
    try:
        return await asyncio.to_thread(process.wait, timeout_s)
    except subprocess.TimeoutExpired:
        return None


async def _caught_up(source: Database, kafka: KafkaSettings, group: str, timeout_s: float) -> bool:
    """Every outbox row published and the group's committed offsets at the topic's end."""
    topic = kafka.topic(LEDGER_TOPIC)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    # Offsets read through a consumer of the group that never joins it (aiokafka's admin
    # client cannot decode Tansu's OffsetFetch answer); partitions through a producer's
    # metadata (a consumer only learns those of topics it subscribes to).
    reader = AIOKafkaConsumer(**kafka.client_options(), group_id=group, enable_auto_commit=False)
    metadata = AIOKafkaProducer(**kafka.client_options())
    await reader.start()
    await metadata.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await metadata.partitions_for(topic)]
        while loop.time() < deadline:
            pending = await scalar(source, "SELECT count(*) FROM outbox WHERE state <> 'published'")
            if pending == 0 and await _group_at_end(reader, partitions):
                return True
            await asyncio.sleep(0.25)
        return False
    finally:
        await reader.stop()
        await metadata.stop()


async def _group_at_end(reader: AIOKafkaConsumer, partitions: list[TopicPartition]) -> bool:
    ends = await reader.end_offsets(partitions)
    for tp, end in ends.items():
        if (await reader.committed(tp) or 0) < end:
            return False
    return True


async def _check(
    scenario: Scenario,
    committed: list[str],
    sink: Database,
    kafka: KafkaSettings,
    kills: int,
    caught_up: bool,
) -> Verdict:
    async with sink.connect() as conn:
        rows: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql(
                "SELECT event_id::text, subject, n, applied_count FROM ledger_applied "
                "ORDER BY arrival"
            )
        ).all()
    applied = {event_id: count for event_id, _, _, count in rows}
    poison = {e for n, e in enumerate(committed) if is_poison(n, scenario.poison_every)}
    dlq = kafka.topic(LEDGER_TOPIC) + ".dlq"
    dead = {
        header_value(r.headers, "ce_id") for r in await read_records(kafka, dlq, len(poison), 10)
    }
    verdict = Verdict(
        events=len(committed),
        kills=kills,
        applied=len(applied),
        dead_lettered=len(dead),
        caught_up=caught_up,
    )
    verdict.lost = [e for e in committed if e not in applied and e not in poison]
    verdict.doubled = {e: c for e, c in applied.items() if c != 1}
    verdict.dead_and_applied = sorted(e for e in dead if e is not None and e in applied)
    verdict.poison_missing = sorted(e for e in poison if e not in dead and e not in applied)
    last_n: dict[str, int] = {}
    for _, subject, n, _ in rows:
        if last_n.get(subject, -1) > n:
            verdict.out_of_order.append(subject)
        last_n[subject] = n
    return verdict
