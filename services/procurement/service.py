"""The procurement service process.

Its process, schema, outbox relay, health and metrics are in place; its domain arrives
with its own issue, and with it its routers and consumers.
"""

from __future__ import annotations

from pathlib import Path

from shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="procurement",
    title="Procurement",
    description=(
        "Providers, select lists, tenders, sealed bids, awards and contracts (Durham £50k "
        "rule; Procurement Act 2023)."
    ),
    port=8103,
    migrations=Path(__file__).parent / "adapters" / "migrations",
)
