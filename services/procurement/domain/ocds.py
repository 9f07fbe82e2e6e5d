"""A procurement as Open Contracting Data Standard 1.1.5 releases (docs/domain/
procurement.md, "Open Contracting Data Standard 1.1.5").

Each stage reached adds one immutable release: planning (the request and its route),
tender (the notice), tenderUpdate (closed: who bid, never what they offered), award,
contract, and contractTermination. What is public is what was bought, from whom and for
how much: the award's value is the winning price; losing bids' prices never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as date_
from datetime import datetime
from typing import Any

from services.procurement.domain.contract import Contract
from services.procurement.domain.procurement import Procurement, ProcurementState

Release = dict[str, Any]
_AFTER_PUBLISH = (ProcurementState.CLOSED, ProcurementState.AWARDED, ProcurementState.CONTRACTED)


@dataclass(frozen=True)
class Buyer:
    """The Children's Trust as buyer and procuring entity."""

    id: str
    name: str


@dataclass(frozen=True)
class ProcurementFacts:
    procurement: Procurement
    tenderers: tuple[tuple[str, str], ...]
    """(provider id, name) of each bidder, in the order their bids arrived."""
    supplier_name: str | None
    contract: Contract | None


def ocid(prefix: str, facts: ProcurementFacts) -> str:
    return f"{prefix}-{facts.procurement.procurement_id}"


def _midnight(day: date_) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _money(amount: Any) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "GBP"}


def _party(pid: str, name: str, *roles: str) -> dict[str, Any]:
    return {"id": pid, "name": name, "roles": list(roles)}


def releases(prefix: str, buyer: Buyer, facts: ProcurementFacts) -> list[Release]:
    """Every release the procurement has reached, oldest first."""
    p = facts.procurement
    the_ocid = ocid(prefix, facts)
    buyer_ref = {"id": buyer.id, "name": buyer.name}
    buying = _party(buyer.id, buyer.name, "buyer", "procuringEntity")

    def release(suffix: str, tag: str, date: datetime | date_, **sections: Any) -> Release:
        when = date.isoformat() if isinstance(date, datetime) else _midnight(date)
        return {
            "ocid": the_ocid,
            "id": f"{the_ocid}-{suffix}",
            "date": when,
            "tag": [tag],
            "initiationType": "tender",
            "language": "en",
            "buyer": buyer_ref,
            **sections,
        }

    tender = {
        "id": str(p.procurement_id),
        "title": p.title,
        "mainProcurementCategory": "services",
        "procurementMethod": p.route.ocds_method,
        "procurementMethodDetails": p.routing.rule,
        "value": _money(p.value),
        "procuringEntity": buyer_ref,
    }
    found = [
        release(
            "planning",
            "planning",
            p.opened_at,
            parties=[buying],
            planning={"rationale": p.routing.rule, "budget": {"amount": _money(p.value)}},
            tender=tender | {"status": "planning"},
        )
    ]
    if p.published_at is not None and p.deadline is not None and p.criteria is not None:
        weights = f"quality {p.criteria.quality_weight}%, price {p.criteria.price_weight}%"
        published = tender | {
            "status": "active",
            "tenderPeriod": {
                "startDate": p.published_at.isoformat(),
                "endDate": p.deadline.isoformat(),
            },
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": weights,
        }
        found.append(release("tender", "tender", p.published_at, tender=published))
        if p.state in _AFTER_PUBLISH and p.closed_at is not None:
            bidders = [{"id": i, "name": n} for i, n in facts.tenderers]
            parties = [_party(i, n, "tenderer") for i, n in facts.tenderers]
            closed = published | {
                "status": "complete",
                "numberOfTenderers": len(bidders),
                "tenderers": bidders,
            }
            found.append(
                release(
                    "tender-closed", "tenderUpdate", p.closed_at, tender=closed, parties=parties
                )
            )
    if p.awarded_at is not None and p.awarded_provider is not None:
        found.append(_award(release, p, facts, the_ocid))
    if facts.contract is not None:
        found.extend(_contract(release, facts.contract, the_ocid, p))
    return found


def _award(release: Any, p: Procurement, facts: ProcurementFacts, the_ocid: str) -> Release:
    assert p.awarded_provider is not None
    name = facts.supplier_name or p.awarded_provider
    award = {
        "id": f"{the_ocid}-award",
        "status": "active",
        "date": p.awarded_at.isoformat() if p.awarded_at else None,
        "value": _money(p.award_value),
        "suppliers": [{"id": p.awarded_provider, "name": name}],
        "description": p.award_rationale,
    }
    parties = [_party(p.awarded_provider, name, "supplier")]
    result: Release = release("award", "award", p.awarded_at, awards=[award], parties=parties)
    return result


def _contract(release: Any, c: Contract, the_ocid: str, p: Procurement) -> list[Release]:
    body = {
        "id": str(c.contract_id),
        "awardID": f"{the_ocid}-award",
        "title": c.title,
        "status": "active",
        "value": _money(c.value),
        "period": {"startDate": _midnight(c.starts_on), "endDate": _midnight(c.ends_on)},
    }
    started: Release = release("contract", "contract", c.starts_on, contracts=[body])
    if c.state != "terminated":
        return [started]
    terminated = [body | {"status": "terminated"}]
    ended: Release = release(
        "contract-terminated", "contractTermination", c.ends_on, contracts=terminated
    )
    return [started, ended]
