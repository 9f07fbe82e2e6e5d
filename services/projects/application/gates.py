"""Gate decisions: the body the frameworks give a stage's decision to approves or refuses
the project's leaving it (Durham, Section 3, roles table); approval needs the stage's
evidence. Stage 6 hands work on: commissioning asks for procurement, ceasing decides
decommissioning (Gateshead handbook, Activity Three step 2)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import (
    check_version,
    locality_of,
    now,
    store_change,
    subject,
    visible_project,
)
from services.projects.application.config import ProjectsConfig
from services.projects.application.errors import Conflict, Forbidden, Problem, Unprocessable
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.domain.evidence import Commissioning
from services.projects.domain.gates import Missing, StageGate, Subject
from services.projects.domain.project import Project
from shared.auth import Principal
from shared.contracts import projects as contracts
from shared.failpoints import PROJECTS_HANDED_ON, failpoint


class GateDecision(BaseModel):
    """A body's decision on a project's leaving a stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: int = Field(ge=1, le=9, description="The stage being left: the project's current one.")
    approve: bool
    reasons: Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")] = Field(
        default="", description="Why; required when refusing."
    )


async def gate_subject(
    uow: ProjectsUnitOfWork, config: ProjectsConfig, project: Project
) -> Subject:
    analysis = project.evidence.needs_analysis
    published = await uow.needs.published(
        analysis.cited_needs if analysis else (), analysis.cited_assessments if analysis else ()
    )
    return Subject(project.evidence, frozenset(project.outcomes), config.agencies, published)


async def missing_evidence(
    uow: ProjectsUnitOfWork, config: ProjectsConfig, project: Project
) -> list[Missing]:
    """What the project lacks to leave its current stage."""
    if project.completed:
        return []
    subject_ = await gate_subject(uow, config, project)
    return StageGate(project.stage).missing(subject_)


async def decide_gate(
    uow: ProjectsUnitOfWork,
    config: ProjectsConfig,
    principal: Principal,
    project_id: uuid.UUID,
    version: int,
    decision: GateDecision,
) -> Project:
    project = await visible_project(uow, principal, project_id)
    check_version(project, version)
    project.require_open()
    if decision.stage != project.stage:
        rule = f"the project is at stage {project.stage}; stages are left in order"
        raise Conflict.of("stage", rule)
    gate = StageGate(project.stage)
    roles = {r.value for r in principal.roles}
    if not gate.may_decide(roles):
        rule = f"stage {gate.stage}'s gate is decided by: {', '.join(sorted(gate.approvers))}"
        raise Forbidden.of("roles", rule)
    body = sorted(gate.approvers & roles)[0]
    if not decision.approve:
        if not decision.reasons.strip():
            raise Unprocessable.of("reasons", "a refusal must give its reasons")
        return await _record(uow, principal, project, decision, body, project.changed())
    missing = await missing_evidence(uow, config, project)
    if missing:
        raise Unprocessable([Problem(f"evidence.{m.field}", m.rule) for m in missing])
    advanced = project.advanced()
    plan = project.evidence.commissioning
    if project.stage == 6 and plan is not None:  # the stage-6 gate requires a plan
        advanced = _hand_on(uow, principal, advanced, plan)
        recorded = await _record(uow, principal, project, decision, body, advanced)
        failpoint(PROJECTS_HANDED_ON)
        return recorded
    return await _record(uow, principal, project, decision, body, advanced)


async def _record(
    uow: ProjectsUnitOfWork,
    principal: Principal,
    before: Project,
    decision: GateDecision,
    body: str,
    after: Project,
) -> Project:
    uow.publish(
        contracts.StageGateDecided(
            project_id=before.project_id,
            stage=before.stage,
            approved=decision.approve,
            reasons=decision.reasons,
            decided_by=principal.subject,
            body=body,
            decided_at=now(),
        ),
        subject=subject(before.project_id),
        locality=locality_of(before),
    )
    action = "gate_approved" if decision.approve else "gate_refused"
    detail = {"stage": before.stage, "body": body}
    return await store_change(
        uow, principal, after, action, reasons=decision.reasons, detail=detail
    )


def _hand_on(
    uow: ProjectsUnitOfWork, principal: Principal, project: Project, plan: Commissioning
) -> Project:
    """Publish what the stage-6 decision asks of the procurement service (or decommissioning)."""
    common = {
        "project_id": project.project_id,
        "title": project.title,
        "level": contracts.Level(project.level.value),
        "localities": list(project.localities),
        "outcomes": list(project.outcomes),
    }
    if not plan.commissions:
        uow.publish(
            contracts.DecommissioningDecided(
                **common,
                service_description=plan.service_description,
                impact_assessment=plan.impact_assessment,
                decided_by=principal.subject,
                decided_at=now(),
            ),
            subject=subject(project.project_id),
            locality=locality_of(project),
        )
        return project
    request = _procurement_request(project, plan, principal, common)
    uow.publish(request, subject=subject(project.project_id), locality=locality_of(project))
    return replace(project, procurement_requested=True)


def _procurement_request(
    project: Project, plan: Commissioning, principal: Principal, common: dict[str, object]
) -> contracts.ProcurementRequested:
    return contracts.ProcurementRequested.model_validate(
        {
            **common,
            "request_id": uuid.uuid4(),
            "decision": plan.decision.value,
            "target_groups": list(project.target_groups),
            "estimated_value": plan.estimated_value,
            "route": plan.route,
            "outcome_specification": {
                "summary": plan.specification_summary,
                "kpis": [
                    {
                        "kpi": k.kpi,
                        "outcome": k.outcome,
                        "target": k.target,
                        "indicator_id": k.indicator_id,
                    }
                    for k in plan.kpis
                ],
            },
            "lead_commissioner": project.lead_commissioner,
            "commissioning_officer": project.commissioning_officer,
            "requested_by": principal.subject,
            "requested_at": now(),
        }
    )
