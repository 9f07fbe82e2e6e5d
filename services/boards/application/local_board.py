"""A Local Children's Board's reads, from the local boards' projection (Durham Children's
Trust framework, section 3, "Local Children's Boards": local needs, local commissioning
and the performance of local services).

Every read takes the unit of work and the caller first and checks the caller's scope; the
HTTP API and the dashboards call these, never the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.boards.application.access import require_local_board
from services.boards.application.ports import BoardsUnitOfWork, ProjectionStore
from services.boards.application.reading import (
    alert_view,
    contract_views,
    need_view,
    procurement_views,
    project_view,
    story_view,
)
from services.boards.application.views import (
    ContractView,
    LocalBoardView,
    SelectListView,
    StoryView,
)
from services.boards.domain.documents import Board, Kind
from shared.auth import Principal

RESOLVED = "resolved"
LOCAL = "local"
STORY_LIMIT = 50


async def local_board(
    uow: BoardsUnitOfWork, principal: Principal, locality: str, known: frozenset[str]
) -> LocalBoardView:
    """A locality's needs, vulnerable groups, projects, procurements, contracts with RAG,
    and the alerts raised for its board."""
    require_local_board(principal, locality, known)
    store = uow.store(Board.LOCAL)
    needs = [
        need_view(d)
        for d in await store.documents(Kind.NEED, locality)
        if d.body["state"] != RESOLVED
    ]
    procurements = await store.documents(Kind.PROCUREMENT, locality)
    alerts = [
        alert_view(d)
        for d in await store.documents(Kind.ALERT, locality)
        if d.body["audience"] == "local_board" and d.body["state"] != RESOLVED
    ]
    return LocalBoardView(
        locality=locality,
        needs=[n for n in needs if not n.vulnerable_group],
        vulnerable_groups=[n for n in needs if n.vulnerable_group],
        projects=[project_view(d) for d in await store.documents(Kind.PROJECT, locality)],
        procurements=procurement_views(procurements, await store.documents(Kind.CONTRACT)),
        select_lists=[
            SelectListView(priority=d.body["priority"], providers=d.body["providers"])
            for d in await store.documents(Kind.SELECT_LIST, locality)
        ],
        contracts=await contracts_of(store, locality),
        alerts=alerts,
    )


async def local_story(
    uow: BoardsUnitOfWork,
    principal: Principal,
    locality: str,
    known: frozenset[str],
    limit: int = STORY_LIMIT,
) -> list[StoryView]:
    """What happened in the locality, newest first."""
    require_local_board(principal, locality, known)
    return [story_view(s) for s in await uow.store(Board.LOCAL).story(locality, limit)]


async def contracts_of(store: ProjectionStore, locality: str | None) -> list[ContractView]:
    """The contracts (of a locality, or all) with their latest RAG. A locality's board gets
    the RAG of its local contracts only: the JCU monitors specialist and trust-wide ones
    (Durham framework, section 3), as monitoring scopes them."""
    performance = {d.key: d for d in await store.documents(Kind.PERFORMANCE)}
    contracts = await store.documents(Kind.CONTRACT, locality)
    monitored = await store.documents(Kind.MONITORED_CONTRACT, locality)
    if locality is not None:
        levels = {d.key: str(d.body.get("level") or LOCAL) for d in monitored}
        levels |= {d.key: contract_level(d.body) for d in contracts}
        performance = {k: d for k, d in performance.items() if levels.get(k) == LOCAL}
    return contract_views(contracts, monitored, performance)


def contract_level(body: Mapping[str, Any]) -> str:
    """Procurement's level for the contract; for an event without one, monitoring's rule:
    a contract in one locality is local, else trust-wide."""
    level = body.get("level")
    if level:
        return str(level)
    return LOCAL if len(body["localities"]) == 1 else "trust_wide"
