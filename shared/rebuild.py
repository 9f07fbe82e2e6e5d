"""Rebuild a projection from the event history and switch over while the old one serves.

How it goes (`Rebuild.run`):

1. A shadow schema, `<schema>_rebuild`, gets fresh copies of the projection's tables (from
   the same table definitions) and a fresh inbox. The rebuild's connections search the
   shadow schema first and the live one after, so the projection's own handler writes the
   shadow tables and de-duplicates by event id in the shadow inbox (the history may hold
   the same event twice), while any other table of the service is read where it lives.
   A projection publishes nothing: an event staged during a rebuild stops it.
2. A consumer that joins no group reads every partition of the projection's topics from
   offset 0 up to the end offsets captured at the start, applying batches through the
   inbox's own batch logic. Records it cannot apply are skipped and counted: the live
   consumer dead-lettered them already. Then it catches up to the ends of that moment.
3. The switch-over, in one PostgreSQL transaction:
   - `LOCK inbox IN SHARE MODE` on the live schema. Every consumer writes its inbox rows
     first in its transaction, then its tables: the lock waits for batches in flight to
     commit, and holds new ones before they write anything. From here the live inbox is
     frozen, and with it the set L of events the live tables reflect.
   - `LOCK <projection tables> IN ACCESS EXCLUSIVE MODE`: readers finish; later readers
     wait for the switch (milliseconds) and then read the new tables.
   - Catch up to the end offsets read now. Every event in L was read from these topics,
     so it lies below these ends: the shadow now reflects a set S of events with L ⊆ S.
     That is checked (an anti-join of the two inboxes): if an event the live projection
     applied is missing from the rebuild (no longer in the history, or refused by the
     handler now), the rebuild stops and nothing changes.
   - The shadow inbox rows are added to the live inbox (the live consumer's name), the
     live tables are dropped and the shadow tables moved into the live schema, with the
     old tables' privileges granted again. Commit.
4. The live consumer group's offsets are left alone. After the commit its consumer goes on
   from its committed offsets (or from the batch the lock held): every event it is
   given is either in S, so in the new inbox and skipped, or not, so applied once to the
   new tables. Events in S were applied once by the rebuild; events the live consumer
   applied before the switch are in L ⊆ S. So across the switch nothing is lost and
   nothing is applied twice (tests/backbone/test_projection_rebuild.py, with events
   published and applied while the rebuild runs).

While the locks are held, the service's other consumers wait at their next inbox write:
the final catch-up is short because a catch-up without locks runs just before it, and a
lock not granted within `lock_timeout_s` (a long transaction in the way, which consumers
would queue behind) stops the rebuild, changing nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import asyncpg
from aiokafka import TopicPartition
from sqlalchemy import Connection, Enum, Table
from sqlalchemy.ext.asyncio import create_async_engine

from shared.backbone_tables import inbox as inbox_table
from shared.db import Database, asyncpg_url, check_schema_name, plain_url
from shared.deliveries import Delivery
from shared.inbox import BatchHandler, InboxConsumer
from shared.projections import Projection, end_offsets, group_less, partitions_of
from shared.settings import KafkaSettings, PlatformSettings
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SHADOW_SUFFIX = "_rebuild"
LOCK_TIMEOUT_S = 10.0
"""The longest the switch-over waits for a lock (the service's consumers wait behind it)."""
Offsets = dict[TopicPartition, int]
Progress = Callable[[int], None]
"""Told how many more records were read; or (`sized`) how many there are to read in all."""


class RebuildRefused(RuntimeError):
    """The rebuild stopped and changed nothing; the message says why and what to do."""


class ProjectionPublishes(RuntimeError):
    """A projection's handler staged events: replaying history would publish them again."""


class RebuildUnitOfWork(UnitOfWork):
    """The inbox's unit of work for a rebuild: commits state, refuses to publish.

    Its commits need not wait for the WAL flush (`synchronous_commit = off`): until the
    switch-over, whose own transaction is durable, nothing depends on the shadow schema,
    and a rebuild that a crash interrupts is started again from scratch."""

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        try:
            await self.connection.execute("SET LOCAL synchronous_commit = off")
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def commit(self) -> None:
        if self.outgoing:
            raise ProjectionPublishes(
                f"the handler published {self.outgoing[0].envelope.type} while rebuilding; "
                "a projection must not publish events"
            )
        await super().commit()


@dataclass(frozen=True)
class Decoded:
    """A batch decoded and de-duplicated within itself, ready to apply."""

    deliveries: list[Delivery]
    unique: list[Delivery]


class ShadowApplier(InboxConsumer):
    """The inbox's batch logic applied to the shadow schema, in two stages so that the
    next batch is decoded while PostgreSQL applies this one. No dead letters are sent (the
    live consumer sent them when it met these records): they are counted."""

    skipped = 0
    DECODE_SLICE = 500
    """Records decoded between two yields to the event loop (the apply in flight goes on)."""

    async def decode(self, batch: dict[TopicPartition, list[Any]]) -> Decoded:
        records = [r for rs in batch.values() for r in rs]
        deliveries: list[Delivery] = []
        for start in range(0, len(records), self.DECODE_SLICE):
            deliveries.extend(self._decode(r) for r in records[start : start + self.DECODE_SLICE])
            await asyncio.sleep(0)
        good = [d for d in deliveries if d.event is not None]
        return Decoded(deliveries, self._first_of_each_id(good))

    async def apply(self, decoded: Decoded) -> None:
        """De-duplicate against the shadow inbox and apply, in one transaction."""
        await self._apply(decoded.unique)
        dead = [d for d in decoded.deliveries if d.reason is not None]
        if dead:
            await self._dead_letter(dead)

    def _unit_of_work(self) -> UnitOfWork:
        return RebuildUnitOfWork(
            self.db, self.kafka, source=self.source, trust=self.trust, events=self.events
        )

    async def _dead_letter(self, dead: list[Delivery]) -> None:
        self.skipped += len(dead)
        for d in dead:
            log.info(
                "rebuild %s: skipped %s[%s]@%s: %s",
                self.name,
                d.record.topic,
                d.record.partition,
                d.record.offset,
                d.reason,
            )


@dataclass(frozen=True)
class RebuildResult:
    projection: str
    records: int
    """Records read from the history (duplicates included)."""
    applied: int
    """Distinct events the new tables reflect."""
    skipped: int
    """Records that could not be applied (the live consumer dead-lettered them)."""
    seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


class HistoryReader:
    """Reads every partition of some topics from offset 0, joining no consumer group."""

    def __init__(self, kafka: KafkaSettings, topics: Sequence[str]) -> None:
        self.kafka = kafka
        self.consumer = group_less(kafka)
        self.topics = list(topics)
        self.partitions: list[TopicPartition] = []

    async def start(self) -> Offsets:
        """Assign every partition from its first offset; return the end offsets now."""
        await self.consumer.start()
        self.partitions = await partitions_of(self.consumer, self.topics)
        self.consumer.assign(self.partitions)
        if not self.partitions:
            return {}
        # An explicit seek (see shared/outbox.read_broker_epoch for why not seek_to_beginning).
        for tp, first in (await self.consumer.beginning_offsets(self.partitions)).items():
            self.consumer.seek(tp, first)
        return await self.end_offsets()

    async def end_offsets(self) -> Offsets:
        return await end_offsets(self.kafka, self.partitions)

    async def remaining(self, targets: Offsets) -> int:
        """Records between the current positions and `targets`."""
        total = 0
        for tp, end in targets.items():
            total += max(end - await self.consumer.position(tp), 0)
        return total

    async def read_until(
        self, targets: Offsets, applier: ShadowApplier, progress: Progress, max_records: int
    ) -> int:
        """Apply batches until every partition's position reaches its target. Transactions
        stay one at a time, in order; the next batch is fetched and decoded meanwhile."""
        read = 0
        in_flight: asyncio.Task[None] | None = None
        try:
            while True:
                behind = [tp for tp in targets if await self.consumer.position(tp) < targets[tp]]
                if not behind:
                    break
                batch = await self.consumer.getmany(
                    *behind, timeout_ms=500, max_records=max_records
                )
                count = sum(len(records) for records in batch.values())
                if not count:
                    continue
                decoded = await applier.decode(batch)
                if in_flight is not None:
                    await in_flight
                in_flight = asyncio.create_task(applier.apply(decoded))
                read += count
                progress(count)
            if in_flight is not None:
                await in_flight
        finally:
            if in_flight is not None and not in_flight.done():
                in_flight.cancel()
        return read

    async def stop(self) -> None:
        await self.consumer.stop()


def shadow_schema(live: str) -> str:
    return check_schema_name(live[: 63 - len(SHADOW_SUFFIX)] + SHADOW_SUFFIX)


def rebuild_lock_key(schema: str) -> int:
    """One rebuild per service schema at a time (they share the shadow schema)."""
    return zlib.crc32(f"commissioning-rebuild:{schema}".encode())


def refuse_schema_level_types(tables: Sequence[Table]) -> None:
    """A native enum would be created in the shadow schema and dropped with it."""
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, Enum) and column.type.native_enum:
                raise RebuildRefused(
                    f"{table.name}.{column.name} is a native PostgreSQL enum, which lives in "
                    "the schema it was created in; use Text with a CHECK constraint"
                )


class Rebuild:
    """Rebuilds one projection into fresh tables and switches over atomically."""

    def __init__(
        self,
        projection: Projection,
        settings: PlatformSettings,
        *,
        topics: Sequence[str],
        handler: BatchHandler,
        trust: str,
        progress: Progress = lambda _n: None,
        sized: Progress = lambda _n: None,
        batch_records: int = 2_000,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
        before_switch: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.projection = projection
        self.settings = settings
        self.url = settings.database.database_url
        self.live = projection.schema(settings)
        self.shadow = shadow_schema(self.live)
        self.group = projection.group(settings.kafka)
        self.tables = projection.tables()
        self.topics = list(topics)
        self.handler = handler
        self.trust = trust
        self.progress = progress
        self.sized = sized
        self.read = 0
        self.batch_records = batch_records
        self.lock_timeout_s = lock_timeout_s
        self.before_switch = before_switch
        """A seam for tests: runs after the unlocked catch-up, just before the locks."""

    async def run(self) -> RebuildResult:
        """Rebuild, switch over, and report; on any failure the live projection is as it was."""
        refuse_schema_level_types(self.tables)
        started = time.perf_counter()
        control = await asyncpg.connect(plain_url(self.url))
        try:
            if not await control.fetchval(
                "SELECT pg_try_advisory_lock($1)", rebuild_lock_key(self.live)
            ):
                raise RebuildRefused(f"another rebuild of a {self.live} projection is running")
            await self._create_shadow()
            try:
                records, applied, skipped = await self._rebuild_and_switch(control)
            finally:
                await control.execute(f'DROP SCHEMA IF EXISTS "{self.shadow}" CASCADE')
        finally:
            await control.close()
        return RebuildResult(
            self.projection.name, records, applied, skipped, time.perf_counter() - started
        )

    async def _create_shadow(self) -> None:
        """A fresh shadow schema: the projection's tables and an inbox, from their
        definitions (schema-translated, so names, indexes and sequences are the live ones)."""
        engine = create_async_engine(asyncpg_url(self.url))
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.shadow}" CASCADE')
                await conn.exec_driver_sql(f'CREATE SCHEMA "{self.shadow}"')
                translated = await conn.execution_options(schema_translate_map={None: self.shadow})
                for table in [*self.tables, inbox_table]:
                    await translated.run_sync(_create_table, table)
        finally:
            await engine.dispose()

    async def _rebuild_and_switch(self, control: asyncpg.Connection) -> tuple[int, int, int]:
        db = Database(self.url, self.shadow, pool_size=2, fallback=[self.live])
        applier = ShadowApplier(
            name=self.group,
            topics=self.topics,
            handler=self.handler,
            db=db,
            kafka=self.settings.kafka,
            source=self.projection.definition.name,
            trust=self.trust,
        )
        reader = HistoryReader(self.settings.kafka, self.topics)
        try:
            ends = await reader.start()
            read = await self._read(reader, applier, ends)
            read += await self._read(reader, applier, await reader.end_offsets())
            if self.before_switch is not None:
                await self.before_switch()
            try:
                read += await self._switch(control, reader, applier)
            except asyncpg.LockNotAvailableError:
                raise RebuildRefused(
                    f"the live projection stayed busy for {self.lock_timeout_s:g} s (a long "
                    "transaction on its tables or inbox); nothing changed: run it again"
                ) from None
            applied = await control.fetchval(
                f'SELECT count(*) FROM "{self.shadow}".inbox WHERE consumer = $1', self.group
            )
            return read, int(applied), applier.skipped
        finally:
            await reader.stop()
            await db.dispose()

    async def _read(self, reader: HistoryReader, applier: ShadowApplier, targets: Offsets) -> int:
        self.sized(self.read + await reader.remaining(targets))
        read = await reader.read_until(
            targets, applier, self.progress, max_records=self.batch_records
        )
        self.read += read
        return read

    async def _switch(
        self, control: asyncpg.Connection, reader: HistoryReader, applier: ShadowApplier
    ) -> int:
        """The switch-over transaction (module docstring, step 3); returns records read."""
        live, shadow = f'"{self.live}"', f'"{self.shadow}"'
        names = [t.name for t in self.tables]
        async with control.transaction():
            # Consumers queue behind a waiting lock: wait a bounded time, else give up.
            await control.execute(f"SET LOCAL lock_timeout = {int(self.lock_timeout_s * 1000)}")
            await control.execute(f"LOCK TABLE {live}.inbox IN SHARE MODE")
            await control.execute(
                f"LOCK TABLE {', '.join(f'{live}.{n}' for n in names)} IN ACCESS EXCLUSIVE MODE"
            )
            read = await self._read(reader, applier, await reader.end_offsets())
            missing = await control.fetchval(
                f"SELECT count(*) FROM {live}.inbox l WHERE l.consumer = $1 AND NOT EXISTS "
                f"(SELECT 1 FROM {shadow}.inbox s WHERE s.consumer = $1 "
                "AND s.event_id = l.event_id)",
                self.group,
            )
            if missing:
                raise RebuildRefused(
                    f"{missing} events the live projection applied are not in the rebuild "
                    "(no longer in the event history, or refused by the handler now); the "
                    "live projection is unchanged"
                )
            columns = ", ".join(f'"{c.name}"' for c in inbox_table.columns)
            await control.execute(
                f"INSERT INTO {live}.inbox ({columns}) SELECT {columns} FROM {shadow}.inbox "
                "WHERE consumer = $1 ON CONFLICT DO NOTHING",
                self.group,
            )
            grants = [g for n in names for g in await privileges(control, self.live, n)]
            for n in names:
                await control.execute(f"DROP TABLE {live}.{n}")
            for n in names:
                await control.execute(f"ALTER TABLE {shadow}.{n} SET SCHEMA {live}")
            for grant in grants:
                await control.execute(grant)
        return read


def _create_table(sync: Connection, table: Table) -> None:
    table.metadata.create_all(sync, tables=[table], checkfirst=False)


async def privileges(conn: asyncpg.Connection, schema: str, table: str) -> list[str]:
    """GRANTs that give others the rights they hold on a table and its own sequences
    (a service's runtime role, shared/grants.py), to repeat on the table replacing it."""
    rows = await conn.fetch(
        """
        WITH rel AS (
            SELECT c.oid, c.relname, c.relkind, c.relacl, c.relowner FROM pg_class c
            WHERE c.oid = $1::regclass
            UNION ALL
            SELECT s.oid, s.relname, s.relkind, s.relacl, s.relowner FROM pg_class s
            JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
            WHERE d.refobjid = $1::regclass AND d.deptype IN ('a', 'i') AND s.relkind = 'S'
        )
        SELECT rel.relname, rel.relkind, a.privilege_type,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
        FROM rel, aclexplode(rel.relacl) a WHERE a.grantee <> rel.relowner
        """,
        f'"{schema}"."{table}"',
    )
    return [
        f"GRANT {r['privilege_type']} ON {'SEQUENCE' if r['relkind'] == 'S' else 'TABLE'} "
        f'"{schema}"."{r["relname"]}" TO {r["grantee"]}'
        for r in rows
    ]


async def rebuild_projection(
    name: str,
    settings: PlatformSettings,
    *,
    progress: Progress = lambda _n: None,
    sized: Progress = lambda _n: None,
) -> RebuildResult:
    """Rebuild a declared projection (`<service>.<consumer>`) with its service's handler."""
    from shared.projections import find_projection
    from shared.runtime import build_context
    from shared.services import definitions

    projection = find_projection(name, definitions())
    ctx = build_context(projection.definition, settings)
    try:
        return await Rebuild(
            projection,
            settings,
            topics=projection.topics(settings.kafka, ctx.trust),
            handler=projection.spec.handler(ctx),
            trust=ctx.trust.id,
            progress=progress,
            sized=sized,
        ).run()
    finally:
        await ctx.db.dispose()
