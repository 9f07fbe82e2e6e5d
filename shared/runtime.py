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
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from pydantic import BaseModel
from sqlalchemy import MetaData
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.auth import TokenVerifier
from shared.contracts import registry
from shared.db import Database
from shared.inbox import BatchHandler, InboxConsumer
from shared.outbox import EventTooLarge, OutboxRelay
from shared.settings import PlatformSettings
from shared.telemetry import configure_logging, configure_tracing, context_from_headers, tracer
from shared.trust import TrustConfig, load_trust_config
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of the service: catalogue topics in, a batch handler."""

    name: str
    topics: Sequence[str]
    handler: Callable[[ServiceContext], BatchHandler]


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
    background: Sequence[Callable[[ServiceContext, asyncio.Event], Coroutine[Any, Any, None]]] = ()
    """Loops the service runs beside its consumers until the event is set (e.g. a clock)."""


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
    for spec in definition.consumers:
        ctx.consumers.append(
            InboxConsumer(
                name=f"{settings.kafka.topic_prefix}{definition.name}.{spec.name}",
                topics=[settings.kafka.topic(t) for t in spec.topics],
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
        tasks = [asyncio.create_task(ctx.relay.run(stop), name="outbox-relay")]
        tasks += [asyncio.create_task(c.run(stop), name=c.name) for c in ctx.consumers]
        tasks += [asyncio.create_task(job(ctx, stop)) for job in definition.background]
        # Long-lived start-up objects need no more GC scans (bench/README.md: 15-40% on
        # the consumer's hot path).
        gc.freeze()
        log.info("%s started", definition.name)
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ctx.db.dispose()

    app = FastAPI(title=definition.title, description=definition.description, lifespan=lifespan)
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
    for router in definition.routers(ctx):
        app.include_router(router)
    return app


METRICS_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The Prometheus text format `generate_latest` writes (`text/plain; version=0.0.4`)."""


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]


def install_operational_routes(app: FastAPI, ctx: ServiceContext) -> None:
    """`/healthz` (alive), `/readyz` (dependencies answer), `/metrics` (Prometheus)."""

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": ctx.definition.name}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency does not answer."}},
    )
    async def readyz() -> JSONResponse:
        checks = {
            "database": await ctx.db.ping(),
            "outbox_relay": ctx.relay.is_healthy(asyncio.get_running_loop().time()),
            "consumers": all(c.ready for c in ctx.consumers),
        }
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {METRICS_TYPE: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        return PlainTextResponse(generate_latest(), media_type=METRICS_TYPE)


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
