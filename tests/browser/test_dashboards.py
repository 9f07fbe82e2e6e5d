"""Each board's dashboard in a real browser: signing in with a token, the charts drawn,
a new alert appearing live over Server-Sent Events (published through Kafka as monitoring
publishes it) on the boards it concerns and no other, zero serious or critical axe-core
violations on every page, and a screenshot of each."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.boards import story
from tests.boards.dashboards.support import ROOT, RunningBoards, running_boards
from tests.browser.support import axe_violations, screenshot, serious

pytestmark = [pytest.mark.browser, pytest.mark.broker, pytest.mark.database]

LIVE = "Live: new alerts appear at the top of this list."


async def sign_in(browser: Browser, b: RunningBoards, token: str) -> tuple[BrowserContext, Page]:
    """Through the sign-in page, as a person would: paste the token, press the button."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{b.url}{ROOT}")  # not signed in: sent to the sign-in page
    await page.get_by_label("Access token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda url: "/sign-in" not in url)
    return context, page


async def charts_drawn(page: Page, at_least: int) -> list[str]:
    """The page's chart images, each drawn with a size and named by its title."""
    charts = page.locator("svg[role=img]")
    assert await charts.count() >= at_least
    names = []
    for i in range(await charts.count()):
        box = await charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 10
        names.append(await charts.nth(i).locator("title").text_content() or "")
    return names


async def accessible(page: Page, name: str) -> None:
    assert serious(await axe_violations(page)) == [], name
    await screenshot(page, name)


async def test_each_dashboard_draws_its_charts_shows_alerts_live_and_passes_axe(
    browser: Browser,
    database_url: str,
    kafka: KafkaSettings,
    unique_schema: str,
    schemas: list[str],
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        later = await b.tell(held_back=[story.HOME_ALERT, story.BOARD_ALERT])
        home_ctx, home = await sign_in(
            browser, b, b.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        )
        away_ctx, away = await sign_in(
            browser, b, b.token(Role.LOCAL_BOARD_MEMBER, locality="derwentside")
        )
        jcu_ctx, jcu = await sign_in(browser, b, b.token(Role.JCU))
        exec_ctx, executive = await sign_in(browser, b, b.token(Role.EXECUTIVE_BOARD))
        await executive.goto(f"{b.url}{ROOT}/executive")

        assert home.url.endswith("/local/easington") and jcu.url.endswith("/jcu")
        assert "Needs in Easington against benchmark" in await charts_drawn(home, 3)
        assert {"Projects by stage", "Pooled and aligned budgets"} <= set(
            await charts_drawn(jcu, 4)
        )
        assert "Self-evaluation: mean score across the 13 standards" in await charts_drawn(
            executive, 3
        )
        for page in (home, away, jcu, executive):
            await page.get_by_text(LIVE).wait_for()  # the EventSource is open

        await b.publish(later)  # monitoring raises the Easington and Executive Board alerts
        home_alert = f"li[data-item-id='{story.HOME_ALERT}']"
        board_alert = f"li[data-item-id='{story.BOARD_ALERT}']"
        await home.locator(home_alert).wait_for(timeout=30_000)
        await executive.locator(board_alert).wait_for(timeout=30_000)
        await jcu.locator(home_alert).wait_for(timeout=30_000)
        await jcu.locator(board_alert).wait_for(timeout=30_000)
        assert "KPI red" in await home.locator(home_alert).inner_text()
        assert await away.locator(home_alert).count() == 0  # another locality's board: never
        assert await home.locator(board_alert).count() == 0

        for page, name in (
            (home, "dashboard-local-easington"),
            (away, "dashboard-local-derwentside"),
            (jcu, "dashboard-jcu"),
            (executive, "dashboard-executive-board"),
        ):
            await accessible(page, name)
        for page in (home, jcu, executive):  # reflow (WCAG 2.2, 1.4.10): nothing sideways at 320px
            await page.set_viewport_size({"width": 320, "height": 640})
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, page.url
        await screenshot(home, "dashboard-local-easington-320px")
        refused = await away.goto(f"{b.url}{ROOT}/local/easington")
        assert refused is not None and refused.status == 403
        assert await away.locator("h1").inner_text() == "You cannot open this board"
        await accessible(away, "dashboard-refused")
        for context in (home_ctx, away_ctx, jcu_ctx, exec_ctx):
            await context.close()


async def test_the_sign_in_page_refuses_a_bad_token_accessibly(
    browser: Browser,
    database_url: str,
    kafka: KafkaSettings,
    unique_schema: str,
    schemas: list[str],
) -> None:
    async with running_boards(database_url, kafka, unique_schema, schemas) as b:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await page.goto(f"{b.url}{ROOT}/jcu")
        assert await page.locator("h1").inner_text() == "Sign in to the dashboards"
        await accessible(page, "dashboard-sign-in")
        await page.get_by_label("Access token").fill("not-a-token")
        await page.get_by_role("button", name="Sign in").click()
        summary = page.get_by_role("alert")
        await summary.wait_for()
        assert "Your access token was refused" in await summary.inner_text()
        assert await page.get_by_label("Access token").get_attribute("aria-invalid") == "true"
        assert await context.cookies() == []
        await accessible(page, "dashboard-sign-in-refused")
        await context.close()
