"""Transactional outbox: events commit with the state change, a relay publishes them.

Invariants protected here:
- An event is staged in the same PostgreSQL transaction as the change it reports, so both
  commit or neither does. Nothing is published that did not commit.
- One relay per service schema publishes at a time (a PostgreSQL advisory lock), in `seq`
  order; a key always maps to the same partition and aiokafka keeps one request in flight
  per partition, so one aggregate's events reach Kafka in commit order.
- A row is marked published only after the broker acknowledged it (acks=all). A relay
  killed between the ack and the mark re-publishes on restart: consumers' inboxes make
  that a no-op. Nothing acknowledged to a caller is lost.
- An event the broker refuses for good (too large) is marked `failed` with the reason and
  the relay moves on: one bad row never wedges the outbox.
- The embedded broker forgets everything when it stops. The relay identifies the broker's
  lifetime by the first record of a one-partition epoch topic; when the epoch changes it
  re-publishes the service's whole history (or, opted into, a recent window), which
  consumers have either applied (and skip) or not (and apply). The whole history, because
  a projection must always be rebuildable from the first event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    KafkaError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
    UnknownTopicOrPartitionError,
)

from shared.db import plain_url
from shared.envelope import Envelope
from shared.failpoints import OUTBOX_AFTER_PUBLISH, failpoint
from shared.kafka import ensure_topics, producer
from shared.settings import KafkaSettings, RelaySettings
from shared.supervision import Backoff, retry_with_backoff
from shared.telemetry import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_FAILED, current_trace_headers
from shared.topics import EPOCH_TOPIC

log = logging.getLogger(__name__)

PERMANENT_ERRORS = (MessageSizeTooLargeError, RecordTooLargeError)
RELAY_TRANSIENT_ERRORS = (OSError, KafkaError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""Outages the relay rides out itself; anything else is a defect for its supervisor."""
RELAY_BACKOFF = Backoff(initial_s=0.2, max_s=5.0, jitter_s=0.5)


class EventTooLarge(ValueError):
    """An event bigger than the platform accepts; refused before it reaches the outbox."""

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        super().__init__(
            f"event {event_type} is {size} bytes; the platform accepts at most {limit} bytes"
        )
        self.size = size
        self.limit = limit


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    """An envelope and the physical topic it goes to."""

    envelope: Envelope
    topic: str
    value: bytes

    @classmethod
    def of(cls, envelope: Envelope, topic: str, max_bytes: int) -> OutgoingEvent:
        """Serialise once, refusing events over the size limit (Tansu does not enforce one)."""
        value = envelope.to_bytes()
        if len(value) > max_bytes:
            raise EventTooLarge(envelope.type, len(value), max_bytes)
        return cls(envelope, topic, value)


def notify_channel(schema: str) -> str:
    return f"outbox_{schema}"


def outbox_row(event: OutgoingEvent, trace_headers: dict[str, str]) -> dict[str, Any]:
    """The outbox row for one event."""
    headers = [(k, v.decode()) for k, v in event.envelope.headers(trace_headers)]
    return {
        "event_id": event.envelope.id,
        "event_type": event.envelope.type,
        "topic": event.topic,
        "key": event.envelope.subject,
        "headers": headers,
        "value": event.value,
    }


async def stage(conn: asyncpg.Connection, events: Sequence[OutgoingEvent], *, schema: str) -> None:
    """Add events to the outbox inside the caller's transaction and wake the relay."""
    if not events:
        return
    trace_headers = current_trace_headers()
    rows = [outbox_row(e, trace_headers) for e in events]
    await conn.execute(
        "INSERT INTO outbox (event_id, event_type, topic, key, headers, value) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], "
        "$6::bytea[])",
        [r["event_id"] for r in rows],
        [r["event_type"] for r in rows],
        [r["topic"] for r in rows],
        [r["key"] for r in rows],
        [json.dumps(r["headers"]) for r in rows],
        [r["value"] for r in rows],
    )
    await conn.execute("SELECT pg_notify($1, '')", notify_channel(schema))


def advisory_key(schema: str) -> int:
    """A stable 63-bit advisory lock key for a schema's relay."""
    return zlib.crc32(f"commissioning-outbox:{schema}".encode())


class OutboxRelay:
    """Publishes a service's outbox to Kafka, in order, marking rows as they are acked."""

    def __init__(
        self,
        *,
        service: str,
        database_url: str,
        schema: str,
        kafka: KafkaSettings,
        relay: RelaySettings | None = None,
    ) -> None:
        self.service = service
        self.database_url = plain_url(database_url)
        self.schema = schema
        self.kafka = kafka
        self.settings = relay or RelaySettings()
        self.epoch: str | None = None
        self.is_leader = False
        self.last_round: float | None = None
        """Monotonic time of the last completed publishing round (health)."""
        self.last_failure: float | None = None
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self.database_url, server_settings={"search_path": self.schema}
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set. Broker and database outages are retried with back-off
        and jitter; anything else is recorded as a failure (so `is_healthy()` turns false)
        and raised to the supervisor, which restarts the relay and reports it."""
        try:
            await retry_with_backoff(
                lambda: self._run_as_leader(stop),
                stop=stop,
                transient=self._note_failure,
                on_retry=lambda exc: log.warning("outbox relay interrupted, retrying: %r", exc),
                backoff=RELAY_BACKOFF,
            )
        except RELAY_TRANSIENT_ERRORS:
            if not stop.is_set():
                raise
        finally:
            self.is_leader = False

    def _note_failure(self, exc: BaseException) -> bool:
        """Record any failure for health; true when it is an outage worth retrying here."""
        self.last_failure = asyncio.get_running_loop().time()
        self.last_error = f"{type(exc).__name__}: {exc}"
        return isinstance(exc, RELAY_TRANSIENT_ERRORS)

    async def _run_as_leader(self, stop: asyncio.Event) -> None:
        conn = await self._connect()
        try:
            while not await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", advisory_key(self.schema)
            ):
                self.is_leader = False
                if await _sleep_or_stop(stop, 2.0):
                    return
            self.is_leader = True
            await conn.add_listener(notify_channel(self.schema), self._on_notify)
            self._producer = producer(self.kafka, client_id=f"{self.service}-relay")
            try:
                await self._producer.start()
                await self.check_epoch(conn)
                loop = asyncio.get_running_loop()
                next_epoch_check = loop.time() + self.settings.epoch_check_interval_s
                while not stop.is_set():
                    published = await self.publish_batch(conn)
                    self.last_round = loop.time()
                    if loop.time() >= next_epoch_check:
                        await self.check_epoch(conn)
                        next_epoch_check = loop.time() + self.settings.epoch_check_interval_s
                    if published == 0:
                        OUTBOX_BACKLOG.labels(self.service).set(
                            await conn.fetchval(
                                "SELECT count(*) FROM outbox WHERE state = 'pending'"
                            )
                        )
                        self._wake.clear()
                        await _wait_any(self._wake, stop, self.settings.poll_interval_s)
            finally:
                await self._producer.stop()
                self._producer = None
        finally:
            self.is_leader = False
            await conn.close()

    def is_healthy(self, now: float, stale_after_s: float = 60.0) -> bool:
        """Unhealthy while failing; a standby is healthy; a leader must be making rounds."""
        if self.last_failure is not None and (
            self.last_round is None or self.last_failure > self.last_round
        ):
            return False
        if not self.is_leader:
            return True
        return self.last_round is not None and now - self.last_round < stale_after_s

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish the oldest pending rows; return how many were published."""
        assert self._producer is not None
        rows = await conn.fetch(
            "SELECT seq, topic, key, headers, value FROM outbox WHERE state = 'pending' "
            "ORDER BY seq LIMIT $1",
            self.settings.batch_size,
        )
        if not rows:
            return 0
        sent: list[tuple[int, str, asyncio.Future[Any]]] = []
        failed: list[tuple[int, str, str]] = []
        transient: BaseException | None = None
        for row in rows:
            headers = [(k, v.encode()) for k, v in json.loads(row["headers"])]
            try:
                future = await self._producer.send(
                    row["topic"], value=row["value"], key=row["key"].encode(), headers=headers
                )
            except PERMANENT_ERRORS as exc:
                failed.append((row["seq"], row["topic"], f"{type(exc).__name__}: {exc}"))
                continue
            except KafkaError as exc:
                transient = exc
                break
            sent.append((row["seq"], row["topic"], future))
        results = await asyncio.gather(*(f for _, _, f in sent), return_exceptions=True)
        published: list[int] = []
        per_topic: dict[str, int] = {}
        for (seq, topic, _), result in zip(sent, results, strict=True):
            if isinstance(result, PERMANENT_ERRORS):
                failed.append((seq, topic, f"{type(result).__name__}: {result}"))
            elif isinstance(result, BaseException):
                transient = transient or result
            else:
                published.append(seq)
                per_topic[topic] = per_topic.get(topic, 0) + 1
        if published:
            failpoint(OUTBOX_AFTER_PUBLISH)
            await conn.execute(
                "UPDATE outbox SET state = 'published', published_at = now(), broker_epoch = $2, "
                "attempts = attempts + 1 WHERE seq = ANY($1::bigint[])",
                published,
                self.epoch,
            )
            for topic, count in per_topic.items():
                EVENTS_PUBLISHED.labels(self.service, topic).inc(count)
        if failed:
            await conn.executemany(
                "UPDATE outbox SET state = 'failed', last_error = $2, attempts = attempts + 1 "
                "WHERE seq = $1",
                [(seq, reason) for seq, _, reason in failed],
            )
            for seq, topic, reason in failed:
                log.error("outbox row %s refused by the broker for good: %s", seq, reason)
                OUTBOX_FAILED.labels(self.service, topic).inc()
        if transient is not None:
            if isinstance(transient, UnknownTopicOrPartitionError):
                await ensure_topics(self.kafka)
            raise transient if isinstance(transient, KafkaError) else KafkaError(repr(transient))
        return len(published) + len(failed)

    async def check_epoch(self, conn: asyncpg.Connection) -> None:
        """Detect a fresh broker and queue for re-publishing what it has forgotten."""
        epoch = await read_broker_epoch(self.kafka)
        if epoch == self.epoch:
            return
        await ensure_topics(self.kafka)
        async with conn.transaction():
            stored = await conn.fetchval(
                "SELECT broker_epoch FROM relay_state WHERE id = 1 FOR UPDATE"
            )
            if stored is not None and stored != epoch:
                count = await requeue_published(conn, self.settings.republish_window_hours)
                log.warning(
                    "broker epoch changed (%s -> %s): a fresh broker; re-publishing %s events",
                    stored,
                    epoch,
                    count,
                )
            await conn.execute(
                "INSERT INTO relay_state (id, broker_epoch, updated_at) VALUES (1, $1, now()) "
                "ON CONFLICT (id) DO UPDATE SET broker_epoch = $1, updated_at = now()",
                epoch,
            )
        self.epoch = epoch


async def requeue_published(conn: asyncpg.Connection, window_hours: int | None) -> int:
    """Queue published events again for a fresh broker, in their original `seq` order: the
    whole history by default, or only the last `window_hours` (an explicit opt-in,
    OUTBOX_REPUBLISH_WINDOW_HOURS). Returns how many."""
    status: str = await conn.execute(
        "UPDATE outbox SET state = 'pending', published_at = NULL WHERE state = 'published' "
        "AND ($1::int IS NULL OR created_at > now() - make_interval(hours => $1::int))",
        window_hours,
    )
    return int(status.split()[-1])


async def read_broker_epoch(kafka: KafkaSettings) -> str:
    """The broker's lifetime id: the first record of the epoch topic, written if absent.

    Several relays may race on a fresh broker; all of them read back offset 0, so they
    agree on one epoch.
    """
    topic = kafka.topic(EPOCH_TOPIC)
    await ensure_topics(kafka, [])
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        **kafka.client_options(), group_id=None, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    try:
        await consumer.start()
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        if end == 0:
            prod = producer(kafka, client_id="epoch")
            try:
                await prod.start()
                await prod.send_and_wait(topic, value=str(uuid.uuid4()).encode(), partition=0)
            finally:
                await prod.stop()
        # Seek to an explicit offset: with aiokafka 0.14 on Apache Kafka, end_offsets()
        # followed by seek_to_beginning() left the consumer fetching nothing, forever.
        consumer.seek(tp, (await consumer.beginning_offsets([tp]))[tp])
        for _ in range(20):
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=1)
            for records in batch.values():
                if records and records[0].value is not None:
                    value: bytes = records[0].value
                    return value.decode()
        raise KafkaError(f"could not read the broker epoch from {topic}")
    finally:
        await consumer.stop()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep unless stopped first; True when stopped."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _wait_any(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
