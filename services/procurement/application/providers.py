"""The provider register and the select lists (Gateshead, "Quality standards for
commissioned Services"; Durham framework, section 3, "Local Children's Boards":
each board develops, monitors and maintains its select list)."""

from __future__ import annotations

from datetime import datetime

from services.procurement.application.common import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ProcurementConfig,
    check_locality,
    is_board_of,
    is_commissioner,
)
from services.procurement.application.ports import AuditEntry, Clock, ProcurementUnitOfWork
from services.procurement.domain.providers import Provider
from shared.auth.policy import Principal, Role
from shared.contracts.procurement import SelectListChange, SelectListChanged


def may_read_provider(principal: Principal, provider_id: str) -> bool:
    if principal.has_any(Role.EXECUTIVE_BOARD, Role.LOCAL_BOARD_MEMBER) or is_commissioner(
        principal
    ):
        return True
    return Role.PROVIDER in principal.roles and principal.provider_id == provider_id


async def register_provider(
    uow: ProcurementUnitOfWork, principal: Principal, provider: Provider, clock: Clock
) -> bool:
    """Add a provider, or replace its details and evidence; True if new. Commissioners
    keep the register; a provider may update its own entry."""
    if not is_commissioner(principal) and not (
        Role.PROVIDER in principal.roles and principal.provider_id == provider.provider_id
    ):
        raise Forbidden("provider_id", "only commissioners or the provider itself may do this")
    existing = await uow.providers.get(provider.provider_id)
    await uow.providers.save(provider)
    await uow.audit.record(
        AuditEntry(
            at=clock(),
            actor=principal.subject,
            action="provider.registered" if existing is None else "provider.updated",
            reason="provider register",
            provider_id=provider.provider_id,
            detail={
                s.value: e.expires_on.isoformat() for s, e in sorted(provider.evidence.items())
            },
        )
    )
    await uow.commit()
    return existing is None


async def admit(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    target: tuple[str, str],
    provider_id: str,
    clock: Clock,
) -> None:
    """Admit a provider to a locality's select list for a priority: only that locality's
    board decides, and only a provider with current evidence for every standard."""
    locality, priority = target
    check_locality(locality, config)
    if not is_board_of(principal, locality):
        raise Forbidden("locality", f"only {locality}'s Local Children's Board manages its list")
    provider = await uow.providers.get(provider_id)
    if provider is None:
        raise NotFound("provider_id", f"no provider {provider_id!r}")
    now = clock()
    eligibility = provider.eligibility(now.date(), config.evidence_warning_days)
    if not eligibility.eligible:
        raise Problem("provider_id", f"{provider_id} cannot be admitted: {eligibility.reason()}")
    if not await uow.select_lists.add(locality, priority, provider_id, principal.subject):
        raise Conflict("provider_id", f"{provider_id} is already on this select list")
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="select_list.admitted",
            reason="all quality standards evidenced and current",
            locality=locality,
            provider_id=provider_id,
            detail={"priority": priority},
        )
    )
    change = (SelectListChange.ADMITTED, "all quality standards evidenced and current")
    _publish_change(uow, principal, target, provider_id, change, now)
    await uow.commit()


async def remove(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    target: tuple[str, str],
    provider_id: str,
    reason: str,
    clock: Clock,
) -> None:
    locality, priority = target
    check_locality(locality, config)
    if not is_board_of(principal, locality):
        raise Forbidden("locality", f"only {locality}'s Local Children's Board manages its list")
    if not await uow.select_lists.remove(locality, priority, provider_id):
        raise NotFound("provider_id", f"{provider_id} is not on this select list")
    now = clock()
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="select_list.removed",
            reason=reason,
            locality=locality,
            provider_id=provider_id,
            detail={"priority": priority},
        )
    )
    _publish_change(uow, principal, target, provider_id, (SelectListChange.REMOVED, reason), now)
    await uow.commit()


def _publish_change(
    uow: ProcurementUnitOfWork,
    principal: Principal,
    target: tuple[str, str],
    provider_id: str,
    change: tuple[SelectListChange, str],
    at: datetime,
) -> None:
    """The board's decision as an event, in the same transaction as the list's change."""
    locality, priority = target
    event = SelectListChanged(
        locality=locality,
        priority=priority,
        provider_id=provider_id,
        change=change[0],
        reason=change[1],
        decided_by=principal.subject,
        decided_at=at,
    )
    uow.publish(event, subject=f"select-list/{locality}/{priority}", locality=locality)


async def providers_visible(uow: ProcurementUnitOfWork, principal: Principal) -> list[Provider]:
    everyone = await uow.providers.list()
    return [p for p in everyone if may_read_provider(principal, p.provider_id)]
