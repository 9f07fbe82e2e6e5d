"""The strategy document as PDF, through WeasyPrint (which needs Debian's Pango,
`libpango-1.0-0`). Nothing is fetched: the document is self-contained HTML, and the URL
fetcher allows no protocol at all, so any URL in it is refused rather than loaded."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from services.projects.application.ports import PdfUnavailable


def _weasyprint() -> ModuleType:
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as missing:
        raise PdfUnavailable(f"PDF rendering is not available here: {missing}") from missing


def refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that allows no protocol: it fetches nothing."""
    return _weasyprint().urls.URLFetcher(allowed_protocols=())


def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document; PdfUnavailable without Pango."""
    document = _weasyprint().HTML(string=html, url_fetcher=refusing_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
