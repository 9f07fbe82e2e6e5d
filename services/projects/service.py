"""The commissioning projects service process (stages 1-9: Assess, Plan, Do, Review)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.projects.adapters.pdf import render_pdf
from services.projects.adapters.tables import metadata
from services.projects.adapters.unit_of_work import (
    PostgresProjectsUnitOfWork,
    unit_of_work_factory,
)
from services.projects.application.config import projects_config
from services.projects.entrypoints.consumers import (
    when_contracts_are_awarded,
    when_needs_are_published,
)
from services.projects.entrypoints.http import build_routers
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import NEEDS_EVENTS, PROCUREMENT_EVENTS


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side: routers over PostgreSQL units of work."""
    uows = unit_of_work_factory(ctx.unit_of_work)
    return build_routers(projects_config(ctx.trust), uows, render_pdf)


def needs_events(ctx: ServiceContext) -> BatchHandler:
    return when_needs_are_published(PostgresProjectsUnitOfWork)


def procurement_events(ctx: ServiceContext) -> BatchHandler:
    return when_contracts_are_awarded(PostgresProjectsUnitOfWork)


definition = ServiceDefinition(
    name="projects",
    title="Commissioning projects",
    description=(
        "The commissioning project lifecycle through the 9 stages of Assess, Plan, Do, "
        "Review, with stage gates, priorities and decisions (Gateshead commissioning handbook)."
    ),
    port=8102,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[
        ConsumerSpec(name="needs-events", topics=[NEEDS_EVENTS.name], handler=needs_events),
        ConsumerSpec(
            name="procurement-events",
            topics=[PROCUREMENT_EVENTS.name],
            handler=procurement_events,
        ),
    ],
)
