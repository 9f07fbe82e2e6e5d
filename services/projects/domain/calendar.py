"""The commissioning calendar: a project still in an activity after the activity's months
have passed in this cycle year is behind (Gateshead commissioning handbook, Activities One
to Four: Assess April-June, Plan July-September, Do September-March, Review
December-March)."""

from __future__ import annotations

from dataclasses import dataclass

Window = tuple[int, int]
"""First and last month of an activity, inclusive; may wrap the year."""


@dataclass(frozen=True)
class Calendar:
    windows: dict[str, Window]
    """By activity: assess, plan, do, review."""
    cycle_start: int
    """The month the cycle year starts in: the first month of Assess."""

    def position(self, month: int) -> int:
        """Months since the cycle year started (0 for its first month)."""
        return (month - self.cycle_start) % 12

    def behind(self, activity: str, month: int) -> bool:
        """True when ``activity``'s window has closed for this cycle year by ``month``."""
        _, last = self.windows[activity]
        return self.position(month) > self.position(last)
