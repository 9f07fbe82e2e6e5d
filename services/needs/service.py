"""The needs intelligence service process (Assess stage, stages 1-3)."""

from __future__ import annotations

from pathlib import Path

from shared.runtime import ServiceDefinition

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
)
