"""Webhook subscriptions per board, and the live Server-Sent Events stream of alerts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.monitoring.application import subscriptions as use_cases
from services.monitoring.application.ports import Subscription
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from shared.auth import Principal, current_principal
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

    return router
