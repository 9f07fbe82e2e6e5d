"""The boards service as `commissioning serve boards` builds it, on real PostgreSQL and
Kafka: its migrations build its tables, it becomes ready, and it answers only callers
with a valid token."""

from __future__ import annotations

import httpx
import pytest

from services.boards.service import definition
from shared.auth import Role, mint_token
from shared.kafka import ensure_topics
from shared.migrations import scratch_differences, upgrade
from shared.runtime import ServiceContext, create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from tests.backbone.support import eventually

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_its_migrations_build_exactly_its_tables(database_url: str) -> None:
    found = await scratch_differences(database_url, definition.migrations, definition.tables)
    assert found == []


async def test_it_migrates_becomes_ready_and_answers_only_authenticated_callers(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, definition.migrations)
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=unique_schema),
        log_format="text",
    )
    app = create_app(definition, settings)
    ctx: ServiceContext = app.state.context
    auth = settings.auth(ctx.trust.id)
    officer = {"Authorization": "Bearer " + mint_token(auth, "ann", [Role.COMMISSIONING_OFFICER])}

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, 60)
        assert (await client.get("/boards")).status_code == 401
        about = await client.get("/boards", headers=officer)

    assert about.status_code == 200
    assert about.json() == {"service": "boards", "title": definition.title, "caller": "ann"}
