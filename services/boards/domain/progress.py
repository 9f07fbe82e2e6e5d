"""The Annual Commissioning Plan's progress by priority (Durham framework, section 2, "the
Annual Commissioning Plan"; section 3, Executive Board duty 1) and the self-evaluation
against the thirteen standards over time (North Yorkshire, paragraph 4.2, Appendix B).

A project's progress is the share of the nine stages of the cycle it has passed (Gateshead
commissioning handbook: Assess, Plan, Do, Review); a completed project has passed all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

STAGES = 9


@dataclass(frozen=True, slots=True)
class PlannedProject:
    project_id: str
    title: str
    stage: int
    status: str


def passed(project: PlannedProject) -> int:
    if project.status == "completed":
        return STAGES
    return max(0, min(project.stage - 1, STAGES))


def percent(projects: Sequence[PlannedProject]) -> int:
    """The priority's progress in whole percent: the mean of its projects' progress."""
    if not projects:
        return 0
    return round(100 * sum(passed(p) for p in projects) / (STAGES * len(projects)))


def mean_score(scores: Sequence[Decimal]) -> Decimal:
    """The average of the standards' scores, to two places."""
    if not scores:
        return Decimal(0)
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))


EXECUTIVE_GATES = frozenset({4, 7})
"""The stages whose gate the Executive Board decides: stage 4, its priorities and funding
(Durham, section 3, "The Children's Executive Board", duties 1, 4 and 5), and stage 7,
partner funding, with the JCU (ibid., duty 4; JCU duty 5)."""


def awaits_executive_board(project: PlannedProject) -> bool:
    """An active project standing at a stage whose gate the Executive Board decides."""
    return project.status != "completed" and project.stage in EXECUTIVE_GATES
