"""Evaluating bids against published weighted criteria (docs/domain/procurement.md,
"Tenders, bids and awards"; PA2023 section 19, most advantageous tender).

Each panel member first declares any conflict of interest; a conflicted member, or one
who has not declared, cannot score. Each member scores each bid's quality out of 100. The
quality score of a bid is the mean of its members' scores; its price score is
100 × lowest price ÷ its price; its total is the weighted sum. Highest total ranks first;
ties keep the lower price first, then the earlier bid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.procurement.domain.procurement import Criteria, Refused

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class OpenedBid:
    """A bid after close: its price is readable."""

    bid_id: str
    provider_id: str
    price: Decimal
    sequence: int


@dataclass(frozen=True)
class Score:
    member: str
    bid_id: str
    quality: Decimal


@dataclass(frozen=True)
class Ranked:
    bid_id: str
    provider_id: str
    price: Decimal
    quality_score: Decimal
    price_score: Decimal
    total: Decimal
    rank: int


def check_may_score(member: str, declarations: dict[str, bool]) -> None:
    """Refuse a score from a member without a declaration, or with a conflict."""
    if member not in declarations:
        raise Refused("member", "declare any conflict of interest before scoring")
    if declarations[member]:
        raise Refused("member", "a member with a declared conflict of interest cannot score")


def check_quality(quality: Decimal) -> None:
    if not Decimal(0) <= quality <= HUNDRED:
        raise Refused("quality", "must be between 0 and 100")


def rank(bids: list[OpenedBid], scores: list[Score], criteria: Criteria) -> list[Ranked]:
    """Every bid with at least one score, ranked; unscored bids are left out."""
    by_bid: dict[str, list[Decimal]] = {}
    for score in scores:
        by_bid.setdefault(score.bid_id, []).append(score.quality)
    scored = [b for b in bids if b.bid_id in by_bid]
    if not scored:
        return []
    lowest = min(b.price for b in scored)
    rows = []
    for bid in scored:
        quality = sum(by_bid[bid.bid_id], Decimal(0)) / len(by_bid[bid.bid_id])
        price_score = HUNDRED * lowest / bid.price
        total = (quality * criteria.quality_weight + price_score * criteria.price_weight) / HUNDRED
        rows.append((bid, _round(quality), _round(price_score), _round(total)))
    rows.sort(key=lambda r: (-r[3], r[0].price, r[0].sequence))
    return [
        Ranked(b.bid_id, b.provider_id, b.price, q, p, t, index + 1)
        for index, (b, q, p, t) in enumerate(rows)
    ]


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
