"""The procurement service process (the Do stage): providers, select lists, routing by
value, tenders with sealed bids, awards, contracts and pooled funds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.procurement.adapters.ocds_merge import compile_release
from services.procurement.adapters.tables import metadata
from services.procurement.adapters.unit_of_work import unit_of_work_factory
from services.procurement.adapters.vault import AesGcmVault
from services.procurement.application.common import procurement_config
from services.procurement.entrypoints.http import build_routers
from services.procurement.settings import ProcurementSettings
from shared.runtime import ServiceContext, ServiceDefinition


def routers(ctx: ServiceContext) -> Sequence[Any]:
    """The composition root of the HTTP side. The clock is looked up per call in
    ``ctx.state["clock"]`` (default: the system clock) so tests can move past deadlines."""

    def clock() -> datetime:
        override = ctx.state.get("clock")
        return override() if callable(override) else datetime.now(UTC)

    settings = ProcurementSettings()
    vault = AesGcmVault(settings.bid_key_bytes())
    config = procurement_config(ctx.trust, settings.ocid_prefix)
    uows = unit_of_work_factory(ctx.unit_of_work)
    return build_routers(config, uows, vault, clock, compile_release)


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
)
