"""Small-number suppression for published needs breakdowns.

Published breakdowns of small populations must not identify children (Urbanham appendix 6
asks for breakdowns by age, gender, ethnicity and locality). The rule is configurable:
NHS Digital's small-number rule (2018) is the default; the older suppress-1-to-5 rule and
the secure research environments' threshold of 10 are alternatives. Whatever the rule, no
hidden count may be narrowed by a reader below the rule's protection range
(``secondary.py``), across every declared relation and every earlier release.

Callers get ``DisclosedCount`` values holding only what may be shown, never the raw count.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Final, Generic, TypeVar

from services.needs.domain.secondary import Table, suppress_until_safe

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


class SuppressionReason(StrEnum):
    """Why a cell is not shown."""

    PRIMARY = "primary"
    """The count itself is small."""
    SECONDARY = "secondary"
    """The count is not small, but showing it would let a small one be worked out."""
    EARLIER_RELEASE = "earlier release"
    """An earlier release of the table hid it; showing it now would undo that release."""


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
        if self.threshold < 2:
            raise ValueError("threshold must be at least 2: a rule hiding no count is no rule")
        if self.rounding_base < 1:
            raise ValueError("rounding base must be at least 1")

    @property
    def protection_range(self) -> int:
        """How wide a hidden count's feasible range must stay for every reader.

        No narrower than a shown count's own rounding range (``rounding_base - 1``: a shown
        10 under NHS Digital's rule is any of 8..12), so a hidden count is never known
        better than a shown one; and never narrower than three possible values, so even
        without rounding a reader cannot tell a hidden count down to one or two values.
        """
        return max(self.rounding_base - 1, 2)

    def is_small(self, count: int) -> bool:
        """Whether a count is primary-suppressed under this rule."""
        return 0 < count < self.threshold

    def rounded(self, count: int) -> int:
        """Nearest multiple of the rounding base, halves rounded up (8 -> 10, 12 -> 10)."""
        return (count + self.rounding_base // 2) // self.rounding_base * self.rounding_base


NHS_DIGITAL: Final = SuppressionRule("NHS Digital (2018)", threshold=8, rounding_base=5)
"""Counts 1-7 suppressed, all others rounded to the nearest 5 (the default)."""

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
    """Primary suppression and rounding for a single count.

    National figures are shown unsuppressed and unrounded, as NHS Digital publishes them.
    """
    if count < 0:
        raise ValueError("counts must not be negative")
    if national:
        return DisclosedCount(count)
    if rule.is_small(count):
        return DisclosedCount(None, SuppressionReason.PRIMARY)
    return DisclosedCount(rule.rounded(count))


@dataclass(frozen=True)
class Release(Generic[K]):
    """One earlier publication of a table: what it held and which cells it hid.

    Persist one per release of each table (for the needs service: one indicator and
    period) and pass every earlier one to ``disclose_table``. ``counts`` are the true counts
    of that moment (the stored revisions it used give them back), ``hidden`` the published
    cells it showed as the marker, ``unpublished`` its cells that are never shown (a
    complement or remainder); ``groups`` can be rebuilt from the cell keys.

    Where only the decisions were kept, ``Release({}, (), hidden)`` still keeps those cells
    hidden; with the counts and groups the check also covers a reader holding that release.
    """

    counts: Mapping[K, int]
    groups: tuple[AdditiveGroup[K], ...]
    hidden: frozenset[K]
    unpublished: frozenset[K] = field(default_factory=frozenset)


def release_of(
    counts: Mapping[K, int],
    groups: Iterable[AdditiveGroup[K]],
    disclosed: Mapping[K, DisclosedCount],
    unpublished: Iterable[K] = (),
) -> Release[K]:
    """The record of a release to persist, from what ``disclose_table`` decided."""
    hidden_keys = frozenset(key for key, cell in disclosed.items() if cell.is_suppressed)
    virtual = frozenset(unpublished)
    return Release(dict(counts), tuple(groups), hidden_keys - virtual, virtual)


def disclose_table(
    counts: Mapping[K, int],
    groups: Iterable[AdditiveGroup[K]],
    rule: SuppressionRule = NHS_DIGITAL,
    *,
    national: bool = False,
    unpublished: Iterable[K] = (),
    released: Sequence[Release[K]] = (),
) -> dict[K, DisclosedCount]:
    """Primary then secondary suppression for a table of counts and its relations.

    Counts below the threshold are hidden, and so is every cell an earlier release hid
    (``released``: decisions persist, so a later release, event or API answer can never
    undo one). Then, while some hidden count, or some small ``unpublished`` count (a
    complement or remainder that is never shown but follows from shown ones), could be
    narrowed by a reader below ``rule.protection_range`` -- by linear programming over the
    shown counts, the relations, every earlier release and "a hidden count is at least 1" --
    another shown cell is hidden: a non-zero part sharing a relation with it, smallest
    first (``secondary.py``). Zeros are never hidden, so a hidden count is indeed at least
    1. Groups must be consistent: each total equals the sum of its parts (add an
    unpublished "remainder" part if it does not). Unpublished cells come back hidden.
    """
    group_list = tuple(groups)
    virtual = frozenset(unpublished)
    _check_table(counts, group_list, virtual)
    if national:
        return {key: DisclosedCount(count) for key, count in counts.items()}
    primary = {key for key, count in counts.items() if rule.is_small(count)}
    honoured = {
        key
        for release in released
        for key in release.hidden
        if counts.get(key, 0) > 0 and key not in virtual
    }
    hidden = (primary | honoured) - virtual
    if rule.secondary_suppression:
        small = frozenset(key for key in virtual if rule.is_small(counts[key]))
        current = Table(counts, group_list, frozenset(hidden), virtual)
        suppress_until_safe(current, released, small, rule.protection_range, hidden)
    return {
        key: _disclosed(key, count, rule, hidden | virtual, primary, honoured)
        for key, count in counts.items()
    }


def _disclosed(
    key: K,
    count: int,
    rule: SuppressionRule,
    hidden: set[K] | frozenset[K],
    primary: set[K],
    honoured: set[K],
) -> DisclosedCount:
    if key not in hidden:
        return DisclosedCount(rule.rounded(count))
    if key in primary:
        return DisclosedCount(None, SuppressionReason.PRIMARY)
    if key in honoured:
        return DisclosedCount(None, SuppressionReason.EARLIER_RELEASE)
    return DisclosedCount(None, SuppressionReason.SECONDARY)


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


def _check_table(
    counts: Mapping[K, int], groups: tuple[AdditiveGroup[K], ...], unpublished: frozenset[K]
) -> None:
    if any(count < 0 for count in counts.values()):
        raise ValueError("counts must not be negative")
    if not unpublished <= counts.keys():
        raise ValueError("unpublished cells need a count")
    for group in groups:
        missing = [key for key in group.members if key not in counts]
        if missing:
            raise ValueError(f"group refers to cells with no count: {missing}")
        if counts[group.total] != sum(counts[part] for part in group.parts):
            raise ValueError(f"total {group.total!r} is not the sum of its parts")
