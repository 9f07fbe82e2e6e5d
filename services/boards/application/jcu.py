"""The Joint Commissioning Unit's reads, from its own projection: the whole pipeline
(Durham Children's Trust framework, section 3, "Joint Commissioning Unit" and the Planning,
Performance and Delivery Group's duties): every project by stage and gate, the procurement
pipeline, contracts and their RAG, pooled and aligned budgets, every open alert, and the
gap analysis of needs against services."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from services.boards.application.access import require_trust_wide
from services.boards.application.local_board import RESOLVED, STORY_LIMIT, contracts_of
from services.boards.application.ports import BoardsUnitOfWork
from services.boards.application.reading import (
    alert_view,
    procurement_views,
    project_view,
    story_view,
)
from services.boards.application.views import (
    AlertView,
    ContractView,
    FundView,
    GapAnalysisView,
    GapCell,
    PipelineView,
    ProcurementPipelineView,
    StageCount,
    StoryView,
    UnevidencedService,
    UnmetNeed,
)
from services.boards.domain import gaps, money
from services.boards.domain.documents import Board, Document, Kind
from shared.auth import Principal

JCU = "JCU"


async def jcu_projects(uow: BoardsUnitOfWork, principal: Principal) -> PipelineView:
    """Every project with its last gate decision, and how many active ones are at each
    stage."""
    require_trust_wide(principal, JCU)
    projects = [project_view(d) for d in await uow.store(Board.JCU).documents(Kind.PROJECT)]
    counts = Counter(p.stage for p in projects if p.status != "completed")
    by_stage = [StageCount(stage=s, projects=n) for s, n in sorted(counts.items())]
    return PipelineView(by_stage=by_stage, projects=projects)


async def jcu_procurements(uow: BoardsUnitOfWork, principal: Principal) -> ProcurementPipelineView:
    """The procurement pipeline: every procurement and the stage it has reached."""
    require_trust_wide(principal, JCU)
    store = uow.store(Board.JCU)
    views = procurement_views(
        await store.documents(Kind.PROCUREMENT), await store.documents(Kind.CONTRACT)
    )
    return ProcurementPipelineView(
        by_stage=dict(sorted(Counter(v.stage for v in views).items())), procurements=views
    )


async def jcu_contracts(uow: BoardsUnitOfWork, principal: Principal) -> list[ContractView]:
    """Every contract with its latest RAG."""
    require_trust_wide(principal, JCU)
    return await contracts_of(uow.store(Board.JCU), None)


def commitments(contracts: list[Document]) -> list[money.Commitment]:
    """Each contract's commitment against each fund it draws on."""
    return [
        money.Commitment(
            d.key,
            f["fund_id"],
            Decimal(f["amount"]),
            {k: Decimal(v) for k, v in f["partners"].items()},
            datetime.fromisoformat(d.body["started_at"]),
        )
        for d in contracts
        for f in d.body["funding"]
    ]


async def jcu_budgets(uow: BoardsUnitOfWork, principal: Principal) -> list[FundView]:
    """Pooled and aligned funds: contributed, committed and remaining."""
    require_trust_wide(principal, JCU)
    contracts = list(await uow.store(Board.JCU).documents(Kind.CONTRACT))
    return [
        FundView(
            fund_id=f.fund_id,
            contributed=str(f.contributed),
            committed=str(f.committed),
            remaining=str(f.remaining),
            partners={k: str(v) for k, v in f.partners.items()},
            contracts=f.contracts,
        )
        for f in money.funds(commitments(contracts))
    ]


async def jcu_alerts(uow: BoardsUnitOfWork, principal: Principal) -> list[AlertView]:
    """Every open alert, whichever board it was raised for."""
    require_trust_wide(principal, JCU)
    alerts = await uow.store(Board.JCU).documents(Kind.ALERT)
    return [alert_view(d) for d in alerts if d.body["state"] != RESOLVED]


async def jcu_gaps(uow: BoardsUnitOfWork, principal: Principal) -> GapAnalysisView:
    """Open needs per outcome and locality against the live contracts addressing them."""
    require_trust_wide(principal, JCU)
    store = uow.store(Board.JCU)
    needs = [
        gaps.OpenNeed(
            d.key, d.body["indicator_name"], tuple(d.body["outcomes"]), d.body["locality"]
        )
        for d in await store.documents(Kind.NEED)
        if d.body["state"] != RESOLVED
    ]
    services = [
        gaps.Service(c.contract_id, c.title, tuple(c.outcomes), tuple(c.localities))
        for c in await contracts_of(store, None)
        if c.status == "live"
    ]
    found = gaps.analyse(needs, services)
    return GapAnalysisView(
        cells=[
            GapCell(outcome=c.outcome, locality=c.locality, needs=c.needs, services=c.services)
            for c in found.cells
        ],
        needs_without_service=[
            UnmetNeed(
                need_id=n.need_id,
                indicator_name=n.indicator_name,
                outcomes=list(n.outcomes),
                locality=n.locality,
            )
            for n in found.needs_without_service
        ],
        services_without_need=[
            UnevidencedService(
                contract_id=s.contract_id,
                title=s.title,
                outcomes=list(s.outcomes),
                localities=list(s.localities),
            )
            for s in found.services_without_need
        ],
    )


async def jcu_story(
    uow: BoardsUnitOfWork, principal: Principal, limit: int = STORY_LIMIT
) -> list[StoryView]:
    """What happened across the trust, newest first."""
    require_trust_wide(principal, JCU)
    return [story_view(s) for s in await uow.store(Board.JCU).story(None, limit)]
