"""The topic catalogue: every topic the platform uses, who publishes to it, and its key.

Every record is keyed by its envelope's `subject` (the aggregate id), so Kafka's key
partitioning keeps one aggregate's events in order. Every topic has a dead-letter topic,
`<name>.dlq`, where consumers park what they cannot apply, with the reason in headers.

An inbound topic published by partner agencies is a family with one topic per agency of
the trust (`needs.indicator-values.<agency>.v1`), each writable only by that agency's
Kafka principal: the topic a record came from establishes its agency, never the payload's
claim (docs/decisions/0003-producer-identity.md).
"""

from __future__ import annotations

from collections.abc import Iterable
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
    per_agency: bool = False
    """One topic per partner agency, `<stem>.<agency>.<version>`; `name` names the family."""

    @property
    def dead_letter(self) -> str:
        return self.name + DLQ_SUFFIX

    @property
    def address(self) -> str:
        """The name, or for a per-agency family its pattern (`...{agency}...`, AsyncAPI)."""
        return self.for_agency("{agency}") if self.per_agency else self.name

    def for_agency(self, agency: str) -> str:
        """The family's topic that only `agency` may write."""
        stem, _, version = self.name.rpartition(".")
        return f"{stem}.{agency}.{version}"

    def agency_of(self, name: str) -> str | None:
        """The agency whose topic of this family `name` is (unprefixed), or None."""
        stem, _, version = self.name.rpartition(".")
        head, _, tail = name.rpartition(".")
        if not self.per_agency or tail != version or not head.startswith(stem + "."):
            return None
        agency = head[len(stem) + 1 :]
        return agency if agency and "." not in agency else None

    def physical(self, agencies: Iterable[str]) -> list[str]:
        """The topics of this catalogue entry: one per agency for a per-agency family."""
        return [self.for_agency(a) for a in agencies] if self.per_agency else [self.name]


INDICATOR_VALUES = Topic(
    "needs.indicator-values.v1",
    published_by="partner agency systems (council, PCT, police, youth justice, schools, VCS)",
    description=(
        "Aggregate indicator values published by partner agencies for needs analysis "
        "(Assess stage; Urbanham appendix 6), one topic per agency: "
        "needs.indicator-values.<agency>.v1. Key: indicator/area/period/breakdown."
    ),
    inbound=True,
    per_agency=True,
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


def all_physical_names(agencies: Iterable[str]) -> list[str]:
    """Every catalogue topic (per-agency families expanded) and its dead-letter topic."""
    agencies = list(agencies)
    return [
        n for t in CATALOGUE for name in t.physical(agencies) for n in (name, name + DLQ_SUFFIX)
    ]


def writer_agency(name: str) -> str | None:
    """The agency that alone may write topic `name` (unprefixed), or None for any other."""
    for topic in CATALOGUE:
        if topic.per_agency and (agency := topic.agency_of(name)) is not None:
            return agency
    return None


def topic_for(name: str, agency: str | None) -> str:
    """The topic an event of catalogue topic `name` goes to: its agency's, for a family."""
    for topic in CATALOGUE:
        if topic.name == name and topic.per_agency:
            if not agency:
                raise ValueError(f"{name} has one topic per agency; the event names no agency")
            return topic.for_agency(agency)
    return name
