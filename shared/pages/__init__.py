"""Server-rendered pages: one Jinja2 layout for every service (skip link, landmarks, one
`<h1>`, language, focus styles) with the platform's CSS and scripts shipped in the package
and inlined, so a page needs nothing from anywhere else (WCAG 2.2 AA; no build step).

Responses carry a Content-Security-Policy that allows exactly the inlined style and script
(by hash) and connections back to the same origin (for Server-Sent Events), nothing else.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

SITE = "Children's Trust joint commissioning"


@cache
def asset(name: str) -> str:
    """A file from shared/pages/static (CSS, scripts), as shipped in the package."""
    return (files("shared.pages") / "static" / name).read_text(encoding="utf-8")


def _hash(content: str) -> str:
    digest = hashlib.sha256(content.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def security_headers(style: str, script: str | None) -> dict[str, str]:
    """Headers for a page that inlines `style` and `script` and fetches nothing else."""
    scripts = _hash(script) if script else "'none'"
    policy = (
        f"default-src 'none'; style-src {_hash(style)}; script-src {scripts}; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


class Pages:
    """Renders a service's templates (its package's `templates/`) inside the shared layout."""

    def __init__(self, package: str | None = None) -> None:
        loaders = [PackageLoader(package, "templates")] if package else []
        self.environment = Environment(
            loader=ChoiceLoader([*loaders, PackageLoader("shared.pages", "templates")]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def html(self, template: str, context: Mapping[str, Any], script: str | None = None) -> str:
        css = asset("pages.css")
        page = self.environment.get_template(template)
        return page.render(
            {"site": SITE, "nav": (), **context, "css": Markup(css), "script": _script(script)}
        )

    def response(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        script: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page, with headers allowing only what it inlines."""
        body = self.html(template, context, script)
        headers = security_headers(asset("pages.css"), asset(script) if script else None)
        return HTMLResponse(body, status_code=status_code, headers=headers)


def _script(name: str | None) -> Markup | None:
    return Markup(asset(name)) if name else None
