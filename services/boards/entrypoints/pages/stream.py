"""The live alerts feed of each dashboard over Server-Sent Events.

The stream authenticates with the dashboards' cookie (see `session`: an `EventSource`
cannot send a bearer token) and reads through the same scoped use case as its page, so a
local board member's stream carries its own locality's alerts and nothing else. It checks
the token again before every read, so a stream ends when its token expires. It sends the
open alerts at once, then each alert that opens or changes; the page's script ignores an
alert it already shows, so nothing raised between the page's render and the stream's start
is missed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.boards.application import executive, jcu
from services.boards.application.access import Forbidden, NotFound
from services.boards.application.local_board import local_board
from services.boards.application.ports import BoardsUnitOfWork
from services.boards.application.views import AlertView, ContractView
from services.boards.entrypoints.http.wiring import Wiring
from services.boards.entrypoints.pages.figures import alert_item, titles
from services.boards.entrypoints.pages.rendering import ROOT
from services.boards.entrypoints.pages.session import SignInRequired, signed_in
from shared.auth import Principal

Locality = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Alerts = tuple[list[AlertView], list[ContractView]]
Read = Callable[[BoardsUnitOfWork, Principal], Awaitable[Alerts]]


def build_router(wiring: Wiring, poll_seconds: float = 1.0) -> APIRouter:
    router = APIRouter(prefix=f"{ROOT}/stream", tags=["dashboards"], include_in_schema=False)

    async def local_alerts(uow: BoardsUnitOfWork, p: Principal, locality: str) -> Alerts:
        view = await local_board(uow, p, locality, wiring.localities)
        return view.alerts, view.contracts

    async def all_alerts(uow: BoardsUnitOfWork, p: Principal) -> Alerts:
        return await jcu.jcu_alerts(uow, p), await jcu.jcu_contracts(uow, p)

    async def escalations(uow: BoardsUnitOfWork, p: Principal) -> Alerts:
        return await executive.escalations(uow, p), await jcu.jcu_contracts(uow, p)

    @router.get("/local/{locality}")
    async def local_stream(request: Request, locality: Locality) -> Response:
        return await stream(request, lambda uow, p: local_alerts(uow, p, locality))

    @router.get("/jcu")
    async def jcu_stream(request: Request) -> Response:
        return await stream(request, all_alerts)

    @router.get("/executive")
    async def executive_stream(request: Request) -> Response:
        return await stream(request, escalations)

    async def read(request: Request, alerts: Read) -> Alerts:
        principal = signed_in(request)  # again before every read: tokens expire
        async with wiring.unit_of_work() as uow:
            return await alerts(uow, principal)

    async def stream(request: Request, alerts: Read) -> Response:
        try:
            first = await read(request, alerts)
        except SignInRequired as missing:
            return _refusal(missing.status_code, "cookie", missing.reason)
        except (Forbidden, NotFound) as refused:
            status = 404 if isinstance(refused, NotFound) else 403
            return _refusal(status, refused.problems[0].field, refused.problems[0].rule)
        return EventSourceResponse(events(request, alerts, first), ping=15)

    async def events(
        request: Request, alerts: Read, found: Alerts
    ) -> AsyncIterator[ServerSentEvent]:
        sent: dict[str, str] = {}
        while True:
            opened, contracts = found
            for alert in opened:
                if sent.get(alert.alert_id) != alert.updated_at:
                    sent[alert.alert_id] = alert.updated_at
                    item = alert_item(alert, titles(contracts))
                    yield ServerSentEvent(data=json.dumps(item), event="item")
            await asyncio.sleep(poll_seconds)
            if await request.is_disconnected():
                return
            try:
                # Shielded: a client going away mid-read must not cut the transaction short.
                found = await asyncio.shield(read(request, alerts))
            except (SignInRequired, Forbidden, NotFound):
                return

    return router


def _refusal(status: int, field: str, rule: str) -> Response:
    return JSONResponse({"detail": [{"field": field, "rule": rule}]}, status_code=status)
