"""A projection is rebuilt from the event history into fresh tables and switched over while
the old one serves: the same state as the live projection, and nothing published during the
rebuild is lost or applied twice (shared/rebuild.py explains why)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bench.tally import TOPIC, apply_tally, definition, metadata
from shared.db import Database
from shared.grants import grant_schema
from shared.inbox import InboxConsumer
from shared.outbox import OutboxRelay
from shared.projections import Projection, projection_status
from shared.rebuild import ProjectionPublishes, Rebuild, RebuildRefused, rebuild_lock_key
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings, RelaySettings
from shared.trust import load_trust_config
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import ledger_consumer, produce
from tests.backbone.support import eventually, migrated, scalar

pytestmark = [pytest.mark.broker, pytest.mark.database]

PROJECTION = Projection(definition, definition.consumers[0])


@dataclass
class Rig:
    """A source service publishing through its outbox, and the tally projection's schema."""

    source: Database
    live: Database
    kafka: KafkaSettings
    settings: PlatformSettings

    def consumer(self) -> InboxConsumer:
        return ledger_consumer(PROJECTION.group(self.kafka), self.live, self.kafka, apply_tally)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            service="src",
            database_url=self.settings.database.database_url,
            schema=self.source.schema,
            kafka=self.kafka,
            relay=RelaySettings(batch_size=200),
        )

    def rebuild(self, **options: Any) -> Rebuild:
        return Rebuild(
            PROJECTION,
            self.settings,
            topics=[self.kafka.topic(TOPIC)],
            handler=apply_tally,
            trust="durham",
            batch_records=150,
            **options,
        )

    async def applied(self) -> int:
        return await scalar(self.live, "SELECT count(DISTINCT event_id) FROM tally_story")

    async def state(self) -> tuple[Sequence[Any], Sequence[Any]]:
        """Totals per subject, and every story row without its arrival number."""
        async with self.live.connect() as conn:
            totals = (await conn.exec_driver_sql("SELECT * FROM tally_totals ORDER BY 1")).all()
            story = (
                await conn.exec_driver_sql(
                    "SELECT event_id, subject, n FROM tally_story ORDER BY event_id"
                )
            ).all()
        return totals, story


@pytest.fixture
async def rig(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> AsyncIterator[Rig]:
    source = await migrated(database_url, unique_schema + "_src", schemas)
    live = await migrated(database_url, unique_schema + "_dst", schemas)
    schemas.append(unique_schema + "_dst_rebuild")
    async with live.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=live.schema),
    )
    yield Rig(source, live, kafka, settings)
    await source.dispose()
    await live.dispose()


@asynccontextmanager
async def running(*components: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in components]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_a_rebuild_yields_exactly_the_state_of_the_live_projection(rig: Rig) -> None:
    ids = await produce(rig.source, rig.kafka, 400)
    async with running(rig.relay(), rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 400), 90)
        # The history holds duplicates: 60 events are published a second time.
        async with rig.source.connect() as conn:
            await conn.exec_driver_sql("UPDATE outbox SET state = 'pending' WHERE seq % 7 = 0")
        await eventually(lambda: _all_published(rig.source), 60)
    expected = await rig.state()
    assert len(expected[1]) == len(ids)
    # The live projection goes wrong (a defect since fixed, say): the rebuild repairs it.
    async with rig.live.connect() as conn:
        await conn.exec_driver_sql("UPDATE tally_totals SET events = 0")
        await conn.exec_driver_sql("DELETE FROM tally_story WHERE n % 2 = 0")

    result = await rig.rebuild().run()

    assert await rig.state() == expected
    assert result.applied == len(ids)
    assert result.records == len(ids) + len([n for n in range(1, 401) if n % 7 == 0])
    assert result.skipped == 0
    assert not await _schema_exists(rig.live, rig.live.schema + "_rebuild")


async def test_events_published_during_a_rebuild_are_neither_lost_nor_applied_twice(
    rig: Rig,
) -> None:
    first = await produce(rig.source, rig.kafka, 300)
    during: list[str] = []
    live = Background(rig.consumer)

    async def more_events_arrive() -> None:
        # Past the rebuild's last read: 100 that the live projection applies before the
        # switch, then 100 in the history that it has not read when the switch happens.
        during.extend(await produce(rig.source, rig.kafka, 100))
        await eventually(lambda: _reaches(rig.applied, 400), 60)
        await live.stop()
        during.extend(await produce(rig.source, rig.kafka, 100))
        await eventually(lambda: _all_published(rig.source), 60)

    async with running(rig.relay()):
        live.start()
        await eventually(lambda: _reaches(rig.applied, 300), 90)
        result = await rig.rebuild(before_switch=more_events_arrive).run()
        live.start()  # from its committed offsets: the last 100 again
        await eventually(lambda: _lag_is(rig, load_trust_config(None), 0), 60)
        await live.stop()

    totals, story = await rig.state()
    assert sorted(str(row[0]) for row in story) == sorted(first + during), "each event once"
    assert sum(row[1] for row in totals) == 500
    assert result.applied == 500, "the switch took in all 500, 100 of them not yet live"


class Background:
    """A component run in the background, stopped and started again at will."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.task: asyncio.Task[None] | None = None
        self.stop_event = asyncio.Event()

    def start(self) -> None:
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(self.make().run(self.stop_event))

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            await self.task


async def test_a_rebuild_that_misses_an_event_the_live_projection_applied_changes_nothing(
    rig: Rig,
) -> None:
    await produce(rig.source, rig.kafka, 50)
    async with running(rig.relay(), rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 50), 90)
    # An event applied live that the history no longer holds.
    async with rig.live.connect() as conn:
        await conn.exec_driver_sql(
            'INSERT INTO inbox (consumer, event_id, event_type, topic, partition, "offset") '
            f"VALUES ('{PROJECTION.group(rig.kafka)}', gen_random_uuid(), 'x', 't', 0, 0)"
        )
    before = await rig.state()

    with pytest.raises(RebuildRefused, match="1 events the live projection applied"):
        await rig.rebuild().run()

    assert await rig.state() == before
    assert not await _schema_exists(rig.live, rig.live.schema + "_rebuild")


async def test_a_rebuild_killed_mid_way_leaves_the_live_projection_and_the_next_starts_afresh(
    rig: Rig,
) -> None:
    """A rebuild killed before its switch-over leaves its shadow schema behind, half full,
    with inbox rows for events its tables never got; the live projection serves on, and the
    next rebuild starts from nothing, so it neither skips those events nor doubles them."""
    await produce(rig.source, rig.kafka, 60)
    async with running(rig.relay(), rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 60), 60)
    expected = await rig.state()
    shadow = f'"{rig.live.schema}_rebuild"'
    async with rig.live.connect() as conn:  # what a SIGKILL mid-rebuild leaves behind
        await conn.exec_driver_sql(f"CREATE SCHEMA {shadow}")
        for table in ("tally_totals", "tally_story", "inbox"):
            await conn.exec_driver_sql(f"CREATE TABLE {shadow}.{table} AS TABLE {table}")
        await conn.exec_driver_sql(f"DELETE FROM {shadow}.tally_story")
        await conn.exec_driver_sql(f"UPDATE {shadow}.tally_totals SET events = events + 1")
    assert await rig.state() == expected

    result = await rig.rebuild().run()

    assert await rig.state() == expected
    assert result.applied == 60
    assert not await _schema_exists(rig.live, rig.live.schema + "_rebuild")


async def test_status_shows_each_projections_lag_and_last_event(rig: Rig) -> None:
    trust = load_trust_config(None)
    await produce(rig.source, rig.kafka, 40)
    async with running(rig.relay()):
        await eventually(lambda: _all_published(rig.source), 60)
    idle = await projection_status(PROJECTION, rig.settings, trust)
    assert (idle.lag, idle.committed, idle.last_event_type) == (40, False, None)

    async with running(rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 40), 60)
        await eventually(lambda: _lag_is(rig, trust, 0), 30)
    caught_up = await projection_status(PROJECTION, rig.settings, trust)
    assert caught_up.committed
    assert caught_up.last_event_type == "needs.IndicatorValueSubmitted.v1"
    assert caught_up.last_event_at is not None


async def _lag_is(rig: Rig, trust: Any, lag: int) -> bool:
    return (await projection_status(PROJECTION, rig.settings, trust)).lag == lag


async def _reaches(probe: Any, n: int) -> bool:
    return bool(await probe() >= n)


async def _all_published(source: Database) -> bool:
    return await scalar(source, "SELECT count(*) FROM outbox WHERE state <> 'published'") == 0


async def _schema_exists(db: Database, schema: str) -> bool:
    async with db.connect() as conn:
        found = await conn.exec_driver_sql(
            f"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'"
        )
        return bool(found.scalar())


async def test_the_service_role_keeps_its_rights_on_the_rebuilt_tables(
    rig: Rig, database_url: str
) -> None:
    """In a deployment the service runs under its own role (shared/grants.py); the new
    tables must give it what the old ones did, or the live consumer fails after the switch."""
    role = f"svc_{rig.live.schema[-12:]}"
    async with rig.live.connect() as conn:
        await conn.exec_driver_sql(f'CREATE ROLE "{role}"')
    try:
        await grant_schema(database_url, rig.live.schema, role)
        await produce(rig.source, rig.kafka, 20)
        async with running(rig.relay(), rig.consumer()):
            await eventually(lambda: _reaches(rig.applied, 20), 60)

        await rig.rebuild().run()

        async with rig.live.connect() as conn:
            rights = (
                await conn.exec_driver_sql(
                    f"SELECT has_table_privilege('{role}', 'tally_story', 'INSERT'), "
                    f"has_table_privilege('{role}', 'tally_totals', 'UPDATE'), "
                    f"has_sequence_privilege('{role}', 'tally_story_seq_seq', 'USAGE')"
                )
            ).one()
        assert tuple(rights) == (True, True, True)
    finally:
        async with rig.live.connect() as conn:
            await conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            await conn.exec_driver_sql(f'DROP ROLE "{role}"')


async def test_a_projection_that_publishes_is_not_rebuilt(rig: Rig) -> None:
    """Replaying the history through a handler that publishes would publish it all again."""

    async def publishing(events: Any, uow: UnitOfWork) -> None:
        await apply_tally(events, uow)
        for event in events:
            uow.publish(event.payload, subject=event.envelope.subject)

    await produce(rig.source, rig.kafka, 10)
    async with running(rig.relay(), rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 10), 60)
    before = await rig.state()

    rebuild = rig.rebuild()
    rebuild.handler = publishing
    with pytest.raises(ProjectionPublishes):
        await rebuild.run()

    assert await rig.state() == before
    assert await scalar(rig.live, "SELECT count(*) FROM outbox") == 0


async def test_one_rebuild_of_a_services_projections_runs_at_a_time(rig: Rig) -> None:
    pool = await rig.live.pool()
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT pg_advisory_lock($1)", rebuild_lock_key(rig.live.schema))
        try:
            with pytest.raises(RebuildRefused, match="another rebuild"):
                await rig.rebuild().run()
        finally:
            await conn.fetchval("SELECT pg_advisory_unlock($1)", rebuild_lock_key(rig.live.schema))


async def test_a_switch_that_cannot_have_its_locks_soon_gives_up_and_changes_nothing(
    rig: Rig,
) -> None:
    """The service's consumers queue behind a waiting lock: the switch waits a bounded time."""
    await produce(rig.source, rig.kafka, 10)
    async with running(rig.relay(), rig.consumer()):
        await eventually(lambda: _reaches(rig.applied, 10), 60)
    before = await rig.state()
    pool = await rig.live.pool()
    async with pool.acquire() as reader, reader.transaction():
        await reader.fetch("SELECT * FROM tally_totals")  # a long read holds its lock
        with pytest.raises(RebuildRefused, match="stayed busy for 0.5 s"):
            await rig.rebuild(lock_timeout_s=0.5).run()
    assert await rig.state() == before
