"""One indicator's current values, indexed for analysis and for disclosure control.

A series is (indicator, area, breakdown): the latest revision of each period. Values are
measured by the indicator's Fingertips method (``statistics.py``); the disclosure tables
they belong to (``publication.py``) are built here once per calendar year and rule, so
that analysis and every output see the same hidden cells.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

from services.needs.domain import statistics as st
from services.needs.domain.catalogue import Comparator, Indicator, ValueType
from services.needs.domain.disclosure import Release, SuppressionRule
from services.needs.domain.model import (
    ANALYSED_KINDS,
    AreaKind,
    ReportedValue,
    parse_period,
)
from services.needs.domain.publication import (
    Cell,
    CellDisclosure,
    TableDisclosure,
    disclose_cells,
    published,
)
from services.needs.domain.relations import calendar_family


@dataclass(frozen=True)
class Measured:
    """A stored value with its statistic: the value and its 95% / 99.8% limits, if known."""

    reported: ReportedValue
    value: float | None
    statistic: st.IndicatorValue | None

    @property
    def period(self) -> str:
        return self.reported.period


def measure(reported: ReportedValue, indicator: Indicator) -> Measured:
    """The value and limits by the indicator's method (Wilson, Byar's, Student's t).

    A statistic that cannot be calculated, or whose value or limits are not finite (a mean
    near 1e308 overflows its interval), is stored as None: "cannot be calculated".
    """
    try:
        statistic = _statistic(reported, indicator)
    except (ValueError, OverflowError, ZeroDivisionError):
        statistic = None
    if statistic is not None and not all(
        math.isfinite(v) for v in (statistic.value, statistic.lower998, statistic.upper998)
    ):
        statistic = None
    value = statistic.value if statistic is not None else reported.value
    if value is not None and not math.isfinite(value):
        value = None
    return Measured(reported, value, statistic)


def _statistic(reported: ReportedValue, indicator: Indicator) -> st.IndicatorValue | None:
    numerator, denominator = reported.numerator, reported.denominator
    kind = indicator.value_type
    if kind is ValueType.PROPORTION and numerator is not None and denominator is not None:
        return st.proportion(numerator, int(denominator), indicator.multiplier)
    if kind is ValueType.RATE and numerator is not None and denominator is not None:
        return st.crude_rate(numerator, denominator, indicator.multiplier)
    if kind is ValueType.COUNT and numerator is not None:
        return st.count_value(numerator)
    if (
        kind in (ValueType.MEAN, ValueType.WAITING_TIME)
        and reported.value is not None
        and reported.standard_deviation is not None
        and denominator is not None
        and denominator >= 2
    ):
        return st.mean_from_summary(reported.value, reported.standard_deviation, int(denominator))
    return None


@dataclass(frozen=True)
class Benchmark:
    """The value a series was compared with, and where it came from."""

    comparator: str
    area_code: str | None
    period: str
    value: float | None
    sources: tuple[ReportedValue, ...] = ()


SeriesKey = tuple[str, AreaKind, str, str]
"""(indicator id, area kind, area code, breakdown key)."""


class IndicatorData:
    """Every current value of one indicator, indexed for analysis."""

    def __init__(
        self,
        indicator: Indicator,
        values: Iterable[ReportedValue],
        released: Mapping[str, Sequence[Release[Hashable]]] | None = None,
    ) -> None:
        """``released``: earlier releases of each table, by calendar year (or year span),
        as persisted from ``disclosure_table``; their hidden cells stay hidden."""
        self.indicator = indicator
        self._released = dict(released or {})
        self._tables: dict[tuple[str, SuppressionRule], TableDisclosure] = {}
        self._by_period: dict[tuple[str, SuppressionRule], dict[Cell, CellDisclosure]] = {}
        self._cells: dict[tuple[AreaKind, str, str], dict[str, Measured]] = defaultdict(dict)
        for reported in values:
            if reported.indicator_id != indicator.id:
                raise ValueError("values of another indicator")
            cell = self._cells[(reported.area_kind, reported.area_code, reported.breakdown_key)]
            known = cell.get(reported.period)
            if known is None or known.reported.revision < reported.revision:
                cell[reported.period] = measure(reported, indicator)

    def series_keys(self) -> list[SeriesKey]:
        """Every locality and trust series held, in a stable order."""
        return sorted(
            (self.indicator.id, kind, code, bk)
            for kind, code, bk in self._cells
            if kind in ANALYSED_KINDS
        )

    def series(self, kind: AreaKind, code: str, bk: str) -> list[Measured]:
        """Oldest to newest; only the granularity with most periods (ties: the coarser)."""
        cell = self._cells.get((kind, code, bk), {})
        by_granularity: dict[str, list[Measured]] = defaultdict(list)
        for measured in cell.values():
            by_granularity[parse_period(measured.period).granularity].append(measured)
        if not by_granularity:
            return []
        chosen = max(sorted(by_granularity), key=lambda g: len(by_granularity[g]))
        return sorted(by_granularity[chosen], key=lambda m: parse_period(m.period))

    def at(self, kind: AreaKind, code: str, bk: str, period: str) -> Measured | None:
        return self._cells.get((kind, code, bk), {}).get(period)

    def cells_at(self, period: str) -> list[Measured]:
        """Every locality and trust value for a period (one disclosure table)."""
        return [
            cell[period]
            for (kind, _, _), cell in sorted(self._cells.items())
            if kind in ANALYSED_KINDS and period in cell
        ]

    def disclosure_table(self, period: str, rule: SuppressionRule) -> TableDisclosure:
        """The disclosure decisions of the table ``period`` belongs to: every area below
        national level, every group, every period of its calendar year (``relations.py``).
        Its ``release`` is what to persist for later releases."""
        family = calendar_family(period) or period
        found = self._tables.get((family, rule))
        if found is None:
            cells = [
                m
                for cell in self._cells.values()
                for m in cell.values()
                if (calendar_family(m.period) or m.period) == family
            ]
            found = disclose_cells(
                cells, self.indicator, rule, released=self._released.get(family, ())
            )
            self._tables[(family, rule)] = found
        return found

    def releases(self, rule: SuppressionRule) -> dict[str, Release[Hashable]]:
        """The release record of every table decided so far under ``rule``, by calendar
        year (or year span): what was published, to persist for the next decision."""
        return {family: table.release for (family, r), table in self._tables.items() if r == rule}

    def disclosure_at(self, period: str, rule: SuppressionRule) -> dict[Cell, CellDisclosure]:
        """What may be shown of each cell of one period, decided over its whole table."""
        found = self._by_period.get((period, rule))
        if found is None:
            table = self.disclosure_table(period, rule)
            found = {cell: d for (p, cell), d in table.cells.items() if p == period}
            self._by_period[(period, rule)] = found
        return found

    def is_hidden(self, measured: Measured | None, rule: SuppressionRule | None) -> bool:
        """Whether the rule hides a count of this value (England's never are)."""
        if measured is None or rule is None:
            return False
        r = measured.reported
        if r.area_kind is AreaKind.ENGLAND:
            return False
        found = self.disclosure_at(r.period, rule).get(
            (r.area_kind.value, r.area_code, r.breakdown_key)
        )
        return found is not None and found.hidden

    def published_benchmark_value(
        self, benchmark: Benchmark, rule: SuppressionRule
    ) -> float | None:
        """A benchmark's value as it may be published: England's as it is; a region's, a
        trust's or the statistical neighbours' mean computed from their published figures,
        and withheld when one of them is hidden."""
        if benchmark.comparator == Comparator.ENGLAND.value:
            return benchmark.value
        values = []
        for r in benchmark.sources:
            measured = self.at(r.area_kind, r.area_code, r.breakdown_key, r.period)
            if measured is None:
                return None
            cell = (r.area_kind.value, r.area_code, r.breakdown_key)
            figures = published(
                measured, self.indicator, self.disclosure_at(r.period, rule).get(cell), rule
            )
            if figures.value is None:
                return None
            values.append(figures.value)
        return finite_mean(values)

    def comparator_values(self) -> list[Measured]:
        """Benchmark areas' values (England, region, statistical neighbours)."""
        return [
            measured
            for (kind, _, _), cell in sorted(self._cells.items())
            if kind not in ANALYSED_KINDS
            for measured in cell.values()
        ]

    def benchmark(self, comparator: str, period: str, bk: str, trust_id: str) -> Benchmark | None:
        """The comparator's value for the same period and group.

        England and region: the area's value (a trust has one region; if several region codes
        were submitted, the first by code). Statistical neighbours: the mean of the
        neighbours' values. Trust: the trust's own value (for locally collected indicators).
        """
        if comparator == Comparator.STATISTICAL_NEIGHBOURS.value:
            neighbours = [
                m
                for (kind, _, cell_bk), cell in sorted(self._cells.items())
                if kind is AreaKind.STATISTICAL_NEIGHBOUR and cell_bk == bk
                for m in (cell.get(period),)
                if m is not None and m.value is not None
            ]
            if not neighbours:
                return None
            average = finite_mean([m.value for m in neighbours if m.value is not None])
            if average is None:
                return None
            return Benchmark(
                comparator, None, period, average, tuple(m.reported for m in neighbours)
            )
        kind = {
            Comparator.ENGLAND.value: AreaKind.ENGLAND,
            Comparator.REGION.value: AreaKind.REGION,
            Comparator.TRUST.value: AreaKind.TRUST,
        }[comparator]
        codes = sorted(
            code
            for (k, code, cell_bk), cell in self._cells.items()
            if k is kind and cell_bk == bk and period in cell
        )
        if kind is AreaKind.TRUST:
            codes = [c for c in codes if c == trust_id]
        if not codes:
            return None
        found = self._cells[(kind, codes[0], bk)][period]
        return Benchmark(comparator, codes[0], period, found.value, (found.reported,))

    def peers(
        self, kind: AreaKind, period: str, bk: str, rule: SuppressionRule | None = None
    ) -> list[float]:
        """Values to rank an area among: localities among localities; the trust among its
        statistical neighbours. Values the rule hides take no part (their place in the
        ranking would tell something about them)."""
        wanted = (
            {AreaKind.LOCALITY}
            if kind is AreaKind.LOCALITY
            else {AreaKind.TRUST, AreaKind.STATISTICAL_NEIGHBOUR}
        )
        return [
            m.value
            for (k, _, cell_bk), cell in self._cells.items()
            if k in wanted and cell_bk == bk
            for m in (cell.get(period),)
            if m is not None and m.value is not None and not self.is_hidden(m, rule)
        ]


def finite_mean(values: Sequence[float]) -> float | None:
    """The mean, or None ("cannot be calculated") when there is none or it overflows."""
    try:
        average = fmean(values) if values else None
    except OverflowError:
        return None
    return average if average is not None and math.isfinite(average) else None
