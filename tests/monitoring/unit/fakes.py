"""In-memory ports for the monitoring use cases' unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from services.monitoring.application.ports import (
    AuditEntry,
    FeedEntry,
    StoredReturn,
    StoreOutcome,
    Subscription,
)
from services.monitoring.domain.lifecycle import Alert
from shared.contracts.monitoring import (
    Audience,
    ContractLevel,
    Kpi,
    MonitoredContract,
    PerformanceReturn,
    Polarity,
    ReportingFrequency,
)
from shared.envelope import Envelope


class FakeContracts:
    def __init__(self) -> None:
        self.versions_of: dict[str, list[MonitoredContract]] = {}

    async def get(self, contract_id: str) -> MonitoredContract | None:
        found = self.versions_of.get(contract_id)
        return found[-1] if found else None

    async def save(self, contract: MonitoredContract) -> None:
        self.versions_of.setdefault(contract.contract_id, []).append(contract)

    async def find(
        self, *, locality: str | None = None, provider_id: str | None = None
    ) -> list[MonitoredContract]:
        return [v[-1] for v in self.versions_of.values()]

    async def all_current(self) -> list[MonitoredContract]:
        return await self.find()

    async def versions(self, contract_id: str) -> list[MonitoredContract]:
        return list(self.versions_of.get(contract_id, []))


class FakeReturns:
    def __init__(self) -> None:
        self.held: list[StoredReturn] = []

    async def lock(self, contract_id: str) -> None:
        return None

    async def add(self, performance_return: PerformanceReturn, *, via: str) -> StoreOutcome:
        r = performance_return
        for s in self.held:
            p = s.performance_return
            if (p.contract_id, p.period, p.revision) == (r.contract_id, r.period, r.revision):
                return StoreOutcome.DUPLICATE if p == r else StoreOutcome.CONFLICT
        self.held.append(StoredReturn(r, via, datetime.now(UTC)))
        return StoreOutcome.STORED

    async def current(self, contract_id: str) -> list[PerformanceReturn]:
        best: dict[str, PerformanceReturn] = {}
        for s in self.held:
            p = s.performance_return
            if p.contract_id == contract_id and (
                p.period not in best or best[p.period].revision < p.revision
            ):
                best[p.period] = p
        return [best[k] for k in sorted(best)]

    async def history(self, contract_id: str, period: str) -> list[StoredReturn]:
        return [
            s
            for s in self.held
            if s.performance_return.contract_id == contract_id
            and s.performance_return.period == period
        ]


class FakeAlerts:
    def __init__(self) -> None:
        self.by_id: dict[uuid.UUID, Alert] = {}

    async def add(self, alert: Alert) -> bool:
        if any(a.identity == alert.identity for a in self.by_id.values()):
            return False
        self.by_id[alert.alert_id] = alert
        return True

    async def save(self, alert: Alert) -> None:
        self.by_id[alert.alert_id] = alert

    async def get(self, alert_id: uuid.UUID) -> Alert | None:
        return self.by_id.get(alert_id)

    async def find(
        self,
        *,
        contract_id: str | None = None,
        audiences: Sequence[Audience] | None = None,
        locality: str | None = None,
    ) -> list[Alert]:
        return [
            a
            for a in self.by_id.values()
            if (contract_id is None or a.contract_id == contract_id)
            and (audiences is None or a.audience in audiences)
            and (locality is None or a.locality == locality)
        ]


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def find(self, subject: str | None) -> list[AuditEntry]:
        return [e for e in self.entries if subject is None or e.subject == subject]


class FakeFeed:
    def __init__(self) -> None:
        self.entries: list[FeedEntry] = []

    async def append(
        self, payload: BaseModel, *, audience: Audience, locality: str | None, severity: str
    ) -> None:
        self.entries.append(
            FeedEntry(
                len(self.entries) + 1,
                uuid.uuid4(),
                type(payload).__name__,
                audience,
                locality,
                severity,
                payload.model_dump(mode="json"),
                datetime.now(UTC),
            )
        )

    async def flush(self) -> list[int]:
        return []

    async def after(
        self, seq: int, *, audiences: Sequence[Audience], locality: str | None, limit: int
    ) -> list[FeedEntry]:
        return [e for e in self.entries if e.seq > seq and e.audience in audiences][:limit]


class FakeSubscriptions:
    def __init__(self) -> None:
        self.held: list[Subscription] = []
        self.redriven: list[uuid.UUID] = []

    async def add(self, subscription: Subscription) -> None:
        self.held.append(subscription)

    async def find(self, audience: Audience | None, locality: str | None) -> list[Subscription]:
        return list(self.held)

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None:
        return next((s for s in self.held if s.subscription_id == subscription_id), None)

    async def redrive(self, subscription_id: uuid.UUID) -> int:
        self.redriven.append(subscription_id)
        return 1


@dataclass
class Published:
    payload: Any
    subject: str
    locality: str | None


@dataclass
class FakeUnitOfWork:
    contracts: FakeContracts = field(default_factory=FakeContracts)
    returns: FakeReturns = field(default_factory=FakeReturns)
    alerts: FakeAlerts = field(default_factory=FakeAlerts)
    audit: FakeAudit = field(default_factory=FakeAudit)
    feed: FakeFeed = field(default_factory=FakeFeed)
    subscriptions: FakeSubscriptions = field(default_factory=FakeSubscriptions)
    published: list[Published] = field(default_factory=list)
    commits: int = 0

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        self.published.append(Published(payload, subject, locality))
        return None  # type: ignore[return-value]

    async def commit(self) -> None:
        self.commits += 1

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [p.payload for p in self.published if isinstance(p.payload, kind)]


def attendance_kpi(**overrides: Any) -> Kpi:
    """Higher is better: % of children attending their sessions; target 90, green down to
    88, red below 80."""
    fields: dict[str, Any] = {
        "id": "attendance",
        "name": "Session attendance",
        "polarity": Polarity.HIGHER_IS_BETTER,
        "value_type": "percentage",
        "target": 90,
        "amber_tolerance": 2,
        "red_tolerance": 10,
    }
    return Kpi.model_validate(fields | overrides)


def waiting_kpi(**overrides: Any) -> Kpi:
    """Lower is better: median days waiting; target 14, green up to 14, red beyond 28."""
    fields: dict[str, Any] = {
        "id": "waiting_days",
        "name": "Median days waiting",
        "polarity": Polarity.LOWER_IS_BETTER,
        "target": 14,
        "amber_tolerance": 0,
        "red_tolerance": 14,
    }
    return Kpi.model_validate(fields | overrides)


def local_contract(**overrides: Any) -> MonitoredContract:
    fields: dict[str, Any] = {
        "contract_id": "easington-family-support",
        "title": "Family support, Easington",
        "provider_id": "family-action",
        "level": ContractLevel.LOCAL,
        "locality": "easington",
        "outcomes": ["stay_safe"],
        "kpis": [attendance_kpi(), waiting_kpi()],
        "reporting_frequency": ReportingFrequency.MONTHLY,
        "starts_on": "2025-04-01",
        "ends_on": "2026-03-31",
        "return_due_days": 20,
    }
    return MonitoredContract.model_validate(fields | overrides)


def a_return(
    period: str, attendance: float, waiting: float = 10, **overrides: Any
) -> PerformanceReturn:
    fields: dict[str, Any] = {
        "contract_id": "easington-family-support",
        "provider_id": "family-action",
        "period": period,
        "kpi_values": {"attendance": attendance, "waiting_days": waiting},
    }
    return PerformanceReturn.model_validate(fields | overrides)
