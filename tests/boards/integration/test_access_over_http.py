"""Every endpoint of the boards' API, against the running service on real Kafka and
PostgreSQL, after the services' events have been taken in: a Local Children's Board member
sees its own locality and nothing of another's by any URL or parameter; the trust-wide
views are for the trust-wide roles; providers, agencies' publishers and operators get
nothing (Durham Children's Trust framework, section 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from services.boards.service import definition
from shared.auth import Role, mint_token
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from tests.backbone.support import eventually
from tests.boards import story
from tests.boards.integration.support import caught_up, migrated, publish
from tests.boards.story import TRUST, cycle

pytestmark = [pytest.mark.broker, pytest.mark.database]

AWAY_IDS = [
    *(str(i) for i in (story.AWAY_NEED, story.AWAY_PROJECT, story.AWAY_CONTRACT, story.AWAY_ALERT)),
    "away-carers",  # on Derwentside's select list
]


@dataclass
class Running:
    client: httpx.AsyncClient
    settings: PlatformSettings
    paths: list[str]

    def token(
        self, *roles: Role, locality: str | None = None, provider: str | None = None
    ) -> dict[str, str]:
        agency = "nhs-county-durham" if Role.AGENCY_PUBLISHER in roles else None
        token = mint_token(
            self.settings.auth(TRUST),
            "caller",
            roles,
            locality=locality,
            provider_id=provider,
            agency=agency,
        )
        return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_boards(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[Running]:
    db = await migrated(database_url, schema, schemas)
    await db.dispose()
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema),
        log_format="text",
        log_level="WARNING",
    )
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        paths = [p for p in app.openapi()["paths"] if p.startswith("/boards")]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def consuming() -> bool:
                return all(c.ready for c in app.state.context.consumers)

            await eventually(consuming, 60)
            await publish(kafka, cycle())
            await caught_up(kafka)
            yield Running(client, settings, paths)


def trust_wide_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith(("/boards/jcu", "/boards/executive"))]


async def test_every_endpoint_answers_each_role_only_within_its_scope(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as boards:
        get = boards.client.get
        assert set(boards.paths) == {
            "/boards",
            "/boards/local/{locality}",
            "/boards/local/{locality}/story",
            *trust_wide_paths(boards.paths),
        }
        assert len(trust_wide_paths(boards.paths)) == 14
        member = boards.token(Role.LOCAL_BOARD_MEMBER, locality=story.HOME)
        local_paths = ["/boards/local/{locality}", "/boards/local/{locality}/story"]

        # Its own locality's board and story, with nothing of Derwentside's.
        for path in local_paths:
            for query in ("", "?locality=derwentside", "?locality=derwentside&limit=500"):
                if "story" not in path and "limit" in query:
                    continue
                answer = await get(path.format(locality=story.HOME) + query, headers=member)
                assert answer.status_code == 200, answer.text
                assert not any(i in answer.text for i in AWAY_IDS)
                assert "derwentside" not in answer.text
        # Another locality's, a made-up one, a differently spelt one: refused alike.
        for path in local_paths:
            for other in (story.AWAY, "nowhere", "Easington", "easington%2F..%2Fderwentside"):
                answer = await get(path.format(locality=other), headers=member)
                assert answer.status_code in (403, 404, 422), (path, other, answer.text)
                assert not any(i in answer.text for i in AWAY_IDS)
        for path in trust_wide_paths(boards.paths):
            assert (await get(path, headers=member)).status_code == 403, path

        for outsider in (
            boards.token(Role.PROVIDER, provider="barnardos"),
            boards.token(Role.AGENCY_PUBLISHER),
            boards.token(Role.OPERATOR),
        ):
            for path in local_paths + trust_wide_paths(boards.paths):
                answer = await get(path.format(locality=story.HOME), headers=outsider)
                assert answer.status_code == 403, (path, answer.text)
                assert answer.json()["detail"][0]["field"] == "roles"

        for path in local_paths + trust_wide_paths(boards.paths):
            assert (await get(path.format(locality=story.HOME))).status_code == 401

        for role in (
            Role.JCU,
            Role.EXECUTIVE_BOARD,
            Role.LEAD_COMMISSIONER,
            Role.COMMISSIONING_OFFICER,
        ):
            for path in local_paths + trust_wide_paths(boards.paths):
                answer = await get(path.format(locality=story.AWAY), headers=boards.token(role))
                assert answer.status_code == 200, (role, path, answer.text)
            nowhere = await get("/boards/local/nowhere", headers=boards.token(role))
            assert nowhere.status_code == 404


async def test_each_board_tells_its_part_of_the_story(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as boards:
        get = boards.client.get
        member = boards.token(Role.LOCAL_BOARD_MEMBER, locality=story.HOME)
        local = (await get(f"/boards/local/{story.HOME}", headers=member)).json()
        assert [a["alert_id"] for a in local["alerts"]] == [str(story.HOME_ALERT)]
        assert [c["rag"]["status"] for c in local["contracts"]] == ["red"]
        assert [n["need_id"] for n in local["vulnerable_groups"]] == [str(story.GROUP_NEED)]

        jcu = boards.token(Role.JCU)
        [fund] = (await get("/boards/jcu/budgets", headers=jcu)).json()
        assert (fund["contributed"], fund["committed"], fund["remaining"]) == (
            "400000.00",
            "240000.00",
            "160000.00",
        )
        gaps = (await get("/boards/jcu/gaps", headers=jcu)).json()
        assert {n["need_id"] for n in gaps["needs_without_service"]} == {
            str(story.AWAY_NEED),
            str(story.TRUST_NEED),
        }

        chair = boards.token(Role.EXECUTIVE_BOARD)
        [escalation] = (await get("/boards/executive/escalations", headers=chair)).json()
        assert escalation["alert_id"] == str(story.BOARD_ALERT)
        spend = (await get("/boards/executive/spend", headers=chair)).json()
        assert spend["by_partner"] == {
            "durham-county-council": "180000.00",
            "nhs-county-durham": "60000.00",
        }
        lines = (await get("/boards/executive/story?limit=3", headers=chair)).json()
        assert len(lines) == 3
