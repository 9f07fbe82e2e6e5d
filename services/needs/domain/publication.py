"""What of a value may be published: disclosure control applied to the needs service's tables.

DOMAIN.md, Small-number suppression: sub-national counts are suppressed (1-7 by default)
or rounded, and no cell may be recoverable from totals. Every output of the service (events,
API, downloads) takes its figures from ``disclose_period`` so the same cells are hidden
everywhere; publishing a cell in one place and hiding it in another would defeat the rule.

The table for one indicator and period holds every locality and trust value, for all
children and for each group, and the additive relations between them:
- an area's value for all children is the sum of its groups along each dimension (and a
  two-way group such as sex=female;age_band=10-14 sums into each of its one-way parents);
- the trust's value is the sum of its localities' values, group by group.
A relation whose parts fall short of the total gets an unpublished "remainder" cell, which
only makes the check stricter; parts exceeding the total (overlapping categories) are not a
relation and are left out. Trust-level counts are disclosure-controlled too: a trust total
shown beside shown localities would give a hidden locality away. Comparator areas' figures
(England, region, statistical neighbours) are other bodies' published statistics and pass
through unchanged.

Derived statistics (values, intervals) are withheld when a count they are built from is
hidden. For a count indicator the value is the count, so it is shown rounded and its
interval (which would give the exact count back) is withheld whenever counts are rounded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from services.needs.domain.analysis import Measured
from services.needs.domain.catalogue import Indicator, ValueType
from services.needs.domain.disclosure import (
    NHS_DIGITAL,
    AdditiveGroup,
    DisclosedCount,
    SuppressionRule,
    disclose_table,
    may_publish_derived,
)
from services.needs.domain.model import ANALYSED_KINDS, AreaKind, breakdown_key

Cell = tuple[str, str, str]
"""(area kind, area code, breakdown key)."""

_REMAINDER: Final = "~remainder"


def rule_from_trust(threshold: int, rounding: int, marker: str) -> SuppressionRule:
    """The trust's DisclosureRule (counts 1..threshold hidden) as a SuppressionRule."""
    if threshold == NHS_DIGITAL.threshold - 1 and rounding == NHS_DIGITAL.rounding_base:
        return SuppressionRule(NHS_DIGITAL.name, threshold + 1, rounding, symbol=marker)
    return SuppressionRule(
        f"suppress 1-{threshold}, round to {rounding}", threshold + 1, rounding, symbol=marker
    )


@dataclass(frozen=True)
class CellDisclosure:
    """What may be shown of one cell's numerator and denominator."""

    numerator: DisclosedCount | None
    denominator: DisclosedCount | None

    @property
    def hidden(self) -> bool:
        return any(c is not None and c.is_suppressed for c in (self.numerator, self.denominator))


@dataclass(frozen=True)
class PublishedFigures:
    """One period's figures as published; field names match the PublishedValue contract."""

    period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    count: int | None
    denominator: float | None
    count_suppressed: bool
    value_note: str | None
    revision: int


def disclose_period(
    cells: Sequence[Measured], indicator: Indicator, rule: SuppressionRule
) -> dict[Cell, CellDisclosure]:
    """Primary and secondary suppression of one indicator's table for one period."""
    keyed = {_cell(m): m for m in cells if m.reported.area_kind in ANALYSED_KINDS}
    numerators = {k: m.reported.numerator for k, m in keyed.items()}
    denominators: dict[Cell, int | None] = {
        k: _whole(m.reported.denominator) for k, m in keyed.items()
    }
    shown_numerators = (
        _disclose_measure(numerators, rule) if indicator.has_counts else dict.fromkeys(keyed)
    )
    shown_denominators = _disclose_measure(denominators, rule)
    return {k: CellDisclosure(shown_numerators.get(k), shown_denominators.get(k)) for k in keyed}


def published(
    measured: Measured,
    indicator: Indicator,
    disclosure: CellDisclosure | None,
    rule: SuppressionRule,
) -> PublishedFigures:
    """The figures of one value that may be published; unchanged for comparator areas."""
    reported, statistic = measured.reported, measured.statistic
    if reported.area_kind not in ANALYSED_KINDS or disclosure is None:
        return PublishedFigures(
            period=reported.period,
            value=measured.value,
            lower95=statistic.lower95 if statistic else None,
            upper95=statistic.upper95 if statistic else None,
            lower998=statistic.lower998 if statistic else None,
            upper998=statistic.upper998 if statistic else None,
            count=reported.numerator,
            denominator=reported.denominator,
            count_suppressed=False,
            value_note=None,
            revision=reported.revision,
        )
    counts = [c for c in (disclosure.numerator, disclosure.denominator) if c is not None]
    derived = may_publish_derived(counts, rule)
    note = None if derived else f"withheld: built from a count shown as {rule.symbol}"
    value = measured.value if derived else None
    intervals = derived and statistic is not None
    if indicator.value_type is ValueType.COUNT:
        value = None if disclosure.numerator is None else disclosure.numerator.shown
        if rule.rounding_base > 1:
            intervals = False
            note = note or f"interval withheld: counts rounded to the nearest {rule.rounding_base}"
    return PublishedFigures(
        period=reported.period,
        value=value,
        lower95=statistic.lower95 if intervals and statistic else None,
        upper95=statistic.upper95 if intervals and statistic else None,
        lower998=statistic.lower998 if intervals and statistic else None,
        upper998=statistic.upper998 if intervals and statistic else None,
        count=disclosure.numerator.shown if disclosure.numerator is not None else None,
        denominator=(
            float(disclosure.denominator.shown)
            if disclosure.denominator is not None and disclosure.denominator.shown is not None
            else None
        ),
        count_suppressed=disclosure.hidden,
        value_note=note,
        revision=reported.revision,
    )


def _cell(measured: Measured) -> Cell:
    r = measured.reported
    return (r.area_kind.value, r.area_code, r.breakdown_key)


def _whole(number: float | None) -> int | None:
    if number is None or number != int(number):
        return None
    return int(number)


def _disclose_measure(
    measure: Mapping[Cell, int | None], rule: SuppressionRule
) -> dict[Cell, DisclosedCount]:
    counts: dict[Hashable, int] = {k: v for k, v in measure.items() if v is not None}
    groups = list(_additive_groups(counts))
    for group in groups:
        for part in group.parts:
            if _is_remainder(part):
                counts[part] = counts[group.total] - sum(
                    counts[p] for p in group.parts if not _is_remainder(p)
                )
    disclosed = disclose_table(counts, groups, rule)
    return {k: v for k, v in disclosed.items() if not _is_remainder(k)}  # type: ignore[misc]


def _is_remainder(key: Hashable) -> bool:
    return isinstance(key, tuple) and len(key) == 4 and key[0] == _REMAINDER


def _additive_groups(counts: Mapping[Hashable, int]) -> Iterable[AdditiveGroup[Hashable]]:
    """Groups whose parts do not exceed their total; a shortfall becomes a remainder cell."""
    cells = [k for k in counts if isinstance(k, tuple) and len(k) == 3]
    by_parent: dict[tuple[Cell, str], list[Cell]] = defaultdict(list)
    for kind, code, bk in cells:
        pairs = [tuple(part.split("=", 1)) for part in bk.split(";")] if bk else []
        for i, (dimension, _) in enumerate(pairs):
            parent = breakdown_key(tuple((d, v) for d, v in pairs[:i] + pairs[i + 1 :]))
            by_parent[((kind, code, parent), dimension)].append((kind, code, bk))
    localities = sorted(k for k in cells if k[0] == AreaKind.LOCALITY.value)
    trusts = {(k[2]): k for k in cells if k[0] == AreaKind.TRUST.value}
    for kind, code, bk in localities:
        if bk in trusts:
            by_parent[(trusts[bk], "locality")].append((kind, code, bk))
    for (total, dimension), parts in sorted(by_parent.items()):
        if total not in counts:
            continue
        spent = sum(counts[p] for p in parts)
        if spent > counts[total]:
            continue
        members: list[Hashable] = list(parts)
        if spent < counts[total]:
            members.append((_REMAINDER, *total[:2], f"{total[2]}|{dimension}"))
        yield AdditiveGroup(total, tuple(members))
