"""A service process, as `commissioning serve` builds it, end to end on real infrastructure:
authenticated HTTP in, outbox, Kafka, inbox out, with one trace across all of it, and the
health, readiness and metrics endpoints an operator scrapes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, Field

from shared.auth import Principal, Role, mint_token, require_roles
from shared.embedded import free_port
from shared.envelope import Event
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition, create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.telemetry import configure_tracing
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import LEDGER_DDL, LEDGER_TOPIC, apply_ledger, submitted
from tests.backbone.support import eventually, scalar

pytestmark = [pytest.mark.broker, pytest.mark.database]

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "needs" / "adapters" / "migrations"


class Submission(BaseModel):
    n: int = Field(ge=0, le=1_000_000)


def ledger_routes(ctx: ServiceContext) -> Sequence[APIRouter]:
    router = APIRouter()

    @router.post("/ledger", status_code=202)
    async def record(
        body: Submission,
        _: Annotated[Principal, Depends(require_roles(Role.COMMISSIONING_OFFICER))],
    ) -> dict[str, str]:
        async with ctx.unit_of_work() as uow:
            envelope = uow.publish(submitted(body.n), subject=f"key-{body.n}")
            await uow.commit()
        return {"event_id": str(envelope.id)}

    return [router]


def ledger_handler(_: ServiceContext) -> Any:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await apply_ledger(events, uow)

    return handle


LEDGER = ServiceDefinition(
    name="ledger",
    title="Ledger (test service)",
    description="A service that consumes what it publishes, to test the runtime.",
    port=0,
    migrations=MIGRATIONS,
    routers=ledger_routes,
    consumers=[ConsumerSpec("ledger", [LEDGER_TOPIC], ledger_handler)],
)


async def test_a_request_its_event_and_the_consumer_share_one_trace_and_show_in_metrics(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    spans = InMemorySpanExporter()
    configure_tracing("ledger", span_exporter=spans)
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, MIGRATIONS)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=unique_schema),
        log_format="text",
    )
    await ensure_topics(kafka)
    app = create_app(LEDGER, settings)
    ctx: ServiceContext = app.state.context
    async with ctx.db.connect() as conn:
        await conn.exec_driver_sql(LEDGER_DDL)
    auth = settings.auth(ctx.trust.id)
    officer = {"Authorization": "Bearer " + mint_token(auth, "o", [Role.COMMISSIONING_OFFICER])}
    board = {
        "Authorization": "Bearer "
        + mint_token(auth, "b", [Role.LOCAL_BOARD_MEMBER], locality="easington")
    }

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        assert (await client.get("/healthz")).status_code == 200

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, 60)

        assert (await client.post("/ledger", json={"n": 1})).status_code == 401
        assert (await client.post("/ledger", json={"n": 1}, headers=board)).status_code == 403
        invalid = await client.post("/ledger", json={"n": -1}, headers=officer)
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["field"] == "n"
        assert "greater than or equal to 0" in invalid.json()["detail"][0]["rule"]

        accepted = await client.post("/ledger", json={"n": 7}, headers=officer)
        assert accepted.status_code == 202
        event_id = accepted.json()["event_id"]

        async def applied() -> bool:
            return await scalar(ctx.db, "SELECT count(*) FROM ledger_applied") == 1

        await eventually(applied, 60)
        metrics = (await client.get("/metrics")).text

    assert 'commissioning_events_published_total{service="ledger"' in metrics
    assert 'commissioning_events_consumed_total{consumer="' in metrics

    finished = spans.get_finished_spans()
    server = next(
        s
        for s in finished
        if s.name == "POST /ledger"
        and s.attributes
        and s.attributes.get("http.response.status_code") == 202
    )
    consume = next(
        s
        for s in finished
        if s.name.startswith("consume ")
        and s.attributes
        and s.attributes.get("messaging.message.id") == event_id
    )
    assert server.context is not None and consume.context is not None
    assert consume.context.trace_id == server.context.trace_id
    # The consumer's span descends from the request's server span.
    by_id = {s.context.span_id: s for s in finished if s.context is not None}
    ancestor = consume.parent
    chain = []
    while ancestor is not None and ancestor.span_id != server.context.span_id:
        chain.append(ancestor.span_id)
        parent_span = by_id.get(ancestor.span_id)
        ancestor = parent_span.parent if parent_span is not None else None
    assert ancestor is not None, f"consumer span does not descend from the request: {chain}"


async def ledger_app(
    database_url: str, kafka: KafkaSettings, schema: str, **overrides: Any
) -> tuple[Any, dict[str, str]]:
    """The ledger service on `database_url` and `kafka`, and an officer's headers."""
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema),
        log_format="text",
        **overrides,
    )
    app = create_app(LEDGER, settings)
    token = mint_token(settings.auth(app.state.context.trust.id), "o", [Role.COMMISSIONING_OFFICER])
    return app, {"Authorization": f"Bearer {token}"}


def unreachable_postgres() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"


async def call_without_reading(app: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, bool]:
    """POST to the app directly over ASGI; return the status and whether the body was read."""
    read = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read = True
        return {"type": "http.request", "body": b"{" + b" " * 10_000_000 + b"}"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/ledger",
        "raw_path": b"/ledger",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return status, read


async def test_a_caller_without_a_valid_token_is_refused_before_its_body_is_read(
    database_url: str, kafka: KafkaSettings, unique_schema: str
) -> None:
    app, officer = await ledger_app(database_url, kafka, unique_schema)
    assert await call_without_reading(app, []) == (401, False)
    bad = [(b"authorization", b"Bearer not-a-token")]
    assert await call_without_reading(app, bad) == (401, False)
    declared = [(b"authorization", officer["Authorization"].encode())]
    declared.append((b"content-length", b"10000002"))
    assert await call_without_reading(app, declared) == (413, False)


async def test_a_body_over_the_limit_is_refused_with_413_naming_the_limit(
    database_url: str, kafka: KafkaSettings, unique_schema: str
) -> None:
    app, officer = await ledger_app(database_url, kafka, unique_schema, max_body_bytes=1_000)

    async def streamed() -> Any:  # chunked: no Content-Length announces the size
        yield b'{"n": 1, "padding": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for body in (
            {"content": b'{"n": 1, "pad": "' + b"x" * 2_000 + b'"}'},
            {"content": streamed()},
        ):
            refused = await client.post("/ledger", headers=officer, **body)
            assert refused.status_code == 413
            assert refused.json() == {
                "detail": [
                    {"field": "body", "rule": "request body larger than the limit of 1000 bytes"}
                ]
            }
        within = await client.post("/ledger", headers=officer, json={"n": -1})
        assert within.status_code == 422  # reached the route and its validation


async def test_without_postgresql_the_service_lives_is_not_ready_and_answers_503(
    kafka: KafkaSettings, unique_schema: str
) -> None:
    app, officer = await ledger_app(unreachable_postgres(), kafka, unique_schema)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        write = await client.post("/ledger", json={"n": 1}, headers=officer)
        assert write.status_code == 503
        assert write.headers["Retry-After"].isdigit()
        assert write.json()["detail"][0]["field"] == "database"
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["Retry-After"].isdigit()
        assert ready.json()["checks"]["database"] is False

        async def relay_reports_the_outage() -> bool:
            health = (await client.get("/healthz")).json()
            return health["components"]["outbox_relay"]["last_error"] is not None

        await eventually(relay_reports_the_outage, 30)
        live = await client.get("/healthz")
        assert live.status_code == 200  # restarting the pod would not bring PostgreSQL back
        assert live.json()["status"] == "degraded"
        assert live.json()["components"]["database"] == {"up": False}


async def test_without_the_broker_a_durable_service_stays_ready_and_takes_writes(
    database_url: str, schemas: list[str], unique_schema: str
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, MIGRATIONS)
    gone = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}")
    app, officer = await ledger_app(database_url, gone, unique_schema)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.post("/ledger", json={"n": 1}, headers=officer)).status_code == 202

        async def broker_reported_down() -> bool:
            health = (await client.get("/healthz")).json()
            return health["components"]["broker"]["up"] is False

        await eventually(broker_reported_down, 30)
        assert (await client.get("/healthz")).status_code == 200
        metrics = (await client.get("/metrics")).text
        assert 'commissioning_component_up{component="broker",service="ledger"} 0.0' in metrics
        # ... unless the broker forgets what it acknowledged: then it is not ready.
    fragile, _ = await ledger_app(database_url, gone, unique_schema, broker_durable=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fragile), base_url="http://t"
    ) as client:
        refused = await client.get("/readyz")
        assert refused.status_code == 503 and refused.json()["checks"]["broker"] is False


async def test_a_relay_that_dies_of_a_defect_is_reported_and_restarted(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, MIGRATIONS)
    await ensure_topics(kafka)
    app, _ = await ledger_app(database_url, kafka, unique_schema)
    ctx: ServiceContext = app.state.context
    real_check_epoch = ctx.relay.check_epoch
    defects = iter([ValueError("a defect in the relay")])

    async def check_epoch_with_one_defect(conn: Any) -> None:
        if (defect := next(defects, None)) is not None:
            raise defect
        await real_check_epoch(conn)

    ctx.relay.check_epoch = check_epoch_with_one_defect  # type: ignore[method-assign]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):

        async def restarted_and_leading() -> bool:
            return ctx.relay.is_leader and ctx.relay.last_round is not None

        await eventually(restarted_and_leading, 60)
        health = (await client.get("/healthz")).json()
        task = health["tasks"]["outbox-relay"]
        assert task["restarts"] == 1 and task["running"] is True
        assert task["last_error"] == "ValueError: a defect in the relay"
        metrics = (await client.get("/metrics")).text
        assert (
            'commissioning_background_task_restarts_total{service="ledger",task="outbox-relay"}'
            in metrics
        )


async def test_a_relay_defect_is_raised_not_swallowed_and_the_relay_is_unhealthy(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, MIGRATIONS)
    app, _ = await ledger_app(database_url, kafka, unique_schema)
    relay = app.state.context.relay

    async def defect(conn: Any) -> None:
        raise KeyError("defect")

    relay.check_epoch = defect
    with pytest.raises(KeyError):
        await relay.run(asyncio.Event())
    assert relay.is_healthy(asyncio.get_running_loop().time()) is False


async def test_a_service_s_own_background_loop_is_supervised_too(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, MIGRATIONS)
    runs: list[str] = []

    async def delivery_loop(stop: asyncio.Event) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise ConnectionResetError("a defect on the first run")
        await stop.wait()

    definition = dataclasses.replace(LEDGER, background=lambda _: [("delivery", delivery_loop)])
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=unique_schema),
        log_format="text",
    )
    app = create_app(definition, settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await eventually(lambda: _true(len(runs) == 2), 30)
        task = (await client.get("/healthz")).json()["tasks"]["delivery"]
        assert task["restarts"] == 1 and task["last_error"].startswith("ConnectionResetError")


async def _true(value: bool) -> bool:
    return value
