"""Small-number suppression for published needs breakdowns.

"Published breakdowns of small populations must not identify children" (DOMAIN.md, Needs
intelligence; Urbanham appendix 6 asks for breakdowns by age, gender, ethnicity and
locality). The rule is configurable (DOMAIN.md, Small-number suppression): NHS Digital's
2018 rule is the default, the older suppress-1-to-5 rule and the secure research
environments' threshold of 10 are alternatives. Whatever the rule, no published cell may
be recoverable from the totals it sits in, so secondary suppression runs until stable.

Callers get ``DisclosedCount`` values holding only what may be shown, never the raw count.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


class SuppressionReason(StrEnum):
    """Why a cell is not shown."""

    PRIMARY = "primary"
    """The count itself is small."""
    SECONDARY = "secondary"
    """The count is not small, but showing it would let a small one be worked out."""


@dataclass(frozen=True)
class SuppressionRule:
    """A trust's small-number rule.

    ``threshold`` is the smallest non-zero count that may be shown (NHS Digital: 8, so
    1-7 are suppressed). ``rounding_base`` rounds every shown count to the nearest multiple
    (half up); 1 means no rounding. Zero is always shown as 0.
    """

    name: str
    threshold: int
    rounding_base: int = 1
    secondary_suppression: bool = True
    withhold_derived_statistics: bool = True
    """Rates and intervals from a suppressed count would reveal it with the denominator."""
    symbol: str = "*"

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("threshold must be at least 1")
        if self.rounding_base < 1:
            raise ValueError("rounding base must be at least 1")

    def is_small(self, count: int) -> bool:
        """Whether a count is primary-suppressed under this rule."""
        return 0 < count < self.threshold

    def rounded(self, count: int) -> int:
        """Nearest multiple of the rounding base, halves rounded up (8 -> 10, 12 -> 10)."""
        return (count + self.rounding_base // 2) // self.rounding_base * self.rounding_base


NHS_DIGITAL: Final = SuppressionRule("NHS Digital (2018)", threshold=8, rounding_base=5)
"""Counts 1-7 suppressed, all others rounded to the nearest 5 (DOMAIN.md default)."""

SUPPRESS_ONE_TO_FIVE: Final = SuppressionRule("Suppress 1-5", threshold=6)
"""The older rule: 1-5 suppressed, no rounding, plus secondary suppression."""

SECURE_RESEARCH_TEN: Final = SuppressionRule("Secure research environment (10)", threshold=10)
"""Counts below 10 suppressed, as secure research environments require."""


@dataclass(frozen=True)
class DisclosedCount:
    """What may be published for one count: the shown value, or why it is withheld."""

    shown: int | None
    reason: SuppressionReason | None = None

    @property
    def is_suppressed(self) -> bool:
        return self.shown is None

    def as_text(self, symbol: str = "*") -> str:
        return symbol if self.shown is None else str(self.shown)


@dataclass(frozen=True)
class AdditiveGroup(Generic[K]):
    """Cells that add up: ``total`` is the sum of ``parts`` (e.g. a locality by sex)."""

    total: K
    parts: tuple[K, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("an additive group needs at least one part")
        if self.total in self.parts or len(set(self.parts)) != len(self.parts):
            raise ValueError("a group's cells must be distinct")

    @property
    def members(self) -> tuple[K, ...]:
        return (self.total, *self.parts)


def disclose_count(
    count: int, rule: SuppressionRule = NHS_DIGITAL, *, national: bool = False
) -> DisclosedCount:
    """Primary suppression and rounding for a single count (DOMAIN.md).

    National figures are shown unsuppressed and unrounded, as NHS Digital publishes them.
    """
    if count < 0:
        raise ValueError("counts must not be negative")
    if national:
        return DisclosedCount(count)
    if rule.is_small(count):
        return DisclosedCount(None, SuppressionReason.PRIMARY)
    return DisclosedCount(rule.rounded(count))


def disclose_table(
    counts: Mapping[K, int],
    groups: Iterable[AdditiveGroup[K]],
    rule: SuppressionRule = NHS_DIGITAL,
    *,
    national: bool = False,
) -> dict[K, DisclosedCount]:
    """Primary then secondary suppression for a table of counts with totals.

    While any group has exactly one suppressed member (its total included), the smallest
    other member is suppressed too: non-zero parts first (preferring one that also protects
    another such group), then the total, then zero parts.
    A final check solves the groups' equations exactly and keeps suppressing until no
    hidden cell can be worked out (needed for 2-D tables, where every row and column can
    hold two suppressed cells and one may still be determined). Groups must be consistent:
    each total equals the sum of its parts (add an "unknown" part if it does not).
    """
    group_list = tuple(groups)
    _check_table(counts, group_list)
    if national:
        return {key: DisclosedCount(count) for key, count in counts.items()}
    primary = {key for key, count in counts.items() if rule.is_small(count)}
    hidden = set(primary)
    if rule.secondary_suppression:
        _suppress_until_safe(counts, group_list, hidden)
    return {
        key: (
            DisclosedCount(rule.rounded(count))
            if key not in hidden
            else DisclosedCount(
                None,
                SuppressionReason.PRIMARY if key in primary else SuppressionReason.SECONDARY,
            )
        )
        for key, count in counts.items()
    }


def may_publish_derived(
    inputs: Iterable[DisclosedCount], rule: SuppressionRule = NHS_DIGITAL
) -> bool:
    """Whether a rate, proportion or interval built from these counts may be published.

    A rate and its denominator give the count back, so a statistic is withheld when any
    count it uses is suppressed, primary or secondary, unless the rule says otherwise.
    """
    if not rule.withhold_derived_statistics:
        return True
    return not any(item.is_suppressed for item in inputs)


def breakdown_groups(total: K, parts: Sequence[K]) -> tuple[AdditiveGroup[K], ...]:
    """The single group of a one-way breakdown, e.g. children in need by sex."""
    return (AdditiveGroup(total, tuple(parts)),)


def cross_tabulation_groups(
    rows: Sequence[R], columns: Sequence[C], total: R | C
) -> tuple[AdditiveGroup[tuple[R | C, R | C]], ...]:
    """Groups of a two-way table keyed ``(row, column)`` with margins under ``total``.

    Every row and column, the row-margin column and the column-margin row add up; the
    grand total is ``(total, total)``.
    """
    all_rows: list[R | C] = [*rows, total]
    all_columns: list[R | C] = [*columns, total]
    groups: list[AdditiveGroup[tuple[R | C, R | C]]] = []
    for row in all_rows:
        groups.append(AdditiveGroup((row, total), tuple((row, column) for column in columns)))
    for column in all_columns:
        groups.append(AdditiveGroup((total, column), tuple((row, column) for row in rows)))
    return tuple(groups)


def recoverable_cells(
    counts: Mapping[K, int], groups: Iterable[AdditiveGroup[K]], hidden: Iterable[K]
) -> set[K]:
    """Hidden cells whose value follows exactly from the shown cells and the groups.

    Solves the groups' linear equations in exact arithmetic: a hidden cell is recoverable
    when its unit vector lies in the row space of the equations restricted to hidden cells.
    """
    hidden_set = set(hidden)
    hidden_keys = [key for key in counts if key in hidden_set]
    index = {key: i for i, key in enumerate(hidden_keys)}
    rows: list[list[Fraction]] = []
    for group in groups:
        row = [Fraction(0)] * len(hidden_keys)
        for key, sign in ((group.total, 1), *((part, -1) for part in group.parts)):
            if key in index:
                row[index[key]] += sign
        if any(row):
            rows.append(row)
    reduced = _reduced_row_echelon(rows, len(hidden_keys))
    return {
        hidden_keys[pivot]
        for pivot, row in reduced
        if all(value == 0 for column, value in enumerate(row) if column != pivot)
    }


def _suppress_until_safe(
    counts: Mapping[K, int], groups: tuple[AdditiveGroup[K], ...], hidden: set[K]
) -> None:
    order = {key: i for i, key in enumerate(counts)}
    while True:
        lonely = [g for g in groups if sum(m in hidden for m in g.members) == 1]
        if lonely:
            candidates = _ranked_candidates(counts, order, lonely[0], hidden, lonely[1:])
            hidden.add(candidates[0])  # a group has a total and a part, so one is shown
            continue
        exposed = recoverable_cells(counts, groups, hidden)
        if not exposed:
            return
        cell = min(exposed, key=order.__getitem__)
        partner = _protecting_partner(counts, order, groups, hidden, cell)
        if partner is None:
            return
        hidden.add(partner)


def _protecting_partner(
    counts: Mapping[K, int],
    order: Mapping[K, int],
    groups: tuple[AdditiveGroup[K], ...],
    hidden: set[K],
    cell: K,
) -> K | None:
    """A shown cell sharing a group with ``cell`` whose hiding makes ``cell`` unrecoverable."""
    candidates = [
        candidate
        for group in groups
        if cell in group.members
        for candidate in _ranked_candidates(counts, order, group, hidden, ())
    ]
    candidates.sort(key=lambda k: (counts[k] == 0, counts[k], order[k]))
    for candidate in candidates:
        if cell not in recoverable_cells(counts, groups, hidden | {candidate}):
            return candidate
    if candidates:
        return candidates[0]
    rest = [key for key in counts if key not in hidden]
    return min(rest, key=lambda k: (counts[k] == 0, counts[k], order[k]), default=None)


def _ranked_candidates(
    counts: Mapping[K, int],
    order: Mapping[K, int],
    group: AdditiveGroup[K],
    hidden: set[K],
    other_lonely: Sequence[AdditiveGroup[K]],
) -> list[K]:
    """Shown members of ``group``, best partner first.

    Non-zero parts come before the total and zero parts last (hiding a zero says little);
    then a cell that also sits in another group with one suppressed cell, since hiding it
    protects both (a 2-D table then needs four cells, not six); then the smallest count.
    """

    def preference(key: K) -> tuple[int, int, int, int]:
        count = counts[key]
        rank = 2 if count == 0 else (1 if key == group.total else 0)
        also_fixes = sum(key in g.members for g in other_lonely)
        return (rank, -also_fixes, count, order[key])

    return sorted((m for m in group.members if m not in hidden), key=preference)


def _reduced_row_echelon(
    rows: list[list[Fraction]], width: int
) -> list[tuple[int, list[Fraction]]]:
    """Gauss-Jordan elimination; returns (pivot column, row) pairs of the reduced form."""
    matrix = [row[:] for row in rows]
    pivot_columns: list[int] = []
    for column in range(width):
        top = len(pivot_columns)
        if top == len(matrix):
            break
        found = next((r for r in range(top, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[top], matrix[found] = matrix[found], matrix[top]
        lead = matrix[top][column]
        matrix[top] = [value / lead for value in matrix[top]]
        for r, row in enumerate(matrix):
            if r != top and row[column] != 0:
                factor = row[column]
                matrix[r] = [a - factor * b for a, b in zip(row, matrix[top], strict=True)]
        pivot_columns.append(column)
    return [(column, matrix[i]) for i, column in enumerate(pivot_columns)]


def _check_table(counts: Mapping[K, int], groups: tuple[AdditiveGroup[K], ...]) -> None:
    if any(count < 0 for count in counts.values()):
        raise ValueError("counts must not be negative")
    for group in groups:
        missing = [key for key in group.members if key not in counts]
        if missing:
            raise ValueError(f"group refers to cells with no count: {missing}")
        if counts[group.total] != sum(counts[part] for part in group.parts):
            raise ValueError(f"total {group.total!r} is not the sum of its parts")
