"""A service process, as `commissioning serve` builds it, end to end on real infrastructure:
authenticated HTTP in, outbox, Kafka, inbox out, with one trace across all of it, and the
health, readiness and metrics endpoints an operator scrapes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, Field

from shared.auth import Principal, Role, mint_token, require_roles
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
