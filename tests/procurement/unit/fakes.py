"""In-memory adapters of the procurement ports. Each unit of work works on a copy of the
fake database and writes it back only on commit, as a transaction would."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from services.procurement.application.ports import (
    AuditEntry,
    Clarification,
    SealedBid,
    UnitOfWorkFactory,
)
from services.procurement.domain.contract import Contract, Fund
from services.procurement.domain.evaluation import Score
from services.procurement.domain.procurement import Procurement
from services.procurement.domain.providers import Provider
from shared.contracts.registry import registry
from shared.envelope import Envelope


@dataclass
class FakeDatabase:
    providers: dict[str, Provider] = field(default_factory=dict)
    lists: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    procurements: dict[uuid.UUID, Procurement] = field(default_factory=dict)
    keys: dict[uuid.UUID, list[bytes | None]] = field(default_factory=dict)
    bids: list[SealedBid] = field(default_factory=list)
    clarifications: dict[uuid.UUID, Clarification] = field(default_factory=dict)
    declarations: dict[tuple[uuid.UUID, str], bool] = field(default_factory=dict)
    scores: dict[tuple[uuid.UUID, str, str], Score] = field(default_factory=dict)
    contracts: dict[uuid.UUID, Contract] = field(default_factory=dict)
    funds: dict[str, Fund] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    published: list[BaseModel] = field(default_factory=list)
    causes: list[Envelope | None] = field(default_factory=list)
    project_links: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def events(self, kind: type[BaseModel]) -> list[Any]:
        return [p for p in self.published if isinstance(p, kind)]


class FakeVault:
    """Reversible and visibly not plaintext: enough to check the use cases' key handling."""

    def new_data_key(self) -> tuple[bytes, bytes]:
        key = uuid.uuid4().bytes
        return key, b"wrapped:" + key

    def unwrap(self, wrapped: bytes) -> bytes:
        return wrapped.removeprefix(b"wrapped:")

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return key + aad + bytes(b ^ 0x5A for b in plaintext)

    def open(self, key: bytes, sealed: bytes, aad: bytes) -> bytes:
        assert sealed.startswith(key + aad), "wrong key or associated data"
        return bytes(b ^ 0x5A for b in sealed[len(key + aad) :])


class _Repos:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db


class Providers(_Repos):
    async def get(self, provider_id: str) -> Provider | None:
        return self.db.providers.get(provider_id)

    async def save(self, provider: Provider) -> None:
        self.db.providers[provider.provider_id] = provider

    async def list(self) -> list[Provider]:
        return sorted(self.db.providers.values(), key=lambda p: p.provider_id)


class SelectLists(_Repos):
    async def add(self, locality: str, priority: str, provider_id: str, by: str) -> bool:
        members = self.db.lists.setdefault((locality, priority), [])
        if provider_id in members:
            return False
        members.append(provider_id)
        return True

    async def remove(self, locality: str, priority: str, provider_id: str) -> bool:
        members = self.db.lists.get((locality, priority), [])
        if provider_id not in members:
            return False
        members.remove(provider_id)
        return True

    async def members(self, locality: str, priority: str) -> list[str]:
        return sorted(self.db.lists.get((locality, priority), []))

    async def lists(self, localities: Sequence[str] | None) -> dict[tuple[str, str], list[str]]:
        return {k: v for k, v in self.db.lists.items() if localities is None or k[0] in localities}


class Procurements(_Repos):
    async def add(self, procurement: Procurement) -> bool:
        if procurement.procurement_id in self.db.procurements:
            return False
        self.db.procurements[procurement.procurement_id] = procurement
        return True

    async def get(self, procurement_id: uuid.UUID, *, lock: bool = False) -> Procurement | None:
        return self.db.procurements.get(procurement_id)

    async def save(self, procurement: Procurement) -> None:
        self.db.procurements[procurement.procurement_id] = procurement

    async def list(self, localities: Sequence[str] | None) -> list[Procurement]:
        return [
            p
            for p in self.db.procurements.values()
            if localities is None or p.locality in localities
        ]

    async def link_project(self, procurement_id: uuid.UUID, project_id: uuid.UUID) -> None:
        self.db.project_links.setdefault(procurement_id, project_id)

    async def project_of(self, procurement_id: uuid.UUID) -> uuid.UUID | None:
        return self.db.project_links.get(procurement_id)

    async def put_key(self, procurement_id: uuid.UUID, wrapped: bytes) -> None:
        self.db.keys[procurement_id] = [wrapped, None]

    async def wrapped_key(self, procurement_id: uuid.UUID) -> bytes | None:
        return self.db.keys.get(procurement_id, [None, None])[0]

    async def release_key(self, procurement_id: uuid.UUID, key: bytes) -> None:
        self.db.keys[procurement_id][1] = key

    async def released_key(self, procurement_id: uuid.UUID) -> bytes | None:
        return self.db.keys.get(procurement_id, [None, None])[1]


class Bids(_Repos):
    async def add(self, bid: SealedBid) -> None:
        self.db.bids.append(bid)

    async def of(self, procurement_id: uuid.UUID) -> list[SealedBid]:
        return [b for b in self.db.bids if b.procurement_id == procurement_id]


class Clarifications(_Repos):
    async def add(self, clarification: Clarification) -> None:
        self.db.clarifications[clarification.clarification_id] = clarification

    async def get(self, clarification_id: uuid.UUID) -> Clarification | None:
        return self.db.clarifications.get(clarification_id)

    async def save(self, clarification: Clarification) -> None:
        self.db.clarifications[clarification.clarification_id] = clarification

    async def of(self, procurement_id: uuid.UUID) -> list[Clarification]:
        return [c for c in self.db.clarifications.values() if c.procurement_id == procurement_id]


class Evaluations(_Repos):
    async def declare(
        self, procurement_id: uuid.UUID, member: str, conflicted: bool, note: str
    ) -> bool:
        if (procurement_id, member) in self.db.declarations:
            return False
        self.db.declarations[(procurement_id, member)] = conflicted
        return True

    async def declarations(self, procurement_id: uuid.UUID) -> dict[str, bool]:
        return {m: c for (p, m), c in self.db.declarations.items() if p == procurement_id}

    async def score(self, procurement_id: uuid.UUID, score: Score, rationale: str) -> None:
        self.db.scores[(procurement_id, score.member, score.bid_id)] = score

    async def scores(self, procurement_id: uuid.UUID) -> list[Score]:
        return [s for (p, _, _), s in self.db.scores.items() if p == procurement_id]


class Contracts(_Repos):
    async def add(self, contract: Contract) -> None:
        self.db.contracts[contract.contract_id] = contract

    async def get(self, contract_id: uuid.UUID, *, lock: bool = False) -> Contract | None:
        return self.db.contracts.get(contract_id)

    async def save(self, contract: Contract) -> None:
        self.db.contracts[contract.contract_id] = contract

    async def of_project(self, project_id: uuid.UUID) -> list[Contract]:
        linked = {p for p, project in self.db.project_links.items() if project == project_id}
        return [c for c in self.db.contracts.values() if c.procurement_id in linked]

    async def list(self, provider_id: str | None) -> list[Contract]:
        return [c for c in self.db.contracts.values() if provider_id in (None, c.provider_id)]


class Funds(_Repos):
    async def add(self, fund: Fund) -> bool:
        if fund.fund_id in self.db.funds:
            return False
        self.db.funds[fund.fund_id] = fund
        return True

    async def get(self, fund_id: str, *, lock: bool = False) -> Fund | None:
        return self.db.funds.get(fund_id)

    async def save(self, fund: Fund) -> None:
        self.db.funds[fund.fund_id] = replace(fund)

    async def list(self) -> list[Fund]:
        return list(self.db.funds.values())


class Audit(_Repos):
    async def record(self, entry: AuditEntry) -> None:
        self.db.audit.append(entry)

    async def entries(
        self, procurement_id: uuid.UUID | None, localities: Sequence[str] | None
    ) -> list[AuditEntry]:
        return [
            e
            for e in self.db.audit
            if procurement_id in (None, e.procurement_id)
            and (localities is None or e.locality in localities)
        ]


class FakeUnitOfWork:
    def __init__(self, committed: FakeDatabase) -> None:
        self.committed = committed
        self.working = copy.deepcopy(committed)
        db = self.working
        self.providers, self.select_lists = Providers(db), SelectLists(db)
        self.procurements, self.bids = Procurements(db), Bids(db)
        self.evaluations, self.contracts = Evaluations(db), Contracts(db)
        self.clarifications = Clarifications(db)
        self.funds, self.audit = Funds(db), Audit(db)

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        registry.contract(registry.type_of(payload))  # only registered contracts
        self.working.published.append(payload)
        self.working.causes.append(caused_by)
        return registry.envelope(payload, source="procurement", subject=subject, trust="t")

    async def commit(self) -> None:
        for name, value in vars(self.working).items():
            setattr(self.committed, name, copy.deepcopy(value))


def fake_unit_of_work(db: FakeDatabase) -> UnitOfWorkFactory:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[FakeUnitOfWork]:
        yield FakeUnitOfWork(db)

    return open_unit_of_work
