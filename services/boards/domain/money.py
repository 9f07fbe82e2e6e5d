"""Pooled and aligned budgets, and spend by outcome and by partner (Durham framework,
section 2, "pooled and aligned budgets"; section 3, the Executive Board's duty to agree how
partners' resources are used).

Each contract commits amounts against funds; with each commitment the procurement service
states the fund's partner contributions at the time. A fund's contributions are those
stated with its latest commitment; committed is the sum of every commitment (a contract
ended early still spent what it committed); remaining is the difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

PENNY = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Commitment:
    """One contract's share of one fund."""

    contract_id: str
    fund_id: str
    amount: Decimal
    partners: Mapping[str, Decimal]
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Fund:
    fund_id: str
    contributed: Decimal
    committed: Decimal
    remaining: Decimal
    partners: Mapping[str, Decimal]
    contracts: int


def funds(commitments: Sequence[Commitment]) -> list[Fund]:
    by_fund: dict[str, list[Commitment]] = {}
    for c in commitments:
        by_fund.setdefault(c.fund_id, []).append(c)
    found = []
    for fund_id, shares in sorted(by_fund.items()):
        latest = max(shares, key=lambda c: (c.started_at, c.contract_id))
        contributed = sum(latest.partners.values(), Decimal(0))
        committed = sum((c.amount for c in shares), Decimal(0))
        found.append(
            Fund(
                fund_id,
                contributed,
                committed,
                contributed - committed,
                dict(sorted(latest.partners.items())),
                len({c.contract_id for c in shares}),
            )
        )
    return found


def by_partner(commitments: Sequence[Commitment]) -> dict[str, Decimal]:
    """Each commitment shared among the fund's partners in proportion to what they had
    contributed when it was made, to the penny (the last partner takes the rounding)."""
    spend: dict[str, Decimal] = {}
    for c in commitments:
        total = sum(c.partners.values(), Decimal(0))
        if total <= 0:
            continue
        names = sorted(c.partners)
        given = Decimal(0)
        for name in names[:-1]:
            share = (c.amount * c.partners[name] / total).quantize(PENNY, ROUND_HALF_EVEN)
            spend[name] = spend.get(name, Decimal(0)) + share
            given += share
        spend[names[-1]] = spend.get(names[-1], Decimal(0)) + c.amount - given
    return dict(sorted(spend.items()))


def by_outcome(contracts: Sequence[tuple[Decimal, Sequence[str]]]) -> dict[str, Decimal]:
    """The value of the contracts serving each outcome. A contract serving two outcomes
    counts under both, so the figures are not to be added up."""
    spend: dict[str, Decimal] = {}
    for value, outcomes in contracts:
        for outcome in outcomes:
            spend[outcome] = spend.get(outcome, Decimal(0)) + value
    return dict(sorted(spend.items()))
