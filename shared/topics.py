"""The topic catalogue: every topic the platform uses, who publishes to it, and its key.

Every record is keyed by its envelope's `subject` (the aggregate id), so Kafka's key
partitioning keeps one aggregate's events in order. Every topic has a dead-letter topic,
`<name>.dlq`, where consumers park what they cannot apply, with the reason in headers.
"""

from __future__ import annotations

from dataclasses import dataclass

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic in the catalogue."""

    name: str
    published_by: str
    """The service that publishes it, or for an inbound topic the systems that do."""
    description: str
    key: str = "envelope.subject"
    inbound: bool = False
    """Published to by partner agencies' systems, not by a platform service."""

    @property
    def dead_letter(self) -> str:
        return self.name + DLQ_SUFFIX


INDICATOR_VALUES = Topic(
    "needs.indicator-values.v1",
    published_by="partner agency systems (council, PCT, police, youth justice, schools, VCS)",
    description=(
        "Aggregate indicator values published by partner agencies for needs analysis "
        "(Assess stage; Urbanham appendix 6). Key: indicator/area/period/breakdown."
    ),
    inbound=True,
)
NEEDS_EVENTS = Topic(
    "needs.events.v1", "needs", "Needs identified and resolved, needs assessments published."
)
PROJECTS_EVENTS = Topic(
    "projects.events.v1", "projects", "Commissioning projects through the 9 stages."
)
PROCUREMENT_EVENTS = Topic(
    "procurement.events.v1", "procurement", "Select lists, tenders, awards and contracts."
)
PERFORMANCE_RETURNS = Topic(
    "monitoring.performance-returns.v1",
    published_by="providers' systems",
    description=(
        "Providers' performance returns for their own contracts (Gateshead handbook, "
        "Activity Four step 1). Key: contract/period."
    ),
    inbound=True,
)
MONITORING_EVENTS = Topic(
    "monitoring.events.v1",
    "monitoring",
    "Contracts registered for monitoring and performance returns accepted, with RAG.",
)
MONITORING_ALERTS = Topic(
    "monitoring.alerts.v1",
    "monitoring",
    "Alerts and their lifecycle for local boards, the JCU and the Executive Board "
    "(Durham PPDG duties). Key: the locality, or trust-wide.",
    key="envelope.subject (locality or trust-wide)",
)

CATALOGUE: tuple[Topic, ...] = (
    INDICATOR_VALUES,
    NEEDS_EVENTS,
    PROJECTS_EVENTS,
    PROCUREMENT_EVENTS,
    PERFORMANCE_RETURNS,
    MONITORING_EVENTS,
    MONITORING_ALERTS,
)

EPOCH_TOPIC = "platform.broker-epoch"
"""One-partition topic whose first record identifies this broker's lifetime (see relay)."""
