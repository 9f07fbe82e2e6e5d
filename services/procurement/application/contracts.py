"""Contracts and pooled funds (docs/domain/procurement.md, "Pooled and aligned budgets";
Medway, paragraphs 1.2 and 2.20-2.22; Durham framework, section 3, JCU duty 5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.procurement.application.common import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ProcurementConfig,
    require_commissioner,
    rules_as_problems,
)
from services.procurement.application.ports import AuditEntry, Clock, ProcurementUnitOfWork
from services.procurement.application.tenders import procurement_for
from services.procurement.domain.contract import Contract, Frequency, Fund, Funding, Kpi
from services.procurement.domain.contract import Polarity as DomainPolarity
from shared.auth.policy import Principal, Role
from shared.contracts.procurement import (
    ContractKpi,
    ContractLevel,
    ContractStarted,
    FundingShare,
    Polarity,
    ReportingFrequency,
    Route,
)
from shared.failpoints import PROCUREMENT_COMMITTED, failpoint


@dataclass(frozen=True)
class Specification:
    """The outcome-based specification a contract is entered into with."""

    kpis: tuple[Kpi, ...]
    reporting_frequency: Frequency
    starts_on: date
    ends_on: date
    funding: tuple[Funding, ...]
    localities: tuple[str, ...] = ()
    return_due_days: int = 20
    """Days after a period ends that the provider's performance return is due."""


async def create_fund(
    uow: ProcurementUnitOfWork, principal: Principal, fund: Fund, clock: Clock
) -> None:
    """A pooled or aligned budget: the JCU commits agreed partner funding (Durham JCU
    duty 5)."""
    require_commissioner(principal)
    if not fund.contributions or any(v <= 0 for v in fund.contributions.values()):
        raise Problem("contributions", "at least one partner, each contributing a positive sum")
    if not await uow.funds.add(fund):
        raise Conflict("fund_id", f"fund {fund.fund_id} exists")
    await uow.audit.record(
        AuditEntry(
            at=clock(),
            actor=principal.subject,
            action="fund.created",
            reason=fund.name,
            detail={k: f"{v:.2f}" for k, v in fund.contributions.items()},
        )
    )
    await uow.commit()


async def start_contract(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    spec: Specification,
    clock: Clock,
) -> Contract:
    """Enter into the awarded contract after the standstill, committing its funding
    against each fund (each fund's row locked, so concurrent commitments queue)."""
    require_commissioner(principal)
    procurement = await procurement_for(uow, config, principal, procurement_id, lock=True)
    now = clock()
    with rules_as_problems():
        contracted = procurement.contract(now.date())
    assert procurement.awarded_provider is not None and procurement.award_value is not None
    localities = spec.localities or (procurement.locality,)
    unknown = sorted(set(localities) - config.localities)
    if unknown:
        raise Problem("localities", f"unknown localities {unknown}")
    with rules_as_problems():
        contract = Contract(
            contract_id=uuid.uuid5(procurement_id, "contract"),
            procurement_id=procurement_id,
            provider_id=procurement.awarded_provider,
            title=procurement.title,
            value=procurement.award_value,
            localities=localities,
            outcomes=procurement.outcomes,
            kpis=spec.kpis,
            reporting_frequency=spec.reporting_frequency,
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            funding=spec.funding,
        )
    shares = [await _commit(uow, share) for share in sorted(spec.funding, key=lambda f: f.fund_id)]
    failpoint(PROCUREMENT_COMMITTED)
    await uow.contracts.add(contract)
    await uow.procurements.save(contracted)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="contract.started",
            reason="standstill over; contract entered into",
            procurement_id=procurement_id,
            locality=procurement.locality,
            provider_id=contract.provider_id,
            detail={"contract_id": str(contract.contract_id), "value": f"{contract.value:.2f}"},
        )
    )
    project_id = await uow.procurements.project_of(procurement_id)
    started = started_event(contract, shares, Route(procurement.route.value), now, project_id)
    uow.publish(
        started.model_copy(
            update={
                "level": level_of(procurement.specialist, localities),
                "return_due_days": spec.return_due_days,
            }
        ),
        subject=f"contract/{contract.contract_id}",
        locality=procurement.locality,
    )
    await uow.commit()
    return contract


async def _commit(uow: ProcurementUnitOfWork, share: Funding) -> FundingShare:
    """Commit one share; funds are locked in id order so two contracts cannot deadlock."""
    fund = await uow.funds.get(share.fund_id, lock=True)
    if fund is None:
        raise Problem("funding.fund_id", f"no fund {share.fund_id!r}")
    with rules_as_problems():
        committed = fund.commit(share.amount)
    await uow.funds.save(committed)
    return FundingShare(fund_id=fund.fund_id, amount=share.amount, partners=fund.contributions)


def level_of(specialist: bool, localities: tuple[str, ...]) -> ContractLevel:
    """Who monitors it: the JCU a specialist or multi-locality contract, else the
    locality's board (Durham framework, section 3, roles table, "Monitor contract")."""
    if specialist:
        return ContractLevel.SPECIALIST
    return ContractLevel.LOCAL if len(localities) == 1 else ContractLevel.TRUST_WIDE


def started_event(
    contract: Contract,
    shares: list[FundingShare],
    route: Route,
    now: object,
    project_id: uuid.UUID | None = None,
) -> ContractStarted:
    return ContractStarted.model_validate(
        {
            "contract_id": contract.contract_id,
            "procurement_id": contract.procurement_id,
            "provider_id": contract.provider_id,
            "title": contract.title,
            "value": contract.value,
            "localities": list(contract.localities),
            "outcomes": list(contract.outcomes),
            "kpis": [
                ContractKpi(
                    kpi_id=k.kpi_id,
                    name=k.name,
                    unit=k.unit,
                    target=k.target,
                    polarity=Polarity(k.polarity.value),
                    amber_tolerance=k.amber_tolerance,
                    red_tolerance=k.red_tolerance,
                )
                for k in contract.kpis
            ],
            "reporting_frequency": ReportingFrequency(contract.reporting_frequency.value),
            "starts_on": contract.starts_on,
            "ends_on": contract.ends_on,
            "funding": shares,
            "route": route,
            "started_at": now,
            "project_id": project_id,
        }
    )


async def contracts_visible(uow: ProcurementUnitOfWork, principal: Principal) -> list[Contract]:
    """Commissioners and the Executive Board see all; a provider only its own; a board
    member those delivered in its locality."""
    if principal.has_any(
        Role.EXECUTIVE_BOARD, Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER
    ):
        return await uow.contracts.list(None)
    if Role.PROVIDER in principal.roles and principal.provider_id:
        return await uow.contracts.list(principal.provider_id)
    if Role.LOCAL_BOARD_MEMBER in principal.roles and principal.locality:
        return [c for c in await uow.contracts.list(None) if principal.locality in c.localities]
    raise Forbidden("roles", "no role here may read contracts")


async def contract_visible(
    uow: ProcurementUnitOfWork, principal: Principal, contract_id: uuid.UUID
) -> Contract:
    for contract in await contracts_visible(uow, principal):
        if contract.contract_id == contract_id:
            return contract
    raise NotFound("contract_id", f"no contract {contract_id} visible to you")


def kpi(
    identity: tuple[str, str, str],
    target: Decimal,
    polarity: str,
    tolerances: tuple[Decimal, Decimal],
) -> Kpi:
    """A KPI from its parts, its tolerance rule refused as a 422."""
    kpi_id, name, unit = identity
    with rules_as_problems():
        return Kpi(kpi_id, name, unit, target, DomainPolarity(polarity), *tolerances)
