"""What every procurement use case shares: its configuration, its refusals, and who may
do what (Durham framework, section 3: the JCU, commissioning officers and Local
Children's Boards; providers act only for themselves)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from services.procurement.domain.procurement import Procurement, Refused
from shared.auth.policy import Principal, Role
from shared.trust import ProcurementThresholds, TrustConfig

COMMISSIONERS = (Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER)
OVERSIGHT = (*COMMISSIONERS, Role.EXECUTIVE_BOARD)


@dataclass(frozen=True)
class ProcurementConfig:
    trust_id: str
    localities: frozenset[str]
    outcomes: frozenset[str]
    thresholds: ProcurementThresholds
    evidence_warning_days: int = 60
    trust_name: str = ""
    ocid_prefix: str = "ocds-unregistered"
    """OCDS ocid prefix: a deployment registers its own with the Open Contracting
    Partnership and sets ``PROCUREMENT_OCID_PREFIX``."""

    @property
    def select_list_below(self) -> Decimal:
        return self.thresholds.select_list_below


def procurement_config(trust: TrustConfig, ocid_prefix: str) -> ProcurementConfig:
    return ProcurementConfig(
        trust_name=trust.name,
        ocid_prefix=ocid_prefix,
        trust_id=trust.id,
        localities=trust.locality_ids,
        outcomes=trust.outcome_ids,
        thresholds=trust.procurement,
        evidence_warning_days=trust.procurement.evidence_warning_days,
    )


class Problem(Exception):
    """A refusal naming the field and the rule; ``status`` is the HTTP meaning."""

    status = 422

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NotFound(Problem):
    status = 404


class Forbidden(Problem):
    status = 403


class Conflict(Problem):
    status = 409


@contextmanager
def rules_as_problems() -> Iterator[None]:
    """The domain's refusals, as 409s (the process's state forbids it) or 422s."""
    try:
        yield
    except Refused as refused:
        kind = Conflict if refused.conflict else Problem
        raise kind(refused.field, refused.rule) from None


def is_commissioner(principal: Principal) -> bool:
    return principal.has_any(*COMMISSIONERS)


def require_commissioner(principal: Principal) -> None:
    if not is_commissioner(principal):
        names = ", ".join(r.value for r in COMMISSIONERS)
        raise Forbidden("roles", f"requires one of: {names}")


def require_jcu(principal: Principal) -> None:
    if not principal.has_any(Role.JCU):
        raise Forbidden("roles", "a specialist service is awarded by the JCU: requires jcu")


def is_board_of(principal: Principal, locality: str) -> bool:
    return Role.LOCAL_BOARD_MEMBER in principal.roles and principal.locality == locality


def visible_localities(principal: Principal, config: ProcurementConfig) -> list[str] | None:
    """None: every locality (oversight roles); else the board member's own locality."""
    if principal.has_any(*OVERSIGHT):
        return None
    if Role.LOCAL_BOARD_MEMBER in principal.roles and principal.locality:
        return [principal.locality]
    return []


def may_see(principal: Principal, procurement: Procurement, config: ProcurementConfig) -> bool:
    """Oversight roles and the locality's board see a procurement; a provider sees
    published tenders it may bid for (see ``tenders.may_bid``) through the tender views."""
    localities = visible_localities(principal, config)
    return localities is None or procurement.locality in localities


def check_locality(locality: str, config: ProcurementConfig) -> None:
    if locality not in config.localities:
        known = ", ".join(sorted(config.localities))
        raise Problem("locality", f"unknown locality {locality!r}; known: {known}")
