"""Per-trust configuration: localities, partners, outcomes, the cycle and procurement rules.

Where the source frameworks differ, the rule is configurable per trust and the Durham and
Gateshead values ship as defaults (docs/domain/README.md). Those defaults live in
``trust_defaults.yaml`` next to this module; a deployment points ``load_trust_config`` at
its own YAML. Validation errors name the field and the rule broken.
"""

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

__all__ = [
    "DEFAULTS_RESOURCE",
    "AgencyKind",
    "BenchmarkSettings",
    "CommissioningActivity",
    "CommissioningStage",
    "ComparatorArea",
    "DisclosureRule",
    "Locality",
    "Money",
    "MonitoringRules",
    "NotifiableThresholds",
    "Outcome",
    "OutcomeFramework",
    "PartnerAgency",
    "ProcurementActThresholds",
    "ProcurementThresholds",
    "Slug",
    "TrustConfig",
    "TrustConfigError",
    "load_trust_config",
]

DEFAULTS_RESOURCE = "trust_defaults.yaml"

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", min_length=1, max_length=64)
]
"""Lower-case id usable in URLs, topics and tags (e.g. ``easington``, ``be_healthy``)."""

Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
"""A positive sum in pounds sterling, exact to the penny (Decimal, never float)."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AreaCode = Annotated[str, StringConstraints(pattern=r"^[EWSN][0-9]{8}$")]
"""An ONS (GSS) area code such as E12000001."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for item in ids:
        if item in seen and item not in repeated:
            repeated.append(item)
        seen.add(item)
    return repeated


def _require_unique(kind: str, ids: Iterable[str]) -> None:
    repeated = _duplicates(ids)
    if repeated:
        raise ValueError(f"{kind} ids must be unique; repeated: {', '.join(repeated)}")


class Locality(_Frozen):
    """A locality and its Local Children's Board (Durham, Section 1: 5 LCBs)."""

    id: Slug
    name: Name
    local_childrens_board: Name


class AgencyKind(StrEnum):
    """Partner kinds publishing into the platform (docs/domain/README.md,
    "Who takes part"). ``nhs`` covers the Primary Care Trust of the source frameworks."""

    LOCAL_AUTHORITY = "local_authority"
    NHS = "nhs"
    POLICE = "police"
    YOUTH_JUSTICE = "youth_justice"
    SCHOOLS = "schools"
    VCS = "vcs"


class PartnerAgency(_Frozen):
    id: Slug
    name: Name
    kind: AgencyKind


class Outcome(_Frozen):
    """One outcome; ``lead_agency`` hosts its Lead Commissioner (Durham,
    Section 3, "Outcome Groups"), or None while to be determined."""

    id: Slug
    name: Name
    lead_agency: Slug | None = None


class OutcomeFramework(_Frozen):
    """Outcomes are data, not code: Every Child Matters has five, Medway three
    (Medway, paragraph 1.8; docs/domain/README.md, "Outcomes")."""

    id: Slug
    name: Name
    outcomes: tuple[Outcome, ...] = Field(min_length=1)

    @field_validator("outcomes")
    @classmethod
    def _unique_outcome_ids(cls, outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
        _require_unique("outcome", (outcome.id for outcome in outcomes))
        return outcomes


class CommissioningActivity(StrEnum):
    """The four activities of the cycle, in order (Gateshead, "The Nine Step
    Commissioning Framework")."""

    ASSESS = "assess"
    PLAN = "plan"
    DO = "do"
    REVIEW = "review"


_ACTIVITY_ORDER = list(CommissioningActivity)


class CommissioningStage(_Frozen):
    """A stage of the cycle and what must exist before leaving it
    (docs/domain/commissioning-cycle.md)."""

    number: int = Field(ge=1)
    id: Slug
    name: Name
    activity: CommissioningActivity
    exit_criterion: Name


class ProcurementActThresholds(_Frozen):
    """Procurement Act 2023 thresholds, VAT inclusive, from 1 January 2026 (PA2023,
    Schedule 1; docs/domain/procurement.md); revised every two years, hence configuration."""

    central_government: Money
    sub_central: Money
    light_touch: Money
    works: Money

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        order = ("central_government", "sub_central", "light_touch", "works")
        for lower, higher in pairwise(order):
            if getattr(self, lower) >= getattr(self, higher):
                raise ValueError(f"{lower} must be below {higher}")
        return self


class NotifiableThresholds(_Frozen):
    """Below-threshold contracts become notifiable from these values (PA2023, Part 6)."""

    central_government_and_nhs: Money
    other_authorities: Money

    @model_validator(mode="after")
    def _central_not_above_others(self) -> Self:
        if self.central_government_and_nhs > self.other_authorities:
            raise ValueError("central_government_and_nhs must not exceed other_authorities")
        return self


class ProcurementThresholds(_Frozen):
    """Durham's local rule (select list under £50k, open tender from £50k; Durham,
    Section 3, "Procurement and Contracting Function") beside the statutory limits."""

    currency: str = Field(default="GBP", pattern=r"^GBP$")
    select_list_below: Money
    procurement_act: ProcurementActThresholds
    notifiable: NotifiableThresholds
    standstill_working_days: int = Field(ge=0)
    """0: no standstill (optional for light-touch contracts, PA2023 section 51)."""
    minimum_tender_days: int = Field(ge=1)
    # Procurement service: how far ahead lapsing quality-standard evidence is flagged
    # (the project's rule; Gateshead sets the standards, not how long evidence lasts).
    evidence_warning_days: int = Field(default=60, ge=1, le=366)

    @model_validator(mode="after")
    def _select_list_below_statutory_threshold(self) -> Self:
        # Quotes from selected suppliers are only lawful below threshold (PA2023, Part 6).
        if self.select_list_below > self.procurement_act.sub_central:
            raise ValueError(
                "select_list_below must not exceed procurement_act.sub_central: "
                "a select list is a below-threshold route"
            )
        if self.notifiable.central_government_and_nhs >= self.procurement_act.central_government:
            raise ValueError(
                "notifiable.central_government_and_nhs must be below "
                "procurement_act.central_government"
            )
        if self.notifiable.other_authorities >= self.procurement_act.sub_central:
            raise ValueError(
                "notifiable.other_authorities must be below procurement_act.sub_central"
            )
        return self

    def uses_select_list(self, value: Decimal) -> bool:
        """True when a local service of ``value`` is bought from the LCB's select list
        rather than by open tender (Durham: under £50k select list, £50k and over tender)."""
        return value < self.select_list_below


class ComparatorArea(StrEnum):
    """Benchmarks a trust compares itself with (docs/domain/needs-intelligence.md)."""

    ENGLAND = "england"
    REGION = "region"
    STATISTICAL_NEIGHBOURS = "statistical_neighbours"


class BenchmarkSettings(_Frozen):
    """Trend and comparison defaults. Fingertips' recent trend uses the five most recent
    points (TrendMarkerCalculator), so fewer than 5 would calculate no trend at all."""

    default_comparator: ComparatorArea = ComparatorArea.ENGLAND
    region: AreaCode | None = None
    """ONS code of the trust's region (North East: E12000001): the only region code its
    indicator values may carry. None accepts any."""
    statistical_neighbours: tuple[AreaCode, ...] = ()
    """ONS codes of its statistical neighbours (children's services benchmarking). Empty
    accepts any."""
    trend_periods: int = Field(default=5, ge=5)
    worsening_periods_to_flag: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _flag_within_trend(self) -> Self:
        if self.worsening_periods_to_flag > self.trend_periods:
            raise ValueError("worsening_periods_to_flag must not exceed trend_periods")
        return self


class DisclosureRule(_Frozen):
    """Small-number suppression for sub-national counts (NHS Digital's small-number rule,
    2018): counts 1..threshold shown as the marker, every other count rounded to the
    nearest ``rounding``. A threshold of 0 would hide nothing and a marker that reads as a
    number would pass for a count, so both are refused."""

    threshold: int = Field(default=7, ge=1, le=1000)
    rounding: int = Field(default=5, ge=1, le=1000)
    suppressed_marker: str = Field(default="*", min_length=1, max_length=8)

    @field_validator("suppressed_marker")
    @classmethod
    def _marker_is_not_a_number(cls, marker: str) -> str:
        if not marker.strip() or any(ch.isdigit() for ch in marker):
            raise ValueError("suppressed_marker must be visible and contain no digit")
        return marker


# --- Projects service: the commissioning calendar -------------------------------------


class MonthWindow(_Frozen):
    """Months of the year an activity runs in, inclusive; may wrap the year (September to
    March)."""

    from_month: int = Field(ge=1, le=12)
    to_month: int = Field(ge=1, le=12)


class CommissioningCalendar(_Frozen):
    """When each activity of the cycle happens (Gateshead commissioning handbook, Activities
    One to Four: Assess April-June, Plan July-September, Do September-March, Review
    December-March; Durham, Section 4, aligns the cycle with the financial year). The cycle
    year starts in the first month of Assess."""

    assess: MonthWindow = MonthWindow(from_month=4, to_month=6)
    plan: MonthWindow = MonthWindow(from_month=7, to_month=9)
    do: MonthWindow = MonthWindow(from_month=9, to_month=3)
    review: MonthWindow = MonthWindow(from_month=12, to_month=3)

    def window(self, activity: CommissioningActivity) -> MonthWindow:
        found: MonthWindow = getattr(self, activity.value)
        return found


# --- end of the projects service's block ----------------------------------------------


# --- monitoring (contract monitoring service) ---------------------------------------------


class MonitoringRules(_Frozen):
    """Contract monitoring alert rules and the PA2023 rating switch (defaults: the
    project's reading of Durham, section 3, PPDG duties 4-5; Medway, paragraph 2.25)."""

    alert_on_red: bool = True
    amber_periods_to_alert: int = Field(default=2, ge=1, le=12)
    worsening_periods_to_alert: int = Field(default=3, ge=2, le=12)
    missing_return_grace_days: int = Field(default=5, ge=0, le=90)
    reds_after_plan_to_escalate: int = Field(default=1, ge=1, le=12)
    """Red periods after an agreed improvement plan before the Executive Board is told."""
    pa2023_rating: bool = False
    """Show the Procurement Act 2023 KPI rating beside RAG (PA2023, section 71)."""


# --- end monitoring -----------------------------------------------------------------------


class TrustConfig(_Frozen):
    """Everything that differs between Children's Trusts, validated as one document."""

    id: Slug
    name: Name
    localities: tuple[Locality, ...] = Field(min_length=1)
    agencies: tuple[PartnerAgency, ...] = Field(min_length=1)
    outcome_framework: OutcomeFramework
    commissioning_stages: tuple[CommissioningStage, ...] = Field(min_length=1)
    procurement: ProcurementThresholds
    benchmark: BenchmarkSettings = BenchmarkSettings()
    disclosure: DisclosureRule = DisclosureRule()
    commissioning_calendar: CommissioningCalendar = CommissioningCalendar()
    monitoring: MonitoringRules = MonitoringRules()

    @field_validator("localities")
    @classmethod
    def _unique_locality_ids(cls, localities: tuple[Locality, ...]) -> tuple[Locality, ...]:
        _require_unique("locality", (locality.id for locality in localities))
        return localities

    @field_validator("agencies")
    @classmethod
    def _unique_agency_ids(cls, agencies: tuple[PartnerAgency, ...]) -> tuple[PartnerAgency, ...]:
        _require_unique("agency", (agency.id for agency in agencies))
        return agencies

    @field_validator("commissioning_stages")
    @classmethod
    def _stages_follow_the_cycle(
        cls, stages: tuple[CommissioningStage, ...]
    ) -> tuple[CommissioningStage, ...]:
        """Stages numbered 1..n, activities in Assess, Plan, Do, Review order, all four
        present (Gateshead, "The Nine Step Commissioning Framework")."""
        _require_unique("stage", (stage.id for stage in stages))
        numbers = [stage.number for stage in stages]
        if numbers != list(range(1, len(stages) + 1)):
            raise ValueError(f"stage numbers must run 1..{len(stages)} in order; got {numbers}")
        positions = [_ACTIVITY_ORDER.index(stage.activity) for stage in stages]
        if positions != sorted(positions):
            raise ValueError("stage activities must follow the order assess, plan, do, review")
        missing = [a.value for a in _ACTIVITY_ORDER if a not in {s.activity for s in stages}]
        if missing:
            raise ValueError(f"stages must cover every activity; missing: {', '.join(missing)}")
        return stages

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        agency_ids = {agency.id for agency in self.agencies}
        for index, outcome in enumerate(self.outcome_framework.outcomes):
            if outcome.lead_agency is not None and outcome.lead_agency not in agency_ids:
                raise ValueError(
                    f"outcome_framework.outcomes.{index}.lead_agency: unknown agency "
                    f"{outcome.lead_agency!r}; known: {', '.join(sorted(agency_ids))}"
                )
        return self

    @property
    def locality_ids(self) -> frozenset[str]:
        return frozenset(locality.id for locality in self.localities)

    @property
    def outcome_ids(self) -> frozenset[str]:
        return frozenset(outcome.id for outcome in self.outcome_framework.outcomes)

    def locality(self, locality_id: str) -> Locality:
        """The locality with ``locality_id``; KeyError naming the known ids otherwise."""
        for locality in self.localities:
            if locality.id == locality_id:
                return locality
        raise KeyError(f"unknown locality {locality_id!r}; known: {sorted(self.locality_ids)}")


class TrustConfigError(ValueError):
    """A trust configuration file that is not a YAML mapping (field errors are pydantic's
    ``ValidationError``, which names each field and rule)."""


def load_trust_config(path: Path | None = None) -> TrustConfig:
    """Load and validate a trust's YAML; ``None`` loads the packaged Durham/Gateshead
    defaults (``shared/trust_defaults.yaml``)."""
    if path is None:
        source = f"shared/{DEFAULTS_RESOURCE}"
        text = resources.files("shared").joinpath(DEFAULTS_RESOURCE).read_text(encoding="utf-8")
    else:
        source = str(path)
        text = path.read_text(encoding="utf-8")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TrustConfigError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise TrustConfigError(f"{source}: must be a YAML mapping of trust settings")
    return TrustConfig.model_validate(data)
