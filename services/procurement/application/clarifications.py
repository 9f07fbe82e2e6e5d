"""Clarification questions and answers during a tender, visible to every bidder so that
none gains an advantage (PA2023 section 12, equal treatment; docs/domain/procurement.md,
"Tenders, bids and awards"). Who asked is recorded for the audit trail, never shown."""

from __future__ import annotations

import uuid

from services.procurement.application.common import (
    Conflict,
    Forbidden,
    NotFound,
    ProcurementConfig,
    require_commissioner,
)
from services.procurement.application.ports import (
    AuditEntry,
    Clarification,
    Clock,
    ProcurementUnitOfWork,
)
from services.procurement.application.tenders import procurement_for
from services.procurement.domain.procurement import ProcurementState
from shared.auth.policy import Principal, Role


async def ask(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
    question: str,
    clock: Clock,
) -> Clarification:
    """A provider that may bid asks, while the tender is open."""
    if Role.PROVIDER not in principal.roles or principal.provider_id is None:
        raise Forbidden("roles", "only a provider that may bid asks clarification questions")
    procurement = await procurement_for(uow, config, principal, procurement_id)
    now = clock()
    if procurement.state is not ProcurementState.PUBLISHED or (
        procurement.deadline is not None and now >= procurement.deadline
    ):
        raise Conflict("state", "questions are taken while the tender is open")
    asked = Clarification(uuid.uuid4(), procurement_id, question, principal.provider_id, now)
    await uow.clarifications.add(asked)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="clarification.asked",
            reason=question,
            procurement_id=procurement_id,
            locality=procurement.locality,
            provider_id=principal.provider_id,
        )
    )
    await uow.commit()
    return asked


async def answer(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    ids: tuple[uuid.UUID, uuid.UUID],
    text: str,
    clock: Clock,
) -> Clarification:
    """A commissioner answers, once; the answer is published to every bidder."""
    procurement_id, clarification_id = ids
    require_commissioner(principal)
    procurement = await procurement_for(uow, config, principal, procurement_id)
    found = await uow.clarifications.get(clarification_id)
    if found is None or found.procurement_id != procurement_id:
        raise NotFound("clarification_id", f"no question {clarification_id} on this tender")
    if found.answer is not None:
        raise Conflict("answer", "this question was already answered")
    now = clock()
    answered = Clarification(
        found.clarification_id,
        found.procurement_id,
        found.question,
        found.asked_by,
        found.asked_at,
        text,
        principal.subject,
        now,
    )
    await uow.clarifications.save(answered)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=principal.subject,
            action="clarification.answered",
            reason=text,
            procurement_id=procurement_id,
            locality=procurement.locality,
            detail={"clarification_id": str(clarification_id)},
        )
    )
    await uow.commit()
    return answered


async def listed(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    procurement_id: uuid.UUID,
) -> list[Clarification]:
    """Every question and answer, to anyone who may see the tender."""
    await procurement_for(uow, config, principal, procurement_id)
    return await uow.clarifications.of(procurement_id)
