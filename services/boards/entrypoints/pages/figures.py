"""The boards' views drawn as charts where people would rather look than read: needs as a
spine chart against their benchmark, projects and procurements by stage, budgets as
contributed, committed and remaining, contracts as a RAG grid, outcomes as a scorecard and
the self-evaluation as a trend. Pure functions from view models to `shared.charts`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from services.boards.application.views import (
    AlertView,
    ContractView,
    FundView,
    IndicatorScore,
    NeedView,
    OutcomeScorecard,
    PriorityProgress,
    ProjectView,
    SelfEvaluationView,
)
from shared.charts import (
    Budget,
    Figure,
    Html,
    ScorecardRow,
    SpineRow,
    TrendPoint,
    budget_bars,
    rag_grid,
    scorecard,
    spine_chart,
    stage_bars,
    trend_chart,
    value_bars,
)

STAGES = {
    1: "1 Outcome baseline",
    2: "2 Outcomes for groups",
    3: "3 Needs analysis",
    4: "4 Priorities, resources",
    5: "5 Service model",
    6: "6 Decision",
    7: "7 Budget",
    8: "8 Market, workforce",
    9: "9 Contract, review",
}
"""The nine stages, named by what each one's gate asks for (North Yorkshire, Appendix C)."""

PROCUREMENT_STAGES = ("opened", "tendering", "closed", "awarded", "contracted")
RULES = {
    "kpi_red": "KPI red",
    "amber_repeated": "Amber again",
    "return_missing": "Return missing",
    "kpi_worsening": "KPI worsening",
    "red_after_plan": "Red after improvement plan",
    "escalated_by_board": "Escalated by a board",
}


def need_spines(caption: str, needs: Sequence[NeedView]) -> Figure | None:
    rows = [
        SpineRow(
            n.indicator_name if not n.breakdown else f"{n.indicator_name} ({_group(n)})",
            n.period,
            value=n.value,
            benchmark=n.benchmark.value,
            lower=n.lower95,
            upper=n.upper95,
            comparison=n.comparison,
        )
        for n in needs
        if n.value is not None and n.benchmark is not None and n.benchmark.value is not None
    ]
    comparator = next((n.benchmark.comparator for n in needs if n.benchmark), "england")
    return spine_chart(caption, rows, comparator.replace("_", " ").capitalize()) if rows else None


def words(identifier: str) -> str:
    """An id such as `be_healthy` or `durham-county-council` as words."""
    return identifier.replace("_", " ").replace("-", " ").capitalize()


def _group(need: NeedView) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(need.breakdown.items()))


def project_stages(projects: Sequence[ProjectView]) -> Figure:
    counts = {stage: 0 for stage in STAGES}
    for p in projects:
        counts[p.stage] = counts.get(p.stage, 0) + 1
    return stage_bars(
        "Projects by stage", [(STAGES.get(s, f"Stage {s}"), n) for s, n in sorted(counts.items())]
    )


def procurement_stages(by_stage: dict[str, int]) -> Figure:
    order = [*PROCUREMENT_STAGES, *sorted(set(by_stage) - set(PROCUREMENT_STAGES))]
    rows = [(s.capitalize(), by_stage.get(s, 0)) for s in order]
    return stage_bars("Procurements by stage", rows, noun="procurements")


def contract_grid(contracts: Sequence[ContractView]) -> Figure | None:
    rated = [c for c in contracts if c.rag is not None]
    if not rated:
        return None
    periods = sorted({c.rag.period for c in rated if c.rag})
    rows = {c.title: {c.rag.period: c.rag.status} for c in rated if c.rag}
    return rag_grid("Contracts' latest RAG by period", periods, rows)


def budgets(funds: Sequence[FundView]) -> Figure:
    return budget_bars(
        "Pooled and aligned budgets",
        [
            Budget(f.fund_id, float(Decimal(f.contributed)), float(Decimal(f.committed)))
            for f in funds
        ],
    )


def money_bars(caption: str, amounts: dict[str, str], header: str) -> Figure:
    rows = sorted(((words(k), float(Decimal(v))) for k, v in amounts.items()), key=lambda r: -r[1])
    return value_bars(caption, rows, header=header, noun="pounds", prefix="£")


def outcome_scorecard(cards: Sequence[OutcomeScorecard]) -> Html:
    rows = [
        ScorecardRow(words(card.outcome), _spine(i), i.trend)
        for card in cards
        for i in card.indicators
        if i.value is not None and i.benchmark is not None and i.benchmark.value is not None
    ]
    return scorecard("Outcome scorecard: indicators against benchmark", rows)


def _spine(i: IndicatorScore) -> SpineRow:
    assert i.value is not None and i.benchmark is not None and i.benchmark.value is not None
    group = i.need_key.split("/")[3:]  # indicator/area kind/area code[/breakdown]
    where = i.area.split("/")[-1].replace("-", " ").title()
    return SpineRow(
        f"{i.indicator_name}, {where}" + (f" ({', '.join(group)})" if group else ""),
        i.period,
        value=i.value,
        benchmark=i.benchmark.value,
        lower=i.lower95,
        upper=i.upper95,
        comparison=i.comparison,
    )


def self_evaluation_trend(evaluations: Sequence[SelfEvaluationView]) -> Figure | None:
    if not evaluations:
        return None
    points = [TrendPoint(e.as_of[:10], float(Decimal(e.mean_score))) for e in evaluations]
    return trend_chart("Self-evaluation: mean score across the 13 standards", points, unit="score")


def titles(contracts: Sequence[ContractView]) -> dict[str, str]:
    return {c.contract_id: c.title for c in contracts}


def alert_item(alert: AlertView, contracts: dict[str, str]) -> dict[str, str]:
    """An alert as the live feed shows it: the same words on the page and over SSE, naming
    the contract by its title where the board knows it."""
    where = alert.locality or "trust-wide"
    kpi = f", {alert.kpi_id}" if alert.kpi_id else ""
    contract = contracts.get(alert.contract_id, f"contract {alert.contract_id}")
    return {
        "id": alert.alert_id,
        "headline": f"{RULES.get(alert.rule, alert.rule)}: {contract}{kpi} ({where})",
        "status": alert.severity,
        "detail": f"{alert.period}. {alert.evidence} State: {alert.state}.",
    }


def value_bars_of_plan(plan: Sequence[PriorityProgress]) -> Figure:
    rows = [(f"{p.title} ({p.year})", float(p.percent_complete)) for p in plan]
    return value_bars(
        "Annual Commissioning Plan: percent complete by priority",
        rows,
        header="Priority",
        noun="percent complete",
        suffix="%",
    )
