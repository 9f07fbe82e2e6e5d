"""Rendering the dashboards: the shared layout, each board's page, and the refusals, which
show no data at all (a sign-in page, or a page saying which board the caller may open)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from services.boards.application.access import Forbidden, NotFound, Refused
from services.boards.entrypoints.pages.session import COOKIE, SignInRequired, forget, signed_in
from shared.auth import Principal, Role
from shared.pages import Pages

PAGES = Pages("services.boards.entrypoints.pages")
ROOT = "/boards/dashboards"
SIGN_IN = f"{ROOT}/sign-in"
Build = Callable[[Principal], Awaitable[tuple[str, dict[str, Any]]]]


def home(principal: Principal) -> str:
    """The board a caller lands on: its locality's for a local board member, else the JCU's."""
    if principal.is_trust_wide:
        return f"{ROOT}/jcu"
    if principal.has_any(Role.LOCAL_BOARD_MEMBER) and principal.locality:
        return f"{ROOT}/local/{principal.locality}"
    return SIGN_IN


def navigation(principal: Principal, here: str) -> list[tuple[str, str, bool]]:
    """Only the boards this caller may open."""
    links: list[tuple[str, str]] = []
    if principal.is_trust_wide:
        links = [("JCU", f"{ROOT}/jcu"), ("Executive Board", f"{ROOT}/executive")]
    elif principal.has_any(Role.LOCAL_BOARD_MEMBER) and principal.locality:
        links = [(f"{principal.locality.capitalize()} board", f"{ROOT}/local/{principal.locality}")]
    return [(label, href, href == here) for label, href in links]


def sign_in_page(reason: str | None, status_code: int = 200) -> HTMLResponse:
    context = {"title": "Sign in to the dashboards", "error": reason}
    return PAGES.response("sign_in.html", context, script="sign-in.js", status_code=status_code)


def refused_page(principal: Principal, refused: Refused) -> HTMLResponse:
    status = 404 if isinstance(refused, NotFound) else 403
    title = "No such board" if status == 404 else "You cannot open this board"
    context = {
        "title": title,
        "reason": "; ".join(p.rule for p in refused.problems).capitalize() + ".",
        "home": home(principal),
        "home_label": "Go to your board",
        "nav": navigation(principal, ""),
    }
    return PAGES.response("refused.html", context, status_code=status)


async def dashboard(request: Request, build: Build) -> Response:
    """The caller's page, or a refusal that shows nothing of the board."""
    try:
        principal = signed_in(request)
    except SignInRequired as missing:
        # Never signed in: just the form. A cookie that no longer works: say why, forget it.
        stale = COOKIE in request.cookies
        response = sign_in_page(missing.reason if stale else None, missing.status_code)
        if stale:
            forget(response, request)
        return response
    try:
        template, context = await build(principal)
    except (Forbidden, NotFound) as refused:
        return refused_page(principal, refused)
    here = request.url.path
    context = {"principal": principal, "nav": navigation(principal, here), **context}
    return PAGES.response(template, context, script="live-feed.js")
