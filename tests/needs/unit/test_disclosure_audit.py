"""Audit: nothing a reader can obtain narrows a hidden count below the rule's range.

Issue 8 asks for proof, not examples. For randomised tables and release sequences (fixed
seeds), a reader model built here independently of the service -- from the figures
``published`` gives out and the relations any reader knows (groups sum to all children,
localities to the trust, quarters to the year, numerator plus complement to denominator) --
is solved with scipy's HiGHS linear-programming solver: every shown count lies in its
rounding range, every hidden count is at least 1, unchanged cells are one unknown across
releases. No hidden count, and no small complement, may have a feasible range narrower
than ``SuppressionRule.protection_range``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.optimize import linprog

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.analysis import IndicatorData
from services.needs.domain.disclosure import (
    NHS_DIGITAL,
    SUPPRESS_ONE_TO_FIVE,
    SuppressionRule,
)
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.protection import LinearSystem, feasible_ranges
from services.needs.domain.publication import PublishedFigures, published

NEET = load_catalogue()["neet_16_17"]
TRUST = "county-durham"
SEXES = ("female", "male")
QUARTERS = ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")

Place = tuple[str, str, str]  # (period, area code, breakdown key); the trust is TRUST


def small_or_large(rng: random.Random) -> int:
    return rng.choice((rng.randint(0, 3), rng.randint(0, 9), rng.randint(10, 40)))


@dataclass
class Table:
    """True numerators and complements of one release, with the places they sum into."""

    numerators: dict[Place, int] = field(default_factory=dict)
    complements: dict[Place, int] = field(default_factory=dict)
    revisions: dict[Place, int] = field(default_factory=dict)


def generate(rng: random.Random, localities: list[str], quarterly: bool) -> Table:
    """Base cells per (quarter, locality) or per (locality, sex); totals summed from them.

    Either shape is a two-way table with margins (localities by quarter, localities by
    sex), the shape in which one relation at a time is not enough to protect a cell.
    """
    periods = QUARTERS if quarterly else ("2024",)
    groups = [""] if quarterly else [f"sex={s}" for s in SEXES]
    table = Table()
    for period, code, bk in itertools.product(periods, localities, groups):
        table.numerators[(period, code, bk)] = small_or_large(rng)
        table.complements[(period, code, bk)] = small_or_large(rng) + 1
    complete_totals(table, localities, periods, quarterly)
    return table


def complete_totals(
    table: Table, localities: list[str], periods: Iterable[str], quarterly: bool
) -> None:
    breakdowns = ("",) if quarterly else ("", *(f"sex={s}" for s in SEXES))
    for measure in (table.numerators, table.complements):
        if not quarterly:
            for period, code in itertools.product(periods, localities):
                measure[(period, code, "")] = sum(
                    measure[(period, code, f"sex={s}")] for s in SEXES
                )
        for period, bk in itertools.product(periods, breakdowns):
            measure[(period, TRUST, bk)] = sum(measure[(period, c, bk)] for c in localities)
        if quarterly:
            for code, bk in {(c, b) for _, c, b in list(measure)}:
                measure[("2024", code, bk)] = sum(measure[(q, code, bk)] for q in QUARTERS)


def reported(table: Table) -> list[ReportedValue]:
    values = []
    for place, numerator in table.numerators.items():
        period, code, bk = place
        kind = AreaKind.TRUST if code == TRUST else AreaKind.LOCALITY
        breakdown = tuple(tuple(bk.split("=")) for bk in [bk] if bk)
        values.append(
            ReportedValue(
                NEET.id,
                "durham-county-council",
                kind,
                code,
                period,
                breakdown,  # type: ignore[arg-type]
                numerator,
                numerator + table.complements[place],
                revision=table.revisions.get(place, 1),
            )
        )
    return values


def relations(places: Iterable[Place]) -> list[tuple[Place, list[Place]]]:
    """What every reader knows adds up, derived from the place names alone."""
    known = set(places)
    found = []
    for period, code, bk in known:
        if bk == "":
            parts = [(period, code, f"sex={s}") for s in SEXES]
            if all(p in known for p in parts):
                found.append(((period, code, bk), parts))
        if code == TRUST:
            parts = [p for p in known if p[0] == period and p[2] == bk and p[1] != TRUST]
            found.append(((period, code, bk), parts))
        if period == "2024" and (QUARTERS[0], code, bk) in known:
            found.append(((period, code, bk), [(q, code, bk) for q in QUARTERS]))
    return found


class Reader:
    """The linear programme of everything a reader holds after some releases."""

    def __init__(self, rule: SuppressionRule) -> None:
        self.rule = rule
        self.index: dict[tuple[str, Place, int], int] = {}
        self.bounds: list[tuple[float, float | None]] = []
        self.equations: list[dict[int, float]] = []
        self.targets: list[tuple[str, int, int]] = []  # (label, variable, true value)

    def variable(self, measure: str, place: Place, version: int) -> int:
        key = (measure, place, version)
        if key not in self.index:
            self.index[key] = len(self.bounds)
            self.bounds.append((0, None))
        return self.index[key]

    def bound(self, variable: int, low: float, high: float | None) -> None:
        old_low, old_high = self.bounds[variable]
        new_high = high if old_high is None else (old_high if high is None else min(old_high, high))
        self.bounds[variable] = (max(old_low, low), new_high)

    def read(self, table: Table, figures: dict[Place, PublishedFigures]) -> None:
        """Add one release: each cell is an unknown per revision (a revision is visible)."""
        for place, shown in figures.items():
            version = table.revisions.get(place, 1)
            numerator = self.variable("n", place, version)
            denominator = self.variable("d", place, version)
            complement = self.variable("c", place, version)
            self.equations.append({denominator: 1, numerator: -1, complement: -1})
            true_n = table.numerators[place]
            true_c = table.complements[place]
            self.limit(numerator, shown.count, f"n{place}", true_n)
            self.limit(denominator, _whole(shown.denominator), f"d{place}", true_n + true_c)
            if self.rule.is_small(true_c):
                self.targets.append((f"complement {place}", complement, true_c))
            if shown.value is not None:  # published values are built from shown figures
                assert shown.count is not None and shown.denominator
                assert shown.value == pytest.approx(shown.count / shown.denominator * 100)
        for total, parts in relations(figures):
            for measure in ("n", "d"):
                row = {self.variable(measure, total, table.revisions.get(total, 1)): 1.0}
                for part in parts:
                    var = self.variable(measure, part, table.revisions.get(part, 1))
                    row[var] = row.get(var, 0.0) - 1.0
                self.equations.append(row)

    def limit(self, variable: int, shown: int | None, label: str, truth: int) -> None:
        if shown is None:
            self.bound(variable, 1, None)
            self.targets.append((label, variable, truth))
        elif shown == 0:
            self.bound(variable, 0, 0)
        else:
            base = self.rule.rounding_base
            low = max(shown - base // 2, self.rule.threshold)
            self.bound(variable, low, shown + base - 1 - base // 2)

    def narrowest(self) -> list[tuple[str, float, float]]:
        """Targets whose feasible range is narrower than the rule allows."""
        width = len(self.bounds)
        a_eq = np.zeros((len(self.equations), width))
        for i, row in enumerate(self.equations):
            for j, value in row.items():
                a_eq[i, j] = value
        b_eq = np.zeros(len(self.equations))
        bounds = np.array([(low, np.inf if high is None else high) for low, high in self.bounds])
        failures = []
        for label, variable, _ in {t[1]: t for t in self.targets}.values():
            ends = []
            for sign in (1.0, -1.0):
                cost = np.zeros(width)
                cost[variable] = sign
                result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                if result.status == 3:  # unbounded
                    ends.append(float("inf"))
                    continue
                assert result.status == 0, result.message
                ends.append(sign * result.fun)
            low, high = ends
            if high - low < self.rule.protection_range - 1e-6:
                failures.append((label, low, high))
        return failures


def _whole(number: float | None) -> int | None:
    return None if number is None else int(number)


def publish(
    table: Table, data: IndicatorData, rule: SuppressionRule
) -> dict[Place, PublishedFigures]:
    figures = {}
    for place in table.numerators:
        period, code, bk = place
        kind = AreaKind.TRUST if code == TRUST else AreaKind.LOCALITY
        measured = data.at(kind, code, bk, period)
        assert measured is not None
        disclosure = data.disclosure_at(period, rule).get((kind.value, code, bk))
        figures[place] = published(measured, NEET, disclosure, rule)
    return figures


RULES = [NHS_DIGITAL, SUPPRESS_ONE_TO_FIVE]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_no_hidden_count_of_a_random_table_can_be_narrowed(
    seed: int, rule: SuppressionRule
) -> None:
    rng = random.Random(seed)
    localities = ["easington", "derwentside", "sedgefield"][: rng.randint(2, 3)]
    table = generate(rng, localities, quarterly=seed % 2 == 1)
    data = IndicatorData(NEET, reported(table))
    reader = Reader(rule)
    reader.read(table, publish(table, data, rule))
    assert reader.targets, "the table should hide something"
    assert reader.narrowest() == []


@pytest.mark.parametrize("seed", range(5))
def test_no_release_sequence_lets_a_reader_combine_releases(seed: int) -> None:
    """v1 with two localities; v2 a third locality reports and one count is revised."""
    rule = NHS_DIGITAL
    rng = random.Random(1000 + seed)
    first = generate(rng, ["easington", "derwentside"], quarterly=False)
    data_v1 = IndicatorData(NEET, reported(first))
    release_v1 = data_v1.disclosure_table("2024", rule).release

    second = Table(dict(first.numerators), dict(first.complements), {})
    for key in list(second.numerators):
        if key[1] not in ("easington", TRUST) and key[2] != "":
            second.numerators[key] += rng.choice((0, 0, 3))
    for sex in SEXES:
        second.numerators[("2024", "sedgefield", f"sex={sex}")] = small_or_large(rng)
        second.complements[("2024", "sedgefield", f"sex={sex}")] = small_or_large(rng) + 1
    complete_totals(second, ["easington", "derwentside", "sedgefield"], ["2024"], False)
    second.revisions = {
        place: 2
        for place, count in second.numerators.items()
        if first.numerators.get(place) != count
        or first.complements.get(place) != second.complements[place]
    }
    data_v2 = IndicatorData(NEET, reported(second), released={"2024": [release_v1]})

    reader = Reader(rule)
    reader.read(first, publish(first, data_v1, rule))
    reader.read(second, publish(second, data_v2, rule))
    assert reader.narrowest() == []


@pytest.mark.parametrize("seed", range(20))
def test_the_services_solver_agrees_with_highs(seed: int) -> None:
    """protection.py's simplex gives the same ranges as HiGHS on random systems."""
    rng = random.Random(seed)
    width = rng.randint(2, 7)
    truth = [rng.randint(0, 20) for _ in range(width)]
    lower = [float(rng.choice((0, 1)) if t > 0 else 0) for t in truth]
    rows = []
    for _ in range(rng.randint(1, width)):
        members = rng.sample(range(width), rng.randint(1, width))
        rows.append({j: float(rng.choice((1, -1))) for j in members})
    rhs = [sum(v * truth[j] for j, v in row.items()) for row in rows]
    ours = feasible_ranges(LinearSystem(rows, rhs, lower), list(range(width)))
    assert ours is not None
    a_eq = [[row.get(j, 0.0) for j in range(width)] for row in rows]
    for j in range(width):
        for sign, end in ((1.0, 0), (-1.0, 1)):
            cost = [0.0] * width
            cost[j] = sign
            result = linprog(
                cost, A_eq=a_eq, b_eq=rhs, bounds=[(lo, None) for lo in lower], method="highs"
            )
            if result.status == 3:
                assert ours[j][end] == float("inf")
            else:
                assert ours[j][end] == pytest.approx(sign * result.fun, abs=1e-6)
