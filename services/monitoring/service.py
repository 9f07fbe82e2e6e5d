"""The monitoring service process.

Its process, schema, outbox relay, health and metrics are in place; its domain arrives
with its own issue, and with it its routers and consumers.
"""

from __future__ import annotations

from pathlib import Path

from shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="monitoring",
    title="Contract monitoring",
    description=(
        "Contract performance against outcome targets, and alerts to commissioning managers, "
        "the JCU and local boards (Durham PPDG duties)."
    ),
    port=8104,
    migrations=Path(__file__).parent / "adapters" / "migrations",
)
