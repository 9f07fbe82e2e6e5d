"""The projects service process.

Its process, schema, outbox relay, health and metrics are in place; its domain arrives
with its own issue, and with it its routers and consumers.
"""

from __future__ import annotations

from pathlib import Path

from shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="projects",
    title="Commissioning projects",
    description=(
        "The commissioning project lifecycle through the 9 stages of Assess, Plan, Do, "
        "Review, with stage gates, priorities and decisions (Gateshead commissioning handbook)."
    ),
    port=8102,
    migrations=Path(__file__).parent / "adapters" / "migrations",
)
