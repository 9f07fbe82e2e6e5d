"""Varying and terminating a contract (PA2023 sections 74 and 78; a decommissioning
decision ends a contract: Gateshead handbook, Activity Three step 9). Monitoring follows
both through ``ContractVaried`` and ``ContractTerminated``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.procurement.application.common import (
    NotFound,
    require_commissioner,
    rules_as_problems,
)
from services.procurement.application.ports import AuditEntry, Clock, ProcurementUnitOfWork
from services.procurement.domain.contract import Contract, Kpi
from shared.auth.policy import Principal
from shared.contracts.procurement import (
    ContractKpi,
    ContractTerminated,
    ContractVaried,
    Polarity,
)
from shared.envelope import Envelope


@dataclass(frozen=True)
class Variation:
    reason: str
    ends_on: date | None = None
    kpis: tuple[Kpi, ...] | None = None


async def _contract(uow: ProcurementUnitOfWork, contract_id: uuid.UUID) -> Contract:
    contract = await uow.contracts.get(contract_id, lock=True)
    if contract is None:
        raise NotFound("contract_id", f"no contract {contract_id}")
    return contract


def kpi_events(kpis: tuple[Kpi, ...]) -> list[ContractKpi]:
    return [
        ContractKpi(
            kpi_id=k.kpi_id,
            name=k.name,
            unit=k.unit,
            target=k.target,
            polarity=Polarity(k.polarity.value),
            amber_tolerance=k.amber_tolerance,
            red_tolerance=k.red_tolerance,
        )
        for k in kpis
    ]


async def vary(
    uow: ProcurementUnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    variation: Variation,
    clock: Clock,
) -> Contract:
    require_commissioner(principal)
    contract = await _contract(uow, contract_id)
    with rules_as_problems():
        varied = contract.vary(variation.ends_on, variation.kpis)
    await uow.contracts.save(varied)
    now = clock()
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="contract.varied",
            reason=variation.reason,
            procurement_id=contract.procurement_id,
            locality=contract.localities[0],
            provider_id=contract.provider_id,
            detail={"contract_id": str(contract_id)},
        )
    )
    uow.publish(
        ContractVaried(
            contract_id=contract_id,
            ends_on=variation.ends_on,
            kpis=None if variation.kpis is None else kpi_events(variation.kpis),
            reason=variation.reason,
            varied_by=principal.subject,
            varied_at=now,
        ),
        subject=f"contract/{contract_id}",
        locality=contract.localities[0],
    )
    await uow.commit()
    return varied


async def terminate(
    uow: ProcurementUnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    ending: tuple[date, str],
    clock: Clock,
) -> Contract:
    """A commissioner ends a contract early over the API: see ``end_contract``."""
    require_commissioner(principal)
    contract = await _contract(uow, contract_id)
    ended = await end_contract(uow, contract, ending, Decider(principal.subject), clock)
    await uow.commit()
    return ended


@dataclass(frozen=True)
class Decider:
    """Who took a decision: a commissioner over the API, or the body that decided a
    project's stage-6 gate in the projects service (``body``), acting through ``cause``."""

    subject: str
    body: str | None = None
    cause: Envelope | None = None


async def end_contract(
    uow: ProcurementUnitOfWork,
    contract: Contract,
    ending: tuple[date, str],
    decider: Decider,
    clock: Clock,
) -> Contract:
    """Terminate an active contract on ``ending[0]`` for ``ending[1]``: audited and
    published as ``ContractTerminated``, in the caller's unit of work (not committed)."""
    on, reason = ending
    with rules_as_problems():
        terminated = contract.terminate(on)
    await uow.contracts.save(terminated)
    now = clock()
    detail: dict[str, Any] = {
        "contract_id": str(contract.contract_id),
        "terminated_on": on.isoformat(),
    }
    if decider.body is not None:
        detail["body"] = decider.body
    if decider.cause is not None:
        detail["caused_by"] = str(decider.cause.id)
        detail["cause_type"] = decider.cause.type
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=decider.subject,
            action="contract.terminated",
            reason=reason,
            procurement_id=contract.procurement_id,
            locality=contract.localities[0],
            provider_id=contract.provider_id,
            detail=detail,
        )
    )
    uow.publish(
        ContractTerminated(
            contract_id=contract.contract_id,
            terminated_on=on,
            reason=reason,
            terminated_by=decider.subject,
            terminated_at=now,
        ),
        subject=f"contract/{contract.contract_id}",
        locality=contract.localities[0],
        caused_by=decider.cause,
    )
    return terminated
