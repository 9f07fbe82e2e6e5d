"""Red, amber, green for a KPI against its target and tolerances, with its polarity; the
contract's overall status; the trend; and the Procurement Act 2023 rating.

Services are judged on the outcomes they produce (Durham Children's Trust framework,
section 3, Planning, Performance and Delivery Group); a contract's KPIs are assessed and
rated good, approaching target, requires improvement or inadequate (Procurement Act 2023,
section 71, with the Procurement Regulations 2024).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from shared.contracts.monitoring import Kpi, Polarity, Rag


class Rating(StrEnum):
    """The PA2023 contract performance notice's KPI ratings."""

    GOOD = "good"
    APPROACHING_TARGET = "approaching target"
    REQUIRES_IMPROVEMENT = "requires improvement"
    INADEQUATE = "inadequate"


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    STABLE = "stable"
    UNKNOWN = "unknown"


_ORDER = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


def shortfall(kpi: Kpi, value: float) -> float:
    """How far the value falls short of the target in the adverse direction (<= 0: met)."""
    if kpi.polarity is Polarity.HIGHER_IS_BETTER:
        return float(kpi.target) - value
    return value - float(kpi.target)


def rag(kpi: Kpi, value: float) -> Rag:
    """Green up to the amber tolerance, red beyond the red tolerance, amber between."""
    short = shortfall(kpi, value)
    if short <= kpi.amber_tolerance:
        return Rag.GREEN
    if short > kpi.red_tolerance:
        return Rag.RED
    return Rag.AMBER


def rating(kpi: Kpi, value: float) -> Rating:
    """Good when the target is met; approaching it within the amber tolerance; requires
    improvement when amber; inadequate when red."""
    if shortfall(kpi, value) <= 0:
        return Rating.GOOD
    return {
        Rag.GREEN: Rating.APPROACHING_TARGET,
        Rag.AMBER: Rating.REQUIRES_IMPROVEMENT,
        Rag.RED: Rating.INADEQUATE,
    }[rag(kpi, value)]


def contract_status(rags: Iterable[Rag]) -> Rag:
    """A contract is as red as its worst KPI."""
    return max(rags, key=_ORDER.__getitem__, default=Rag.GREEN)


def worsened(kpi: Kpi, before: float, after: float) -> bool:
    return shortfall(kpi, after) > shortfall(kpi, before)


def trend(kpi: Kpi, values: Sequence[float]) -> Trend:
    """The direction of the latest change, taking the KPI's polarity into account."""
    if len(values) < 2:
        return Trend.UNKNOWN
    before, after = shortfall(kpi, values[-2]), shortfall(kpi, values[-1])
    if after > before:
        return Trend.WORSENING
    if after < before:
        return Trend.IMPROVING
    return Trend.STABLE
