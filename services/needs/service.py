"""The needs intelligence service process (Assess stage, stages 1-3)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.adapters.tables import metadata
from services.needs.adapters.unit_of_work import PostgresNeedsUnitOfWork, unit_of_work_factory
from services.needs.application.config import NeedsConfig, needs_config
from services.needs.entrypoints.consumers import when_indicator_values_are_submitted
from services.needs.entrypoints.http import build_routers
from services.needs.settings import NeedsSettings
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import INDICATOR_VALUES
from shared.trust import TrustConfig


def config_of(ctx: ServiceContext) -> NeedsConfig:
    """The process's needs configuration, loaded once and kept on the context."""
    found = ctx.state.get("needs_config")
    if not isinstance(found, NeedsConfig):
        catalogue = load_catalogue(NeedsSettings().catalogue)
        found = ctx.state["needs_config"] = needs_config(ctx.trust, catalogue)
    return found


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side: routers over PostgreSQL units of work."""
    return build_routers(
        config_of(ctx),
        unit_of_work_factory(ctx.unit_of_work),
        NeedsSettings().max_batch_values,
    )


def indicator_values(ctx: ServiceContext) -> BatchHandler:
    return when_indicator_values_are_submitted(config_of(ctx), PostgresNeedsUnitOfWork)


def indicator_value_topics(trust: TrustConfig) -> list[str]:
    """One inbound topic per partner agency of the trust: its topic establishes its agency."""
    return INDICATOR_VALUES.physical(a.id for a in trust.agencies)


definition = ServiceDefinition(
    name="needs",
    title="Needs intelligence",
    description=(
        "Indicator data from council and PCT systems, benchmarked against comparators, "
        "with needs and vulnerable groups identified per locality (Urbanham appendix 6; "
        "Gateshead Activity One)."
    ),
    port=8101,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[
        ConsumerSpec(
            name="indicator-values", topics=indicator_value_topics, handler=indicator_values
        )
    ],
)
