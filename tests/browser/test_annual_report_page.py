"""The monitoring service's annual performance report in a real browser: the page renders
its charts, has no serious or critical accessibility violations (axe-core, WCAG 2.2 A/AA),
and fetches nothing but itself."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.browser.support import axe_violations, screenshot, serious
from tests.monitoring.integration.support import at, running_monitoring
from tests.monitoring.unit.fakes import a_return, local_contract

pytestmark = [pytest.mark.browser, pytest.mark.broker, pytest.mark.database]

CONTRACT = "easington-family-support"


async def test_the_annual_report_shows_its_charts_and_passes_axe(
    browser: Browser,
    database_url: str,
    kafka: KafkaSettings,
    unique_schema: str,
    schemas: list[str],
) -> None:
    async with running_monitoring(
        database_url, kafka, unique_schema, schemas, at("2025-07-01")
    ) as m:
        officer = m.token(Role.COMMISSIONING_OFFICER)
        provider = m.token(Role.PROVIDER, provider_id="family-action")
        contract = local_contract().model_dump(mode="json")
        put = await m.client.put(
            f"/monitoring/contracts/{CONTRACT}", headers=officer, json=contract
        )
        assert put.status_code == 200
        for period, attendance in (("2025-04", 95), ("2025-05", 85), ("2025-06", 70)):
            ret = a_return(period, attendance).model_dump(mode="json")
            posted = await m.client.post("/monitoring/returns", headers=provider, json=ret)
            assert posted.status_code == 201

        context = await browser.new_context(
            extra_http_headers=m.token(Role.EXECUTIVE_BOARD),
            viewport={"width": 1280, "height": 900},
        )
        page = await context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        response = await page.goto(f"{m.url}/monitoring/reports/annual/2025")
        assert response is not None and response.status == 200
        assert "default-src 'none'" in (await response.all_headers())["content-security-policy"]

        assert await page.locator("h1").inner_text() == "Annual performance report 2025/26"
        charts = page.locator("svg[role=img]")
        assert await charts.count() == 3  # one per contract, outcome and provider row
        for i in range(3):
            box = await charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 10
        first = await charts.first.get_attribute("aria-labelledby")
        assert first is not None
        name = await page.locator(f"[id='{first.split()[0]}']").text_content()
        assert name == "Family support, Easington: 4 green, 1 amber, 1 red"

        assert serious(await axe_violations(page)) == []
        await screenshot(page, "monitoring-annual-report")
        assert all(url.startswith(m.url) for url in requested), requested
        await context.close()
