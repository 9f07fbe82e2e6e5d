"""Contracts under monitoring: registered (or varied) by commissioners, read in scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from services.monitoring.application import queries
from services.monitoring.application.contracts import register_contract
from services.monitoring.application.problems import Problem, Unprocessable
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.monitoring.entrypoints.http.models import PerformanceOut
from shared.auth import Principal, Role, current_principal, require_roles
from shared.contracts.monitoring import MonitoredContract

ContractId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
COMMISSIONERS = (Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER)


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring/contracts", tags=["contracts"])

    @router.put(
        "/{contract_id}",
        summary="Register a contract for monitoring, or vary it (JCU, commissioners)",
        responses=errors(*AUTHENTICATED, 413, 422),
    )
    async def register(
        contract_id: ContractId,
        contract: Annotated[MonitoredContract, Body()],
        principal: Annotated[Principal, Depends(require_roles(*COMMISSIONERS))],
    ) -> MonitoredContract:
        with refusals_as_http():
            if contract.contract_id != contract_id:
                raise Unprocessable([Problem("contract_id", "must match the path")])
            async with wiring.unit_of_work() as uow:
                stored = await register_contract(
                    contract, uow, wiring.trust, actor=principal.subject
                )
                await uow.commit()
        return stored

    @router.get("", summary="Contracts visible to the caller", responses=errors(*AUTHENTICATED))
    async def list_contracts(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> list[MonitoredContract]:
        async with wiring.unit_of_work() as uow:
            return await queries.contracts(uow, principal)

    @router.get(
        "/{contract_id}/versions",
        summary="Every version of a contract, oldest first (variations keep what went before)",
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def versions(
        contract_id: ContractId, principal: Annotated[Principal, Depends(current_principal)]
    ) -> list[MonitoredContract]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await queries.contract_versions(uow, principal, contract_id)

    @router.get(
        "/{contract_id}/performance",
        summary="RAG per KPI per period, trend, PA2023 rating and the contract's status",
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def performance(
        contract_id: ContractId, principal: Annotated[Principal, Depends(current_principal)]
    ) -> PerformanceOut:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                found = await queries.performance(
                    uow, principal, contract_id, wiring.trust.monitoring
                )
        return PerformanceOut.of(found)

    return router
