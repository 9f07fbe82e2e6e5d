"""In-memory adapters of the needs ports: use cases run against these in milliseconds.

Repositories hand out copies, as a database would: a change the use case does not save
through its repository is lost.

`FakeDatabase` is what a committed database would hold; each unit of work works on a copy
and writes it back only on commit, so a use case that fails leaves nothing behind, as a
rolled-back transaction would. The one-open-need-per-series rule of the real table is kept.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from services.needs.application.ports import (
    Area,
    NeedsUnitOfWork,
    ReleaseRepository,
    RevisionConflict,
    RevisionsConflict,
    StoredRelease,
    StoreOutcome,
    UnitOfWorkFactory,
    ValueRevision,
)
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import ReportedValue
from services.needs.domain.need import Need, NeedState
from shared.contracts.registry import registry
from shared.envelope import Envelope


@dataclass
class Published:
    """An event the unit of work published, as the outbox would have carried it."""

    payload: BaseModel
    subject: str
    locality: str | None
    caused_by: Envelope | None


@dataclass
class FakeDatabase:
    revisions: list[ValueRevision] = field(default_factory=list)
    needs: dict[uuid.UUID, Need] = field(default_factory=dict)
    assessments: dict[uuid.UUID, NeedsAssessment] = field(default_factory=dict)
    releases: dict[str, StoredRelease] = field(default_factory=dict)
    """By digest, in the order recorded."""
    published: list[Published] = field(default_factory=list)
    commits: int = 0

    def events(self, kind: type[BaseModel]) -> list[Any]:
        return [p.payload for p in self.published if isinstance(p.payload, kind)]


def _key(v: ReportedValue) -> tuple[Any, ...]:
    return (*v.identity, v.revision)


class FakeValues:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.locked: set[str] = set()

    async def lock(self, indicator_ids: Iterable[str]) -> None:
        self.locked.update(indicator_ids)

    async def add(
        self, values: Sequence[ReportedValue], *, via: str, event_ids: Sequence[uuid.UUID | None]
    ) -> list[StoreOutcome]:
        held = {_key(r.value): r.value for r in self.db.revisions}
        outcomes: list[StoreOutcome] = []
        conflicts: list[RevisionConflict] = []
        added: list[ValueRevision] = []
        for i, value in enumerate(values):
            before = held.get(_key(value))
            if before is None:
                held[_key(value)] = value
                added.append(self._revision(value, via, event_ids[i], len(added)))
                outcomes.append(StoreOutcome.STORED)
            elif before.digest() == value.digest():
                outcomes.append(StoreOutcome.DUPLICATE)
            else:
                conflicts.append(RevisionConflict(i, value))
        if conflicts:
            raise RevisionsConflict(conflicts)
        self.db.revisions.extend(added)
        return outcomes

    def _revision(
        self, value: ReportedValue, via: str, event_id: uuid.UUID | None, n: int
    ) -> ValueRevision:
        return ValueRevision(
            seq=len(self.db.revisions) + n + 1,
            value=value,
            received_via=via,
            source_event_id=event_id,
            received_at=datetime.now(UTC),
        )

    async def current(self, indicator_ids: Iterable[str]) -> dict[str, list[ReportedValue]]:
        wanted = set(indicator_ids)
        latest: dict[tuple[str, ...], ReportedValue] = {}
        for r in self.db.revisions:
            v = r.value
            if v.indicator_id in wanted and (
                v.identity not in latest or latest[v.identity].revision < v.revision
            ):
                latest[v.identity] = v
        found: dict[str, list[ReportedValue]] = {}
        for v in latest.values():
            found.setdefault(v.indicator_id, []).append(v)
        return found

    async def history(
        self, indicator_id: str, area: Area, period: str | None, breakdown_key: str | None
    ) -> list[ValueRevision]:
        return sorted(
            (
                r
                for r in self.db.revisions
                if r.value.indicator_id == indicator_id
                and (r.value.area_kind, r.value.area_code) == area
                and period in (None, r.value.period)
                and breakdown_key in (None, r.value.breakdown_key)
            ),
            key=lambda r: (r.value.period, r.value.breakdown_key, r.value.revision, r.seq),
        )


class FakeNeeds:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def open_by_key(self, indicator_ids: Iterable[str]) -> dict[str, Need]:
        wanted = set(indicator_ids)
        return {
            n.need_key: copy.deepcopy(n)
            for n in self.db.needs.values()
            if n.is_open and n.indicator_id in wanted
        }

    async def add(self, need: Need) -> None:
        if any(n.is_open and n.need_key == need.need_key for n in self.db.needs.values()):
            raise ValueError(f"need_one_open: {need.need_key} is already open")
        self.db.needs[need.need_id] = copy.deepcopy(need)

    async def save(self, need: Need) -> None:
        self.db.needs[need.need_id] = copy.deepcopy(need)

    async def find(self, *, areas: Sequence[Area] | None, state: NeedState | None) -> list[Need]:
        found = [
            copy.deepcopy(n)
            for n in self.db.needs.values()
            if (areas is None or (n.area_kind, n.area_code) in areas)
            and (state is None or n.state is state)
        ]
        found.sort(key=lambda n: n.need_key)
        found.sort(key=lambda n: n.identified_at, reverse=True)
        return found


class FakeAssessments:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.locked: list[Area] = []

    async def lock(self, area: Area) -> None:
        self.locked.append(area)

    async def next_version(self, area: Area) -> int:
        versions = [
            a.version for a in self.db.assessments.values() if (a.area_kind, a.area_code) == area
        ]
        return max(versions, default=0) + 1

    async def latest(self, area: Area) -> NeedsAssessment | None:
        found = [a for a in self.db.assessments.values() if (a.area_kind, a.area_code) == area]
        return max(found, key=lambda a: a.version, default=None)

    async def add(self, assessment: NeedsAssessment) -> None:
        self.db.assessments[assessment.assessment_id] = assessment

    async def get(self, assessment_id: uuid.UUID) -> NeedsAssessment | None:
        return self.db.assessments.get(assessment_id)

    async def list(self, areas: Sequence[Area] | None) -> list[NeedsAssessment]:
        found = [
            a
            for a in self.db.assessments.values()
            if areas is None or (a.area_kind, a.area_code) in areas
        ]
        found.sort(key=lambda a: -a.version)
        return sorted(found, key=lambda a: (a.area_kind.value, a.area_code))


class FakeReleases:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def of(self, indicator_ids: Iterable[str]) -> list[StoredRelease]:
        wanted = set(indicator_ids)
        return [r for r in self.db.releases.values() if r.indicator_id in wanted]

    async def add(self, releases: Sequence[StoredRelease]) -> None:
        for release in releases:
            self.db.releases.setdefault(release.digest, release)


class FakeNeedsUnitOfWork:
    """A `NeedsUnitOfWork` on a private copy of the database, written back on commit."""

    def __init__(self, committed: FakeDatabase) -> None:
        self.committed = committed
        self.working = copy.deepcopy(committed)
        self.values = FakeValues(self.working)
        self.needs = FakeNeeds(self.working)
        self.assessments = FakeAssessments(self.working)
        self.releases: ReleaseRepository = FakeReleases(self.working)
        self.staged: list[Published] = []

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        self.staged.append(Published(payload, subject, locality, caused_by))
        return registry.envelope(payload, source="needs", subject=subject, trust="county-durham")

    async def commit(self) -> None:
        self.working.published.extend(self.staged)
        self.working.commits += 1
        self.staged = []
        self.committed.__dict__.update(copy.deepcopy(self.working).__dict__)


def fake_unit_of_work(db: FakeDatabase) -> UnitOfWorkFactory:
    """Opens fake units of work over ``db``; leaving one without a commit discards it."""

    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[NeedsUnitOfWork]:
        yield FakeNeedsUnitOfWork(db)

    return open_unit_of_work
