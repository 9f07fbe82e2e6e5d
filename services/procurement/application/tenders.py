"""Tenders and sealed bids (docs/domain/procurement.md, "Tenders, bids and awards").

Bids are sealed in storage: each tender gets its own data key, stored only wrapped by the
service's key until the tender closes; each bid's contents and price are encrypted with
it (AES-GCM, bound to the tender, bid and provider). Closing, which the deadline alone
permits, releases the key; before then no role, commissioners included, can read a bid.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.procurement.application.common import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ProcurementConfig,
    is_board_of,
    is_commissioner,
    may_see,
    require_commissioner,
    rules_as_problems,
    visible_localities,
)
from services.procurement.application.ports import (
    AuditEntry,
    BidVault,
    Clock,
    ProcurementUnitOfWork,
    SealedBid,
)
from services.procurement.application.requests import subject_of
from services.procurement.domain.procurement import Criteria, Procurement, ProcurementState
from services.procurement.domain.routing import Route
from shared.auth.policy import Principal, Role
from shared.contracts.procurement import BidReceived, TenderClosed, TenderPublished
from shared.contracts.procurement import Criteria as CriteriaEvent
from shared.contracts.procurement import Route as ContractRoute
from shared.failpoints import PROCUREMENT_BID_SEALED, PROCUREMENT_KEY_RELEASED, failpoint


@dataclass(frozen=True)
class OpenedBidView:
    bid_id: uuid.UUID
    provider_id: str
    received_at: datetime
    price: Decimal
    proposal: str


async def procurement_for(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    *,
    lock: bool = False,
) -> Procurement:
    """The procurement if the caller may see it; 404 alike for absent and invisible."""
    procurement = await uow.procurements.get(procurement_id, lock=lock)
    if procurement is None or not (
        may_see(principal, procurement, config)
        or await _provider_may_see(uow, principal, procurement)
    ):
        raise NotFound("procurement_id", f"no procurement {procurement_id} visible to you")
    return procurement


async def _provider_may_see(
    uow: ProcurementUnitOfWork, principal: Principal, procurement: Procurement
) -> bool:
    """A provider sees a published tender it may bid for (any open tender; a select-list
    competition only if it is on that list)."""
    if Role.PROVIDER not in principal.roles or principal.provider_id is None:
        return False
    if procurement.state is ProcurementState.REQUESTED or not procurement.route.competitive:
        return procurement.awarded_provider == principal.provider_id
    if procurement.route is Route.OPEN_TENDER:
        return True
    members = await uow.select_lists.members(procurement.locality, procurement.priority)
    return principal.provider_id in members


async def publish_tender(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    deadline: datetime,
    criteria: Criteria,
    vault: BidVault,
    clock: Clock,
) -> Procurement:
    require_commissioner(principal)
    procurement = await procurement_for(uow, config, principal, procurement_id, lock=True)
    now = clock()
    with rules_as_problems():
        published = procurement.publish(
            deadline, criteria, now, config.thresholds.minimum_tender_days
        )
    _, wrapped = vault.new_data_key()
    await uow.procurements.put_key(procurement_id, wrapped)
    await uow.procurements.save(published)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="tender.published",
            reason=f"tender notice; bids until {deadline.isoformat()}",
            procurement_id=procurement_id,
            locality=procurement.locality,
            detail={
                "quality_weight": criteria.quality_weight,
                "price_weight": criteria.price_weight,
            },
        )
    )
    uow.publish(
        TenderPublished(
            procurement_id=procurement_id,
            title=procurement.title,
            locality=procurement.locality,
            route=ContractRoute(procurement.route.value),
            deadline=deadline,
            criteria=CriteriaEvent(
                quality_weight=criteria.quality_weight, price_weight=criteria.price_weight
            ),
            published_at=now,
        ),
        subject=subject_of(procurement_id),
        locality=procurement.locality,
    )
    await uow.commit()
    return published


async def submit_bid(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    contents: tuple[Decimal, str],
    vault: BidVault,
    clock: Clock,
) -> SealedBid:
    """Seal and store a provider's bid; late, unqualified or unlisted bidders refused."""
    if Role.PROVIDER not in principal.roles or principal.provider_id is None:
        raise Forbidden("roles", "only a provider may bid, for itself")
    provider_id = principal.provider_id
    procurement = await procurement_for(uow, config, principal, procurement_id, lock=True)
    now = clock()
    with rules_as_problems():
        procurement.accept_bid_at(now)
    provider = await uow.providers.get(provider_id)
    if provider is None:
        raise Problem("provider_id", f"{provider_id} is not on the provider register")
    eligibility = provider.eligibility(now.date(), config.evidence_warning_days)
    if not eligibility.eligible:
        raise Problem("provider_id", f"{provider_id} cannot bid: {eligibility.reason()}")
    if any(b.provider_id == provider_id for b in await uow.bids.of(procurement_id)):
        raise Conflict("provider_id", "one bid per provider per tender")
    wrapped = await uow.procurements.wrapped_key(procurement_id)
    assert wrapped is not None, "a published tender has a data key"
    price, proposal = contents
    bid_id = uuid.uuid4()
    plaintext = json.dumps({"price": f"{price:.2f}", "proposal": proposal}).encode()
    sealed = vault.seal(vault.unwrap(wrapped), plaintext, _aad(procurement_id, bid_id, provider_id))
    bid = SealedBid(bid_id, procurement_id, provider_id, now, sealed)
    await uow.bids.add(bid)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="bid.received",
            reason="sealed bid before deadline",
            procurement_id=procurement_id,
            locality=procurement.locality,
            provider_id=provider_id,
        )
    )
    uow.publish(
        BidReceived(
            procurement_id=procurement_id, bid_id=bid_id, provider_id=provider_id, received_at=now
        ),
        subject=subject_of(procurement_id),
        locality=procurement.locality,
    )
    failpoint(PROCUREMENT_BID_SEALED)
    await uow.commit()
    return bid


async def close_tender(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    vault: BidVault,
    clock: Clock,
) -> Procurement:
    """At or after the deadline: close, release the data key, and open the bids."""
    require_commissioner(principal)
    procurement = await procurement_for(uow, config, principal, procurement_id, lock=True)
    now = clock()
    with rules_as_problems():
        closed = procurement.close(now)
    wrapped = await uow.procurements.wrapped_key(procurement_id)
    assert wrapped is not None, "a published tender has a data key"
    await uow.procurements.release_key(procurement_id, vault.unwrap(wrapped))
    failpoint(PROCUREMENT_KEY_RELEASED)
    await uow.procurements.save(closed)
    count = len(await uow.bids.of(procurement_id))
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="tender.closed",
            reason=f"deadline passed; {count} bids opened",
            procurement_id=procurement_id,
            locality=procurement.locality,
        )
    )
    uow.publish(
        TenderClosed(procurement_id=procurement_id, bids_received=count, closed_at=now),
        subject=subject_of(procurement_id),
        locality=procurement.locality,
    )
    await uow.commit()
    return closed


async def bid_receipts(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
) -> list[SealedBid]:
    """Who bid and when (never contents): a provider sees only its own."""
    procurement = await procurement_for(uow, config, principal, procurement_id)
    bids = await uow.bids.of(procurement.procurement_id)
    if _panel(principal, procurement):
        return bids
    return [b for b in bids if b.provider_id == principal.provider_id]


async def opened_bids(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    vault: BidVault,
) -> list[OpenedBidView]:
    """Bid contents and prices: only once closed (the key exists in the clear only then);
    the panel sees all, a provider only its own."""
    procurement = await procurement_for(uow, config, principal, procurement_id)
    key = await uow.procurements.released_key(procurement_id)
    if procurement.state in (ProcurementState.REQUESTED, ProcurementState.PUBLISHED) or key is None:
        raise Conflict("state", "bids are sealed until the tender closes at its deadline")
    mine_only = not _panel(principal, procurement)
    views = []
    for bid in await uow.bids.of(procurement_id):
        if mine_only and bid.provider_id != principal.provider_id:
            continue
        opened = json.loads(
            vault.open(key, bid.sealed, _aad(procurement_id, bid.bid_id, bid.provider_id))
        )
        views.append(
            OpenedBidView(
                bid.bid_id,
                bid.provider_id,
                bid.received_at,
                Decimal(opened["price"]),
                opened["proposal"],
            )
        )
    return views


def _panel(principal: Principal, procurement: Procurement) -> bool:
    """Commissioners, and the locality's board (which sits on the selection panel)."""
    return is_commissioner(principal) or is_board_of(principal, procurement.locality)


def _aad(procurement_id: uuid.UUID, bid_id: uuid.UUID, provider_id: str) -> bytes:
    """Binds a ciphertext to its tender, bid and provider: a row moved elsewhere fails."""
    return f"{procurement_id}/{bid_id}/{provider_id}".encode()


async def procurements_visible(
    uow: ProcurementUnitOfWork, config: ProcurementConfig, principal: Principal
) -> list[Procurement]:
    """Oversight roles: all; a board member: its locality's; a provider: the tenders it
    may bid for and what it was awarded."""
    localities = visible_localities(principal, config)
    if localities is None or localities:
        return await uow.procurements.list(localities)
    return [
        p for p in await uow.procurements.list(None) if await _provider_may_see(uow, principal, p)
    ]
