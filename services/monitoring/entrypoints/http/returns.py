"""Performance returns over HTTP: a provider submits for its own contracts only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Response

from services.monitoring.application import queries
from services.monitoring.application.ports import StoreOutcome
from services.monitoring.application.returns import submit_return
from services.monitoring.application.scoping import provider_scope
from services.monitoring.entrypoints.http.contracts import ContractId
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.monitoring.entrypoints.http.models import ReturnReceipt, ReturnRevisionOut
from shared.auth import Principal, current_principal
from shared.contracts.monitoring import PERIOD_PATTERN, PerformanceReturn
from shared.failpoints import MONITORING_RETURN_COMMITTED, failpoint

Period = Annotated[str, Path(pattern=PERIOD_PATTERN)]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring", tags=["returns"])

    @router.post(
        "/returns",
        status_code=201,
        summary="Submit a performance return (providers, for their own contracts)",
        responses={
            200: {"model": ReturnReceipt, "description": "Already held: nothing changed."},
            **errors(*AUTHENTICATED, 404, 409, 413, 422),
        },
    )
    async def submit(
        performance_return: Annotated[PerformanceReturn, Body()],
        principal: Annotated[Principal, Depends(current_principal)],
        response: Response,
    ) -> ReturnReceipt:
        with refusals_as_http():
            provider = provider_scope(principal)
            async with wiring.unit_of_work() as uow:
                outcome = await submit_return(
                    performance_return,
                    uow,
                    wiring.trust.monitoring,
                    wiring.clock,
                    actor=principal.subject,
                    provider=provider,
                    via="http",
                )
                await uow.commit()
                failpoint(MONITORING_RETURN_COMMITTED)
        if outcome is StoreOutcome.DUPLICATE:
            response.status_code = 200
        r = performance_return
        return ReturnReceipt(
            contract_id=r.contract_id, period=r.period, revision=r.revision, outcome=outcome.value
        )

    @router.get(
        "/contracts/{contract_id}/returns/{period}",
        summary="Every revision of a period's return, oldest first (corrections kept)",
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def history(
        contract_id: ContractId,
        period: Period,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> list[ReturnRevisionOut]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                found = await queries.return_history(uow, principal, contract_id, period)
        return [ReturnRevisionOut.of(s) for s in found]

    return router
