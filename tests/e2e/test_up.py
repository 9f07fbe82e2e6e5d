"""`commissioning up` brings every service up healthy, Ctrl-C leaves nothing behind, and
running it again on the same data directory loses nothing, although the embedded broker
starts empty."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

import psutil
import pytest

from shared.auth import Role, mint_token
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.db import Database
from shared.settings import KafkaSettings, PlatformSettings
from shared.trust import load_trust_config
from shared.unit_of_work import UnitOfWork
from tests.e2e.platform import (
    SERVICES,
    Platform,
    get,
    platform_up,
    start_up,
    wait_until_up,
)
from tests.ports import service_ports

pytestmark = pytest.mark.e2e


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
