"""Providers and the Gateshead quality standards they must evidence (Gateshead framework,
"Quality standards for commissioned Services"; docs/domain/procurement.md).

Evidence for every standard must be current: a provider with any standard unevidenced or
lapsed cannot join a select list or be awarded a contract. Evidence lapsing within the
warning window is flagged ahead of time. How long evidence lasts is the project's rule:
each piece carries its own expiry date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Sector(StrEnum):
    """The kinds of provider a Children's Trust commissions from (Medway, paragraph 4.1)."""

    STATUTORY = "statutory"
    PRIVATE = "private"
    VOLUNTARY = "voluntary"
    COMMUNITY = "community"
    IN_HOUSE = "in_house"


class QualityStandard(StrEnum):
    """Gateshead's nine "must-do" standards."""

    SAFEGUARDING = "safeguarding"
    EQUALITY = "equality"
    INTEGRATED_PROCESSES = "integrated_processes"
    GOVERNANCE = "governance"
    ENGAGEMENT = "engagement"
    STRATEGIES_AND_PLANS = "strategies_and_plans"
    PERFORMANCE_MANAGEMENT = "performance_management"
    WORKFORCE = "workforce"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Evidence:
    """Evidence for one standard: what it is and the day it stops counting."""

    standard: QualityStandard
    reference: str
    expires_on: date


@dataclass(frozen=True)
class Eligibility:
    """Whether a provider may be admitted or awarded on a day, and why not."""

    missing: tuple[QualityStandard, ...]
    lapsed: tuple[QualityStandard, ...]
    lapsing: tuple[QualityStandard, ...]

    @property
    def eligible(self) -> bool:
        return not self.missing and not self.lapsed

    def reason(self) -> str:
        parts = []
        if self.missing:
            parts.append("no evidence for " + ", ".join(self.missing))
        if self.lapsed:
            parts.append("evidence lapsed for " + ", ".join(self.lapsed))
        return "; ".join(parts) + " (Gateshead quality standards)" if parts else "eligible"


@dataclass(frozen=True)
class Provider:
    """An organisation on the provider register."""

    provider_id: str
    name: str
    sector: Sector
    evidence: dict[QualityStandard, Evidence] = field(default_factory=dict)

    def eligibility(self, on: date, warn_days: int) -> Eligibility:
        """Standards missing, lapsed (expiry before ``on``) or lapsing within ``warn_days``."""
        held = [(s, self.evidence[s]) for s in QualityStandard if s in self.evidence]
        missing = tuple(s for s in QualityStandard if s not in self.evidence)
        lapsed = tuple(s for s, e in held if e.expires_on < on)
        horizon = on + timedelta(days=warn_days)
        lapsing = tuple(s for s, e in held if on <= e.expires_on <= horizon)
        return Eligibility(missing, lapsed, lapsing)
