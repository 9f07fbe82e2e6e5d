"""Evidence as documents: the pydantic shape a project's evidence is recorded in over HTTP
and stored in, and its conversion to and from the domain's dataclasses (one codec)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.projects.domain import evidence as ev

Text = Annotated[str, Field(max_length=20_000, pattern=r"^[^\x00]*$")]
Short = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), decimal_places=2)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NeedsAnalysisDoc(_Doc):
    summary: Text = ""
    cited_needs: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    cited_assessments: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    views_of_children: Text = ""
    views_of_families: Text = ""
    views_of_professionals: Text = ""


class ResourceDoc(_Doc):
    source: Short
    description: Text = ""
    amount: Money | None = None


class KpiDoc(_Doc):
    kpi: Short
    outcome: Short
    target: Short
    indicator_id: Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9_.-]+$")] | None = None


class CommissioningDoc(_Doc):
    decision: ev.Decision
    service_description: Text = ""
    impact_assessment: Text = ""
    route: ev.Route | None = None
    estimated_value: Money | None = None
    specification_summary: Text = ""
    kpis: list[KpiDoc] = Field(default_factory=list, max_length=50)


class ContributionDoc(_Doc):
    agency: Short
    amount: Money
    pooled: bool = True


class MonitoringDoc(_Doc):
    officer: Short
    performance_criteria: list[Short] = Field(default_factory=list, max_length=50)
    formal_review_month: int = Field(default=12, ge=1, le=12)


class EvidenceDoc(_Doc):
    """A project's evidence by stage. In a request, the sections given replace the stored
    ones and the rest stay as they are."""

    outcome_baseline: Text = Field(default="", description="Stage 1.")
    group_outcomes: Text = Field(default="", description="Stage 2.")
    needs_analysis: NeedsAnalysisDoc | None = Field(default=None, description="Stage 3.")
    agreed_priorities: list[Short] = Field(
        default_factory=list, max_length=50, description="Stage 4."
    )
    resources: list[ResourceDoc] = Field(default_factory=list, max_length=50, description="4.")
    service_model: Text = Field(default="", description="Stage 5.")
    stakeholder_engagement: Text = Field(default="", description="Stage 5.")
    commissioning: CommissioningDoc | None = Field(default=None, description="Stage 6.")
    contributions: list[ContributionDoc] = Field(
        default_factory=list, max_length=50, description="Stage 7."
    )
    market_analysis: Text = Field(default="", description="Stage 8.")
    workforce_plan: Text = Field(default="", description="Stage 8.")
    monitoring: MonitoringDoc | None = Field(default=None, description="Stage 9.")

    def to_domain(self) -> ev.Evidence:
        a, c, m = self.needs_analysis, self.commissioning, self.monitoring
        return ev.Evidence(
            outcome_baseline=self.outcome_baseline,
            group_outcomes=self.group_outcomes,
            needs_analysis=None
            if a is None
            else ev.NeedsAnalysis(
                a.summary,
                tuple(a.cited_needs),
                tuple(a.cited_assessments),
                a.views_of_children,
                a.views_of_families,
                a.views_of_professionals,
            ),
            agreed_priorities=tuple(self.agreed_priorities),
            resources=tuple(ev.Resource(r.source, r.description, r.amount) for r in self.resources),
            service_model=self.service_model,
            stakeholder_engagement=self.stakeholder_engagement,
            commissioning=None
            if c is None
            else ev.Commissioning(
                c.decision,
                c.service_description,
                c.impact_assessment,
                c.route,
                c.estimated_value,
                c.specification_summary,
                tuple(ev.KpiTarget(k.kpi, k.outcome, k.target, k.indicator_id) for k in c.kpis),
            ),
            contributions=tuple(
                ev.Contribution(x.agency, x.amount, x.pooled) for x in self.contributions
            ),
            market_analysis=self.market_analysis,
            workforce_plan=self.workforce_plan,
            monitoring=None
            if m is None
            else ev.Monitoring(m.officer, tuple(m.performance_criteria), m.formal_review_month),
        )

    @classmethod
    def of(cls, evidence: ev.Evidence) -> EvidenceDoc:
        return cls.model_validate(_plain(evidence), from_attributes=False)

    def merged_into(self, stored: ev.Evidence) -> EvidenceDoc:
        """The stored evidence with the sections set in this request replaced."""
        current = EvidenceDoc.of(stored).model_dump()
        current.update(self.model_dump(include=self.model_fields_set))
        return EvidenceDoc.model_validate(current)


def _plain(value: Any) -> Any:
    """Dataclasses to plain data, for validation into the documents."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
