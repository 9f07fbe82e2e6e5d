"""What every service process is made of: one FastAPI app whose lifespan runs the outbox
relay and the service's consumers, with health, readiness, metrics and tracing.

A service describes itself with a `ServiceDefinition`; `commissioning serve <name>` builds
the app from it. Services share this plumbing, never each other's tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from pydantic import BaseModel
from sqlalchemy import MetaData
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.api_docs import install_api_docs
from shared.auth import TokenVerifier
from shared.contracts import registry
from shared.db import Database
from shared.edge import AuthenticateFirst, BodyLimit
from shared.inbox import BatchHandler, InboxConsumer, is_transient
from shared.outbox import EventTooLarge, OutboxRelay
from shared.settings import PlatformSettings
from shared.supervision import COMPONENT_UP, Supervisor
from shared.telemetry import configure_logging, configure_tracing, context_from_headers, tracer
from shared.trust import TrustConfig, load_trust_config
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of the service: catalogue topics in, a batch handler."""

    name: str
    topics: Sequence[str] | Callable[[TrustConfig], Sequence[str]]
    """Catalogue topics, or a function of the trust (per-agency topics name its agencies)."""
    handler: Callable[[ServiceContext], BatchHandler]
    tables: Sequence[str] = ()
    """For a projection: the tables (of the service's `tables`) it alone writes. A consumer
    with tables can be rebuilt from the event history (`commissioning projections`)."""

    def topic_names(self, trust: TrustConfig) -> Sequence[str]:
        return self.topics(trust) if callable(self.topics) else self.topics


BackgroundTask = tuple[str, Callable[[asyncio.Event], Awaitable[None]]]
"""A named loop (e.g. a delivery loop) run as `run(stop)` under the service's supervisor;
it returns only once `stop` is set."""


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything `commissioning` needs to run, migrate and describe a service."""

    name: str
    title: str
    description: str
    port: int
    migrations: Path
    tables: MetaData | None = None
    """The service's own tables (the backbone's are added): what its migrations must build."""
    routers: Callable[[ServiceContext], Sequence[Any]] = lambda _ctx: ()
    consumers: Sequence[ConsumerSpec] = ()
    background: Callable[[ServiceContext], Sequence[BackgroundTask]] = lambda _ctx: ()


@dataclass
class ServiceContext:
    """Per-process resources handed to routers and handlers."""

    definition: ServiceDefinition
    settings: PlatformSettings
    trust: TrustConfig
    db: Database
    relay: OutboxRelay
    consumers: list[InboxConsumer] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    """The service's own per-process state, e.g. configuration it loads once."""
    supervisor: Supervisor = field(default_factory=lambda: Supervisor("service"))
    """Runs the relay and the consumers, restarting whichever dies."""

    def unit_of_work(self) -> UnitOfWork:
        """A transaction whose events go through this service's outbox."""
        return UnitOfWork(
            self.db,
            self.settings.kafka,
            source=self.definition.name,
            trust=self.trust.id,
            events=registry,
        )


def build_context(definition: ServiceDefinition, settings: PlatformSettings) -> ServiceContext:
    trust = load_trust_config(settings.trust_config)
    schema = settings.database.database_schema or definition.name
    db = Database(settings.database.database_url, schema, pool_size=settings.database.pool_size)
    relay = OutboxRelay(
        service=definition.name,
        database_url=settings.database.database_url,
        schema=schema,
        kafka=settings.kafka,
        relay=settings.relay,
    )
    ctx = ServiceContext(definition, settings, trust, db, relay)
    ctx.supervisor = Supervisor(definition.name)
    for spec in definition.consumers:
        ctx.consumers.append(
            InboxConsumer(
                name=f"{settings.kafka.topic_prefix}{definition.name}.{spec.name}",
                topics=[settings.kafka.topic(t) for t in spec.topic_names(trust)],
                handler=spec.handler(ctx),
                db=db,
                kafka=settings.kafka,
                source=definition.name,
                trust=trust.id,
            )
        )
    return ctx


def create_app(definition: ServiceDefinition, settings: PlatformSettings | None = None) -> FastAPI:
    """The service's ASGI app; background work starts and stops with its lifespan."""
    settings = settings or PlatformSettings()
    configure_logging(definition.name, settings.log_level, settings.log_format)
    configure_tracing(definition.name, settings.otel_exporter)
    ctx = build_context(definition, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        ctx.supervisor.start("outbox-relay", ctx.relay.run, stop)
        for consumer in ctx.consumers:
            ctx.supervisor.start(consumer.name, consumer.run, stop)
        for name, run in definition.background(ctx):
            ctx.supervisor.start(name, run, stop)
        # Long-lived start-up objects need no more GC scans (bench/README.md: 15-40% on
        # the consumer's hot path).
        gc.freeze()
        log.info("%s started", definition.name)
        try:
            yield
        finally:
            stop.set()
            await ctx.supervisor.stop()
            await ctx.db.dispose()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_api_docs(app)
    app.state.context = ctx
    app.state.token_verifier = TokenVerifier(
        settings.auth(
            ctx.trust.id,
            localities=ctx.trust.locality_ids,
            agencies=[agency.id for agency in ctx.trust.agencies],
        )
    )
    install_operational_routes(app, ctx)
    install_error_handlers(app)
    install_tracing(app)
    # Added last, so outermost: a request is authenticated, then its size is checked, and
    # only then is anything of its body read.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AuthenticateFirst, verifier=app.state.token_verifier)
    for router in definition.routers(ctx):
        app.include_router(router)
    return app


METRICS_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The Prometheus text format `generate_latest` writes (`text/plain; version=0.0.4`)."""


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]


def install_operational_routes(app: FastAPI, ctx: ServiceContext) -> None:
    """`/healthz` (liveness, with every component's state), `/readyz` (can take requests),
    `/metrics` (Prometheus). README.md, "Operations", says what each means."""

    @app.get("/healthz", tags=["operations"], summary="Liveness", response_model=None)
    async def healthz() -> JSONResponse:
        detail = await health_detail(ctx)
        # Only a process that can no longer recover by itself is not alive: a broker or
        # database outage is ridden out (and shown here), and restarting the pod cures
        # neither.
        alive = ctx.supervisor.all_running
        return JSONResponse(detail, status_code=200 if alive else 503)

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency does not answer."}},
    )
    async def readyz() -> JSONResponse:
        checks = {"database": await database_answers(ctx)}
        if not ctx.settings.broker_durable:
            # A broker that forgets what it acknowledged must not be written to while it
            # is gone (the embedded Tansu): take the service out of rotation.
            checks["broker"] = broker_answers(ctx)
        ready = all(checks.values())
        headers = {} if ready else {"Retry-After": RETRY_AFTER_S}
        return JSONResponse(
            {"ready": ready, "checks": checks},
            status_code=200 if ready else 503,
            headers=headers,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {METRICS_TYPE: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        await health_detail(ctx)  # refreshes the component gauges
        return PlainTextResponse(generate_latest(), media_type=METRICS_TYPE)


RETRY_AFTER_S = "5"


async def database_answers(ctx: ServiceContext, timeout_s: float = 3.0) -> bool:
    try:
        up = await asyncio.wait_for(ctx.db.ping(), timeout_s)
    except TimeoutError:
        up = False
    COMPONENT_UP.labels(ctx.definition.name, "database").set(int(up))
    return up


def broker_answers(ctx: ServiceContext) -> bool:
    """The relay and every consumer are connected to the broker."""
    now = asyncio.get_running_loop().time()
    up = ctx.relay.is_healthy(now) and all(c.ready for c in ctx.consumers)
    COMPONENT_UP.labels(ctx.definition.name, "broker").set(int(up))
    return up


async def health_detail(ctx: ServiceContext) -> dict[str, Any]:
    """Every component's state, for operators (`/healthz`) and metrics."""
    database = await database_answers(ctx)
    broker = broker_answers(ctx)
    relay = ctx.relay
    return {
        "status": "ok" if database and broker else "degraded",
        "service": ctx.definition.name,
        "components": {
            "database": {"up": database},
            "broker": {"up": broker, "durable": ctx.settings.broker_durable},
            "outbox_relay": {
                "healthy": relay.is_healthy(asyncio.get_running_loop().time()),
                "leader": relay.is_leader,
                "last_error": relay.last_error,
            },
            "consumers": {
                c.name: {"connected": c.ready, "last_error": c.last_error} for c in ctx.consumers
            },
        },
        "tasks": {name: state.as_detail() for name, state in ctx.supervisor.tasks.items()},
    }


def install_error_handlers(app: FastAPI) -> None:
    """Bad input gets a 4xx naming the field and the rule, never a 500."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("body",)) or "body",
                "rule": e["msg"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def unparseable_body(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot decode (e.g. not UTF-8) with a bare 400 string.
        if exc.status_code == 400 and isinstance(exc.detail, str):
            rule = f"{exc.detail}: send a JSON document encoded as UTF-8"
            return JSONResponse({"detail": [{"field": "body", "rule": rule}]}, status_code=422)
        return await http_exception_handler(request, exc)

    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        if not is_transient(exc):
            raise exc
        log.warning("request failed: database unavailable: %r", exc)
        return JSONResponse(
            {"detail": [{"field": "database", "rule": "the database is unavailable; retry later"}]},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER_S},
        )

    # An outage is the server's state, not the caller's fault and not a defect: 503.
    for outage in (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, OSError):
        app.add_exception_handler(outage, database_unavailable)
    app.add_exception_handler(asyncpg.PostgresError, database_unavailable)
    app.add_exception_handler(asyncpg.InterfaceError, database_unavailable)

    @app.exception_handler(EventTooLarge)
    async def too_large(_: Request, exc: EventTooLarge) -> JSONResponse:
        return JSONResponse({"detail": [{"field": "body", "rule": str(exc)}]}, status_code=413)


def install_tracing(app: FastAPI) -> None:
    """A server span per request, continuing the caller's W3C trace context if sent."""

    @app.middleware("http")
    async def trace_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path in ("/healthz", "/readyz", "/metrics"):
            return await call_next(request)
        parent = context_from_headers(dict(request.headers))
        with tracer().start_as_current_span(
            f"{request.method} {request.url.path}",
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": request.method, "url.path": request.url.path},
        ) as span:
            response = await call_next(request)
            span.set_attribute("http.response.status_code", response.status_code)
            return response
