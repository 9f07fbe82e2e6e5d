"""The additive relations a reader of the needs service's tables can rely on.

A table holds, for one indicator, the numerators and denominators of every area below
national level, for every group and every period of one calendar year. Declared relations
(each an ``AdditiveGroup``):
- an area's value for all children is the sum of its groups along each dimension, and a
  two-way group such as sex=female;age_band=10-14 sums into each of its one-way parents;
- the trust is the sum of its localities, group by group;
- a year is the sum of its quarters, halves and months, a half of its quarters and months,
  a quarter of its months;
- a proportion's denominator is its numerator plus the complement (children without the
  outcome): "17 of 23" gives away 6 as surely as a shown 6 would.
A relation whose parts fall short of the total gets an unpublished remainder cell, which
only makes the check stricter; parts exceeding the total (overlapping categories, or
periods that are snapshots rather than sums) are no relation and are left out.
Complements and remainders are never published but are protected when they are small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

from services.needs.domain.disclosure import AdditiveGroup
from services.needs.domain.model import AreaKind, breakdown_key, parse_period

Key = tuple[str, str, str, str, str]
"""(measure, period, area kind, area code, breakdown key)."""

NUMERATOR = "numerator"
DENOMINATOR = "denominator"
COMPLEMENT = "complement"


@dataclass(frozen=True)
class RelatedTable:
    """Counts, including the unpublished complements and remainders, and their relations."""

    counts: dict[Hashable, int]
    groups: tuple[AdditiveGroup[Hashable], ...]
    unpublished: frozenset[Hashable]


def related_table(counts: Mapping[Key, int], *, complements: bool) -> RelatedTable:
    """The table of ``counts`` with every relation above declared."""
    table: dict[Hashable, int] = {}
    table.update(counts.items())
    unpublished: set[Hashable] = set()
    groups: list[AdditiveGroup[Hashable]] = []
    if complements:
        for key, count in counts.items():
            measure, *rest = key
            whole = counts.get((DENOMINATOR, *rest))  # type: ignore[arg-type]
            if measure == NUMERATOR and whole is not None and count <= whole:
                other = (COMPLEMENT, *rest)
                table[other] = whole - count
                unpublished.add(other)
                groups.append(AdditiveGroup((DENOMINATOR, *rest), (key, other)))
    for total, label, parts in _parents(table):
        spent = sum(table[p] for p in parts)
        if spent > table[total]:
            continue
        members: list[Hashable] = list(parts)
        if spent < table[total]:
            remainder = ("remainder", label, *total)
            table[remainder] = table[total] - spent
            unpublished.add(remainder)
            members.append(remainder)
        groups.append(AdditiveGroup(total, tuple(members)))
    return RelatedTable(table, tuple(groups), frozenset(unpublished))


def _parents(table: Mapping[Hashable, int]) -> Iterator[tuple[Key, str, list[Key]]]:
    """(total, relation label, parts) for every declared relation with a known total."""
    keys = [k for k in table if isinstance(k, tuple) and len(k) == 5]
    by_parent: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    trusts = {(m, p, bk): code for m, p, kind, code, bk in keys if kind == AreaKind.TRUST.value}
    for key in keys:
        measure, period, kind, code, bk = key
        pairs = [tuple(part.split("=", 1)) for part in bk.split(";")] if bk else []
        for i, (dimension, _) in enumerate(pairs):
            parent = breakdown_key(tuple((d, v) for d, v in pairs[:i] + pairs[i + 1 :]))
            by_parent[((measure, period, kind, code, parent), f"by {dimension}")].append(key)
        trust = trusts.get((measure, period, bk))
        if kind == AreaKind.LOCALITY.value and trust is not None:
            by_parent[((measure, period, AreaKind.TRUST.value, trust, bk), "localities")].append(
                key
            )
        for parent_period in _enclosing_periods(period):
            total = (measure, parent_period, kind, code, bk)
            by_parent[(total, f"periods of {period_granularity(period)}")].append(key)
    for (total, label), parts in sorted(by_parent.items()):
        if total in table:
            yield total, label, parts


def period_granularity(period: str) -> str:
    return parse_period(period).granularity


def _enclosing_periods(period: str) -> list[str]:
    """The calendar year, half and quarter a quarter, half or month lies in."""
    parsed = parse_period(period)
    year = period[:4]
    if parsed.granularity == "quarter":
        quarter = int(period[-1])
        return [year, f"{year}-H{1 if quarter <= 2 else 2}"]
    if parsed.granularity == "half":
        return [year]
    if parsed.granularity == "month":
        month = int(period[5:7])
        return [year, f"{year}-H{1 if month <= 6 else 2}", f"{year}-Q{(month - 1) // 3 + 1}"]
    return []


def calendar_family(period: str) -> str | None:
    """The calendar year whose table a period belongs to (None for a year span)."""
    return None if parse_period(period).granularity == "year_span" else period[:4]
