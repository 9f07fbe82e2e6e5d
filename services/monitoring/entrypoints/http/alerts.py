"""Alerts for the caller's audience, their lifecycle steps, and the audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from services.monitoring.application import queries
from services.monitoring.application.alerting import record_step
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.monitoring.entrypoints.http.models import AlertOut, PlanIn, StepIn
from shared.auth import Principal, current_principal
from shared.contracts.monitoring import AlertState

STEPS = {
    "acknowledge": AlertState.ACKNOWLEDGED,
    "resolve": AlertState.RESOLVED,
    "escalate": AlertState.ESCALATED,
}


Caller = Annotated[Principal, Depends(current_principal)]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring", tags=["alerts"])

    @router.get(
        "/alerts",
        summary="Alerts for the caller's audience, newest first",
        responses=errors(*AUTHENTICATED, 422),
    )
    async def list_alerts(
        principal: Caller,
        contract_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[AlertOut]:
        async with wiring.unit_of_work() as uow:
            found = await queries.alerts(uow, principal, contract_id)
        return [AlertOut.of(a) for a in found]

    @router.get(
        "/alerts/{alert_id}", summary="One alert", responses=errors(*AUTHENTICATED, 404, 422)
    )
    async def get_alert(alert_id: uuid.UUID, principal: Caller) -> AlertOut:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return AlertOut.of(await queries.alert(uow, principal, alert_id))

    async def step(
        alert_id: uuid.UUID, to: AlertState, principal: Principal, body: StepIn
    ) -> AlertOut:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                moved = await record_step(
                    alert_id,
                    to,
                    uow,
                    principal,
                    wiring.clock,
                    note=body.note,
                    review_on=body.review_on if isinstance(body, PlanIn) else None,
                )
                await uow.commit()
        return AlertOut.of(moved)

    for name, state in STEPS.items():

        def route(to: AlertState = state, name: str = name) -> None:
            @router.post(
                f"/alerts/{{alert_id}}/{name}",
                summary=f"{to.value.capitalize()}: a step of the alert's lifecycle",
                responses=errors(*AUTHENTICATED, 404, 409, 422),
                operation_id=f"alert_{to.value}",
            )
            async def take_step(
                alert_id: uuid.UUID, principal: Caller, body: Annotated[StepIn, Body()]
            ) -> AlertOut:
                return await step(alert_id, to, principal, body)

        route()

    @router.post(
        "/alerts/{alert_id}/improvement-plan",
        summary="Record the improvement plan agreed with the provider, with its review date",
        responses=errors(*AUTHENTICATED, 404, 409, 422),
    )
    async def agree_plan(
        alert_id: uuid.UUID, principal: Caller, body: Annotated[PlanIn, Body()]
    ) -> AlertOut:
        return await step(alert_id, AlertState.PLAN_AGREED, principal, body)

    return router
