"""The monitoring service on a real port (so SSE streams), against real Kafka and
PostgreSQL; a webhook receiver on 127.0.0.1 that verifies Standard Webhooks signatures;
an SSE reader; the inbound topic as a provider's system publishes to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook

from services.monitoring.service import definition
from shared.auth import Role, mint_token
from shared.contracts.monitoring import PerformanceReturn
from shared.contracts.registry import registry
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import PERFORMANCE_RETURNS
from tests.backbone.support import eventually

TRUST = "county-durham"


class Clock:
    """The service's clock, moved on by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1 (a free port); yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Receiver:
    """A board's webhook endpoint: verifies every delivery's signature, de-duplicates by
    webhook-id, and can be told to fail its first deliveries."""

    fail_first: int = 0
    secret: str | None = None
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    attempts: int = 0
    rejected: int = 0
    arrival_times: list[float] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.attempts += 1
        if self.attempts <= self.fail_first:
            return Response(status_code=503)
        body = await request.body()
        assert self.secret is not None
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except Exception:
            self.rejected += 1
            return Response(status_code=400)
        if request.headers["webhook-id"] not in self.received:
            self.received[request.headers["webhook-id"]] = payload
            self.arrival_times.append(time.perf_counter())
        return Response(status_code=204)

    def alert_ids(self) -> set[str]:
        return {p["data"]["alert_id"] for p in self.received.values()}

    def events(self) -> set[tuple[str, str, str]]:
        return {event_key(p["type"], p["data"]) for p in self.received.values()}


def event_key(kind: str, payload: dict[str, Any]) -> tuple[str, str, str]:
    """An alert event: its type, its alert and the lifecycle step it records."""
    return kind, payload["alert_id"], payload.get("state", "raised")


def receivers_app(receivers: dict[str, Receiver]) -> FastAPI:
    app = FastAPI()

    @app.post("/{name}")
    async def deliver(name: str, request: Request) -> Response:
        return await receivers[name].handle(request)

    return app


@dataclass
class Stream:
    """An SSE subscriber: the events it has read, by id."""

    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)

    def events_set(self) -> set[tuple[str, str, str]]:
        return {event_key(kind, data) for _, kind, data in self.events}


async def read_stream(
    url: str, headers: dict[str, str], stream: Stream, last_event_id: int | None = None
) -> None:
    if last_event_id is not None:
        headers = {**headers, "Last-Event-ID": str(last_event_id)}
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", url + "/monitoring/alerts/stream", headers=headers) as response,
    ):
        response.raise_for_status()
        event: dict[str, str] = {}
        async for line in response.aiter_lines():
            if not line:
                if "data" in event:
                    stream.events.append(
                        (int(event["id"]), event["event"], json.loads(event["data"]))
                    )
                event = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                event[key] = value.strip()


@dataclass
class RunningMonitoring:
    url: str
    client: httpx.AsyncClient
    settings: PlatformSettings
    clock: Clock

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    def token(self, *roles: Role | str, **scope: Any) -> dict[str, str]:
        token = mint_token(self.settings.auth(TRUST), "tester", roles, **scope)
        return {"Authorization": f"Bearer {token}"}

    async def publish_return(self, ret: PerformanceReturn | dict[str, Any]) -> None:
        """As a provider's system would: an envelope on the inbound topic."""
        if isinstance(ret, PerformanceReturn):
            body = registry.envelope(
                ret, source="family-action-system", subject=ret.contract_id, trust=TRUST
            ).to_bytes()
        else:
            sample = PerformanceReturn.model_validate(ret | {"kpi_values": {"x": 1}})
            env = json.loads(
                registry.envelope(sample, source="s", subject="s", trust=TRUST).to_bytes()
            )
            env["payload"] = ret
            body = json.dumps(env).encode()
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka.bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                self.kafka.topic(PERFORMANCE_RETURNS.name), body, key=b"family-action"
            )
        finally:
            await producer.stop()


@asynccontextmanager
async def running_monitoring(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str], start: datetime
) -> AsyncIterator[RunningMonitoring]:
    schemas.append(schema)
    await upgrade(database_url, schema, definition.migrations)
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema),
        log_format="text",
        log_level="WARNING",
    )
    app = create_app(definition, settings)
    clock = Clock(start)
    app.state.context.state["clock"] = clock
    async with served(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def consumers_ready() -> bool:
            return all(c.ready for c in app.state.context.consumers)

        await eventually(consumers_ready, 30)
        yield RunningMonitoring(url, client, settings, clock)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@asynccontextmanager
async def background(*coroutines: Any) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
