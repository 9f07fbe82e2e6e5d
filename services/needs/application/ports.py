"""The ports the needs use cases depend on: repositories and a unit of work that take and
return domain objects (Architecture Patterns with Python, chapters 2 and 6).

Adapters (`services/needs/adapters/`) implement them on PostgreSQL; the unit tests
implement them in memory. Nothing here knows about SQL.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.need import Need, NeedState
from shared.envelope import Envelope

Area = tuple[AreaKind, str]


class StoreOutcome(StrEnum):
    """What became of one submitted value."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    """The same revision with the same figures was already held: nothing changed."""


@dataclass(frozen=True)
class RevisionConflict:
    """The same revision was already received with different figures."""

    index: int
    value: ReportedValue

    @property
    def rule(self) -> str:
        v = self.value
        return (
            f"revision {v.revision} of {'/'.join(v.identity)} was already received with "
            f"different figures; submit revision {v.revision + 1} to supersede it"
        )


class RevisionsConflict(ValueError):
    """One or more values reuse a revision with different figures."""

    def __init__(self, conflicts: Sequence[RevisionConflict]) -> None:
        super().__init__("; ".join(f"revision: {c.rule}" for c in conflicts))
        self.conflicts = list(conflicts)


@dataclass(frozen=True)
class ValueRevision:
    """One stored revision of a value and how it arrived (an agency's audit trail)."""

    seq: int
    value: ReportedValue
    received_via: str
    source_event_id: uuid.UUID | None
    received_at: datetime


class ValueRepository(Protocol):
    """Every revision of every value received; the highest revision is current."""

    async def lock(self, indicator_ids: Iterable[str]) -> None:
        """Serialise analyses of these indicators until the unit of work ends."""

    async def add(
        self, values: Sequence[ReportedValue], *, via: str, event_ids: Sequence[uuid.UUID | None]
    ) -> list[StoreOutcome]:
        """Store new revisions; an identical resubmission is a duplicate; a revision
        reused with different figures raises RevisionsConflict and stores nothing."""

    async def current(self, indicator_ids: Iterable[str]) -> dict[str, list[ReportedValue]]:
        """The highest revision of every value of the given indicators."""

    async def history(
        self,
        indicator_id: str,
        area: Area,
        period: str | None,
        breakdown_key: str | None,
    ) -> list[ValueRevision]:
        """Every revision received for an area of an indicator, oldest first."""


class NeedRepository(Protocol):
    """Needs, open and resolved."""

    async def open_by_key(self, indicator_ids: Iterable[str]) -> dict[str, Need]:
        """Open needs of the given indicators, by need key."""

    async def add(self, need: Need) -> None:
        """Store a newly identified need."""

    async def save(self, need: Need) -> None:
        """Store a need's change of state (its resolution)."""

    async def find(self, *, areas: Sequence[Area] | None, state: NeedState | None) -> list[Need]:
        """Needs in the given areas (None: every area), newest first."""


class AssessmentRepository(Protocol):
    """Published needs assessments: versions only ever added."""

    async def lock(self, area: Area) -> None:
        """Serialise publications for the area until the unit of work ends."""

    async def next_version(self, area: Area) -> int:
        """One more than the area's latest version (1 for the first)."""

    async def latest(self, area: Area) -> NeedsAssessment | None:
        """The area's latest version, if any."""

    async def add(self, assessment: NeedsAssessment) -> None: ...

    async def get(self, assessment_id: uuid.UUID) -> NeedsAssessment | None: ...

    async def list(self, areas: Sequence[Area] | None) -> list[NeedsAssessment]:
        """By area, newest version first (None: every area)."""


@dataclass(frozen=True)
class StoredRelease:
    """One published release of a disclosure table (one indicator, one calendar year): the
    counts it was decided on (numerators and denominators) and the cells it hid."""

    indicator_id: str
    family: str
    counts: tuple[tuple[tuple[str, ...], int], ...]
    hidden: tuple[tuple[str, ...], ...]

    @property
    def digest(self) -> str:
        text = json.dumps([self.indicator_id, self.family, self.counts, self.hidden])
        return hashlib.sha256(text.encode()).hexdigest()


class ReleaseRepository(Protocol):
    """Every distinct release of every disclosure table: only ever added."""

    async def of(self, indicator_ids: Iterable[str]) -> list[StoredRelease]:
        """The releases of the given indicators' tables, oldest first."""

    async def add(self, releases: Sequence[StoredRelease]) -> None:
        """Record releases; one already recorded (same digest) is left as it is."""


class NeedsUnitOfWork(Protocol):
    """One transaction over the needs service's repositories and the events it publishes:
    state and events are committed together or not at all."""

    @property
    def values(self) -> ValueRepository: ...

    @property
    def needs(self) -> NeedRepository: ...

    @property
    def assessments(self) -> AssessmentRepository: ...

    @property
    def releases(self) -> ReleaseRepository: ...

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """Stage an event, published if and only if the unit of work commits."""

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[NeedsUnitOfWork]]
"""Opens a unit of work; leaving it without a commit rolls everything back."""
