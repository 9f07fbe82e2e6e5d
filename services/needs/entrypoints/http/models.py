"""Response bodies of the needs API, so that OpenAPI documents what every route returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.needs import AssessmentSummary, IndicatorValueSubmitted, NeedEvidence
from shared.contracts.needs import PublishedValue as PublishedFigures


class IndicatorValueBatch(BaseModel):
    """A batch of values from one agency; all are stored or none."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "values": [
                        {
                            "indicator_id": "neet_16_17",
                            "agency": "durham-county-council",
                            "area": {"kind": "locality", "code": "easington"},
                            "period": "2024",
                            "numerator": 50,
                            "denominator": 1000,
                        }
                    ]
                }
            ]
        },
    )

    values: list[IndicatorValueSubmitted] = Field(min_length=1)
    """At most ``NEEDS_MAX_BATCH_VALUES`` (checked by the ingest router)."""


class ItemResult(BaseModel):
    index: int
    outcome: str = Field(description="stored | duplicate")
    current: bool = Field(description="False when a higher revision is already held.")


class IngestAnswer(BaseModel):
    stored: int
    duplicates: int
    needs_identified: int
    needs_resolved: int
    results: list[ItemResult]


class ValueRevisionView(BaseModel):
    """One revision as it was received (superseded ones included)."""

    seq: int
    indicator_id: str
    agency: str
    area_kind: str
    area_code: str
    period: str
    breakdown_key: str = Field(description="'' for all children; else 'dim=value;...' sorted.")
    numerator: int | None
    denominator: float | None
    value: float | None
    standard_deviation: float | None
    revision: int
    note: str | None
    received_via: str = Field(description="http | kafka")
    source_event_id: uuid.UUID | None
    received_at: datetime


class IndicatorView(BaseModel):
    """An indicator of the catalogue: what it measures and how it is benchmarked."""

    id: str
    name: str
    outcomes: list[str]
    value_type: str
    multiplier: float
    unit: str
    polarity: str
    comparator: str
    confidence: str
    owning_agency: str
    breakdowns: list[str]
    caf_activity: bool
    description: str
    example_configuration: bool


class AreaValue(PublishedFigures):
    """A current value of an area, disclosure-controlled below trust level."""

    indicator_id: str
    area_kind: str
    area_code: str
    breakdown: dict[str, str]


class ComparisonRow(BaseModel):
    """One line of a comparison table or download (Fingertips' export columns)."""

    indicator_id: str
    indicator_name: str
    outcomes: list[str]
    unit: str
    polarity: str
    area_kind: str
    area_code: str
    breakdown: dict[str, str]
    period: str
    value: float | None
    lower_ci_95: float | None
    upper_ci_95: float | None
    lower_ci_99_8: float | None
    upper_ci_99_8: float | None
    count: int | None
    denominator: float | None
    count_suppressed: bool
    denominator_suppressed: bool
    value_note: str | None
    revision: int
    comparator: str | None
    benchmark_value: float | None
    compared_to_benchmark: str
    area_value: float | None
    compared_to_area: str | None
    recent_trend: str
    consecutive_worsening_periods: int
    quintile: str | None
    worse_and_worsening: bool
    vulnerable_group: bool
    need_reason: str | None


class NeedView(BaseModel):
    """A need, open or resolved, with the evidence as it was published."""

    need_id: uuid.UUID
    need_key: str
    indicator_id: str
    outcomes: list[str]
    area_kind: str
    area_code: str
    breakdown: dict[str, str]
    vulnerable_group: bool
    state: str = Field(description="open | resolved")
    reason: str
    reasons: list[str]
    identified_at: datetime
    resolved_at: datetime | None
    evidence: NeedEvidence
    resolution_evidence: NeedEvidence | None


class AreaRef(BaseModel):
    kind: str
    code: str


class AssessmentRequest(BaseModel):
    """Areas to assess: 'trust' and/or locality ids; empty means the trust and every
    locality."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"areas": ["trust", "easington"]}]}
    )

    areas: list[str] = Field(default_factory=list, max_length=100)


class AssessmentView(BaseModel):
    """A published version of an area's needs assessment, with its downloads."""

    assessment_id: uuid.UUID
    version: int
    area: AreaRef
    published_at: datetime
    data_version: str
    summary: AssessmentSummary
    json_path: str
    csv_path: str


class PublishedAssessment(AssessmentView):
    """The answer to a publication: the area's version, and whether it is new."""

    created: bool = Field(
        description="False: nothing changed since this version, so no new one was made."
    )


class AssessmentMethod(BaseModel):
    default_comparator: str
    trend_periods: int
    worsening_periods_to_flag: int
    disclosure_rule: str
    suppressed_marker: str


class UsedValue(BaseModel):
    """An exact stored revision the assessment was built on."""

    indicator_id: str
    area_kind: str
    area_code: str
    period: str
    breakdown_key: str
    revision: int


class AssessmentDocument(BaseModel):
    """The JSON download of a needs assessment (a JSNA snapshot), reproducible from
    `data_versions`."""

    assessment_id: uuid.UUID
    version: int
    title: str
    area: AreaRef
    trust: str
    published_at: datetime
    method: AssessmentMethod
    summary: AssessmentSummary
    indicators: list[ComparisonRow]
    needs: list[NeedView]
    vulnerable_groups: list[ComparisonRow]
    caf_activity: list[ComparisonRow]
    data_version: str
    data_versions: list[UsedValue]
