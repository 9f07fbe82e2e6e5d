"""What a caller may see and do (scoping lives here, not in the routers).

Local Children's Boards monitor their own locality's local contracts (Durham Children's
Trust framework, section 3, "Local Children's Boards", responsibility 7); the JCU
specialist and trust-wide ones (PPDG duty 4); the Executive Board hears only what is
escalated to it (CEB duties 7 and 9); a provider sees and reports on its own contracts.
Commissioning officers and lead commissioners work across the trust and see all.
"""

from __future__ import annotations

from services.monitoring.application.problems import Forbidden, NotFound, Problem
from services.monitoring.domain.lifecycle import Alert
from shared.auth import Principal, Role
from shared.contracts.monitoring import Audience, ContractLevel, MonitoredContract

OFFICERS = (Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER)


def can_see_contract(principal: Principal, contract: MonitoredContract) -> bool:
    if principal.is_trust_wide:
        return True
    if principal.has_any(Role.PROVIDER) and principal.provider_id == contract.provider_id:
        return True
    return (
        principal.has_any(Role.LOCAL_BOARD_MEMBER)
        and contract.level is ContractLevel.LOCAL
        and contract.locality == principal.locality
    )


def visible_contract(
    principal: Principal, contract: MonitoredContract | None, cid: str
) -> MonitoredContract:
    """The contract, or 404 alike whether it is absent or out of scope (no probing)."""
    if contract is None or not can_see_contract(principal, contract):
        raise NotFound([Problem("contract_id", f"no contract {cid!r} is visible to you")])
    return contract


def alert_audiences(principal: Principal) -> set[Audience]:
    audiences: set[Audience] = set()
    if principal.has_any(*OFFICERS):
        audiences |= set(Audience)
    if principal.has_any(Role.JCU):
        audiences.add(Audience.JCU)
    if principal.has_any(Role.EXECUTIVE_BOARD):
        audiences.add(Audience.EXECUTIVE_BOARD)
    return audiences


def can_see_alert(principal: Principal, alert: Alert) -> bool:
    if alert.audience in alert_audiences(principal):
        return True
    return (
        principal.has_any(Role.LOCAL_BOARD_MEMBER)
        and alert.audience is Audience.LOCAL_BOARD
        and alert.locality == principal.locality
    )


def visible_alert(principal: Principal, alert: Alert | None, alert_id: str) -> Alert:
    if alert is None or not can_see_alert(principal, alert):
        raise NotFound([Problem("alert_id", f"no alert {alert_id} is visible to you")])
    return alert


def provider_scope(principal: Principal) -> str | None:
    """The provider a caller submits for; 403 unless the caller is a provider."""
    if not principal.has_any(Role.PROVIDER) or principal.provider_id is None:
        raise Forbidden([Problem("roles", "only a provider submits performance returns")])
    return principal.provider_id
