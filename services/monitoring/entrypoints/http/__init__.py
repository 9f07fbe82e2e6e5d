"""The monitoring service's HTTP API, one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from services.monitoring.entrypoints.http import (
    alerts,
    audit,
    contracts,
    reports,
    returns,
    stream,
    subscriptions,
)
from services.monitoring.entrypoints.http.deps import Wiring


def build_routers(wiring: Wiring) -> list[APIRouter]:
    return [
        contracts.build_router(wiring),
        returns.build_router(wiring),
        subscriptions.build_router(wiring),
        stream.build_router(wiring),  # before alerts: /alerts/stream is not an alert id
        alerts.build_router(wiring),
        audit.build_router(wiring),
        reports.build_router(wiring),
    ]
