"""The contract monitoring service process (the Review stage)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.monitoring.adapters.tables import metadata
from services.monitoring.adapters.unit_of_work import (
    PostgresMonitoringUnitOfWork,
    unit_of_work_factory,
)
from services.monitoring.application.evaluation import system_clock
from services.monitoring.entrypoints.consumers import when_returns_are_submitted
from services.monitoring.entrypoints.http import build_routers
from services.monitoring.entrypoints.http.deps import Wiring
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import PERFORMANCE_RETURNS


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side: routers over PostgreSQL units of work."""
    wiring = Wiring(ctx.trust, unit_of_work_factory(ctx.unit_of_work), system_clock)
    return build_routers(wiring)


def performance_returns(ctx: ServiceContext) -> BatchHandler:
    return when_returns_are_submitted(
        ctx.trust.monitoring, system_clock, PostgresMonitoringUnitOfWork
    )


definition = ServiceDefinition(
    name="monitoring",
    title="Contract monitoring",
    description=(
        "Contract performance against outcome targets, and alerts to local boards, the JCU "
        "and the Executive Board (Durham Children's Trust framework, section 3, PPDG duties)."
    ),
    port=8104,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[
        ConsumerSpec(
            name="performance-returns",
            topics=[PERFORMANCE_RETURNS.name],
            handler=performance_returns,
        )
    ],
)
