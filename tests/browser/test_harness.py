"""The browser harness itself: axe-core finds what breaks WCAG, so a clean result on the
platform's pages means something."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.support import axe_violations, serious

pytestmark = [pytest.mark.browser]

BROKEN = (
    "<html><body><p style='color:#bbb;background:#fff'>faint text</p>"
    "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='><button></button></body></html>"
)


async def test_axe_reports_serious_violations_on_a_page_that_breaks_wcag(
    browser: Browser,
) -> None:
    page = await browser.new_page()
    await page.set_content(BROKEN)
    found = {line.split(" ", 1)[0] for line in serious(await axe_violations(page))}
    assert {"color-contrast", "image-alt", "button-name", "html-has-lang"} <= found
    await page.close()
