"""The live Server-Sent Events stream of the caller's boards' alerts, resuming after
`Last-Event-ID` (the alert feed's sequence, whose order is commit order)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.monitoring.application.ports import FeedEntry
from services.monitoring.application.scoping import alert_audiences
from services.monitoring.entrypoints.http.alerts import Caller
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors
from shared.auth import Role
from shared.contracts.monitoring import Audience


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring", tags=["subscriptions"])

    @router.get(
        "/alerts/stream",
        summary="Live alerts for the caller's boards (SSE); resumes after Last-Event-ID",
        response_class=Response,  # errors are JSON: only the 200 is an event stream
        responses={
            200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
            **errors(*AUTHENTICATED, 422),
        },
    )
    async def stream(
        request: Request,
        principal: Caller,
        last_event_id: Annotated[int, Header(alias="Last-Event-ID", ge=0)] = 0,
    ) -> Response:
        audiences = sorted(alert_audiences(principal))
        locality = None
        if principal.has_any(Role.LOCAL_BOARD_MEMBER) and Audience.LOCAL_BOARD not in audiences:
            audiences.append(Audience.LOCAL_BOARD)
            locality = principal.locality
        return EventSourceResponse(events(request, audiences, locality, last_event_id), ping=15)

    async def read(after: int, audiences: list[Audience], locality: str | None) -> list[FeedEntry]:
        async with (wiring.stream_unit_of_work or wiring.unit_of_work)() as uow:
            return await uow.feed.after(after, audiences=audiences, locality=locality, limit=200)

    async def events(
        request: Request, audiences: list[Audience], locality: str | None, after: int
    ) -> AsyncIterator[ServerSentEvent]:
        while audiences and not await request.is_disconnected():
            # Shielded: a client going away mid-read must not cut the transaction short.
            found = await asyncio.shield(read(after, audiences, locality))
            for entry in found:
                after = entry.seq
                yield ServerSentEvent(
                    data=json.dumps(entry.body), event=entry.event_type, id=str(entry.seq)
                )
            if not found:
                await asyncio.sleep(wiring.stream_poll_seconds)

    return router
