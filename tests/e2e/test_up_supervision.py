"""`commissioning up` supervises what it started: under a steady stream of records that the
broker acknowledged, a service, the broker and PostgreSQL are each SIGKILLed at a known
point (after a given number of records were applied); `up` notices, restarts and reports
each, and in the end every acknowledged record was applied exactly once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.contracts import registry
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.embedded import EmbeddedPostgres
from shared.envelope import Envelope
from shared.topics import INDICATOR_VALUES
from tests.e2e.platform import Platform, platform_up
from tests.ports import service_ports

pytestmark = pytest.mark.e2e

PERIOD = "2031"
TRUST = "county-durham"


def value(n: int) -> IndicatorValueSubmitted:
    """The n-th record: its own revision of one figure, so each is stored as its own row."""
    return IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency="nhs-county-durham",
        area=Area(kind=AreaKind.LOCALITY, code="easington"),
        period=PERIOD,
        numerator=n % 50,
        denominator=1500,
        revision=n + 1,
    )


class Load:
    """Produces records in batches of 50 until stopped; keeps the ids the broker acked.
    A batch that fails (broker down) is sent again, same ids: the inbox makes that safe."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.acked: set[str] = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            batch = [
                registry.envelope(
                    value(i),
                    source="e2e",
                    subject=f"teenage_conceptions/locality/easington/{PERIOD}",
                    trust="county-durham",
                    locality="easington",
                )
                for i in range(n, n + 50)
            ]
            for _ in range(1_000):
                if await self._send(batch):
                    break
                await asyncio.sleep(0.5)
            else:
                raise AssertionError("the broker never acknowledged a batch again")
            self.acked.update(str(e.id) for e in batch)
            n += 50
            await asyncio.sleep(0.2)

    async def _send(self, batch: list[Envelope]) -> bool:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        try:
            await producer.start()
            futures = [
                await producer.send(
                    INDICATOR_VALUES.for_agency("nhs-county-durham"),
                    e.to_bytes(),
                    key=e.subject.encode(),
                    headers=e.headers(),
                )
                for e in batch
            ]
            await asyncio.gather(*futures)
        except (KafkaError, OSError):
            return False
        finally:
            await producer.stop()
        return True


def applied(platform: Platform) -> set[str]:
    async def ids() -> set[str]:
        conn = await asyncpg.connect(platform.database_url)
        try:
            rows = await conn.fetch("SELECT event_id FROM needs.inbox")
        finally:
            await conn.close()
        return {str(r["event_id"]) for r in rows}

    try:
        return asyncio.run(ids())
    except (OSError, asyncpg.PostgresError):
        return set()  # PostgreSQL is being restarted


def stored_revisions(platform: Platform) -> int:
    async def rows() -> int:
        conn = await asyncpg.connect(platform.database_url)
        try:
            found: int = await conn.fetchval(
                "SELECT count(*) FROM needs.indicator_value WHERE period = $1", PERIOD
            )
        finally:
            await conn.close()
        return found

    return asyncio.run(rows())


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout_s}s: {what}"
        time.sleep(0.5)


def child(platform: Platform, *words: str) -> psutil.Process:
    """The process `up` started whose command line has all of `words`."""
    for process in psutil.Process(platform.process.pid).children():
        if all(any(w in part for part in process.cmdline()) for w in words):
            return process
    raise AssertionError(f"no child of up runs {words}")


def kill_after(platform: Platform, load: Load, applied_at_least: int, *words: str) -> None:
    """Once `applied_at_least` records are applied, SIGKILL the child running `words`."""
    wait_for(lambda: len(applied(platform)) >= applied_at_least, f"{applied_at_least} applied")
    child(platform, *words).send_signal(signal.SIGKILL)


def said(platform: Platform, text: str) -> Callable[[], bool]:
    return lambda: any(text in line for line in platform.output)


def test_up_restarts_whatever_dies_under_load_and_loses_nothing_acknowledged() -> None:
    data_dir = Path("/tmp") / f"commissioning-up-supervise-{os.getpid()}"
    try:
        with platform_up(data_dir, service_ports(), broker="auto") as platform:
            durable = any("embedded Apache Kafka" in line for line in platform.output)
            load = Load(platform.bootstrap_servers)
            load.thread.start()

            kill_after(platform, load, 200, "serve", "needs")
            wait_for(said(platform, "needs exited unexpectedly with -9"), "up reports the crash")
            wait_for(said(platform, "needs restarted"), "up restarts needs")

            kill_after(platform, load, 600, "postgres", "-D")
            wait_for(said(platform, "PostgreSQL restarted"), "up restarts PostgreSQL")

            if durable:  # a memory-only broker would lose what it acknowledged, by design
                kill_after(platform, load, 1000, "kafka.Kafka")
                wait_for(said(platform, "the broker restarted"), "up restarts the broker")

            wait_for(lambda: len(applied(platform)) >= 1400, "the stream carries on")
            load.stopping.set()
            load.thread.join(60)
            acked = load.acked
            wait_for(lambda: acked <= applied(platform), "every acknowledged record applied")
            assert len(applied(platform)) == len(acked)  # nothing the test did not send
            assert stored_revisions(platform) == len(acked)  # each stored once
            assert sum("exited unexpectedly" in line for line in platform.output) == 2 + durable
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_up_stops_a_postgresql_left_running_on_its_data_and_keeps_the_data() -> None:
    """As after an `up` that died without its children noticing: the server is stopped
    cleanly (fast shutdown) and started again on the same data; nothing is lost."""
    data_dir = Path("/tmp") / f"commissioning-up-leftover-{os.getpid()}"
    leftover = EmbeddedPostgres(data_dir / "postgres")
    try:
        leftover.start()
        assert leftover.process is not None
        asyncio.run(execute(leftover.url, "CREATE TABLE public.kept AS SELECT 7 AS n"))
        with platform_up(data_dir, service_ports()) as platform:
            stopped = f"stopped PostgreSQL (pid {leftover.process.pid}) left running"
            assert any(stopped in line for line in platform.output), platform.output
            assert leftover.process.poll() is not None
            kept = asyncio.run(execute(platform.database_url, "SELECT n FROM public.kept"))
            assert kept == 7
    finally:
        leftover.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def execute(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()
