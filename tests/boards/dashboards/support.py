"""The boards service on a real port (its pages, its alert stream), against real Kafka and
PostgreSQL, fed as the other services feed it: envelopes on their topics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from services.boards.service import definition
from shared.auth import Role, mint_token
from shared.envelope import Event
from shared.kafka import ensure_topics
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from tests.backbone.support import eventually
from tests.boards import story
from tests.boards.integration.support import migrated, publish
from tests.monitoring.integration.support import served

TRUST = "county-durham"
ROOT = "/boards/dashboards"


@dataclass
class RunningBoards:
    url: str
    client: httpx.AsyncClient
    settings: PlatformSettings

    def token(self, *roles: Role | str, **scope: Any) -> str:
        return mint_token(self.settings.auth(TRUST), "tester", roles, **scope)

    async def publish(self, events: Sequence[tuple[str, Event[Any]]]) -> None:
        """Each event on its catalogue topic, as the owning service's relay publishes it."""
        await publish(self.settings.kafka, events)

    async def tell(self, held_back: Sequence[uuid.UUID] = ()) -> list[tuple[str, Event[Any]]]:
        """Publishes the test story but the alerts held back (returned, to publish later),
        and waits until every board has projected it."""
        now: list[tuple[str, Event[Any]]] = []
        later: list[tuple[str, Event[Any]]] = []
        for topic, event in story.cycle():
            alert_id = getattr(event.payload, "alert_id", None)
            (later if alert_id in held_back else now).append((topic, event))
        await self.publish(now)
        officer = {"Authorization": f"Bearer {self.token(Role.COMMISSIONING_OFFICER)}"}
        expected = 3 - len(later)

        async def projected() -> bool:
            alerts = (await self.client.get("/boards/jcu/alerts", headers=officer)).json()
            contracts = (await self.client.get("/boards/jcu/contracts", headers=officer)).json()
            reviews = "/boards/executive/self-evaluations"
            evaluations = (await self.client.get(reviews, headers=officer)).json()
            return len(alerts) == expected and len(contracts) == 2 and len(evaluations) == 1

        await eventually(projected, 60)
        return later

    async def signed_in(self, token: str) -> httpx.AsyncClient:
        """A client holding the dashboards' cookie, as a browser does after signing in."""
        client = httpx.AsyncClient(base_url=self.url, timeout=30)
        answer = await client.post(f"{ROOT}/sign-in", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return client


@asynccontextmanager
async def running_boards(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[RunningBoards]:
    await (await migrated(database_url, schema, schemas)).dispose()
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema),
        log_format="text",
        log_level="WARNING",
    )
    app = create_app(definition, settings)
    async with served(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def consumers_ready() -> bool:
            return all(c.ready for c in app.state.context.consumers)

        await eventually(consumers_ready, 60)
        yield RunningBoards(url, client, settings)
