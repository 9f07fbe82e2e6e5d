"""The boards service process, declared to `commissioning` in pyproject.toml."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.boards.adapters.tables import metadata
from services.boards.entrypoints.http import build_router
from shared.runtime import ServiceContext, ServiceDefinition


def routers(ctx: ServiceContext) -> Sequence[Any]:
    return [build_router(ctx)]


definition = ServiceDefinition(
    name="boards",
    title="Board read side",
    description="Board read side.",
    port=8105,
    migrations=Path(__file__).parent / "adapters" / "migrations",
    tables=metadata,
    routers=routers,
)
