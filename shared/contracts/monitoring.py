"""Contracts of the contract monitoring service (the Review stage).

Providers' systems publish `PerformanceReturnSubmitted` to the inbound topic
`monitoring.performance-returns.v1`; the service publishes what it registers and accepts on
`monitoring.events.v1`, and alerts on `monitoring.alerts.v1` keyed by locality (the
envelope's subject), so each locality's alerts stay in order (Durham Children's Trust
framework, section 3, Planning, Performance and Delivery Group duty 4).

`MonitoredContract` is the registration command as well as the event: a consumer of the
procurement service's contract started/varied events maps onto it one field at a time.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    model_validator,
)

from shared.contracts.registry import registry
from shared.topics import MONITORING_ALERTS, MONITORING_EVENTS, PERFORMANCE_RETURNS

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
MONTHLY = r"[0-9]{4}-(0[1-9]|1[0-2])"
QUARTERLY = r"[0-9]{4}-Q[1-4]"
ANNUAL = r"[0-9]{4}"
PERIOD_PATTERN = rf"^({MONTHLY}|{QUARTERLY}|{ANNUAL})$"
"""2025-07 (a month), 2025-Q3 (a calendar quarter) or 2025 (a calendar year)."""
Figure = StrictInt | StrictFloat
"""A number as JSON sends it: a string or a boolean is the wrong type, never coerced."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Polarity(StrEnum):
    """Which direction is better for a KPI."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ValueType(StrEnum):
    """What a KPI's value must be: any number, a whole count, or a percentage 0-100."""

    NUMBER = "number"
    COUNT = "count"
    PERCENTAGE = "percentage"


class ContractLevel(StrEnum):
    """Who watches the contract: a locality's board, or the JCU (Durham, section 3)."""

    LOCAL = "local"
    SPECIALIST = "specialist"
    TRUST_WIDE = "trust_wide"


class ReportingFrequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


class Kpi(_Strict):
    """A key performance indicator with its target and tolerances (PA2023, section 52).

    The shortfall is how far the value falls short of the target in the adverse direction;
    up to `amber_tolerance` it is green, above `red_tolerance` red, amber in between."""

    id: Id
    name: str = Field(min_length=1, max_length=200)
    outcome: Id | None = Field(default=None, description="The outcome the KPI evidences.")
    value_type: ValueType = ValueType.NUMBER
    polarity: Polarity
    target: Figure
    amber_tolerance: Figure = Field(default=0, ge=0)
    red_tolerance: Figure = Field(gt=0)

    @model_validator(mode="after")
    def _amber_before_red(self) -> Self:
        if self.amber_tolerance >= self.red_tolerance:
            raise ValueError("amber_tolerance must be less than red_tolerance")
        return self


@registry.register("monitoring.MonitoredContractRegistered", 1, topic=MONITORING_EVENTS.name)
class MonitoredContract(_Strict):
    """A contract under monitoring: what the provider reports against, and when."""

    contract_id: Id
    title: str = Field(min_length=1, max_length=200)
    provider_id: Id
    level: ContractLevel
    locality: Id | None = Field(
        default=None, description="Required for a local contract; none for the others."
    )
    outcomes: list[Id] = Field(default_factory=list, max_length=20)
    kpis: list[Kpi] = Field(min_length=1, max_length=50)
    reporting_frequency: ReportingFrequency
    starts_on: date
    ends_on: date
    return_due_days: int = Field(
        default=20, ge=0, le=120, description="Days after a period ends that its return is due."
    )
    version: int = Field(default=1, ge=1, description="Raised by each variation.")
    terminated_on: date | None = Field(
        default=None,
        description="Last day of delivery of a contract ended early: no return is due for a "
        "period that starts after it.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if self.terminated_on is not None and self.terminated_on < self.starts_on:
            raise ValueError("terminated_on must not be before starts_on")
        if (self.level is ContractLevel.LOCAL) != (self.locality is not None):
            raise ValueError("locality is required for a local contract and only for one")
        ids = [k.id for k in self.kpis]
        if len(set(ids)) != len(ids):
            raise ValueError("kpis: ids must be unique")
        return self


class Activity(_Strict):
    """Use of the service in the period (Gateshead handbook, Activity Four step 1)."""

    referrals: StrictInt | None = Field(default=None, ge=0)
    take_up: StrictInt | None = Field(default=None, ge=0)
    median_wait_days: Figure | None = Field(default=None, ge=0)


class Feedback(_Strict):
    """Service users' views in the period."""

    compliments: StrictInt = Field(default=0, ge=0)
    complaints: StrictInt = Field(default=0, ge=0)
    satisfaction_percent: Figure | None = Field(default=None, ge=0, le=100)
    summary: str | None = Field(default=None, max_length=2000)


@registry.register("monitoring.PerformanceReturnSubmitted", 1, topic=PERFORMANCE_RETURNS.name)
class PerformanceReturn(_Strict):
    """A provider's return for one period. A higher revision is a correction that
    supersedes the earlier one; both are kept."""

    contract_id: Id
    provider_id: Id
    period: str = Field(pattern=PERIOD_PATTERN)
    revision: int = Field(default=1, ge=1, le=1000)
    kpi_values: dict[Id, Figure] = Field(min_length=1, max_length=50)
    activity: Activity = Activity()
    feedback: Feedback = Feedback()


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class KpiResult(_Strict):
    kpi_id: str
    value: float
    rag: Rag
    rating: str | None = Field(default=None, description="PA2023 rating, if the trust uses it.")


@registry.register("monitoring.PerformanceReturnAccepted", 1, topic=MONITORING_EVENTS.name)
class PerformanceReturnAccepted(_Strict):
    contract_id: str
    provider_id: str
    period: str
    revision: int
    results: list[KpiResult]
    contract_status: Rag


class Audience(StrEnum):
    """Who an alert is for (Durham, section 3: LCB responsibility 7; PPDG duty 4; CEB
    duties 7 and 9)."""

    LOCAL_BOARD = "local_board"
    JCU = "jcu"
    EXECUTIVE_BOARD = "executive_board"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlertRule(StrEnum):
    KPI_RED = "kpi_red"
    AMBER_REPEATED = "amber_repeated"
    RETURN_MISSING = "return_missing"
    KPI_WORSENING = "kpi_worsening"
    RED_AFTER_PLAN = "red_after_plan"
    ESCALATED_BY_BOARD = "escalated_by_board"


class Recommendation(StrEnum):
    """What the Executive Board is asked to decide (Durham, section 3, CEB duties 7, 9)."""

    INTERVENE = "intervene"
    VETO = "veto"
    DECOMMISSION = "decommission"


class AlertState(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    PLAN_AGREED = "plan_agreed"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


@registry.register("monitoring.AlertRaised", 1, topic=MONITORING_ALERTS.name)
class AlertRaised(_Strict):
    """An alert, raised for one audience. Subject (Kafka key): the locality, or
    `trust-wide` for a contract with none."""

    alert_id: uuid.UUID
    contract_id: str
    provider_id: str
    kpi_id: str | None
    period: str
    rule: AlertRule
    severity: Severity
    audience: Audience
    locality: str | None
    evidence: str
    recommendation: Recommendation | None = None
    raised_at: AwareDatetime


@registry.register("monitoring.AlertStepRecorded", 1, topic=MONITORING_ALERTS.name)
class AlertStepRecorded(_Strict):
    """A step of an alert's lifecycle: acknowledged, plan agreed, resolved or escalated."""

    alert_id: uuid.UUID
    contract_id: str
    audience: Audience
    locality: str | None
    state: AlertState
    by: str
    note: str | None = None
    review_on: date | None = None
    recorded_at: AwareDatetime
