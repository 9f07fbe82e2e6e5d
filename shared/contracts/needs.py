"""Contracts of the needs intelligence service (Assess stage, stages 1-3).

Partner agencies publish `IndicatorValueSubmitted`, each to its own topic
`needs.indicator-values.<agency>.v1` (the topic establishes the agency): aggregate
figures only, never a record about an individual child (Urbanham, toolkit appendix 6;
docs/domain/needs-disclosure.md).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.registry import registry
from shared.topics import INDICATOR_VALUES, NEEDS_EVENTS

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
    standard_deviation: float | None = Field(
        default=None,
        ge=0,
        description="For means and waiting times: the standard deviation of the children's "
        "values; with `denominator` (the number of children) it gives the interval.",
    )


class NeedReason(StrEnum):
    """Why a need was identified (Fingertips methods; Gateshead, handbook, Activity One)."""

    WORSE_THAN_BENCHMARK = "worse_than_benchmark"
    WORSENING = "worsening"
    WORSE_AND_WORSENING = "worse_and_worsening"
    VULNERABLE_GROUP = "vulnerable_group"


class PublishedValue(BaseModel):
    """One period's value as it may be published below trust level.

    Counts are disclosure-controlled (suppressed or rounded); a statistic derived from a
    suppressed count is withheld, with `value_note` saying why.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: str
    value: float | None = None
    lower95: float | None = None
    upper95: float | None = None
    lower998: float | None = None
    upper998: float | None = None
    count: int | None = Field(default=None, description="Numerator, after disclosure control.")
    denominator: float | None = Field(default=None, description="After disclosure control.")
    count_suppressed: bool = Field(
        default=False,
        description="The numerator, the denominator or both were suppressed.",
    )
    denominator_suppressed: bool = Field(
        default=False,
        description="The denominator itself was suppressed; false where the measure has none.",
    )
    value_note: str | None = None
    revision: int = Field(default=1, ge=1)


class BenchmarkEvidence(BaseModel):
    """What a value was compared with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    comparator: str = Field(
        description="england | region | statistical_neighbours | locality (vulnerable groups)"
    )
    area_code: str | None = None
    period: str
    value: float | None = None


class DataVersion(BaseModel):
    """An exact stored value (area, period, breakdown, revision) that evidence was built on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator_id: str
    area: Area
    period: str
    breakdown_key: str = Field(description="'' for all children; else 'dim=value;...' sorted.")
    revision: int = Field(ge=1)


class NeedEvidence(BaseModel):
    """The evidence for a need: values with intervals, the benchmark, comparison, trend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latest: PublishedValue
    series: list[PublishedValue] = Field(description="Oldest to newest; the trend's points.")
    benchmark: BenchmarkEvidence | None = None
    comparison: str = Field(description="Compared with the benchmark: better/similar/worse...")
    trend: str = Field(description="Recent trend: improving / no significant change / ...")
    consecutive_worsening_periods: int = Field(ge=0)
    group_benchmark: BenchmarkEvidence | None = Field(
        default=None, description="For a group: its locality's value for all children."
    )
    comparison_with_area: str | None = Field(
        default=None, description="For a group: compared with its locality's overall value."
    )
    data_versions: list[DataVersion]
    disclosure_rule: str


@registry.register("needs.NeedIdentified", 1, topic=NEEDS_EVENTS.name)
class NeedIdentified(BaseModel):
    """A locality, the trust, or a group within one is significantly worse than its
    benchmark, or worsening (Gateshead Activity One stages 1-3; Urbanham appendix 6).

    Subject: `need_key`. Published once when the need opens; `NeedResolved` closes it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    need_id: uuid.UUID
    need_key: str = Field(description="indicator/area kind/area code[/breakdown key]")
    indicator_id: str
    indicator_name: str
    outcomes: list[str]
    area: Area
    locality: str | None = Field(default=None, description="None for a trust-level need.")
    breakdown: dict[str, str] = Field(default_factory=dict)
    vulnerable_group: bool = False
    reason: NeedReason
    reasons: list[NeedReason]
    evidence: NeedEvidence
    identified_at: AwareDatetime


@registry.register("needs.NeedResolved", 1, topic=NEEDS_EVENTS.name)
class NeedResolved(BaseModel):
    """A need stopped: no longer worse than its benchmark nor worsening. Subject: `need_key`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    need_id: uuid.UUID
    need_key: str
    indicator_id: str
    area: Area
    locality: str | None = None
    breakdown: dict[str, str] = Field(default_factory=dict)
    evidence: NeedEvidence
    resolved_at: AwareDatetime


class AssessmentSummary(BaseModel):
    """Headline counts of a needs assessment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: int = Field(ge=0)
    needs: int = Field(ge=0)
    vulnerable_groups: int = Field(ge=0)
    worse_and_worsening: int = Field(ge=0)


@registry.register("needs.NeedsAssessmentPublished", 1, topic=NEEDS_EVENTS.name)
class NeedsAssessmentPublished(BaseModel):
    """A versioned needs assessment (JSNA snapshot) for a locality or the trust.

    Subject: `needs-assessment/<area kind>/<area code>`. The body is downloadable as JSON and
    CSV from the paths given (relative to the needs service).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    assessment_id: uuid.UUID
    version: int = Field(ge=1)
    area: Area
    title: str
    published_at: AwareDatetime
    summary: AssessmentSummary
    data_version: str = Field(description="Digest of the exact stored values used.")
    json_path: str
    csv_path: str
