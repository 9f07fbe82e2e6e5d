"""Secondary suppression that a reader with a linear-programming solver cannot undo.

The reader of a published table knows every shown count, the relations between cells (an
``AdditiveGroup``: localities sum to the trust, groups to all children, quarters to the
year, a proportion's numerator and its complement to its denominator), every earlier release
of the same table, and that a hidden count is at least 1 (0 is always shown). From those a
reader can bound each hidden count by linear programming. A table is safe when every hidden
count, and every unpublished count that is itself small (a complement such as 6 in "17 of
23"), keeps a feasible range at least ``SuppressionRule.protection_range`` wide.

The check here is deliberately stricter than the reader's real position: it treats every
shown count as known exactly, although rounding only tells the reader a range, and it
identifies a cell with any earlier release's cell holding the same count. Whatever the
real reader can conclude from rounded figures is therefore no narrower than what is proven
here (``tests/needs/unit/test_disclosure_audit.py`` checks that with an independent solver).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from services.needs.domain.protection import LinearSystem, RangeSolver

if TYPE_CHECKING:
    from services.needs.domain.disclosure import AdditiveGroup, Release

K = TypeVar("K", bound=Hashable)

_SLACK = 1e-6
_PARTNER_TRIALS = 6


@dataclass(frozen=True)
class Table(Generic[K]):
    """One release of a table as the suppression sees it."""

    counts: Mapping[K, int]
    groups: tuple[AdditiveGroup[K], ...]
    hidden: frozenset[K]
    unpublished: frozenset[K]

    def is_unknown(self, key: K) -> bool:
        return key in self.hidden or key in self.unpublished


Quantity = tuple[object, int]
"""A cell's key and the count it held: equal counts of one cell are one unknown."""


def exposed_cells(
    current: Table[K],
    earlier: Sequence[Release[K]],
    small: frozenset[K],
    protection: int,
    *,
    only: K | None = None,
    first: bool = False,
) -> list[K]:
    """Protected cells of ``current`` a reader holding every release can narrow below
    ``protection``, in table order (with ``first``, at most one; with ``only``, that one).

    Protected: hidden published cells and small unpublished ones that the releases leave
    unknown (a cell an earlier release showed with the same count is beyond help). The
    true counts are a feasible point, so a greatest value at least ``protection`` above
    the true count settles a cell without looking for its least.
    """
    system, index = _reader_system(current, earlier)
    protected = [
        key
        for key in current.counts
        if (key, current.counts[key]) in index
        and (key in current.hidden or (key in current.unpublished and key in small))
        and (only is None or key == only)
    ]
    if not protected:
        return []
    fixed, reduced, position = _substitute(system)
    solver = RangeSolver.of(reduced)
    if solver is None:  # pragma: no cover - true counts always satisfy their own relations
        raise ValueError("the table's relations contradict its counts")
    found: list[K] = []
    for key in protected:
        unknown = index[(key, current.counts[key])]
        if unknown not in fixed and _wide_enough(
            solver, position[unknown], current.counts[key], protection
        ):
            continue
        found.append(key)
        if first:
            break
    return found


def _wide_enough(solver: RangeSolver, target: int, truth: int, protection: int) -> bool:
    highest = solver.highest(target)
    if highest - truth >= protection - _SLACK:
        return True
    return highest - solver.lowest(target) >= protection - _SLACK


def _reader_system(
    current: Table[K], earlier: Sequence[Release[K]]
) -> tuple[LinearSystem, dict[Quantity, int]]:
    """Unknowns (hidden or unpublished quantities of every release) and their relations."""
    tables = [_as_table(r) for r in earlier] + [current]
    known = {(key, t.counts[key]) for t in tables for key in t.counts if not t.is_unknown(key)}
    index: dict[Quantity, int] = {}
    lower: list[float] = []
    for t in tables:
        for key, count in t.counts.items():
            quantity = (key, count)
            if quantity in known or quantity in index:
                continue
            index[quantity] = len(lower)
            floor = 0 if key in t.unpublished else 1
            lower.append(float(min(floor, count)))
    rows, rhs = _equations(tables, index)
    return LinearSystem(rows, rhs, lower), index


def _substitute(system: LinearSystem) -> tuple[dict[int, float], LinearSystem, dict[int, int]]:
    """Unknowns fixed by a relation with one unknown left (most complements and
    remainders), and the system of the rest, with each remaining unknown's position."""
    fixed: dict[int, float] = {}
    progress = True
    while progress:
        progress = False
        for row, constant in zip(system.rows, system.rhs, strict=True):
            free = [j for j in row if j not in fixed]
            if len(free) == 1:
                j = free[0]
                rest = sum(v * fixed[i] for i, v in row.items() if i != j)
                fixed[j] = (constant - rest) / row[j]
                progress = True
    open_ = [j for j in range(system.width) if j not in fixed]
    position = {j: i for i, j in enumerate(open_)}
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    for row, constant in zip(system.rows, system.rhs, strict=True):
        reduced = {position[j]: v for j, v in row.items() if j in position}
        if reduced:
            rows.append(reduced)
            rhs.append(constant - sum(v * fixed[j] for j, v in row.items() if j in fixed))
    return fixed, LinearSystem(rows, rhs, [system.lower[j] for j in open_]), position


def _as_table(release: Release[K]) -> Table[K]:
    return Table(release.counts, release.groups, release.hidden, release.unpublished)


def _equations(
    tables: Sequence[Table[K]], index: Mapping[Quantity, int]
) -> tuple[list[dict[int, float]], list[float]]:
    rows: list[dict[int, float]] = []
    rhs: list[float] = []
    seen: set[tuple[tuple[tuple[int, float], ...], float]] = set()
    for t in tables:
        for group in t.groups:
            row: dict[int, float] = {}
            constant = 0.0
            for key, sign in ((group.total, 1.0), *((p, -1.0) for p in group.parts)):
                quantity = (key, t.counts[key])
                if quantity in index:
                    row[index[quantity]] = row.get(index[quantity], 0.0) + sign
                else:
                    constant -= sign * t.counts[key]
            row = {j: v for j, v in row.items() if v}
            signature = (tuple(sorted(row.items())), constant)
            if row and signature not in seen:
                seen.add(signature)
                rows.append(row)
                rhs.append(constant)
    return rows, rhs


def suppress_until_safe(
    current: Table[K],
    earlier: Sequence[Release[K]],
    small: frozenset[K],
    protection: int,
    hidden: set[K],
) -> None:
    """Hide more shown cells until no protected cell can be narrowed (updates ``hidden``)."""
    order = {key: i for i, key in enumerate(current.counts)}
    table = _with_hidden(current, hidden)
    already_known = _known_elsewhere(current, earlier)
    while True:
        partner = _lonely_partner(table, small, already_known, order) or _tight_partner(
            table, small, already_known, order, protection
        )
        if partner is None:
            found = exposed_cells(table, earlier, small, protection, first=True)
            if not found:
                return
            partner = _protecting_partner(
                table, earlier, small, protection, found[0], already_known, order
            )
            if partner is None:
                return
        hidden.add(partner)
        table = _with_hidden(current, hidden)


def _with_hidden(current: Table[K], hidden: Iterable[K]) -> Table[K]:
    return Table(current.counts, current.groups, frozenset(hidden), current.unpublished)


def _known_elsewhere(current: Table[K], earlier: Sequence[Release[K]]) -> frozenset[K]:
    """Cells an earlier release showed with the count they hold now: hiding them is futile."""
    return frozenset(
        key
        for release in earlier
        for key, count in release.counts.items()
        if key not in release.hidden
        and key not in release.unpublished
        and current.counts.get(key) == count
    )


def _hideable(table: Table[K], key: K, already_known: frozenset[K]) -> bool:
    return not table.is_unknown(key) and table.counts[key] > 0 and key not in already_known


def _lonely_partner(
    table: Table[K], small: frozenset[K], already_known: frozenset[K], order: Mapping[K, int]
) -> K | None:
    """A partner for a group whose only unknown member must be protected (the cheap case)."""
    lonely = [g for g in table.groups if _is_lonely(table, g, small)]
    for position, group in enumerate(lonely):
        ranked = _ranked(table, group, already_known, order, lonely[position + 1 :])
        if ranked:
            return ranked[0]
    return None


def _tight_partner(
    table: Table[K],
    small: frozenset[K],
    already_known: frozenset[K],
    order: Mapping[K, int],
    protection: int,
) -> K | None:
    """A partner for a group whose unknown parts share too small a sum (the cheap case
    of "a hidden count is at least 1": two hidden parts summing to 3 are 1 and 2)."""
    for group in table.groups:
        unknown = [m for m in group.members if table.is_unknown(m)]
        if len(unknown) < 2 or group.total in unknown:
            continue
        if not any(m in table.hidden or m in small for m in unknown):
            continue
        floors = sum(0 if m in table.unpublished else 1 for m in unknown)
        if sum(table.counts[m] for m in unknown) - floors < protection:
            ranked = _ranked(table, group, already_known, order, ())
            if ranked:
                return ranked[0]
    return None


def _is_lonely(table: Table[K], group: AdditiveGroup[K], small: frozenset[K]) -> bool:
    """Exactly one member is unknown, and it is one that must be protected."""
    unknown = [m for m in group.members if table.is_unknown(m)]
    return len(unknown) == 1 and (unknown[0] in table.hidden or unknown[0] in small)


def _protecting_partner(
    table: Table[K],
    earlier: Sequence[Release[K]],
    small: frozenset[K],
    protection: int,
    cell: K,
    already_known: frozenset[K],
    order: Mapping[K, int],
) -> K | None:
    """A shown cell sharing a group with ``cell`` whose hiding protects it, else the best."""
    candidates: list[K] = []
    for group in table.groups:
        if cell in group.members:
            candidates.extend(
                c for c in _ranked(table, group, already_known, order, ()) if c not in candidates
            )
    candidates.sort(key=lambda k: (table.counts[k], order[k]))
    for candidate in candidates[:_PARTNER_TRIALS]:
        trial = _with_hidden(table, table.hidden | {candidate})
        if not exposed_cells(trial, earlier, small, protection, only=cell):
            return candidate
    if candidates:
        return candidates[0]
    rest = [k for k in table.counts if _hideable(table, k, already_known)]
    return min(rest, key=lambda k: (table.counts[k], order[k]), default=None)


def _ranked(
    table: Table[K],
    group: AdditiveGroup[K],
    already_known: frozenset[K],
    order: Mapping[K, int],
    other_lonely: Sequence[AdditiveGroup[K]],
) -> list[K]:
    """Hideable members of ``group``, best partner first.

    Parts before the total; then a cell that also sits in another lonely group, since
    hiding it protects both (a 2-D table then needs four cells, not six); then the smallest.
    """

    def preference(key: K) -> tuple[int, int, int, int]:
        also_fixes = sum(key in g.members for g in other_lonely)
        return (int(key == group.total), -also_fixes, table.counts[key], order[key])

    return sorted((m for m in group.members if _hideable(table, m, already_known)), key=preference)
