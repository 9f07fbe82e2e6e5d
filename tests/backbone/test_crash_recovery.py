"""Nothing acknowledged is lost and nothing is applied twice when processes are killed.

The relay and the consumer run as separate OS processes (tests/backbone/ledger.py) and are
killed with SIGKILL mid-publish and mid-batch; the final ledger is compared, event by event,
with the events committed to the outbox.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from shared.settings import KafkaSettings
from tests.backbone.ledger import LEDGER_DDL, produce
from tests.backbone.support import eventually, migrated, scalar

pytestmark = [pytest.mark.broker, pytest.mark.database]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 3_000


def start(mode: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a ledger process logging to a file (a full, unread pipe would block it)."""
    log = Path(env["LEDGER_LOG_DIR"]) / f"{mode}.log"
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.backbone.ledger", mode],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def print_log_tails(folder: Path) -> None:
    """Show what the processes said, to explain a failure."""
    for log in sorted(folder.glob("*.log")):
        print(f"--- {log.name} (last lines)")
        print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            kill(process)


async def test_killing_relay_and_consumer_loses_nothing_and_applies_nothing_twice(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    source = await migrated(database_url, unique_schema + "_src", schemas)
    sink = await migrated(database_url, unique_schema + "_dst", schemas, LEDGER_DDL)
    committed = await produce(source, kafka, EVENTS)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "KAFKA_SESSION_TIMEOUT_MS": str(kafka.session_timeout_ms),
        "KAFKA_HEARTBEAT_INTERVAL_MS": str(kafka.heartbeat_interval_ms),
        "KAFKA_MAX_POLL_RECORDS": "200",
        "LEDGER_SOURCE_SCHEMA": source.schema,
        "LEDGER_SINK_SCHEMA": sink.schema,
        "LEDGER_GROUP": f"{kafka.topic_prefix}ledger",
        "LEDGER_RELAY_BATCH": "50",
        "LEDGER_HANDLER_DELAY_MS": "30",
        "PYTHONPATH": str(ROOT),
        "LEDGER_LOG_DIR": str(tmp_path),
    }

    async def published() -> int:
        return await scalar(source, "SELECT count(*) FROM outbox WHERE state = 'published'")

    async def applied() -> int:
        return await scalar(sink, "SELECT count(*) FROM ledger_applied")

    relay = start("relay", env)
    consumer = start("consume", env)
    processes = [relay, consumer]
    try:
        # Kill the relay while it is part-way through the outbox.
        await eventually(lambda: _at_least(published, EVENTS // 5), 60, 0.02)
        kill(relay)
        published_when_killed = await published()
        assert published_when_killed < EVENTS, "relay finished before it could be killed"
        relay = start("relay", env)
        processes.append(relay)

        # Kill the consumer mid-batch, twice.
        for fraction in (3, 2):
            await eventually(functools.partial(_at_least, applied, EVENTS // fraction), 120, 0.02)
            kill(consumer)
            consumer = start("consume", env)
            processes.append(consumer)

        await eventually(lambda: _at_least(applied, EVENTS), 180)
        await asyncio.sleep(2)  # let any stray redelivery land before comparing
    except AssertionError:
        print_log_tails(tmp_path)
        raise
    finally:
        for process in processes:
            stop(process)

    async with sink.connect() as conn:
        rows: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql("SELECT event_id::text, applied_count FROM ledger_applied")
        ).all()
    applied_ids = {event_id: count for event_id, count in rows}
    missing = [e for e in committed if e not in applied_ids]
    twice = {e: c for e, c in applied_ids.items() if c != 1}
    unexpected = set(applied_ids) - set(committed)
    assert not missing, f"{len(missing)} committed events never applied, e.g. {missing[:3]}"
    assert not twice, f"{len(twice)} events applied more than once, e.g. {list(twice.items())[:3]}"
    assert not unexpected
    assert await scalar(source, "SELECT count(*) FROM outbox WHERE state <> 'published'") == 0
    await source.dispose()
    await sink.dispose()


async def _at_least(probe: Callable[[], Awaitable[int]], n: int) -> bool:
    return bool(await probe() >= n)
