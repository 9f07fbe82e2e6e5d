"""Documents read back as the boards' view models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.boards.application.views import (
    AlertView,
    Benchmark,
    ContractView,
    GateView,
    NeedView,
    ProcurementView,
    ProjectView,
    RagView,
    StoryView,
)
from services.boards.domain.documents import Document, StoryLine


def need_view(d: Document) -> NeedView:
    b, e = d.body, d.body["evidence"]
    return NeedView(
        need_id=d.key,
        need_key=b["need_key"],
        indicator_id=b["indicator_id"],
        indicator_name=b["indicator_name"],
        outcomes=b["outcomes"],
        area=b["area"],
        locality=b["locality"],
        breakdown=b["breakdown"],
        vulnerable_group=b["vulnerable_group"],
        reason=b["reason"],
        state=b["state"],
        period=e["period"],
        value=e["value"],
        lower95=e["lower95"],
        upper95=e["upper95"],
        value_note=e["value_note"],
        benchmark=None if e["benchmark"] is None else Benchmark(**e["benchmark"]),
        comparison=e["comparison"],
        trend=e["trend"],
        identified_at=b["identified_at"],
        resolved_at=b["resolved_at"],
    )


def project_view(d: Document) -> ProjectView:
    b = d.body
    gate = b.get("last_gate")
    return ProjectView(
        project_id=d.key,
        title=b["title"],
        level=b["level"],
        localities=b["localities"],
        outcomes=b["outcomes"],
        stage=b["stage"],
        status=b["status"],
        priority_id=b["priority_id"],
        last_gate=None if gate is None else GateView(**gate),
        changed_at=b["changed_at"],
    )


def contract_views(
    contracts: Sequence[Document],
    monitored: Sequence[Document],
    performance: Mapping[str, Document],
) -> list[ContractView]:
    """Procurement's contracts and monitoring's registrations joined on the contract id:
    procurement's terms where it has them, monitoring's otherwise, with the latest RAG."""
    found: dict[str, ContractView] = {}
    for d in monitored:
        b = d.body
        found[d.key] = _contract(d.key, b, list(d.localities), None, "live", performance)
    for d in contracts:
        b = d.body
        found[d.key] = _contract(d.key, b, b["localities"], b["value"], b["status"], performance)
    return [found[k] for k in sorted(found)]


def _contract(
    key: str,
    b: Mapping[str, Any],
    localities: list[str],
    value: str | None,
    status: str,
    performance: Mapping[str, Document],
) -> ContractView:
    rag = performance.get(key)
    return ContractView(
        contract_id=key,
        title=b["title"],
        provider_id=b["provider_id"],
        localities=localities,
        outcomes=b["outcomes"],
        value=value,
        starts_on=b["starts_on"],
        ends_on=b["ends_on"],
        status=status,
        rag=None
        if rag is None
        else RagView(
            period=rag.body["period"], revision=rag.body["revision"], status=rag.body["status"]
        ),
    )


def alert_view(d: Document) -> AlertView:
    b = d.body
    return AlertView(
        alert_id=d.key,
        **{k: b[k] for k in AlertView.model_fields if k != "alert_id"},
    )


def procurement_views(
    procurements: Sequence[Document], contracts: Sequence[Document]
) -> list[ProcurementView]:
    """Each procurement with its stage; one whose contract has started is `contracted`."""
    started = {c.body["procurement_id"]: c.key for c in contracts}
    views = []
    for d in procurements:
        b = d.body
        contract_id = started.get(d.key)
        views.append(
            ProcurementView(
                procurement_id=d.key,
                title=b["title"],
                locality=b["locality"],
                route=b["route"],
                value=b["value"],
                outcomes=b["outcomes"],
                stage="contracted" if contract_id else b["stage"],
                bids=b["bids"],
                provider_id=b["provider_id"],
                contract_id=contract_id,
                opened_at=b["opened_at"],
            )
        )
    return views


def story_view(line: StoryLine) -> StoryView:
    return StoryView(
        occurred_at=line.occurred_at.isoformat(),
        kind=line.kind.value,
        summary=line.summary,
        localities=list(line.localities),
    )
