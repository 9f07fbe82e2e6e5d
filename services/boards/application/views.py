"""What each board sees: the view models the queries return and the API serves (pydantic,
so the HTTP layer documents them as they are). Money is a decimal string, exact to the
penny; times are ISO 8601 as the events gave them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Benchmark(_View):
    comparator: str
    area_code: str | None
    value: float | None
    period: str


class NeedView(_View):
    """A need as the needs service published it (figures already disclosure-controlled)."""

    need_id: str
    need_key: str
    indicator_id: str
    indicator_name: str
    outcomes: list[str]
    area: str
    locality: str | None
    breakdown: dict[str, str]
    vulnerable_group: bool
    reason: str
    state: str = Field(description="open | resolved")
    period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    value_note: str | None
    benchmark: Benchmark | None
    comparison: str
    trend: str
    identified_at: str
    resolved_at: str | None


class GateView(_View):
    stage: int
    approved: bool
    body: str
    reasons: str
    decided_at: str


class ProjectView(_View):
    project_id: str
    title: str
    level: str
    localities: list[str]
    outcomes: list[str]
    stage: int
    status: str
    priority_id: str | None
    last_gate: GateView | None
    changed_at: str


class RagView(_View):
    period: str
    revision: int
    status: str = Field(description="green | amber | red")


class ContractView(_View):
    """A contract from procurement, monitoring, or both (joined on the contract id)."""

    contract_id: str
    title: str
    provider_id: str
    localities: list[str]
    outcomes: list[str]
    value: str | None = Field(description="GBP; None when only monitoring knows it.")
    starts_on: str
    ends_on: str
    status: str = Field(description="live | terminated")
    rag: RagView | None


class AlertView(_View):
    alert_id: str
    contract_id: str
    kpi_id: str | None
    period: str
    rule: str
    severity: str
    audience: str
    locality: str | None
    evidence: str
    recommendation: str | None
    state: str
    raised_at: str
    updated_at: str


class StoryView(_View):
    occurred_at: str
    kind: str
    summary: str
    localities: list[str]


class SelectListView(_View):
    """A board's select list of preferred providers for one priority (Durham, section 3,
    "Local Children's Boards", responsibility 8)."""

    priority: str
    providers: list[str]


class LocalBoardView(_View):
    """A Local Children's Board's view of its locality (Durham, section 3, "Local
    Children's Boards")."""

    locality: str
    needs: list[NeedView] = Field(description="Open needs of all children in the locality.")
    vulnerable_groups: list[NeedView] = Field(description="Open needs of groups within it.")
    projects: list[ProjectView]
    procurements: list[ProcurementView]
    select_lists: list[SelectListView]
    contracts: list[ContractView]
    alerts: list[AlertView] = Field(description="Open alerts for this board.")


class ProcurementView(_View):
    procurement_id: str
    title: str
    locality: str
    route: str
    value: str
    outcomes: list[str]
    stage: str = Field(description="opened | tendering | closed | awarded | contracted")
    bids: int
    provider_id: str | None
    contract_id: str | None
    opened_at: str


class StageCount(_View):
    stage: int
    projects: int


class PipelineView(_View):
    """Every project by stage and gate status (JCU)."""

    by_stage: list[StageCount]
    projects: list[ProjectView]


class ProcurementPipelineView(_View):
    by_stage: dict[str, int]
    procurements: list[ProcurementView]


class FundView(_View):
    fund_id: str
    contributed: str
    committed: str
    remaining: str
    partners: dict[str, str]
    contracts: int


class GapCell(_View):
    outcome: str
    locality: str = Field(description="A locality id, or 'trust' for trust-wide needs.")
    needs: int
    services: int


class UnmetNeed(_View):
    need_id: str
    indicator_name: str
    outcomes: list[str]
    locality: str | None


class UnevidencedService(_View):
    contract_id: str
    title: str
    outcomes: list[str]
    localities: list[str]


class GapAnalysisView(_View):
    cells: list[GapCell]
    needs_without_service: list[UnmetNeed]
    services_without_need: list[UnevidencedService]


class PriorityProgress(_View):
    priority_id: str
    year: str
    title: str
    outcomes: list[str]
    percent_complete: int = Field(ge=0, le=100)
    projects: list[ProjectView]


class IndicatorScore(_View):
    need_key: str
    indicator_name: str
    area: str
    state: str
    period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    benchmark: Benchmark | None
    comparison: str
    trend: str


class OutcomeScorecard(_View):
    outcome: str
    open_needs: int
    indicators: list[IndicatorScore]


class SpendView(_View):
    by_outcome: dict[str, str] = Field(
        description="Contract value serving each outcome, GBP; a contract serving two "
        "outcomes counts under both, so these do not add up."
    )
    by_partner: dict[str, str] = Field(description="Committed funding shared pro rata, GBP.")


class StandardScore(_View):
    standard: int
    score: str
    movement: str | None


class SelfEvaluationView(_View):
    evaluation_id: str
    as_of: str
    mean_score: str
    scores: list[StandardScore]


LocalBoardView.model_rebuild()
