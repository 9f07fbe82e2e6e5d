"""After `commissioning up` is restarted on a fresh embedded broker (Tansu keeps nothing),
the boards' projections are unchanged: every service's relay re-publishes its whole
history, and the boards' inboxes take none of it twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.boards.projections import PROJECTIONS
from services.boards.service import definition as boards
from shared.db import Database
from shared.envelope import Event
from shared.outbox import OutgoingEvent, stage
from shared.projections import Projection, projection_status
from shared.services import definitions
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.trust import load_trust_config
from tests.boards.story import cycle
from tests.e2e.platform import Platform, platform_up
from tests.ports import service_ports

pytestmark = pytest.mark.e2e

BOARDS = [Projection(boards, spec) for spec in boards.consumers]
REPLYING = [
    Projection(service, spec)
    for service in definitions()
    if service.name != boards.name
    for spec in service.consumers
]


async def stage_in_each_publishers_outbox(platform: Platform) -> None:
    """The boards' story, each event staged in the outbox of the service that publishes
    its topic, as that service's own code would."""
    by_service: dict[str, list[tuple[str, Event[Any]]]] = defaultdict(list)
    for topic, event in cycle():
        by_service[topic.split(".", 1)[0]].append((topic, event))
    kafka = KafkaSettings(bootstrap_servers=platform.bootstrap_servers)
    for service, told in by_service.items():
        db = Database(platform.database_url, service, pool_size=1)
        pool = await db.pool()
        async with pool.acquire() as conn, conn.transaction():
            events = [OutgoingEvent.of(e.envelope, t, kafka.max_event_bytes) for t, e in told]
            await stage(conn, events, schema=service)
        await db.dispose()


async def boards_state(platform: Platform) -> dict[str, Any]:
    """Every board's documents, and its story by event (not by arrival number)."""
    db = Database(platform.database_url, "boards", pool_size=1)
    found: dict[str, Any] = {}
    async with (await db.pool()).acquire() as conn:
        for p in PROJECTIONS:
            documents, story = p.tables.names
            found[documents] = [
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT kind, key, localities, body::text, occurred_at FROM {documents} "
                    "ORDER BY kind, key"
                )
            ]
            found[story] = [
                tuple(r)
                for r in await conn.fetch(
                    f"SELECT event_id, kind, key, localities, summary, occurred_at FROM {story} "
                    "ORDER BY event_id"
                )
            ]
    await db.dispose()
    return found


async def caught_up(platform: Platform) -> bool:
    """Every outbox published and every board projection at the end of its topics."""
    settings = PlatformSettings(
        kafka=KafkaSettings(bootstrap_servers=platform.bootstrap_servers),
        database=DatabaseSettings(DATABASE_URL=platform.database_url),
    )
    db = Database(platform.database_url, "public", pool_size=1)
    async with (await db.pool()).acquire() as conn:
        pending = sum(
            [
                await conn.fetchval(f"SELECT count(*) FROM {s}.outbox WHERE state = 'pending'")
                for s in ("needs", "projects", "procurement", "monitoring")
            ]
        )
    await db.dispose()
    if pending:
        return False
    trust = load_trust_config(None)
    for p in BOARDS:
        status = await projection_status(p, settings, trust)
        if status.lag or not status.committed:
            return False
    # What the services do in reply (monitoring raising an alert on a return it consumed)
    # must have happened too: every other consumer at the end of its topics.
    for p in REPLYING:
        if (await projection_status(p, settings, trust)).lag:
            return False
    return True


def wait_for(check: Any, platform: Platform, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not asyncio.run(check(platform)):
        assert time.monotonic() < deadline, "\n".join(platform.output[-40:])
        time.sleep(1)


def test_the_boards_are_unchanged_after_up_restarts_on_a_fresh_broker() -> None:
    data_dir = Path("/tmp") / f"commissioning-up-boards-{os.getpid()}"
    port_base = service_ports()
    try:
        with platform_up(data_dir, port_base) as platform:
            asyncio.run(stage_in_each_publishers_outbox(platform))
            wait_for(caught_up, platform, 120)
            time.sleep(2)  # a reply staged just as the check passed has reached the boards
            wait_for(caught_up, platform, 60)
            before = asyncio.run(boards_state(platform))

        restarted = datetime.now(UTC)
        with platform_up(data_dir, port_base) as platform:
            logs = data_dir / "logs"
            deadline = time.monotonic() + 60
            while not all(
                "a fresh broker; re-publishing" in (logs / f"{s}.log").read_text()
                for s in ("needs", "projects", "procurement", "monitoring")
            ):
                assert time.monotonic() < deadline, "the relays did not re-publish"
                time.sleep(0.5)
            wait_for(caught_up, platform, 120)
            after = asyncio.run(boards_state(platform))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    assert all(before[p.tables.story] for p in PROJECTIONS), "each board was told the story"
    for table, rows in before.items():
        assert_kept(table, rows, after[table], restarted)


def hashable(row: Any) -> tuple[Any, ...]:
    return tuple(tuple(v) if isinstance(v, list) else v for v in row)


def assert_kept(table: str, before: list[Any], after: list[Any], restarted: datetime) -> None:
    """Every row is still there, once and unchanged; the only new rows are facts that arose
    after the restart (monitoring's clock finding a return now overdue raises an alert on
    the wall clock, which the boards rightly show)."""
    before, after = [hashable(r) for r in before], [hashable(r) for r in after]
    assert len(after) == len(set(after)), f"{table}: a row applied twice"
    assert not set(before) - set(after), f"{table}: lost or changed {set(before) - set(after)}"
    new = set(after) - set(before)
    assert all(row[-1] >= restarted for row in new), f"{table}: rows from before {new}"
