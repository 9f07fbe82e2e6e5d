"""Gap analysis: needs identified per outcome and locality against the contracted services
that address them (Gateshead commissioning handbook, Activity Two, "gap analysis": compare
need with current provision; Durham framework, section 3, JCU duty to map provision).

A need is addressed by a live contract that serves one of its outcomes where the need is:
in its locality, or anywhere for a trust-wide need. A contract is evidenced by an open need
on one of its outcomes in one of its localities, or a trust-wide one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenNeed:
    need_id: str
    indicator_name: str
    outcomes: tuple[str, ...]
    locality: str | None
    """None for a trust-wide need."""


@dataclass(frozen=True, slots=True)
class Service:
    contract_id: str
    title: str
    outcomes: tuple[str, ...]
    localities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cell:
    """One outcome in one locality ('trust' for trust-wide needs)."""

    outcome: str
    locality: str
    needs: int
    services: int


@dataclass(frozen=True, slots=True)
class GapAnalysis:
    cells: tuple[Cell, ...]
    needs_without_service: tuple[OpenNeed, ...]
    services_without_need: tuple[Service, ...]


TRUST_WIDE = "trust"


def addresses(service: Service, need: OpenNeed) -> bool:
    if not set(service.outcomes) & set(need.outcomes):
        return False
    return need.locality is None or need.locality in service.localities


def analyse(needs: Sequence[OpenNeed], services: Sequence[Service]) -> GapAnalysis:
    counts: dict[tuple[str, str], list[int]] = {}
    for need in needs:
        for outcome in need.outcomes:
            counts.setdefault((outcome, need.locality or TRUST_WIDE), [0, 0])[0] += 1
    for service in services:
        for outcome in service.outcomes:
            for locality in service.localities:
                counts.setdefault((outcome, locality), [0, 0])[1] += 1
    cells = tuple(Cell(o, loc, n, s) for (o, loc), (n, s) in sorted(counts.items()))
    unmet = tuple(n for n in needs if not any(addresses(s, n) for s in services))
    unevidenced = tuple(s for s in services if not any(addresses(s, n) for n in needs))
    return GapAnalysis(cells, unmet, unevidenced)
