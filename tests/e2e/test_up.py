"""`commissioning up` brings every service up healthy, Ctrl-C leaves nothing behind, and
running it again on the same data directory loses nothing, although the embedded broker
starts empty."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from shared.auth import Role, mint_token
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.db import Database
from shared.embedded import port_is_free
from shared.services import names
from shared.settings import KafkaSettings, PlatformSettings
from shared.trust import load_trust_config
from shared.unit_of_work import UnitOfWork

SERVICES = names()

pytestmark = pytest.mark.e2e


@dataclass
class Platform:
    process: subprocess.Popen[str]
    output: list[str]
    port_base: int
    database_url: str
    bootstrap_servers: str


def service_ports() -> int:
    """A base for four consecutive free ports below Linux's ephemeral range (32768+), where
    the ports `up` picks for PostgreSQL and the broker cannot land on them."""
    for _ in range(200):
        base = random.randrange(20_000, 32_000, 10)
        if all(port_is_free(base + i) for i in range(len(SERVICES))):
            return base
    raise RuntimeError("no four consecutive free ports between 20000 and 32000")


def start_up(data_dir: Path, port_base: int, broker: str = "tansu") -> subprocess.Popen[str]:
    """Start `commissioning up` with the embedded stack (no external infrastructure); the
    memory-only Tansu broker unless `broker` says otherwise (it starts in milliseconds)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS") and not k.startswith("KAFKA_")
    }
    env["COMMISSIONING_BROKER"] = broker
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.cli",
            "up",
            "--data-dir",
            str(data_dir),
            "--port-base",
            str(port_base),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_up(process: subprocess.Popen[str]) -> str:
    """Read `up`'s output until it has printed its summary; return what it printed."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "a token:" in line:
            break
    printed = "".join(lines)
    assert "Press Ctrl-C" in printed, printed
    return printed


@contextmanager
def platform_up(data_dir: Path, port_base: int, broker: str = "tansu") -> Iterator[Platform]:
    """Run `commissioning up` until it says it is up; Ctrl-C it afterwards and check it.
    What `up` prints meanwhile is collected in `Platform.output`."""
    process = start_up(data_dir, port_base, broker)
    try:
        printed = wait_until_up(process)
        database_url = re.search(r"^\s+PostgreSQL\s+(postgresql://\S+)", printed, re.M)
        bootstrap = re.search(r"^\s+Kafka\s+(\S+)$", printed, re.M)
        assert database_url and bootstrap, printed
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= len(SERVICES) + 2  # services, broker, PostgreSQL
        platform = Platform(process, printed.splitlines(), port_base, database_url[1], bootstrap[1])
        reader = threading.Thread(target=collect_output, args=(platform,), daemon=True)
        reader.start()
        yield platform
        children = psutil.Process(process.pid).children(recursive=True)  # restarts included
        process.send_signal(signal.SIGINT)
        process.wait(90)
        reader.join(10)
        rest = "\n".join(platform.output)
        assert process.returncode == 0, rest
        assert "stopping PostgreSQL" in rest
        time.sleep(0.5)
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running: {[c.cmdline() for c in alive]}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def collect_output(platform: Platform) -> None:
    assert platform.process.stdout is not None
    for line in platform.process.stdout:
        platform.output.append(line.rstrip("\n"))


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def submit_through_the_needs_outbox(platform: Platform) -> None:
    """An event staged in the needs service's own outbox, as its own code would."""
    db = Database(platform.database_url, "needs", pool_size=1)
    kafka = KafkaSettings(bootstrap_servers=platform.bootstrap_servers)
    value = IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency="nhs-county-durham",
        area=Area(kind=AreaKind.LOCALITY, code="easington"),
        period="2024",
        numerator=30,
        denominator=1500,
    )
    async with UnitOfWork(db, kafka, source="e2e", trust="county-durham") as uow:
        uow.publish(
            value, subject="teenage_conceptions/locality/easington/2024", locality="easington"
        )
        await uow.commit()
    await db.dispose()


async def count(platform: Platform, sql: str) -> int:
    db = Database(platform.database_url, "needs", pool_size=1)
    async with db.connect() as conn:
        found = int((await conn.exec_driver_sql(sql)).scalar_one())
    await db.dispose()
    return found


def test_up_twice_on_the_same_data_loses_nothing_and_applies_nothing_twice() -> None:
    data_dir = Path("/tmp") / f"commissioning-up-{os.getpid()}"
    port_base = service_ports()
    needs = f"http://127.0.0.1:{port_base}"
    trust = load_trust_config(None)
    jcu = mint_token(PlatformSettings().auth(trust.id), "e2e", [Role.JCU])
    try:
        with platform_up(data_dir, port_base) as platform:
            warning = "WARNING: the embedded broker is Tansu with memory storage"
            assert any(line.startswith(warning) for line in platform.output)
            for index, _ in enumerate(SERVICES):
                status, body = get(f"http://127.0.0.1:{port_base + index}/readyz")
                assert status == 200 and json.loads(body)["ready"] is True
            asyncio.run(submit_through_the_needs_outbox(platform))
            deadline = time.monotonic() + 60
            while "teenage_conceptions" not in get(f"{needs}/localities/easington/values", jcu)[1]:
                assert time.monotonic() < deadline, "the value never reached the needs service"
                time.sleep(0.5)

        with platform_up(data_dir, port_base) as platform:
            status, body = get(f"{needs}/localities/easington/values", jcu)
            assert status == 200 and "teenage_conceptions" in body
            deadline = time.monotonic() + 30
            log = data_dir / "logs" / "needs.log"
            while "a fresh broker; re-publishing 1 events" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.5)
            time.sleep(3)  # time for the re-published event to reach the consumer
            assert asyncio.run(count(platform, "SELECT count(*) FROM inbox")) == 1
            assert asyncio.run(count(platform, "SELECT count(*) FROM indicator_value")) == 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_even_a_killed_up_leaves_no_orphans() -> None:
    """SIGKILL gives `up` no chance to clean up: its children stop themselves."""
    data_dir = Path("/tmp") / f"commissioning-up-kill-{os.getpid()}"
    process = start_up(data_dir, service_ports())
    try:
        wait_until_up(process)
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= len(SERVICES) + 2
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 30
        alive = children
        while alive and time.monotonic() < deadline:
            time.sleep(0.5)
            alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"orphans: {[c.cmdline() for c in alive]}"
    finally:
        if process.poll() is None:
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
