"""Running the procurement service in-process against real Kafka and PostgreSQL, with a
clock the test moves past deadlines and standstills."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Unpack

import asyncpg
import httpx
from fastapi import FastAPI

from services.procurement.domain.providers import QualityStandard
from services.procurement.service import definition
from shared.auth import Role
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import PROCUREMENT_EVENTS
from tests.backbone.support import read_records
from tests.tokens import TokenScope, bearer

TRUST = "county-durham"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class TestClock:
    """Starts at ``START``; ``advance`` moves it on."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RunningProcurement:
    app: FastAPI
    client: httpx.AsyncClient
    settings: PlatformSettings
    clock: TestClock
    database_url: str
    schema: str

    def token(
        self, subject: str, *roles: Role | str, **scope: Unpack[TokenScope]
    ) -> dict[str, str]:
        return bearer(self.settings.auth(TRUST), subject, roles, **scope)

    @property
    def officer(self) -> dict[str, str]:
        return self.token("olive", Role.COMMISSIONING_OFFICER)

    @property
    def jcu(self) -> dict[str, str]:
        return self.token("jess", Role.JCU)

    def board(self, locality: str, subject: str = "bella") -> dict[str, str]:
        return self.token(subject, Role.LOCAL_BOARD_MEMBER, locality=locality)

    def provider(self, provider_id: str) -> dict[str, str]:
        return self.token(f"{provider_id}-user", Role.PROVIDER, provider_id=provider_id)

    async def events(self, expected: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        topic = self.settings.kafka.topic(PROCUREMENT_EVENTS.name)
        records = await read_records(self.settings.kafka, topic, expected, timeout_s)
        return [json.loads(r.value) for r in records]

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """A direct database read, as a DBA or an attacker with the dump would see it."""
        connection = await asyncpg.connect(self.database_url)
        try:
            await connection.execute(f'SET search_path TO "{self.schema}"')
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    async def register(self, provider_id: str, *, expires: date | None = None) -> None:
        """A provider with evidence for every Gateshead standard, current until ``expires``."""
        until = (expires or date(2028, 1, 1)).isoformat()
        body = {
            "provider_id": provider_id,
            "name": provider_id.replace("-", " ").title(),
            "sector": "voluntary",
            "evidence": [
                {"standard": s.value, "reference": f"{s.value}-2026", "expires_on": until}
                for s in QualityStandard
            ],
        }
        answer = await self.client.put(f"/providers/{provider_id}", json=body, headers=self.officer)
        assert answer.status_code == 200, answer.text

    async def request(
        self, value: str, *, locality: str = "easington", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "request_id": str(uuid.uuid4()),
            "title": "Parenting support",
            "locality": locality,
            "priority": "parenting",
            "value": value,
            "outcomes": ["be_healthy"],
        } | extra
        answer = await self.client.post("/procurements", json=body, headers=self.officer)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result


@asynccontextmanager
async def running_procurement(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[RunningProcurement]:
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
    clock = TestClock()
    app.state.context.state["clock"] = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield RunningProcurement(app, client, settings, clock, database_url, schema)
