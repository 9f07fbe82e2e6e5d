"""Webhooks registered per board: each board hears only its own alerts (a local board's
subscription is pinned to its locality), optionally filtered by locality and severity."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence

from services.monitoring.application.ports import (
    AuditEntry,
    MonitoringUnitOfWork,
    Subscription,
)
from services.monitoring.application.problems import Forbidden, NotFound, Problem
from shared.auth import Principal, Role
from shared.contracts.monitoring import Audience, Severity

BOARDS = {
    Role.LOCAL_BOARD_MEMBER: Audience.LOCAL_BOARD,
    Role.JCU: Audience.JCU,
    Role.EXECUTIVE_BOARD: Audience.EXECUTIVE_BOARD,
}


def audiences_of(principal: Principal) -> list[Audience]:
    return [audience for role, audience in BOARDS.items() if principal.has_any(role)]


def audience_for(principal: Principal, asked: Audience | None) -> Audience:
    """The board the caller subscribes for: the one asked for, if the caller sits on it."""
    held = audiences_of(principal)
    if not held:
        raise Forbidden(
            [
                Problem(
                    "roles", "only a board (local board, JCU, Executive Board) subscribes to alerts"
                )
            ]
        )
    if asked is None:
        return held[0]
    if asked not in held:
        raise Forbidden([Problem("audience", f"you do not sit on the {asked.value} audience")])
    return asked


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 24 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


async def subscribe(
    uow: MonitoringUnitOfWork,
    principal: Principal,
    *,
    url: str,
    audience: Audience | None,
    locality: str | None,
    severities: Sequence[Severity],
) -> Subscription:
    board = audience_for(principal, audience)
    if board is Audience.LOCAL_BOARD:
        if locality not in (None, principal.locality):
            raise Forbidden([Problem("locality", "a local board hears its own locality only")])
        locality = principal.locality
    subscription = Subscription(
        subscription_id=uuid.uuid4(),
        audience=board,
        locality=locality,
        severities=tuple(sorted(s.value for s in severities)),
        url=url,
        secret=new_secret(),
        created_by=principal.subject,
    )
    await uow.subscriptions.add(subscription)
    await uow.audit.record(
        AuditEntry(
            principal.subject,
            "webhook subscribed",
            str(subscription.subscription_id),
            {"audience": board.value, "locality": locality, "url": url},
        )
    )
    return subscription


def _mine(principal: Principal, subscription: Subscription | None) -> bool:
    if subscription is None or subscription.audience not in audiences_of(principal):
        return False
    return subscription.audience is not Audience.LOCAL_BOARD or (
        subscription.locality == principal.locality
    )


async def subscriptions(uow: MonitoringUnitOfWork, principal: Principal) -> list[Subscription]:
    found = await uow.subscriptions.find(None, None)
    return [s for s in found if _mine(principal, s)]


async def redrive(
    uow: MonitoringUnitOfWork, principal: Principal, subscription_id: uuid.UUID
) -> int:
    """Send a board's parked deliveries again (after its receiver is fixed)."""
    found = await uow.subscriptions.get(subscription_id)
    if not _mine(principal, found):
        raise NotFound([Problem("subscription_id", "no such subscription of yours")])
    count = await uow.subscriptions.redrive(subscription_id)
    await uow.audit.record(
        AuditEntry(
            principal.subject, "webhook re-driven", str(subscription_id), {"deliveries": count}
        )
    )
    return count
