"""The contract monitoring service process (the Review stage): its composition root."""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from services.monitoring.adapters.channels import PostgresDeliveryQueue, StandardWebhookSender
from services.monitoring.adapters.tables import metadata
from services.monitoring.adapters.unit_of_work import (
    PostgresMonitoringUnitOfWork,
    unit_of_work_factory,
)
from services.monitoring.application.alerting import check_missing_returns
from services.monitoring.application.delivery import RetryPolicy, deliver_due
from services.monitoring.application.evaluation import Clock, system_clock
from services.monitoring.entrypoints.background import supervised
from services.monitoring.entrypoints.consumers import (
    when_contracts_change,
    when_returns_are_submitted,
)
from services.monitoring.entrypoints.http import build_routers
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.settings import MonitoringSettings
from shared.contracts import registry
from shared.db import Database
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import PERFORMANCE_RETURNS, PROCUREMENT_EVENTS
from shared.unit_of_work import UnitOfWork


def clock_of(ctx: ServiceContext) -> Clock:
    """The wall clock, unless a test has set `ctx.state["clock"]` to move time on."""

    def now() -> datetime:
        found = ctx.state.get("clock", system_clock)
        return found()  # type: ignore[no-any-return]

    return now


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side: routers over PostgreSQL units of work."""
    # The live streams poll the feed on their own connections (closed by
    # `close_stream_connections`): on the request pool every poll queued behind the
    # returns being accepted, which hold theirs while they wait for the feed lock.
    streams = Database(ctx.settings.database.database_url, ctx.db.schema, pool_size=2)
    ctx.state["stream_database"] = streams

    def stream_unit_of_work() -> UnitOfWork:
        return UnitOfWork(
            streams,
            ctx.settings.kafka,
            source=ctx.definition.name,
            trust=ctx.trust.id,
            events=registry,
        )

    wiring = Wiring(
        ctx.trust,
        unit_of_work_factory(ctx.unit_of_work),
        clock_of(ctx),
        MonitoringSettings().stream_poll_seconds,
        stream_unit_of_work=unit_of_work_factory(stream_unit_of_work),
    )
    return build_routers(wiring)


async def close_stream_connections(ctx: ServiceContext, stop: asyncio.Event) -> None:
    """Closes the live streams' connections when the service stops."""
    await stop.wait()
    database = ctx.state.get("stream_database")
    if isinstance(database, Database):
        await database.dispose()


def performance_returns(ctx: ServiceContext) -> BatchHandler:
    return when_returns_are_submitted(
        ctx.trust.monitoring, clock_of(ctx), PostgresMonitoringUnitOfWork
    )


def procurement_events(ctx: ServiceContext) -> BatchHandler:
    return when_contracts_change(ctx.trust, PostgresMonitoringUnitOfWork)


async def missing_returns_clock(ctx: ServiceContext, stop: asyncio.Event) -> None:
    """Looks for returns missing after their due date plus grace."""
    open_unit_of_work = unit_of_work_factory(ctx.unit_of_work)

    async def round_() -> int:
        async with open_unit_of_work() as uow:
            await check_missing_returns(uow, ctx.trust.monitoring, clock_of(ctx))
            await uow.commit()
        return 0

    await supervised("missing-returns", MonitoringSettings().missing_check_seconds, stop, round_)


async def webhook_dispatcher(ctx: ServiceContext, stop: asyncio.Event) -> None:
    """Works the delivery outbox until the service stops: several rounds in flight, so
    that one slow receiver does not hold back the deliveries queued behind its round
    (each round leases its own deliveries with SKIP LOCKED)."""
    settings = MonitoringSettings()
    policy = RetryPolicy(
        settings.webhook_backoff_seconds,
        settings.webhook_backoff_cap_seconds,
        settings.webhook_max_attempts,
    )
    # Its own connections, one per worker: on the request pool, each round's claim and
    # acknowledgement queued behind the returns being accepted (which hold theirs while
    # they wait for the feed lock), so deliveries fell ever further behind the alerts.
    own = Database(
        ctx.settings.database.database_url,
        ctx.db.schema,
        pool_size=(settings.webhook_workers + 1) // 2,  # its pools open up to twice this
    )
    queue = PostgresDeliveryQueue(own)
    rng = random.Random()
    batch = settings.webhook_batch
    # A client per worker, each holding at most a round's connections open: httpcore
    # scans its whole pool for every request, so one large shared pool costs more to
    # manage than the deliveries take.
    limits = httpx.Limits(max_connections=batch, max_keepalive_connections=batch)

    poll = settings.webhook_poll_seconds
    period = poll * settings.webhook_workers
    origin = time.monotonic()

    def until_turn(n: int) -> Callable[[], float]:
        """Idle, worker n polls only in its own slot of each period: together the workers
        poll as often as one would. (A fixed idle wait let their phases fall into step
        after a busy round, so they polled together once a period.)"""
        return lambda: period - ((time.monotonic() - origin - n * poll) % period)

    async def worker(n: int) -> None:
        async with httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, limits=limits
        ) as client:
            sender = StandardWebhookSender(client)
            await supervised(
                f"webhooks-{n}",
                until_turn(n),
                stop,
                lambda: deliver_due(queue, sender, policy, rng, batch=batch),
            )

    try:
        await asyncio.gather(*(worker(n) for n in range(settings.webhook_workers)))
    finally:
        await own.dispose()


definition = ServiceDefinition(
    name="monitoring",
    title="Contract monitoring",
    description=(
        "Contract performance against outcome targets, and alerts to local boards, the JCU "
        "and the Executive Board (Durham Children's Trust framework, section 3, PPDG duties)."
    ),
    port=8104,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[
        ConsumerSpec(
            name="performance-returns",
            topics=[PERFORMANCE_RETURNS.name],
            handler=performance_returns,
        ),
        ConsumerSpec(
            name="procurement-events",
            topics=[PROCUREMENT_EVENTS.name],
            handler=procurement_events,
        ),
    ],
    background=lambda ctx: [
        ("missing-returns", functools.partial(missing_returns_clock, ctx)),
        ("webhooks", functools.partial(webhook_dispatcher, ctx)),
        ("stream-connections", functools.partial(close_stream_connections, ctx)),
    ],
)
