"""Stage gates: what a project must show to leave each stage, and who decides.

The rules follow the nine-stage table (North Yorkshire, Appendix C; Gateshead commissioning
handbook, Activities One to Four; Medway, Section Two) and the deciding bodies follow
Durham's roles table and board duties (Durham, Section 3). Each rule returns what is
missing, in words, so a refusal lists exactly that.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.projects.domain.evidence import Decision, Evidence

LAST_STAGE = 9

APPROVERS: dict[int, frozenset[str]] = {
    # Durham, Section 3, roles table "Audit performance", "Audit need": the JCU or the lead
    # commissioner receives the audit and agrees the commissioning activity.
    1: frozenset({"jcu", "lead_commissioner"}),
    2: frozenset({"jcu", "lead_commissioner"}),
    3: frozenset({"jcu", "lead_commissioner"}),
    # Durham, "The Children's Executive Board", duties 1, 4, 5: priorities and funding.
    4: frozenset({"executive_board"}),
    # Durham, roles table "Develop ideal type": the JCU approves the model.
    5: frozenset({"jcu"}),
    # Durham, roles table "Identify what needs to change": resources agreed by the JCU.
    6: frozenset({"jcu"}),
    # Durham, JCU duty 5 (partner funding under delegated authority) and CEB duty 4.
    7: frozenset({"jcu", "executive_board"}),
    # Durham, roles table "Introduce new service", "Decommission old service".
    8: frozenset({"jcu", "lead_commissioner"}),
    # Durham, roles table "Monitor contract": the JCU receives monitoring information.
    9: frozenset({"jcu"}),
}


@dataclass(frozen=True)
class Missing:
    """One piece of evidence a gate lacks: the evidence field and the rule."""

    field: str
    rule: str


@dataclass(frozen=True)
class Published:
    """What the needs service has published, as this service's projection knows it."""

    needs: frozenset[uuid.UUID] = frozenset()
    assessments: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class Subject:
    """What a gate rule looks at: the project's evidence and outcomes."""

    evidence: Evidence
    outcomes: frozenset[str]
    agencies: frozenset[str]
    published: Published


Rule = Callable[[Subject], list[Missing]]


def _text(value: str, field: str, rule: str) -> list[Missing]:
    return [] if value.strip() else [Missing(field, rule)]


def outcome_baseline(s: Subject) -> list[Missing]:
    """Stage 1 (North Yorkshire, Appendix C, stage 1; Medway, paragraphs 2.5-2.6)."""
    return _text(
        s.evidence.outcome_baseline,
        "outcome_baseline",
        "an outcome baseline (current pattern and trends against comparators) is required",
    )


def group_outcomes(s: Subject) -> list[Missing]:
    """Stage 2 (North Yorkshire, Appendix C, stage 2; Medway, paragraphs 2.7-2.9)."""
    return _text(
        s.evidence.group_outcomes,
        "group_outcomes",
        "outcomes for particular groups, compared with comparators, are required",
    )


def needs_analysis(s: Subject) -> list[Missing]:
    """Stage 3 (North Yorkshire, Appendix C, stage 3; Gateshead handbook, Activity One
    steps 3-4): published needs evidence joined with the views of those served."""
    analysis = s.evidence.needs_analysis
    if analysis is None:
        return [Missing("needs_analysis", "a needs analysis is required")]
    missing: list[Missing] = []
    if not analysis.cited_needs and not analysis.cited_assessments:
        rule = "must cite at least one need or needs assessment published by the needs service"
        missing.append(Missing("needs_analysis.cited_needs", rule))
    for need in analysis.cited_needs:
        if need not in s.published.needs:
            rule = f"need {need} has not been published by the needs service"
            missing.append(Missing("needs_analysis.cited_needs", rule))
    for assessment in analysis.cited_assessments:
        if assessment not in s.published.assessments:
            rule = f"needs assessment {assessment} has not been published by the needs service"
            missing.append(Missing("needs_analysis.cited_assessments", rule))
    for who in ("children", "families", "professionals"):
        if not getattr(analysis, f"views_of_{who}").strip():
            missing.append(
                Missing(f"needs_analysis.views_of_{who}", f"the views of {who} must be recorded")
            )
    return missing


def priorities_and_resources(s: Subject) -> list[Missing]:
    """Stage 4 (North Yorkshire, Appendix C, stage 4; Gateshead handbook, Activity Two
    steps 2-3): priorities agreed and resources identified."""
    missing = []
    if not s.evidence.agreed_priorities:
        missing.append(Missing("agreed_priorities", "at least one agreed priority is required"))
    if not s.evidence.resources:
        missing.append(Missing("resources", "the available resources must be identified"))
    return missing


def service_model(s: Subject) -> list[Missing]:
    """Stage 5 (North Yorkshire, Appendix C, stage 5; Durham, roles table "Develop ideal
    type"): the pattern of services and the stakeholders it was shared with."""
    return _text(
        s.evidence.service_model,
        "service_model",
        "the pattern of services (the 'ideal type') is required",
    ) + _text(
        s.evidence.stakeholder_engagement,
        "stakeholder_engagement",
        "how the draft plan was shared with stakeholders is required",
    )


def commissioning_decision(s: Subject) -> list[Missing]:
    """Stage 6 (Gateshead handbook, Activity Three steps 2 and 5; North Yorkshire, Appendix C,
    stage 6): design new, redesign or cease; ceasing needs an impact assessment;
    commissioning needs a specification with outcomes sought and a procurement route."""
    plan = s.evidence.commissioning
    if plan is None:
        rule = "a decision (design_new, redesign or cease) is required"
        return [Missing("commissioning.decision", rule)]
    missing = _text(
        plan.service_description, "commissioning.service_description", "describe the service"
    )
    if plan.decision is Decision.CEASE:
        return missing + _text(
            plan.impact_assessment,
            "commissioning.impact_assessment",
            "ceasing a service requires an assessment of the impact of ending it",
        )
    if plan.route is None:
        missing.append(Missing("commissioning.route", "a procurement route is required"))
    if plan.estimated_value is None:
        missing.append(Missing("commissioning.estimated_value", "an estimated value is required"))
    missing += _text(
        plan.specification_summary,
        "commissioning.specification_summary",
        "a service specification with the outcomes sought is required",
    )
    if not plan.kpis:
        rule = "the specification needs at least one KPI with a target"
        missing.append(Missing("commissioning.kpis", rule))
    for kpi in plan.kpis:
        if kpi.outcome not in s.outcomes:
            rule = f"KPI {kpi.kpi!r} evidences {kpi.outcome!r}, not one of the project's outcomes"
            missing.append(Missing("commissioning.kpis", rule))
    return missing


def partner_contributions(s: Subject) -> list[Missing]:
    """Stage 7 (Gateshead handbook, Activity Three step 4; North Yorkshire, Appendix C,
    stage 7): each partner's contribution to the aligned or pooled budget. A service being
    ceased has nothing to pool."""
    plan = s.evidence.commissioning
    if plan is not None and plan.decision is Decision.CEASE:
        return []
    if not s.evidence.contributions:
        rule = "each partner's contribution to the aligned or pooled budget is required"
        return [Missing("contributions", rule)]
    return [
        Missing("contributions", f"{c.agency!r} is not a partner agency of the trust")
        for c in s.evidence.contributions
        if c.agency not in s.agencies
    ]


def workforce_and_market(s: Subject) -> list[Missing]:
    """Stage 8 (Gateshead handbook, Activity Three steps 3 and 8; North Yorkshire, Appendix
    C, stage 8): a market analysis and a workforce plan."""
    return _text(
        s.evidence.market_analysis, "market_analysis", "a market analysis is required"
    ) + _text(s.evidence.workforce_plan, "workforce_plan", "a workforce plan is required")


def monitoring_arrangements(s: Subject) -> list[Missing]:
    """Stage 9 (Gateshead handbook, Activity Four; North Yorkshire, Appendix C, stage 9): an
    officer responsible and performance criteria, with a formal review each year."""
    monitoring = s.evidence.monitoring
    if monitoring is None:
        return [Missing("monitoring", "monitoring arrangements are required")]
    missing = _text(monitoring.officer, "monitoring.officer", "name the officer responsible")
    if not monitoring.performance_criteria:
        rule = "performance criteria taken from the contract are required"
        missing.append(Missing("monitoring.performance_criteria", rule))
    return missing


RULES: dict[int, Rule] = {
    1: outcome_baseline,
    2: group_outcomes,
    3: needs_analysis,
    4: priorities_and_resources,
    5: service_model,
    6: commissioning_decision,
    7: partner_contributions,
    8: workforce_and_market,
    9: monitoring_arrangements,
}


@dataclass(frozen=True)
class StageGate:
    """The gate out of one stage: its evidence rule and the bodies that decide it."""

    stage: int

    def missing(self, subject: Subject) -> list[Missing]:
        """What the project lacks to leave this stage; empty when it may."""
        return RULES[self.stage](subject)

    @property
    def approvers(self) -> frozenset[str]:
        return APPROVERS[self.stage]

    def may_decide(self, roles: Iterable[str]) -> bool:
        return not self.approvers.isdisjoint(roles)
