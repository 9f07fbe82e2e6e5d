"""How far a reader can narrow an unpublished count: the ranges of a linear system.

Secondary suppression is only proven when no combination of the published relations pins a
hidden count down. A reader who knows that cells add up (localities to the trust, groups to
the total, quarters to the year) and that a hidden count is at least 1 can solve a linear
programme for the smallest and largest value each hidden count may take. This module solves
those programmes exactly as such a reader would, with the two-phase simplex method and
Bland's rule (no cycling), in the standard library only, so the needs service has no
numerical dependency. The systems are small: only hidden and unpublished counts are
unknowns, every published count is a constant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LinearSystem:
    """``sum(coefficient * x) == rhs`` for each row, over unknowns ``x >= lower``."""

    rows: Sequence[Mapping[int, float]]
    rhs: Sequence[float]
    lower: Sequence[float]

    @property
    def width(self) -> int:
        return len(self.lower)


def feasible_ranges(
    system: LinearSystem, targets: Sequence[int]
) -> dict[int, tuple[float, float]] | None:
    """The least and greatest value each target unknown takes over the feasible set.

    ``math.inf`` when nothing bounds an unknown from above; None when the system has no
    solution at all (never the case for a table built from true counts).
    """
    solver = RangeSolver.of(system)
    if solver is None:
        return None
    return {target: (solver.lowest(target), solver.highest(target)) for target in targets}


class RangeSolver:
    """A feasible basis of a system, found once, from which each unknown is optimised."""

    def __init__(self, tableau: _Tableau, lower: Sequence[float]) -> None:
        self._tableau = tableau
        self._lower = lower

    @classmethod
    def of(cls, system: LinearSystem) -> RangeSolver | None:
        """None when the system has no solution."""
        tableau = _phase_one(system)
        return None if tableau is None else cls(tableau, system.lower)

    def highest(self, target: int) -> float:
        """The greatest value of unknown ``target`` (``math.inf`` when unbounded)."""
        found = _maximise(self._tableau, target, 1.0)
        return math.inf if found is None else self._lower[target] + found

    def lowest(self, target: int) -> float:
        """The least value of unknown ``target``."""
        found = _maximise(self._tableau, target, -1.0)
        return -math.inf if found is None else self._lower[target] - found


@dataclass
class _Tableau:
    """Rows ``[coefficients..., rhs]`` of a feasible basis for ``y = x - lower >= 0``."""

    matrix: list[list[float]]
    basis: list[int]
    width: int


def _phase_one(system: LinearSystem) -> _Tableau | None:
    """A basic feasible solution, found by minimising the sum of artificial unknowns.

    Artificial unknowns get no columns: one that leaves the basis never returns, so its
    column is never read (basis entries ``n + i`` stand for them).
    """
    n = system.width
    matrix: list[list[float]] = []
    for coefficients, rhs in zip(system.rows, system.rhs, strict=True):
        row = [0.0] * n
        for column, value in coefficients.items():
            row[column] += value
        shifted = rhs - sum(value * system.lower[j] for j, value in enumerate(row) if value)
        sign = -1.0 if shifted < 0 else 1.0
        matrix.append([sign * v for v in row] + [sign * shifted])
    basis = [n + i for i in range(len(matrix))]
    objective = [0.0] * (n + 1)
    for row in matrix:
        objective = [o - v for o, v in zip(objective, row, strict=True)]
    _run(matrix, basis, objective, n)
    if -objective[-1] > 1e-7:
        return None
    _drive_out_artificials(matrix, basis, n)
    kept = [i for i, column in enumerate(basis) if column < n]
    return _Tableau([matrix[i] for i in kept], [basis[i] for i in kept], n)


def _drive_out_artificials(matrix: list[list[float]], basis: list[int], n: int) -> None:
    for i, column in enumerate(basis):
        if column < n:
            continue
        entering = next((j for j in range(n) if abs(matrix[i][j]) > _TOLERANCE), None)
        if entering is not None:
            _pivot(matrix, basis, i, entering)


def _maximise(tableau: _Tableau, target: int, sign: float) -> float | None:
    """max(sign * y[target]) from the feasible basis; None when unbounded."""
    matrix = [row[:] for row in tableau.matrix]
    basis = tableau.basis[:]
    cost = [0.0] * (tableau.width + 1)
    cost[target] = -sign  # the routine minimises
    objective = _reduced(matrix, basis, cost)
    if not _run(matrix, basis, objective, tableau.width):
        return None
    return objective[-1]


def _reduced(matrix: list[list[float]], basis: list[int], cost: list[float]) -> list[float]:
    """Reduced costs of ``cost`` for the current basis; the last entry is -objective."""
    objective = cost[:]
    for i, column in enumerate(basis):
        factor = cost[column]
        if factor:
            objective = [o - factor * v for o, v in zip(objective, matrix[i], strict=True)]
    return objective


def _run(matrix: list[list[float]], basis: list[int], objective: list[float], limit: int) -> bool:
    """Minimise by Bland's rule over columns below ``limit``; False when unbounded."""
    while True:
        entering = next((j for j in range(limit) if objective[j] < -_TOLERANCE), None)
        if entering is None:
            return True
        leaving: int | None = None
        best = math.inf
        for i, row in enumerate(matrix):
            if row[entering] > _TOLERANCE:
                ratio = row[-1] / row[entering]
                if ratio < best - _TOLERANCE or (
                    abs(ratio - best) <= _TOLERANCE
                    and leaving is not None
                    and basis[i] < basis[leaving]
                ):
                    best, leaving = ratio, i
        if leaving is None:
            return False
        _pivot(matrix, basis, leaving, entering)
        factor = objective[entering]
        objective[:] = [o - factor * v for o, v in zip(objective, matrix[leaving], strict=True)]


def _pivot(matrix: list[list[float]], basis: list[int], row: int, column: int) -> None:
    lead = matrix[row][column]
    matrix[row] = [v / lead for v in matrix[row]]
    pivot_row = matrix[row]
    nonzero = [(j, v) for j, v in enumerate(pivot_row) if v]  # relation rows are sparse
    for i, other in enumerate(matrix):
        if i != row and other[column]:
            factor = other[column]
            for j, v in nonzero:
                other[j] -= factor * v
            other[column] = 0.0
    basis[row] = column
