"""A Local Children's Board's reads, from the local boards' projection (Durham Children's
Trust framework, section 3, "Local Children's Boards": local needs, local commissioning
and the performance of local services).

Every read takes the unit of work and the caller first and checks the caller's scope; the
HTTP API and the dashboards call these, never the tables.
"""

from __future__ import annotations

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
    performance = {d.key: d for d in await store.documents(Kind.PERFORMANCE)}
    return contract_views(
        await store.documents(Kind.CONTRACT, locality),
        await store.documents(Kind.MONITORED_CONTRACT, locality),
        performance,
    )
