"""The boards' dashboards: server-rendered pages per audience with accessible SVG charts
(shared.charts) in the platform's layout (shared.pages), signed in by cookie, with the live
alerts feed over Server-Sent Events."""

from __future__ import annotations

from fastapi import APIRouter

from services.boards.entrypoints.http.wiring import Wiring
from services.boards.entrypoints.pages import routes, stream


def build_routers(wiring: Wiring, poll_seconds: float = 1.0) -> list[APIRouter]:
    return [routes.build_router(wiring), stream.build_router(wiring, poll_seconds)]
