"""Contracts of the commissioning projects service (Plan and Do stages, stages 1-9).

Every change to a project is an event on `projects.events.v1`, keyed by the project id
(subject `project/<id>`), so one project's events stay in order. Two of them hand work on:

- `ProcurementRequested`: the stage-6 gate approved a decision to design a new service or
  redesign one (Gateshead commissioning handbook, Activity Three steps 2 and 5; North
  Yorkshire, Appendix C, stage 6). The procurement service runs the route it names.
- `DecommissioningDecided`: the stage-6 gate approved a decision to cease a service, with
  the assessment of the impact of ending it (Gateshead handbook, Activity Three step 2).

Money is pounds sterling as a decimal string, exact to the penny.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.registry import registry
from shared.topics import PROJECTS_EVENTS


class Level(StrEnum):
    """The level a project commissions at (Durham, Section 3 "Levels of Commissioning";
    Medway, paragraph 3.1)."""

    INDIVIDUAL = "individual"
    LOCALITY = "locality"
    STRATEGIC = "strategic"


class CommissioningDecision(StrEnum):
    """The stage-6 decision (Gateshead handbook, Activity Three step 2)."""

    DESIGN_NEW = "design_new"
    REDESIGN = "redesign"
    CEASE = "cease"


class ProcurementRoute(StrEnum):
    """How the service is to be bought (Durham, Section 3 "Procurement and Contracting
    Function": a local service under the select-list threshold from the Local Children's
    Board's select list; otherwise open tender; a grant for voluntary sector work; an
    in-house service from a partner)."""

    SELECT_LIST = "select_list"
    OPEN_TENDER = "open_tender"
    GRANT = "grant"
    IN_HOUSE = "in_house"


class KpiTarget(BaseModel):
    """One measure the service will be monitored on, with its target (Durham, Section 3,
    "Commissioning Officer" duty 6: outcome-based measures by which delivery is monitored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kpi: str = Field(min_length=1, max_length=200, description="What is measured, in words.")
    outcome: str = Field(
        min_length=1, max_length=64, description="The outcome (trust outcome id) it evidences."
    )
    target: str = Field(
        min_length=1,
        max_length=200,
        description="The target in words or figures, e.g. '80% of referrals seen in 4 weeks'.",
    )
    indicator_id: str | None = Field(
        default=None,
        max_length=64,
        description="The needs-service indicator it is measured by, where there is one.",
    )


class OutcomeSpecification(BaseModel):
    """What the service must achieve: the outcome-based service specification (Gateshead
    handbook, Activity Three step 5; North Yorkshire, Appendix C, stage 6)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str = Field(min_length=1, max_length=4000, description="The service sought.")
    kpis: list[KpiTarget] = Field(
        min_length=1, max_length=50, description="The measures and targets, at least one."
    )


class ProjectSnapshot(BaseModel):
    """A project's fields as they stand after a change (carried by `ProjectChanged`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    level: Level
    localities: list[str] = Field(description="Empty for a trust-wide project.")
    target_groups: list[str]
    outcomes: list[str]
    lead_commissioner: str
    commissioning_officer: str
    priority_id: uuid.UUID | None = None
    stage: int = Field(ge=1, le=20)
    status: str = Field(description="active | flagged_for_review | completed")


@registry.register("projects.ProjectChanged", 1, topic=PROJECTS_EVENTS.name)
class ProjectChanged(BaseModel):
    """A project was created or edited, recorded evidence or scoping answers, had a gate
    decided (approval moves it to the next stage; approving stage 9 completes it), was
    flagged for review, or had a contract award or performance review recorded.

    Subject: `project/<project_id>`. `version` rises by one with every change, so a reader
    can tell it has missed one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: uuid.UUID
    version: int = Field(ge=1)
    change: str = Field(
        description="created | edited | evidence_recorded | scoping_answered | "
        "gate_approved | gate_refused | flagged_for_review | contract_awarded | "
        "performance_reviewed"
    )
    project: ProjectSnapshot
    changed_by: str
    changed_at: AwareDatetime


@registry.register("projects.StageGateDecided", 1, topic=PROJECTS_EVENTS.name)
class StageGateDecided(BaseModel):
    """A body approved or refused a project's leaving a stage (the nine-stage table;
    Durham, Section 3, the roles table). Subject: `project/<project_id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: uuid.UUID
    stage: int = Field(ge=1, le=20, description="The stage being left.")
    approved: bool
    reasons: str = Field(description="Why, in the deciding body's words.")
    decided_by: str
    body: str = Field(description="The role the decision was taken under, e.g. jcu.")
    decided_at: AwareDatetime


@registry.register("projects.ProcurementRequested", 1, topic=PROJECTS_EVENTS.name)
class ProcurementRequested(BaseModel):
    """The stage-6 gate approved a decision to commission: buy the service specified.

    Subject: `project/<project_id>`. Published once per project cycle, when the JCU approves
    the stage-6 gate with a decision to design a new service or redesign one (Gateshead
    handbook, Activity Three steps 2 and 5; Durham, Section 3, roles table "Identify what
    needs to change / Specify new service"). The procurement service answers with a
    contract award (``ContractAwarded`` naming the project), which the projects service
    records on the project.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: uuid.UUID = Field(
        description="Identifies this request; a consumer applies a request_id once."
    )
    project_id: uuid.UUID = Field(
        description="The commissioning project asking; a contract award names it back."
    )
    title: str = Field(description="The project's title, for the procurement record.")
    decision: CommissioningDecision = Field(description="design_new or redesign (never cease).")
    level: Level = Field(
        description="individual | locality | strategic: the level the service is commissioned "
        "at (Durham, Section 3, 'Levels of Commissioning')."
    )
    localities: list[str] = Field(
        description="Trust locality ids the service is for; empty for a trust-wide service."
    )
    outcomes: list[str] = Field(
        min_length=1, description="Outcome ids of the trust's outcome framework it serves."
    )
    target_groups: list[str] = Field(description="Groups of children and families served.")
    estimated_value: Decimal = Field(
        ge=0, description="Estimated whole-life contract value, GBP, VAT inclusive."
    )
    route: ProcurementRoute = Field(description="The procurement route the JCU agreed.")
    outcome_specification: OutcomeSpecification = Field(
        description="The service sought and the KPIs, with targets, it will be monitored on."
    )
    lead_commissioner: str = Field(description="Who leads the commissioning (by name).")
    commissioning_officer: str = Field(description="The officer running it (by name).")
    requested_by: str = Field(description="The JCU member who approved the stage-6 gate.")
    requested_at: AwareDatetime = Field(description="When the gate was approved.")


@registry.register("projects.DecommissioningDecided", 1, topic=PROJECTS_EVENTS.name)
class DecommissioningDecided(BaseModel):
    """The stage-6 gate approved a decision to cease a service (Gateshead handbook, Activity
    Three step 2: ceasing needs an assessment of the impact of ending the contract; Durham,
    Section 3, roles table "Decommission old service"). Subject: `project/<project_id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: uuid.UUID = Field(description="The commissioning project that decided it.")
    title: str = Field(description="The project's title.")
    level: Level = Field(description="individual | locality | strategic.")
    localities: list[str] = Field(description="Trust locality ids; empty for trust-wide.")
    outcomes: list[str] = Field(description="Outcome ids of the trust's outcome framework.")
    service_description: str = Field(description="The service to be ceased, in words.")
    impact_assessment: str = Field(description="The assessed impact of ending it.")
    decided_by: str = Field(description="The JCU member who approved the stage-6 gate.")
    decided_at: AwareDatetime = Field(description="When the gate was approved.")


@registry.register("projects.ProjectFlaggedForReview", 1, topic=PROJECTS_EVENTS.name)
class ProjectFlaggedForReview(BaseModel):
    """The evidence under a project that has passed needs analysis (stage 3) changed: a need
    it cites was resolved, or a need on its outcomes and localities was newly identified
    (Gateshead handbook, Activity One step 7: the cycle feeds back). Subject:
    `project/<project_id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: uuid.UUID
    reason: str = Field(description="need_resolved | need_identified")
    need_id: uuid.UUID
    need_key: str
    flagged_at: AwareDatetime


@registry.register("projects.PriorityAgreed", 1, topic=PROJECTS_EVENTS.name)
class PriorityAgreed(BaseModel):
    """The Executive Board agreed a key improvement priority for a plan year (Durham,
    Section 3, "The Children's Executive Board", duty 1; Section 2, "the Annual
    Commissioning Plan"). Subject: `priority/<priority_id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    priority_id: uuid.UUID
    year: str = Field(description="The plan year, e.g. 2026/27.")
    title: str
    outcomes: list[str] = Field(description="Outcome ids of the trust's outcome framework.")
    lead_commissioner: str
    agreed_by: str
    agreed_at: AwareDatetime


class StandardScoreRecord(BaseModel):
    """One standard's score in a self-evaluation (North Yorkshire, Appendix B)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    standard: int = Field(ge=1, le=13, description="The standard's number, 1-13.")
    score: Decimal = Field(ge=1, le=5, description="1 to 5 in half points (1.5 is '1/2').")
    evidence: str
    actions: str
    movement: Decimal | None = Field(
        default=None, description="Change since the previous evaluation; None for the first."
    )


@registry.register("projects.SelfEvaluationRecorded", 1, topic=PROJECTS_EVENTS.name)
class SelfEvaluationRecorded(BaseModel):
    """The trust scored itself against the thirteen commissioning standards (North
    Yorkshire, paragraph 4.2 and Appendix B). Subject: `self-evaluation/<evaluation_id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    evaluation_id: uuid.UUID
    as_of: date = Field(description="The date the scores describe.")
    scores: list[StandardScoreRecord] = Field(min_length=13, max_length=13)
    recorded_by: str
    recorded_at: AwareDatetime
