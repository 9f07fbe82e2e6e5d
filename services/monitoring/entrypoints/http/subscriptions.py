"""Webhook subscriptions per board, and the live Server-Sent Events stream of alerts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.monitoring.application import subscriptions as use_cases
from services.monitoring.application.ports import Subscription
from services.monitoring.application.scoping import alert_audiences
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from shared.auth import Principal, Role, current_principal
from shared.contracts.monitoring import Audience, Severity


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where alerts are POSTed, signed (Standard Webhooks).")
    audience: Audience | None = Field(
        default=None, description="The board subscribing, if the caller sits on several."
    )
    locality: str | None = Field(default=None, max_length=64, description="Only this locality.")
    severities: list[Severity] = Field(default_factory=list, description="Empty: all.")


class SubscriptionOut(BaseModel):
    subscription_id: uuid.UUID
    audience: Audience
    locality: str | None
    severities: list[str]
    url: str

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            subscription_id=s.subscription_id,
            audience=s.audience,
            locality=s.locality,
            severities=list(s.severities),
            url=s.url,
        )


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret (whsec_...), shown only once.")


class Redriven(BaseModel):
    deliveries: int


Caller = Annotated[Principal, Depends(current_principal)]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring", tags=["subscriptions"])

    @router.post(
        "/webhooks",
        status_code=201,
        summary="Subscribe a board's webhook",
        responses=errors(*AUTHENTICATED, 422),
    )
    async def subscribe(
        principal: Caller, body: Annotated[SubscriptionIn, Body()]
    ) -> SubscriptionCreated:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                s = await use_cases.subscribe(
                    uow,
                    principal,
                    url=str(body.url),
                    audience=body.audience,
                    locality=body.locality,
                    severities=body.severities,
                )
                await uow.commit()
        return SubscriptionCreated(**SubscriptionOut.of(s).model_dump(), secret=s.secret)

    @router.get(
        "/webhooks", summary="The caller's boards' webhooks", responses=errors(*AUTHENTICATED)
    )
    async def list_webhooks(principal: Caller) -> list[SubscriptionOut]:
        async with wiring.unit_of_work() as uow:
            return [SubscriptionOut.of(s) for s in await use_cases.subscriptions(uow, principal)]

    @router.post(
        "/webhooks/{subscription_id}/redrive",
        summary="Re-send the webhook's parked deliveries",
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def redrive(subscription_id: uuid.UUID, principal: Caller) -> Redriven:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                count = await use_cases.redrive(uow, principal, subscription_id)
                await uow.commit()
        return Redriven(deliveries=count)

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

    async def events(
        request: Request, audiences: list[Audience], locality: str | None, after: int
    ) -> AsyncIterator[ServerSentEvent]:
        while audiences and not await request.is_disconnected():
            async with wiring.unit_of_work() as uow:
                found = await uow.feed.after(
                    after, audiences=audiences, locality=locality, limit=200
                )
            for entry in found:
                after = entry.seq
                yield ServerSentEvent(
                    data=json.dumps(entry.body), event=entry.event_type, id=str(entry.seq)
                )
            if not found:
                await asyncio.sleep(wiring.stream_poll_seconds)

    return router
