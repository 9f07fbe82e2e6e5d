"""The dashboards are scoped like the API: a Local Children's Board member sees its own
locality's page and alert stream and nothing of another's by any URL or parameter; the
JCU's and Executive Board's pages are for trust-wide roles; a missing, forged or expired
token, or one held anywhere but the dashboards' cookie, gets a sign-in page and no data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from shared.auth import AuthSettings, Role, mint_token
from shared.settings import KafkaSettings
from tests.boards import story
from tests.boards.dashboards.support import ROOT, TRUST, running_boards

pytestmark = [pytest.mark.broker, pytest.mark.database]

HOME_TITLE = "Teenage pregnancy outreach, easington"
AWAY_TITLES = ("Teenage pregnancy outreach, derwentside", "Teenage pregnancy support, derwentside")
EVERY_PAGE = [
    "/local/easington",
    "/local/derwentside",
    "/jcu",
    "/executive",
    "/stream/local/easington",
    "/stream/local/derwentside",
    "/stream/jcu",
    "/stream/executive",
]


def shows_nothing(body: str) -> bool:
    """No figure, title or alert of either locality's board."""
    markers = (HOME_TITLE, *AWAY_TITLES, str(story.HOME_ALERT), str(story.AWAY_ALERT))
    return not any(m in body for m in markers)


async def first_items(client: httpx.AsyncClient, path: str, count: int) -> list[dict[str, str]]:
    """The first `count` alert items a stream sends (its open alerts, sent at once)."""
    items: list[dict[str, str]] = []
    async with client.stream("GET", ROOT + path) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                items.append(json.loads(line[5:]))
                if len(items) == count:
                    break
    return items


async def test_a_local_board_member_sees_its_own_locality_and_nothing_of_another(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        await b.tell()
        easington = await b.signed_in(b.token(Role.LOCAL_BOARD_MEMBER, locality="easington"))

        own = await easington.get(f"{ROOT}/local/easington")
        assert own.status_code == 200
        assert HOME_TITLE in own.text and str(story.HOME_ALERT) in own.text
        assert not any(t in own.text for t in AWAY_TITLES) and str(story.AWAY_ALERT) not in own.text

        for path in EVERY_PAGE[1:]:
            if path.endswith("easington"):
                continue
            answer = await easington.get(ROOT + path)
            assert answer.status_code == 403, path
            assert shows_nothing(answer.text), path
        for path in (
            "/local/derwentside?locality=easington",
            "/local/DERWENTSIDE",
            "/local/derwentside%2F..%2Feasington",
            "/local/easington/../derwentside",
            "/local/nowhere",
            "/stream/local/derwentside?locality=easington",
        ):
            answer = await easington.get(ROOT + path)
            assert 400 <= answer.status_code < 500, path
            assert shows_nothing(answer.text), path
        parameter = await easington.get(f"{ROOT}/local/easington?locality=derwentside")
        assert not any(t in parameter.text for t in AWAY_TITLES)

        (item,) = await first_items(easington, "/stream/local/easington", 1)
        assert item["id"] == str(story.HOME_ALERT)
        officer = await b.signed_in(b.token(Role.COMMISSIONING_OFFICER))
        every = {i["id"] for i in await first_items(officer, "/stream/jcu", 3)}
        assert every == {str(a) for a in (story.HOME_ALERT, story.AWAY_ALERT, story.BOARD_ALERT)}
        for client in (easington, officer):
            await client.aclose()


async def test_trust_wide_roles_open_every_board_and_others_none(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        await b.tell()
        for role in (Role.EXECUTIVE_BOARD, Role.JCU, Role.LEAD_COMMISSIONER):
            reader = await b.signed_in(b.token(role))
            for path in ("/local/easington", "/local/derwentside", "/jcu", "/executive"):
                assert (await reader.get(ROOT + path)).status_code == 200, (role, path)
            assert (await reader.get(f"{ROOT}/local/nowhere")).status_code == 404
            await reader.aclose()
        provider_token = b.token(Role.PROVIDER, provider_id="barnardos")
        bearer = {"Authorization": f"Bearer {provider_token}"}
        refused = await b.client.post(f"{ROOT}/sign-in", headers=bearer)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
        provider = httpx.AsyncClient(base_url=b.url, timeout=30)
        provider.cookies.set("commissioning_dashboards", provider_token)  # had it anyway
        for path in EVERY_PAGE:
            answer = await provider.get(ROOT + path)
            assert answer.status_code == 403, path
            assert shows_nothing(answer.text), path
        await provider.aclose()


async def test_a_missing_forged_expired_or_misplaced_token_gets_nothing(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        await b.tell()
        good = b.token(Role.EXECUTIVE_BOARD)
        forged = mint_token(
            AuthSettings(secret=SecretStr("not-the-platform-secret-" * 2)), "eve", [Role.JCU]
        )
        expired = mint_token(
            b.settings.auth(TRUST),
            "old",
            [Role.JCU],
            issued_at=datetime.now(UTC) - timedelta(hours=9),
        )
        anonymous = httpx.AsyncClient(base_url=b.url, timeout=30)
        for path in EVERY_PAGE:
            for cookie in (None, forged, expired, "not-a-token"):
                anonymous.cookies.clear()
                if cookie:
                    anonymous.cookies.set("commissioning_dashboards", cookie, path=ROOT)
                answer = await anonymous.get(ROOT + path)
                assert answer.status_code == 401, (path, cookie)
                assert shows_nothing(answer.text), path
            anonymous.cookies.clear()
            for misplaced in (
                anonymous.get(ROOT + path, headers={"Authorization": f"Bearer {good}"}),
                anonymous.get(f"{ROOT}{path}?token={good}&access_token={good}"),
            ):
                answer = await misplaced
                assert answer.status_code == 401, path  # the pages take the cookie only
                assert shows_nothing(answer.text), path

        for bad in (forged, expired):
            refused = await anonymous.post(
                f"{ROOT}/sign-in", headers={"Authorization": f"Bearer {bad}"}
            )
            assert refused.status_code == 401 and "set-cookie" not in refused.headers
        await anonymous.aclose()


async def test_the_cookie_is_http_only_same_site_strict_and_for_the_dashboards_only(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        token = b.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        answer = await b.client.post(
            f"{ROOT}/sign-in", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.json() == {"location": f"{ROOT}/local/easington"}
        cookie = answer.headers["set-cookie"].lower()
        for attribute in ("httponly", "samesite=strict", f"path={ROOT}", "max-age="):
            assert attribute in cookie
        assert token not in answer.text  # the token goes back only in the cookie
        stranger = httpx.AsyncClient(base_url=b.url, timeout=30)
        stranger.cookies.set("commissioning_dashboards", token)
        api = await stranger.get("/boards/local/easington")
        assert api.status_code == 401  # the JSON API takes bearer tokens, never the cookie
        await stranger.aclose()
        member = await b.signed_in(token)
        page = await member.get(f"{ROOT}/local/easington")
        assert page.headers["cache-control"] == "no-store"  # no board data left in caches
        assert "default-src 'none'" in page.headers["content-security-policy"]
        await member.aclose()
