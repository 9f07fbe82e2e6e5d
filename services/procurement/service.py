"""The procurement service process (the Do stage): providers, select lists, routing by
value, tenders with sealed bids, awards, contracts and pooled funds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.procurement.adapters.ocds_merge import compile_release
from services.procurement.adapters.tables import metadata
from services.procurement.adapters.unit_of_work import (
    InboxProcurementUnitOfWork,
    unit_of_work_factory,
)
from services.procurement.adapters.vault import AesGcmVault
from services.procurement.application.common import procurement_config
from services.procurement.entrypoints.consumers import when_projects_hand_over
from services.procurement.entrypoints.http import build_routers
from services.procurement.settings import ProcurementSettings
from shared.inbox import BatchHandler
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import PROJECTS_EVENTS


def _clock(ctx: ServiceContext) -> Callable[[], datetime]:
    """The clock, looked up per call in ``ctx.state["clock"]`` (default: the system clock)
    so tests can move past deadlines."""

    def clock() -> datetime:
        override = ctx.state.get("clock")
        return override() if callable(override) else datetime.now(UTC)

    return clock


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side."""
    clock = _clock(ctx)
    settings = ProcurementSettings()
    vault = AesGcmVault(settings.bid_key_bytes())
    config = procurement_config(ctx.trust, settings.ocid_prefix)
    uows = unit_of_work_factory(ctx.unit_of_work)
    return build_routers(config, uows, vault, clock, compile_release, settings.public_url)


def project_events(ctx: ServiceContext) -> BatchHandler:
    """The consumer of ``projects.events.v1``: stage-6 hand-overs open procurements and
    terminate contracts, in the inbox's transaction."""
    config = procurement_config(ctx.trust, ProcurementSettings().ocid_prefix)
    return when_projects_hand_over(InboxProcurementUnitOfWork, config, _clock(ctx))


definition = ServiceDefinition(
    name="procurement",
    title="Procurement",
    description=(
        "Providers, select lists, tenders, sealed bids, awards and contracts (Durham £50k "
        "rule; Procurement Act 2023)."
    ),
    port=8103,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
    consumers=[
        ConsumerSpec(name="project-events", topics=[PROJECTS_EVENTS.name], handler=project_events)
    ],
)
