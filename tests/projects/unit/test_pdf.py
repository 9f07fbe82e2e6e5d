"""The strategy as PDF: WeasyPrint renders the self-contained HTML and fetches nothing."""

from __future__ import annotations

import pytest

from services.projects.adapters.pdf import refusing_fetcher, render_pdf
from services.projects.domain.strategy import strategy, to_html
from tests.projects.unit.test_strategy import WORKED


def test_the_strategy_renders_as_a_pdf() -> None:
    pdf = render_pdf(to_html(WORKED.title, strategy(WORKED, None, [])))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/tracker.png", "file:///etc/passwd", "https://example.org/x.css"]
)
def test_nothing_is_fetched_from_outside(url: str) -> None:
    with pytest.raises(ValueError, match="disallowed protocol"):
        refusing_fetcher().fetch(url)


def test_a_document_naming_an_outside_url_still_renders_without_it() -> None:
    page = '<img src="http://127.0.0.1:9/tracker.png"><p>text</p>'
    assert render_pdf(page).startswith(b"%PDF-")
