"""A procurement from request to contract (Durham framework, section 3, stage table;
Procurement Act 2023 for notices, deadlines and standstill; docs/domain/procurement.md
"Tenders, bids and awards").

States: ``requested`` (a draft tender) → ``published`` (notice; bids and clarifications
accepted until the deadline) → ``closed`` (bids opened) → ``awarded`` (award decision;
standstill running) → ``contracted``. A JCU award of a specialist service goes straight
from ``requested`` to ``awarded``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from services.procurement.domain.routing import Route, RoutingDecision


class ProcurementState(StrEnum):
    REQUESTED = "requested"
    PUBLISHED = "published"
    CLOSED = "closed"
    AWARDED = "awarded"
    CONTRACTED = "contracted"


class Refused(ValueError):
    """A rule of the process refused the change; ``field`` and ``rule`` say which.
    ``conflict``: the request was valid but the process's state or clock forbids it now
    (a late bid, a contract during standstill), rather than being invalid in itself."""

    def __init__(self, field: str, rule: str, *, conflict: bool = False) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
        self.conflict = conflict


@dataclass(frozen=True)
class Criteria:
    """Published weighted award criteria: quality and price, in percent summing to 100
    (PA2023 section 23: award criteria published with the tender)."""

    quality_weight: int
    price_weight: int

    def __post_init__(self) -> None:
        if self.quality_weight < 0 or self.price_weight < 0:
            raise Refused("criteria", "weights must not be negative")
        if self.quality_weight + self.price_weight != 100:
            raise Refused("criteria", "quality_weight + price_weight must be 100")


@dataclass(frozen=True)
class Procurement:
    """One procurement and, once published, its tender."""

    procurement_id: uuid.UUID
    title: str
    locality: str
    priority: str
    value: Decimal
    specialist: bool
    outcomes: tuple[str, ...]
    routing: RoutingDecision
    state: ProcurementState
    requested_by: str
    opened_at: datetime
    deadline: datetime | None = None
    criteria: Criteria | None = None
    published_at: datetime | None = None
    closed_at: datetime | None = None
    awarded_provider: str | None = None
    award_value: Decimal | None = None
    award_rationale: str | None = None
    awarded_at: datetime | None = None
    standstill_ends: date | None = None

    @property
    def route(self) -> Route:
        return self.routing.route

    def _require(self, *states: ProcurementState, action: str) -> None:
        if self.state not in states:
            wanted = " or ".join(s.value for s in states)
            raise Refused(
                "state", f"{action} needs a procurement {wanted}; it is {self.state}", conflict=True
            )

    def publish(
        self, deadline: datetime, criteria: Criteria, now: datetime, min_days: int
    ) -> Procurement:
        """Publish the tender notice. An open tender allows at least ``min_days`` to bid
        (PA2023 section 54); a select-list mini-competition sets its own deadline."""
        self._require(ProcurementState.REQUESTED, action="publishing a tender")
        if not self.route.competitive:
            raise Refused("route", "a JCU award of a specialist service has no tender")
        if deadline <= now:
            raise Refused("deadline", "must be in the future")
        if self.route is Route.OPEN_TENDER and deadline < now + timedelta(days=min_days):
            raise Refused(
                "deadline", f"an open tender allows at least {min_days} days (PA2023 s.54)"
            )
        return replace(
            self,
            state=ProcurementState.PUBLISHED,
            deadline=deadline,
            criteria=criteria,
            published_at=now,
        )

    def accept_bid_at(self, now: datetime) -> None:
        """Bids are accepted while published and strictly before the deadline."""
        self._require(ProcurementState.PUBLISHED, action="bidding")
        assert self.deadline is not None
        if now >= self.deadline:
            raise Refused(
                "deadline",
                f"bids closed at {self.deadline.isoformat()}: late bid refused",
                conflict=True,
            )

    def close(self, now: datetime) -> Procurement:
        """Close at or after the deadline; only then are bids opened."""
        self._require(ProcurementState.PUBLISHED, action="closing")
        assert self.deadline is not None
        if now < self.deadline:
            raise Refused(
                "deadline",
                f"the tender cannot close before {self.deadline.isoformat()}",
                conflict=True,
            )
        return replace(self, state=ProcurementState.CLOSED, closed_at=now)

    def award(
        self, provider_id: str, value: Decimal, rationale: str, now: datetime, standstill_days: int
    ) -> Procurement:
        """Record the award decision and start the standstill (PA2023 sections 50-51)."""
        states = (
            (ProcurementState.CLOSED,) if self.route.competitive else (ProcurementState.REQUESTED,)
        )
        self._require(*states, action="an award")
        if value > self.value:
            raise Refused("value", f"award value exceeds the procurement's £{self.value}")
        return replace(
            self,
            state=ProcurementState.AWARDED,
            awarded_provider=provider_id,
            award_value=value,
            award_rationale=rationale,
            awarded_at=now,
            standstill_ends=add_working_days(now.date(), standstill_days),
        )

    def contract(self, today: date) -> Procurement:
        """A contract is entered into only after the standstill ends. A trust that applies
        none (``standstill_working_days: 0``; the standstill is optional for light-touch
        contracts, PA2023 section 51) may contract on the day of the award."""
        self._require(ProcurementState.AWARDED, action="a contract")
        assert self.standstill_ends is not None and self.awarded_at is not None
        standstill = self.standstill_ends > self.awarded_at.date()
        if standstill and today <= self.standstill_ends and self.route.competitive:
            raise Refused(
                "standstill",
                f"standstill runs until {self.standstill_ends.isoformat()}",
                conflict=True,
            )
        return replace(self, state=ProcurementState.CONTRACTED)


def add_working_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``. Bank holidays are not
    skipped: a deployment that must count them lengthens ``standstill_working_days``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
