"""Evaluation, award and contract (docs/domain/procurement.md, "Tenders, bids and
awards"; Procurement Act 2023 sections 19, 50-51; Durham framework, section 3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from services.procurement.application.common import (
    Conflict,
    Forbidden,
    Problem,
    ProcurementConfig,
    is_board_of,
    is_commissioner,
    require_commissioner,
    require_jcu,
    rules_as_problems,
)
from services.procurement.application.ports import (
    AuditEntry,
    BidVault,
    Clock,
    ProcurementUnitOfWork,
)
from services.procurement.application.requests import subject_of
from services.procurement.application.tenders import opened_bids, procurement_for
from services.procurement.domain.evaluation import (
    OpenedBid,
    Ranked,
    Score,
    check_may_score,
    check_quality,
    rank,
)
from services.procurement.domain.procurement import Procurement, ProcurementState
from shared.auth.policy import Principal
from shared.contracts.procurement import ContractAwarded


def _require_panel(principal: Principal, procurement: Procurement) -> None:
    if not (is_commissioner(principal) or is_board_of(principal, procurement.locality)):
        raise Forbidden("roles", "only commissioners and the locality's board sit on the panel")


async def declare(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    conflicted: bool,
    note: str,
    clock: Clock,
) -> None:
    """A panel member declares any conflict of interest, once, before scoring."""
    procurement = await procurement_for(uow, config, principal, procurement_id)
    _require_panel(principal, procurement)
    if not await uow.evaluations.declare(procurement_id, principal.subject, conflicted, note):
        raise Conflict("member", "a declaration was already recorded for you")
    await uow.audit.record(
        AuditEntry(
            at=clock(),
            actor=principal.subject,
            action="evaluation.declared",
            reason=note or ("conflict of interest" if conflicted else "no conflict"),
            procurement_id=procurement_id,
            locality=procurement.locality,
            detail={"conflicted": conflicted},
        )
    )
    await uow.commit()


async def score(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    scored: tuple[uuid.UUID, Decimal, str],
    vault: BidVault,
    clock: Clock,
) -> None:
    bid_id, quality, rationale = scored
    procurement = await procurement_for(uow, config, principal, procurement_id)
    _require_panel(principal, procurement)
    if procurement.state is not ProcurementState.CLOSED:
        raise Conflict("state", "bids are scored after the tender closes and before the award")
    with rules_as_problems():
        check_quality(quality)
        check_may_score(principal.subject, await uow.evaluations.declarations(procurement_id))
    if bid_id not in {b.bid_id for b in await uow.bids.of(procurement_id)}:
        raise Problem("bid_id", f"no bid {bid_id} in this tender")
    await uow.evaluations.score(
        procurement_id, Score(principal.subject, str(bid_id), quality), rationale
    )
    await uow.audit.record(
        AuditEntry(
            at=clock(),
            actor=principal.subject,
            action="evaluation.scored",
            reason=rationale,
            procurement_id=procurement_id,
            locality=procurement.locality,
            detail={"bid_id": str(bid_id), "quality": f"{quality}"},
        )
    )
    await uow.commit()


async def ranking(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    vault: BidVault,
) -> list[Ranked]:
    procurement = await procurement_for(uow, config, principal, procurement_id)
    _require_panel(principal, procurement)
    bids = await opened_bids(uow, config, principal, procurement_id, vault)
    assert procurement.criteria is not None
    opened = [OpenedBid(str(b.bid_id), b.provider_id, b.price, i) for i, b in enumerate(bids)]
    return rank(opened, await uow.evaluations.scores(procurement_id), procurement.criteria)


@dataclass(frozen=True)
class DirectAward:
    """A JCU award of a specialist service: to whom, for how much."""

    provider_id: str
    value: Decimal


async def award(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    decision: tuple[str, DirectAward | None],
    vault: BidVault,
    clock: Clock,
) -> Procurement:
    """Award to the top-ranked bid (or, for a specialist service, the JCU's choice), if
    the provider's quality evidence is current; the standstill starts."""
    rationale, direct = decision
    procurement = await procurement_for(uow, config, principal, procurement_id, lock=True)
    if procurement.route.competitive:
        require_commissioner(principal)
        if procurement.state is not ProcurementState.CLOSED:
            raise Conflict("state", f"an award needs a closed tender; it is {procurement.state}")
        top = await ranking(uow, config, principal, procurement_id, vault)
        if not top:
            raise Conflict("scores", "no bid has been scored: nothing to award")
        winner = DirectAward(top[0].provider_id, top[0].price)
    else:
        require_jcu(principal)
        if direct is None:
            raise Problem("provider_id", "a JCU award names the provider and the value")
        winner = direct
    now = clock()
    provider = await uow.providers.get(winner.provider_id)
    if provider is None:
        raise Problem("provider_id", f"{winner.provider_id} is not on the provider register")
    eligibility = provider.eligibility(now.date(), config.evidence_warning_days)
    if not eligibility.eligible:
        reason = eligibility.reason()
        raise Problem("provider_id", f"{winner.provider_id} cannot be awarded: {reason}")
    with rules_as_problems():
        awarded = procurement.award(
            winner.provider_id,
            winner.value,
            rationale,
            now,
            config.thresholds.standstill_working_days,
        )
    await uow.procurements.save(awarded)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="contract.awarded",
            reason=rationale,
            procurement_id=procurement_id,
            locality=procurement.locality,
            provider_id=winner.provider_id,
            detail={"value": f"{winner.value:.2f}"},
        )
    )
    assert awarded.standstill_ends is not None
    uow.publish(
        ContractAwarded(
            procurement_id=procurement_id,
            provider_id=winner.provider_id,
            value=winner.value,
            rationale=rationale,
            awarded_by=principal.subject,
            awarded_at=now,
            standstill_ends=awarded.standstill_ends,
            project_id=await uow.procurements.project_of(procurement_id),
        ),
        subject=subject_of(procurement_id),
        locality=procurement.locality,
    )
    await uow.commit()
    return awarded
