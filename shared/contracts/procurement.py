"""Contracts of the procurement service (the Do stage), on ``procurement.events.v1``.

Every event's subject is ``procurement/<procurement_id>`` until a contract exists, then
``contract/<contract_id>``, so a procurement's (and a contract's) events stay in order.
Money is in pounds sterling, exact to the penny, serialised as a decimal string. No event
ever carries a bid's contents or price: ``BidReceived`` says only who bid and when.

Monitoring consumes ``ContractStarted``, ``ContractVaried`` and ``ContractTerminated``;
``ContractStarted`` carries everything needed to monitor a contract against its outcomes
(its KPIs with targets, polarity and RAG tolerances, reporting frequency, localities,
outcomes, dates, value and funding partners).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.registry import registry
from shared.topics import PROCUREMENT_EVENTS

_TOPIC = PROCUREMENT_EVENTS.name
SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Route(StrEnum):
    """How the procurement is bought (Durham framework, section 3)."""

    SELECT_LIST = "select_list"
    OPEN_TENDER = "open_tender"
    JCU_AWARD = "jcu_award"


@registry.register("procurement.ProcurementOpened", 1, topic=_TOPIC)
class ProcurementOpened(_Event):
    """A procurement request was accepted and routed by value. Subject: ``procurement/<id>``."""

    procurement_id: uuid.UUID = Field(description="The procurement; also its OCDS ocid suffix.")
    request_id: uuid.UUID = Field(description="The request's idempotency key.")
    title: str = Field(description="What is being bought.")
    locality: str = Field(description="The locality whose service this is.")
    priority: str = Field(description="The priority (select list) it serves.")
    value: Decimal = Field(description="Estimated value, GBP.")
    specialist: bool = Field(description="County-wide, low-incidence, high-need service.")
    outcomes: list[str] = Field(description="Outcome ids of the trust's outcome framework.")
    route: Route = Field(description="How it is bought.")
    route_rule: str = Field(description="The routing rule that chose the route, in words.")
    project_id: uuid.UUID | None = Field(
        default=None, description="The commissioning project that asked for it, if any."
    )
    opened_at: AwareDatetime = Field(description="When the request was accepted.")


class Criteria(_Event):
    quality_weight: int = Field(ge=0, le=100, description="Percent of the total score.")
    price_weight: int = Field(ge=0, le=100, description="Percent of the total score.")


@registry.register("procurement.TenderPublished", 1, topic=_TOPIC)
class TenderPublished(_Event):
    """The tender notice: bids accepted until ``deadline``. Subject: ``procurement/<id>``."""

    procurement_id: uuid.UUID = Field(description="The procurement.")
    title: str = Field(description="What is being bought.")
    locality: str = Field(description="The locality whose service this is.")
    route: Route = Field(description="select_list (invited list only) or open_tender.")
    deadline: AwareDatetime = Field(description="Bids are accepted strictly before this.")
    criteria: Criteria = Field(description="The published weighted award criteria.")
    published_at: AwareDatetime = Field(description="When the notice was published.")


@registry.register("procurement.BidReceived", 1, topic=_TOPIC)
class BidReceived(_Event):
    """A sealed bid arrived before the deadline: who and when, never contents or price."""

    procurement_id: uuid.UUID = Field(description="The tender bid for.")
    bid_id: uuid.UUID = Field(description="The sealed bid's id.")
    provider_id: str = Field(description="The bidder.")
    received_at: AwareDatetime = Field(description="When the bid arrived (before the deadline).")


@registry.register("procurement.TenderClosed", 1, topic=_TOPIC)
class TenderClosed(_Event):
    """The deadline passed and the bids were opened. Subject: ``procurement/<id>``."""

    procurement_id: uuid.UUID = Field(description="The tender closed.")
    bids_received: int = Field(ge=0, description="How many sealed bids were opened.")
    closed_at: AwareDatetime = Field(description="When it closed (at or after the deadline).")


@registry.register("procurement.ContractAwarded", 1, topic=_TOPIC)
class ContractAwarded(_Event):
    """The award decision; the contract may be entered into after ``standstill_ends``
    (Procurement Act 2023, sections 50-51). Subject: ``procurement/<id>``."""

    procurement_id: uuid.UUID = Field(description="The procurement awarded.")
    provider_id: str = Field(description="The provider awarded the contract.")
    value: Decimal = Field(description="The awarded value (the winning price), GBP.")
    rationale: str = Field(description="Why: the ranking, or the JCU's reasons.")
    awarded_by: str = Field(description="Who decided (token subject).")
    awarded_at: AwareDatetime = Field(description="When the decision was taken.")
    standstill_ends: date = Field(description="Last day of the standstill (working days).")
    project_id: uuid.UUID | None = Field(
        default=None,
        description="The commissioning project the procurement was requested for, if any: "
        "the projects service records the award on it.",
    )


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ReportingFrequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


class ContractKpi(_Event):
    """A KPI to monitor. RAG: a value within ``amber_tolerance`` of ``target`` on the
    wrong side (per ``polarity``) is green; beyond it amber; beyond ``red_tolerance`` red.
    Tolerances are in the KPI's ``unit``."""

    kpi_id: str = Field(pattern=SLUG, max_length=64, description="Unique within the contract.")
    name: str = Field(description="What is measured.")
    unit: str = Field(description="e.g. 'percent', 'count', 'days'.")
    target: Decimal = Field(description="The value to attain, in `unit`.")
    polarity: Polarity = Field(description="Whether higher or lower values are better.")
    amber_tolerance: Decimal = Field(ge=0, description="Shortfall from target that turns amber.")
    red_tolerance: Decimal = Field(gt=0, description="Shortfall from target that turns red.")


class FundingShare(_Event):
    """Part of the contract value committed against a pooled or aligned fund."""

    fund_id: str = Field(description="The pooled or aligned fund.")
    amount: Decimal = Field(gt=0, description="GBP committed against it by this contract.")
    partners: dict[str, Decimal] = Field(
        description="The fund's partner contributions (agency id → GBP) when committed."
    )


@registry.register("procurement.ContractStarted", 1, topic=_TOPIC)
class ContractStarted(_Event):
    """A contract was entered into; monitoring starts from this. Subject: ``contract/<id>``.

    Performance returns are due every ``reporting_frequency`` from ``starts_on`` to
    ``ends_on`` for each KPI; a return is judged against ``target`` with the KPI's polarity
    and tolerances."""

    contract_id: uuid.UUID = Field(description="The contract; the key of its later events.")
    procurement_id: uuid.UUID = Field(description="The procurement it came from.")
    provider_id: str = Field(description="The provider delivering it (submits returns).")
    title: str = Field(description="What is delivered.")
    value: Decimal = Field(description="Contract value, GBP.")
    currency: str = Field(default="GBP", description="Always GBP.")
    localities: list[str] = Field(min_length=1, description="Localities where it is delivered.")
    outcomes: list[str] = Field(description="Outcome ids it contributes to.")
    kpis: list[ContractKpi] = Field(min_length=1, description="The KPIs to monitor.")
    reporting_frequency: ReportingFrequency = Field(description="How often returns are due.")
    starts_on: date = Field(description="First day of the contract.")
    ends_on: date = Field(description="Last day of the contract.")
    funding: list[FundingShare] = Field(description="Funds committed, adding up to `value`.")
    route: Route = Field(description="How it was bought.")
    started_at: AwareDatetime = Field(description="When it was entered into.")


@registry.register("procurement.ContractVaried", 1, topic=_TOPIC)
class ContractVaried(_Event):
    """A contract's end date or KPIs changed (PA2023 section 74, contract modification).
    Fields left null are unchanged; ``kpis``, when given, replaces the whole list.
    Subject: ``contract/<id>``."""

    contract_id: uuid.UUID = Field(description="The contract varied.")
    ends_on: date | None = Field(default=None, description="The new last day, if changed.")
    kpis: list[ContractKpi] | None = Field(default=None, description="The new KPIs, if changed.")
    reason: str = Field(description="Why it was varied.")
    varied_by: str = Field(description="Who decided (token subject).")
    varied_at: AwareDatetime = Field(description="When.")


@registry.register("procurement.ContractTerminated", 1, topic=_TOPIC)
class ContractTerminated(_Event):
    """A contract ended early (e.g. after a decommissioning decision); no returns are due
    after ``terminated_on``. Subject: ``contract/<id>``."""

    contract_id: uuid.UUID = Field(description="The contract terminated.")
    terminated_on: date = Field(description="Its last day of delivery.")
    reason: str = Field(description="Why, e.g. a decommissioning decision.")
    terminated_by: str = Field(description="Who decided (token subject).")
    terminated_at: AwareDatetime = Field(description="When.")


class SelectListChange(StrEnum):
    ADMITTED = "admitted"
    REMOVED = "removed"


@registry.register("procurement.SelectListChanged", 1, topic=_TOPIC)
class SelectListChanged(_Event):
    """A Local Children's Board admitted a provider to its select list for a priority, or
    removed one (Durham framework, section 3, "Local Children's Boards", responsibility 8).
    Subject: ``select-list/<locality>/<priority>``, so one list's changes stay in order."""

    locality: str = Field(description="The locality whose board keeps the list.")
    priority: str = Field(description="The key improvement priority the list is for.")
    provider_id: str = Field(description="The provider admitted or removed.")
    change: SelectListChange = Field(description="admitted | removed")
    reason: str = Field(description="Why, in the board's words.")
    decided_by: str = Field(description="Who decided (token subject).")
    decided_at: AwareDatetime = Field(description="When.")
