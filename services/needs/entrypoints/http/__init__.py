"""HTTP API of the needs service, one router per resource: ingest, catalogue, areas, needs,
needs assessments. Every route documents its response body and the project's error shape
for each status it can return."""

from __future__ import annotations

from fastapi import APIRouter

from services.needs.application.config import NeedsConfig
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.entrypoints.http.areas import areas_router
from services.needs.entrypoints.http.assessments import assessments_router
from services.needs.entrypoints.http.catalogue import catalogue_router
from services.needs.entrypoints.http.ingest import inbound_json_schema, ingest_router
from services.needs.entrypoints.http.needs import needs_router

__all__ = ["build_routers", "inbound_json_schema"]


def build_routers(
    config: NeedsConfig, uows: UnitOfWorkFactory, max_batch_values: int
) -> list[APIRouter]:
    """The service's routers, over its configuration and unit of work; a submitted batch
    holds at most ``max_batch_values`` values."""
    return [
        ingest_router(config, uows, max_batch_values),
        catalogue_router(config),
        areas_router(config, uows),
        needs_router(config, uows),
        assessments_router(config, uows),
    ]
