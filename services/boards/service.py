"""The boards service process: the read side for each Local Children's Board, the JCU and
the Executive Board (Durham Children's Trust framework, section 3), declared to
`commissioning` in pyproject.toml."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.boards.adapters.tables import metadata
from services.boards.adapters.unit_of_work import unit_of_work_factory
from services.boards.entrypoints.http import build_routers
from services.boards.entrypoints.http.wiring import Wiring
from services.boards.entrypoints.pages import build_routers as build_pages
from services.boards.projections import PROJECTIONS, Projection
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition

NAME = "boards"
TITLE = "Board read side"


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side: routers over PostgreSQL units of work."""
    wiring = Wiring(unit_of_work_factory(ctx.unit_of_work), ctx.trust.locality_ids)
    return [*build_routers(wiring, NAME, TITLE), *build_pages(wiring)]


def _consumer(projection: Projection) -> ConsumerSpec:
    def handler(_ctx: ServiceContext) -> BatchHandler:
        return projection.handler()

    return ConsumerSpec(
        name=projection.name,
        topics=list(projection.topics),
        handler=handler,
        tables=projection.tables.names,
    )


definition = ServiceDefinition(
    name=NAME,
    title=TITLE,
    description=(
        "Each board's own projection of the needs, projects, procurement and monitoring "
        "services' events: a Local Children's Board sees its locality, the JCU the whole "
        "pipeline, the Executive Board outcomes, money and what awaits its decision."
    ),
    port=8105,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[_consumer(p) for p in PROJECTIONS],
)
