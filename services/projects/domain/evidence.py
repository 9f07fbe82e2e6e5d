"""The evidence a project records to leave each stage (the nine-stage table: North
Yorkshire, Appendix C; Gateshead commissioning handbook, Activities One to Four)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Decision(StrEnum):
    """The stage-6 decision (Gateshead handbook, Activity Three step 2)."""

    DESIGN_NEW = "design_new"
    REDESIGN = "redesign"
    CEASE = "cease"


class Route(StrEnum):
    """Procurement routes (Durham, Section 3 "Procurement and Contracting Function")."""

    SELECT_LIST = "select_list"
    OPEN_TENDER = "open_tender"
    GRANT = "grant"
    IN_HOUSE = "in_house"


@dataclass(frozen=True)
class NeedsAnalysis:
    """Stage 3: the integrated needs assessment joins outcome data (needs and needs
    assessments published by the needs service) with the views of children, families and
    professionals (North Yorkshire, Appendix C, stage 3; Gateshead handbook, Activity One
    steps 3-4)."""

    summary: str = ""
    cited_needs: tuple[uuid.UUID, ...] = ()
    cited_assessments: tuple[uuid.UUID, ...] = ()
    views_of_children: str = ""
    views_of_families: str = ""
    views_of_professionals: str = ""


@dataclass(frozen=True)
class Resource:
    """Stage 4: a resource identified, including external funding."""

    source: str
    description: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class KpiTarget:
    kpi: str
    outcome: str
    target: str
    indicator_id: str | None = None


@dataclass(frozen=True)
class Commissioning:
    """Stage 6: the decision, the specification and the route (Gateshead handbook, Activity
    Three steps 2 and 5)."""

    decision: Decision
    service_description: str = ""
    impact_assessment: str = ""
    route: Route | None = None
    estimated_value: Decimal | None = None
    specification_summary: str = ""
    kpis: tuple[KpiTarget, ...] = ()

    @property
    def commissions(self) -> bool:
        return self.decision is not Decision.CEASE


@dataclass(frozen=True)
class Contribution:
    """Stage 7: one partner's contribution to an aligned or pooled budget."""

    agency: str
    amount: Decimal
    pooled: bool = True


@dataclass(frozen=True)
class Monitoring:
    """Stage 9: monitoring arrangements (Gateshead handbook, Activity Four)."""

    officer: str
    performance_criteria: tuple[str, ...]
    formal_review_month: int = 12


@dataclass(frozen=True)
class Evidence:
    """Everything recorded for a project, stage by stage; each part optional until its gate."""

    outcome_baseline: str = ""
    group_outcomes: str = ""
    needs_analysis: NeedsAnalysis | None = None
    agreed_priorities: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    service_model: str = ""
    stakeholder_engagement: str = ""
    commissioning: Commissioning | None = None
    contributions: tuple[Contribution, ...] = ()
    market_analysis: str = ""
    workforce_plan: str = ""
    monitoring: Monitoring | None = None
