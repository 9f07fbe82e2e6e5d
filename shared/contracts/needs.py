"""Contracts of the needs intelligence service (Assess stage, stages 1-3).

Partner agencies publish `IndicatorValueSubmitted` to `needs.indicator-values.v1`: aggregate
figures only, never a record about an individual child (Urbanham appendix 6; DOMAIN.md,
Small-number suppression).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.registry import registry
from shared.topics import INDICATOR_VALUES

PERIOD_PATTERN = r"^[0-9]{4}(/[0-9]{2}|-Q[1-4]|-[0-9]{2}|-H[12])?$"
"""2025 (calendar year), 2025/26 (financial or academic year), 2025-Q3, 2025-07, 2025-H1."""


class AreaKind(StrEnum):
    """What kind of area a value describes."""

    LOCALITY = "locality"
    TRUST = "trust"
    STATISTICAL_NEIGHBOUR = "statistical_neighbour"
    REGION = "region"
    ENGLAND = "england"


class Area(BaseModel):
    """An area a value is reported for (Urbanham appendix 6: locality, trust, comparators)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: AreaKind
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


@registry.register("needs.IndicatorValueSubmitted", 1, topic=INDICATOR_VALUES.name)
class IndicatorValueSubmitted(BaseModel):
    """An agency's aggregate value of one indicator for one area, period and breakdown.

    Resubmitting the same revision is a no-op; a higher revision supersedes the earlier one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    agency: str = Field(min_length=1, max_length=64)
    area: Area
    period: str = Field(pattern=PERIOD_PATTERN)
    breakdown: dict[str, str] = Field(
        default_factory=dict,
        description="Group within the area, e.g. {'sex': 'female', 'looked_after': 'yes'}; "
        "empty for all children in the area.",
        max_length=4,
    )
    numerator: float | None = Field(default=None, ge=0)
    denominator: float | None = Field(default=None, gt=0)
    value: float | None = Field(default=None)
    revision: int = Field(default=1, ge=1, le=1_000_000)
    note: str | None = Field(default=None, max_length=500)
