"""What of a value may be published: disclosure control applied to the needs service's tables.

NHS Digital's small-number rule (2018): sub-national counts 1-7 are suppressed, the others
rounded to the nearest 5, and no cell may be recoverable from the others. Every output of
the service (events, API, downloads) takes its figures from ``published`` over the same
``disclose_cells`` tables so the same cells are hidden everywhere; publishing a cell in one
place and hiding it in another would defeat the rule.

A table (``relations.py``) holds one indicator's locality and trust counts, and those of
each region and statistical neighbour (comparators below national level are other bodies'
figures, but small counts of theirs are still children's counts, so the rule applies to
them too), for all children and each group, for every period of a calendar year, with the
relations between them. England's figures are national and pass through unchanged.

Published values and intervals are computed from the published figures (the rounded count
and denominator), never from the exact ones: an exact 23.4% beside a rounded count and
denominator would give the exact count back. A value built from a hidden count is withheld.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.needs.domain import statistics as st
from services.needs.domain.catalogue import Indicator, ValueType
from services.needs.domain.disclosure import (
    NHS_DIGITAL,
    DisclosedCount,
    Release,
    SuppressionRule,
    disclose_table,
    may_publish_derived,
    release_of,
)
from services.needs.domain.model import AreaKind
from services.needs.domain.relations import (
    DENOMINATOR,
    NUMERATOR,
    Key,
    related_table,
)

if TYPE_CHECKING:
    from services.needs.domain.series import Measured

Cell = tuple[str, str, str]
"""(area kind, area code, breakdown key)."""


def rule_from_trust(threshold: int, rounding: int, marker: str) -> SuppressionRule:
    """The trust's DisclosureRule (counts 1..threshold hidden) as a SuppressionRule."""
    if threshold == NHS_DIGITAL.threshold - 1 and rounding == NHS_DIGITAL.rounding_base:
        return SuppressionRule(NHS_DIGITAL.name, threshold + 1, rounding, symbol=marker)
    return SuppressionRule(
        f"suppress 1-{threshold}, round to {rounding}", threshold + 1, rounding, symbol=marker
    )


@dataclass(frozen=True)
class CellDisclosure:
    """What may be shown of one cell's numerator and denominator.

    ``complement_hidden``: the cell's complement (denominator minus numerator) is small,
    so its numerator or denominator had to be hidden with it.
    """

    numerator: DisclosedCount | None
    denominator: DisclosedCount | None

    @property
    def hidden(self) -> bool:
        return any(c is not None and c.is_suppressed for c in (self.numerator, self.denominator))


@dataclass(frozen=True)
class TableDisclosure:
    """One table's decisions: what each cell may show, and the release record to persist."""

    cells: dict[tuple[str, Cell], CellDisclosure]
    """By (period, cell)."""
    release: Release[Hashable]
    """Pass it (with every earlier one) as ``released`` next time to keep its cells hidden."""


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
    denominator_suppressed: bool
    value_note: str | None
    revision: int


def disclose_cells(
    cells: Iterable[Measured],
    indicator: Indicator,
    rule: SuppressionRule,
    *,
    released: Sequence[Release[Hashable]] = (),
) -> TableDisclosure:
    """Primary and secondary suppression of one table (any periods; England excluded).

    ``released``: every earlier release of the same table, as persisted from
    ``TableDisclosure.release``. Cells hidden then stay hidden, and the check covers what a
    reader holding those releases too can work out.
    """
    counts: dict[Key, int] = {}
    for m in cells:
        r = m.reported
        if r.area_kind is AreaKind.ENGLAND:
            continue
        place = (r.period, r.area_kind.value, r.area_code, r.breakdown_key)
        if indicator.has_counts and r.numerator is not None:
            counts[(NUMERATOR, *place)] = r.numerator
        whole = _whole(r.denominator)
        if whole is not None:
            counts[(DENOMINATOR, *place)] = whole
    table = related_table(counts, complements=indicator.value_type is ValueType.PROPORTION)
    disclosed = disclose_table(
        table.counts, table.groups, rule, unpublished=table.unpublished, released=released
    )
    places = {key[1:] for key in counts}
    result = {
        (period, (kind, code, bk)): CellDisclosure(
            disclosed.get((NUMERATOR, period, kind, code, bk)),
            disclosed.get((DENOMINATOR, period, kind, code, bk)),
        )
        for period, kind, code, bk in places
    }
    release = release_of(table.counts, table.groups, disclosed, table.unpublished)
    return TableDisclosure(result, release)


def disclose_period(
    cells: Sequence[Measured],
    indicator: Indicator,
    rule: SuppressionRule,
    *,
    released: Sequence[Release[Hashable]] = (),
) -> dict[Cell, CellDisclosure]:
    """``disclose_cells`` for the cells of a single period, by cell."""
    if len({m.period for m in cells}) > 1:
        raise ValueError("cells of one period only; use disclose_cells for several")
    table = disclose_cells(cells, indicator, rule, released=released)
    return {cell: disclosure for (_, cell), disclosure in table.cells.items()}


def published(
    measured: Measured,
    indicator: Indicator,
    disclosure: CellDisclosure | None,
    rule: SuppressionRule,
) -> PublishedFigures:
    """The figures of one value that may be published, computed from the shown figures.

    England's figures pass through. Below national level a value without a table decision
    is disclosed on its own (the safe default for a caller that has no table).
    """
    reported = measured.reported
    if reported.area_kind is AreaKind.ENGLAND:
        return _as_reported(measured)
    if disclosure is None:
        table = disclose_cells([measured], indicator, rule)
        disclosure = table.cells[(reported.period, _cell(measured))]
    counts = [c for c in (disclosure.numerator, disclosure.denominator) if c is not None]
    derived = may_publish_derived(counts, rule)
    statistic: st.IndicatorValue | None = None
    value: float | None = None
    if derived:
        value, statistic = _from_shown(measured, indicator, disclosure)
    note = None if derived else f"withheld: built from a count shown as {rule.symbol}"
    return PublishedFigures(
        period=reported.period,
        value=value,
        lower95=statistic.lower95 if statistic else None,
        upper95=statistic.upper95 if statistic else None,
        lower998=statistic.lower998 if statistic else None,
        upper998=statistic.upper998 if statistic else None,
        count=disclosure.numerator.shown if disclosure.numerator is not None else None,
        denominator=_shown_denominator(measured, disclosure),
        count_suppressed=disclosure.hidden,
        denominator_suppressed=disclosure.denominator is not None
        and disclosure.denominator.is_suppressed,
        value_note=note,
        revision=reported.revision,
    )


def _as_reported(measured: Measured) -> PublishedFigures:
    reported, statistic = measured.reported, measured.statistic
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
        denominator_suppressed=False,
        value_note=None,
        revision=reported.revision,
    )


def _shown_denominator(measured: Measured, disclosure: CellDisclosure) -> float | None:
    """The shown (rounded) denominator; a non-whole one (a population estimate) as given."""
    if disclosure.denominator is not None:
        shown = disclosure.denominator.shown
        return float(shown) if shown is not None else None
    return measured.reported.denominator


def _from_shown(
    measured: Measured, indicator: Indicator, disclosure: CellDisclosure
) -> tuple[float | None, st.IndicatorValue | None]:
    """Value and limits by the indicator's method, applied to the shown figures only."""
    reported = measured.reported
    count = disclosure.numerator.shown if disclosure.numerator is not None else None
    denominator = _shown_denominator(measured, disclosure)
    kind = indicator.value_type
    statistic: st.IndicatorValue | None = None
    try:
        if kind is ValueType.PROPORTION and count is not None and denominator:
            if count <= denominator:
                statistic = st.proportion(count, int(denominator), indicator.multiplier)
        elif kind is ValueType.RATE and count is not None and denominator:
            statistic = st.crude_rate(count, denominator, indicator.multiplier)
        elif kind is ValueType.COUNT and count is not None:
            statistic = st.count_value(count)
        elif kind in (ValueType.MEAN, ValueType.WAITING_TIME):
            mean, spread = reported.value, reported.standard_deviation
            if mean is None or not math.isfinite(mean):
                return None, None
            if spread is not None and denominator is not None and denominator >= 2:
                statistic = st.mean_from_summary(mean, spread, int(denominator))
            else:
                return mean, None
    except (ValueError, OverflowError, ZeroDivisionError):
        statistic = None
    if statistic is None or not all(
        math.isfinite(v) for v in (statistic.value, statistic.lower998, statistic.upper998)
    ):
        return None, None
    return statistic.value, statistic


def _cell(measured: Measured) -> Cell:
    r = measured.reported
    return (r.area_kind.value, r.area_code, r.breakdown_key)


def _whole(number: float | None) -> int | None:
    if number is None or not math.isfinite(number) or number != int(number):
        return None
    return int(number)
