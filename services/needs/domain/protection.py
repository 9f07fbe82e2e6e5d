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
    tableau = _phase_one(system)
    if tableau is None:
        return None
    ranges: dict[int, tuple[float, float]] = {}
    for target in targets:
        highest = _maximise(tableau, target, 1.0)
        lowest = _maximise(tableau, target, -1.0)
        ranges[target] = (
            system.lower[target] + (-lowest if lowest is not None else -math.inf),
            system.lower[target] + (highest if highest is not None else math.inf),
        )
    return ranges


@dataclass
class _Tableau:
    """Rows ``[coefficients..., rhs]`` of a feasible basis for ``y = x - lower >= 0``."""

    matrix: list[list[float]]
    basis: list[int]
    width: int


def _phase_one(system: LinearSystem) -> _Tableau | None:
    """A basic feasible solution, found by minimising the sum of artificial unknowns."""
    n = system.width
    rows: list[list[float]] = []
    for coefficients, rhs in zip(system.rows, system.rhs, strict=True):
        row = [0.0] * n
        for column, value in coefficients.items():
            row[column] += value
        shifted = rhs - sum(row[j] * system.lower[j] for j in range(n))
        sign = -1.0 if shifted < 0 else 1.0
        rows.append([sign * v for v in row] + [sign * shifted])
    m = len(rows)
    matrix = [
        row[:n] + [1.0 if i == k else 0.0 for k in range(m)] + [row[n]]
        for i, row in enumerate(rows)
    ]
    basis = list(range(n, n + m))
    cost = [0.0] * n + [1.0] * m + [0.0]
    objective = _reduced(matrix, basis, cost)
    _run(matrix, basis, objective, n + m)
    if -objective[-1] > 1e-7:
        return None
    _drive_out_artificials(matrix, basis, n)
    kept = [i for i, column in enumerate(basis) if column < n]
    return _Tableau([[*matrix[i][:n], matrix[i][-1]] for i in kept], [basis[i] for i in kept], n)


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
    for i, other in enumerate(matrix):
        if i != row and abs(other[column]) > 0:
            factor = other[column]
            matrix[i] = [a - factor * b for a, b in zip(other, pivot_row, strict=True)]
    basis[row] = column
