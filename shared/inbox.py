"""Idempotent, batched consumption: the inbox and the dead-letter path.

Invariants protected here:
- An event's effect and its inbox row (keyed by consumer and event id) commit in one
  PostgreSQL transaction, so a redelivered event is a no-op. A batch is first taken to be
  new and its rows copied in; the primary key refuses the whole COPY if any was received
  before, and the batch is then applied again with the statement that tells which.
- Kafka offsets are committed only after that transaction commits (and after any dead
  letters are acknowledged): a crash at any point redelivers, never skips.
- Bad input never stops a partition: a record that is not JSON, has an unknown type, fails
  its contract, or makes the handler raise a non-transient error goes to `<topic>.dlq` with
  the reason and origin in headers, and the consumer carries on.
- Transient failures (database or broker unreachable) do not dead-letter: the batch is
  retried from its first offset after a back-off.
- A reused event id with other content (another digest of the record value) is
  dead-lettered as a conflicting duplicate and logged; the same id with the same bytes is
  a silent no-op.
- On a per-agency inbound topic, a record whose payload claims another agency than the
  topic's is dead-lettered: the topic establishes the agency
  (docs/decisions/0003-producer-identity.md).
- Batch k+1 is fetched and decoded while batch k's transaction runs; transactions and
  offset commits stay strictly in order (`_pipeline`). A batch's offsets are committed
  only by the group membership that fetched it (shared/consumption.py).
- The windows where a crash is dangerous carry failpoints (shared/failpoints.py) that the
  fault suite (tests/faults/) kills at.

Records are read with aiokafka `getmany` rather than a FastStream subscriber: one
transaction per batch, dead letters per record, and 1.9-2.5x FastStream's throughput
doing the same work (docs/decisions/0001-inbox-reads-with-aiokafka.md).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
import sqlalchemy.exc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry import trace
from prometheus_client import Counter

from shared.consumption import FetchedBatch, OffsetFence
from shared.contracts.registry import EventRegistry, InvalidEvent, registry
from shared.db import Database
from shared.dead_letters import send_dead_letters
from shared.deliveries import (
    INBOX_COPY_COLUMNS,
    INSERT_INBOX_ROWS,
    Delivery,
    conflicting_duplicate_reason,
    content_digest,
    impersonation_reason,
    inbox_columns,
    inbox_records,
)
from shared.envelope import Event
from shared.failpoints import (
    INBOX_AFTER_COMMIT,
    INBOX_AFTER_DECODE_NEXT,
    INBOX_AFTER_INSERT,
    INBOX_BETWEEN_SAVEPOINTS,
    INBOX_REDELIVERY_AFTER_INSERT,
    failpoint,
)
from shared.kafka import consumer as make_consumer
from shared.kafka import producer as make_producer
from shared.settings import KafkaSettings
from shared.supervision import Backoff, retry_with_backoff
from shared.telemetry import (
    BATCH_SECONDS,
    CONSUMER_LAG,
    EVENTS_CONSUMED,
    EVENTS_DUPLICATE,
    context_from_headers,
    spans_exported,
    tracer,
)
from shared.topics import writer_agency
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Event[Any]], UnitOfWork], Awaitable[None]]
"""Applies a batch of new (never before applied) events inside the unit of work."""


DECODE_CHUNK = 20
"""Records decoded between yields to the event loop. Measured: yielding every 20 lets the
previous batch's transaction progress while this one decodes; every 250 gained nothing."""

CONSUMER_BACKOFF = Backoff(initial_s=0.2, max_s=5.0, jitter_s=0.5)


class ReceivedBefore(Exception):
    """A batch taken to be new holds an event the inbox has already received."""


InboxWrite = Callable[[UnitOfWork, list[Delivery]], Awaitable[list[Delivery]]]
"""Writes a batch's inbox rows in the unit of work; returns the events not received before."""


class TransientError(Exception):
    """Raised by a handler for a failure worth retrying (not the event's fault)."""


def is_transient(exc: BaseException) -> bool:
    """Infrastructure failures are retried; anything else is the event's fault."""
    if isinstance(exc, TransientError | OSError | TimeoutError | KafkaError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if exc.connection_invalidated or isinstance(
            exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
        ):
            return True
        exc = exc.orig or exc
        cause = getattr(exc, "__cause__", None)
        if cause is not None:
            exc = cause
    return isinstance(
        exc,
        asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        | asyncpg.exceptions.SerializationError
        | asyncpg.exceptions.DeadlockDetectedError
        | asyncpg.exceptions.CannotConnectNowError
        | asyncpg.exceptions.AdminShutdownError,
    )


async def _finished(batch: asyncio.Task[bool]) -> bool:
    """A batch's outcome, waited for without passing a cancellation (the supervisor's last
    resort at shutdown) into it: a batch is never stopped between its COPY and its commit."""
    await asyncio.wait([batch])
    return batch.result()


def _inc_per_topic(counter: Counter, consumer: str, topics: Sequence[str]) -> None:
    """Add each topic's count to a per-(consumer, topic) counter in one increment."""
    for topic, count in collections.Counter(topics).items():
        counter.labels(consumer, topic).inc(count)


class InboxConsumer:
    """Consumes topics in batches, applying each event exactly once to the service's schema."""

    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        handler: BatchHandler,
        db: Database,
        kafka: KafkaSettings,
        source: str,
        trust: str,
        events: EventRegistry = registry,
        backoff: Backoff = CONSUMER_BACKOFF,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self.handler = handler
        self.db = db
        self.kafka = kafka
        self.source = source
        self.trust = trust
        self.events = events
        self.backoff = backoff
        self.ready = False
        self.last_error: str | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._fence: OffsetFence | None = None
        self._dlq: AIOKafkaProducer | None = None
        self._writers: dict[str, str | None] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set. A lost broker is reconnected with back-off and
        jitter; a defect (not bad input: that is dead-lettered) is raised to the
        supervisor, which restarts the consumer from its committed offsets and reports it."""
        try:
            await retry_with_backoff(
                lambda: self._consume(stop),
                stop=stop,
                transient=self._note_failure,
                on_retry=lambda exc: log.warning(
                    "consumer %s lost the broker, reconnecting: %r", self.name, exc
                ),
                backoff=self.backoff,
            )
        except (OSError, KafkaError):
            if not stop.is_set():
                raise

    def _note_failure(self, exc: BaseException) -> bool:
        """Record any failure for health; true for a broker outage worth retrying here."""
        self.last_error = f"{type(exc).__name__}: {exc}"
        return isinstance(exc, OSError | KafkaError)

    async def _consume(self, stop: asyncio.Event) -> None:
        self._consumer = make_consumer(self.kafka, group_id=self.name, client_id=self.name)
        self._fence = OffsetFence(self.name)
        self._fence.attach(self._consumer, self.topics)
        self._dlq = make_producer(self.kafka, client_id=f"{self.name}-dlq")
        try:
            await self._dlq.start()
            await self._consumer.start()
            self.ready = True
            self.last_error = None
            await self._pipeline(stop)
        finally:
            self.ready = False
            await self._consumer.stop()
            await self._dlq.stop()

    async def _pipeline(self, stop: asyncio.Event) -> None:
        """Fetch and decode batch k+1 while batch k's transaction runs.

        Only fetching and decoding overlap: batch k+1's transaction starts after batch k's
        transaction and offset commit are done, so both stay strictly in order. A failure
        of batch k is raised at the next poll, batch or not. If batch k was left
        uncommitted (stopped mid-retry), batch k+1 is dropped with it, unapplied, so its
        offsets can never be committed over k's. On the way out (stop, a lost broker, a
        defect or a cancellation) the batch in flight is finished, never abandoned."""
        assert self._consumer is not None and self._fence is not None
        in_flight: asyncio.Task[bool] | None = None
        try:
            while not stop.is_set():
                records = await self._consumer.getmany(timeout_ms=200)
                if in_flight is not None and in_flight.done() and not in_flight.result():
                    return
                if not records:
                    continue
                batch = self._fence.fetched(records)
                batch.deliveries = await self._decode_in_chunks(records)
                failpoint(INBOX_AFTER_DECODE_NEXT)
                if in_flight is not None and not await _finished(in_flight):
                    return
                in_flight = asyncio.create_task(self._process_until_done(batch, stop))
        except BaseException:
            if in_flight is not None:
                await asyncio.wait([in_flight])  # finished, never abandoned; its offsets
            raise  # are committed only if it was applied, so its error adds nothing here
        if in_flight is not None:
            await _finished(in_flight)

    async def _decode_in_chunks(self, records: dict[TopicPartition, list[Any]]) -> list[Delivery]:
        """Decode a batch, yielding to the event loop every DECODE_CHUNK records so that the
        previous batch's database round trips are served meanwhile."""
        deliveries = []
        for partition in records.values():
            for index, record in enumerate(partition):
                if index and not index % DECODE_CHUNK:
                    await asyncio.sleep(0)
                deliveries.append(self._decode(record))
        return deliveries

    async def _process_until_done(self, batch: FetchedBatch, stop: asyncio.Event) -> bool:
        """Apply a batch, retrying transient failures; commit offsets once it is applied.

        False when stopped before the batch was applied (its offsets left uncommitted). A
        retry decodes the batch afresh, as the first attempt did, from its records. The
        commit is fenced: left out if the group rebalanced since the fetch
        (shared/consumption.py)."""
        assert self._consumer is not None and self._fence is not None
        decoded = [batch.deliveries] if batch.deliveries is not None else []

        def retry_on(exc: BaseException) -> bool:
            if is_transient(exc):
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("consumer %s: transient failure, retrying batch: %r", self.name, exc)
                return True
            return False

        try:
            await retry_with_backoff(
                lambda: self.process(batch.records, decoded.pop() if decoded else None),
                stop=stop,
                transient=retry_on,
                backoff=self.backoff,
            )
        except Exception as exc:
            if stop.is_set() and is_transient(exc):
                # Leave the offsets uncommitted: the next owner re-reads the batch.
                return False
            raise
        if await self._fence.commit(batch):
            for tp, offset in batch.next_offsets().items():
                high = self._consumer.highwater(tp)
                if high is not None:
                    CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(
                        max(high - offset, 0)
                    )
        return True

    async def process(
        self, batch: dict[TopicPartition, list[Any]], deliveries: list[Delivery] | None = None
    ) -> None:
        """Decode (unless given the batch decoded), de-duplicate, apply and dead-letter one
        batch (offsets not committed)."""
        started = time.perf_counter()
        if deliveries is None:
            deliveries = [self._decode(r) for records in batch.values() for r in records]
        good = [d for d in deliveries if d.event is not None]
        unique = self._first_of_each_id(good)
        # A per-event span costs ~15 µs even unrecorded: only made when spans are exported.
        spans = [self._start_span(d) for d in unique] if spans_exported() else []
        try:
            applied = await self._apply(unique)
        finally:
            for s in spans:
                s.end()
        dead = [d for d in deliveries if d.reason is not None]
        if dead:
            await self._dead_letter(dead)
        failpoint(INBOX_AFTER_COMMIT)
        # Counted per topic, one increment each (same totals as one increment per event).
        _inc_per_topic(EVENTS_CONSUMED, self.name, [d.record.topic for d in applied])
        applied_ids = {id(d) for d in applied}
        _inc_per_topic(
            EVENTS_DUPLICATE,
            self.name,
            [d.record.topic for d in good if id(d) not in applied_ids and d.reason is None],
        )
        BATCH_SECONDS.labels(self.name).observe(time.perf_counter() - started)

    def _decode(self, record: Any) -> Delivery:
        try:
            event = self.events.decode(record.value)
        except InvalidEvent as exc:
            return Delivery(record, reason=exc.reason)
        writer = self._writer_of(record.topic)
        if writer is not None and getattr(event.payload, "agency", None) != writer:
            return Delivery(record, reason=impersonation_reason(record.topic, writer, event))
        return Delivery(record, event=event, digest=content_digest(record.value))

    def _writer_of(self, topic: str) -> str | None:
        """The agency that alone may write `topic` (per-agency inbound topics), cached."""
        try:
            return self._writers[topic]
        except KeyError:
            unprefixed = topic.removeprefix(self.kafka.topic_prefix)
            found = self._writers[topic] = writer_agency(unprefixed)
            return found

    def _first_of_each_id(self, good: list[Delivery]) -> list[Delivery]:
        """One delivery per event id; a repeat with other content is a conflicting duplicate."""
        first_seen: dict[Any, Delivery] = {}
        for d in good:
            assert d.event is not None
            first = first_seen.setdefault(d.event.id, d)
            if first is not d and first.digest != d.digest:
                d.reason = conflicting_duplicate_reason(d, first.digest)
                self._log_conflict(d)
        return list(first_seen.values())

    def _log_conflict(self, delivery: Delivery) -> None:
        r = delivery.record
        where = f"{r.topic}[{r.partition}]@{r.offset}"
        log.warning("consumer %s: %s (%s)", self.name, delivery.reason, where)

    def _start_span(self, delivery: Delivery) -> trace.Span:
        record = delivery.record
        assert delivery.event is not None
        return tracer().start_span(
            f"consume {delivery.event.type}",
            context=context_from_headers(record.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.kafka.partition": record.partition,
                "messaging.kafka.offset": record.offset,
                "messaging.message.id": str(delivery.event.id),
                "messaging.consumer.group.name": self.name,
            },
        )

    async def _apply(self, unique: list[Delivery]) -> list[Delivery]:
        """Apply the batch in one transaction; on a handler error, event by event.

        The batch is first taken to be new, as it nearly always is, and its inbox rows are
        copied in; if any was received before, that transaction is rolled back and the
        batch applied again with the statement that tells which were (`_record_in_inbox`)."""
        if not unique:
            return []
        try:
            try:
                return await self._apply_batch(unique, self._copy_into_inbox, INBOX_AFTER_INSERT)
            except ReceivedBefore:
                written = INBOX_REDELIVERY_AFTER_INSERT
                return await self._apply_batch(unique, self._record_in_inbox, written)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.info("consumer %s: batch failed (%r); applying event by event", self.name, exc)
        return await self._apply_one_by_one(unique)

    async def _apply_batch(
        self, unique: list[Delivery], record: InboxWrite, written: str
    ) -> list[Delivery]:
        """One transaction: the inbox rows (`record` returns the events not received
        before), the handler's effects of those, the failpoint `written`, the commit."""
        async with self._unit_of_work() as uow:
            fresh = await record(uow, unique)
            if fresh:
                await self.handler([d.event for d in fresh if d.event is not None], uow)
            failpoint(written)
            await uow.commit()
            return fresh

    async def _apply_one_by_one(self, unique: list[Delivery]) -> list[Delivery]:
        """Each event in its own savepoint: its inbox row and its effects live or die
        together, so a handler error leaves no inbox row and the event can be replayed."""
        applied: list[Delivery] = []
        async with self._unit_of_work() as uow:
            for index, d in enumerate(unique):
                if index:
                    failpoint(INBOX_BETWEEN_SAVEPOINTS)
                try:
                    async with self._savepoint(uow):
                        fresh = await self._record_in_inbox(uow, [d])
                        if fresh:
                            assert d.event is not None
                            await self.handler([d.event], uow)
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    d.reason = f"handler error: {type(exc).__name__}: {exc}"
                    log.warning(
                        "consumer %s: event %s dead-lettered: %s",
                        self.name,
                        d.event and d.event.id,
                        d.reason,
                    )
                    continue
                applied.extend(fresh)
            await uow.commit()
        return applied

    def _savepoint(self, uow: UnitOfWork) -> AbstractAsyncContextManager[None]:
        """Each fallback event's savepoint (a seam the fault suite's mutation test removes)."""
        return uow.savepoint()

    def _unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.db, self.kafka, source=self.source, trust=self.trust, events=self.events
        )

    async def _copy_into_inbox(self, uow: UnitOfWork, deliveries: list[Delivery]) -> list[Delivery]:
        """Copy the inbox rows of a batch taken to be new; all of it is then new.

        Raises ReceivedBefore if the primary key refuses any row (an event received before,
        or being received by a concurrent transaction that then commits): the COPY is
        refused whole, and the transaction must be rolled back."""
        try:
            await uow.connection.copy_records_to_table(
                "inbox", records=inbox_records(self.name, deliveries), columns=INBOX_COPY_COLUMNS
            )
        except asyncpg.UniqueViolationError:
            raise ReceivedBefore from None
        return [d for d in deliveries if d.event is not None]

    async def _record_in_inbox(self, uow: UnitOfWork, deliveries: list[Delivery]) -> list[Delivery]:
        """Insert inbox rows in one statement; return the deliveries not received before.

        A delivery whose id was received before with another digest is given its
        conflicting-duplicate reason (so it is dead-lettered); with the same digest it is a
        redelivery and a silent no-op. Rows written before digests were kept have none and
        count as redeliveries.
        """
        rows = await uow.connection.fetch(INSERT_INBOX_ROWS, self.name, *inbox_columns(deliveries))
        received = {r[0]: r[1] for r in rows}
        fresh = []
        for d in deliveries:
            if d.event is None:
                continue
            if d.event.id not in received:
                fresh.append(d)
                continue
            held = received[d.event.id]
            if held is not None and held != d.digest:
                d.reason = conflicting_duplicate_reason(d, held)
                self._log_conflict(d)
        return fresh

    async def _dead_letter(self, dead: list[Delivery]) -> None:
        """Send records to their dead-letter topics and wait for the broker's ack."""
        assert self._dlq is not None
        await send_dead_letters(
            self._dlq, dead, consumer=self.name, max_value_bytes=self.kafka.max_event_bytes
        )
