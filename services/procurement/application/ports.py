"""The ports the procurement use cases depend on: repositories and a unit of work over
domain objects, a bid vault for sealing, and a clock. Adapters implement them on
PostgreSQL and AES-GCM; unit tests implement them in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from services.procurement.domain.contract import Contract, Fund
from services.procurement.domain.evaluation import Score
from services.procurement.domain.procurement import Procurement
from services.procurement.domain.providers import Provider
from shared.envelope import Envelope

Clock = Callable[[], datetime]
"""The current time, timezone-aware (UTC)."""


@dataclass(frozen=True)
class SealedBid:
    """A bid as stored: who and when in the clear; contents and price only as ciphertext."""

    bid_id: uuid.UUID
    procurement_id: uuid.UUID
    provider_id: str
    received_at: datetime
    sealed: bytes


@dataclass(frozen=True)
class AuditEntry:
    """One decision: who took it, what, when and why."""

    at: datetime
    actor: str
    action: str
    reason: str
    procurement_id: uuid.UUID | None = None
    locality: str | None = None
    provider_id: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class Clarification:
    """A bidder's question and the commissioner's answer, visible to every bidder; who
    asked is kept for the audit trail but never shown."""

    clarification_id: uuid.UUID
    procurement_id: uuid.UUID
    question: str
    asked_by: str
    asked_at: datetime
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


class BidVault(Protocol):
    """Envelope encryption of bids: a data key per tender, wrapped by the service's key."""

    def new_data_key(self) -> tuple[bytes, bytes]:
        """A fresh data key and the same key wrapped (the only form stored before close)."""

    def unwrap(self, wrapped: bytes) -> bytes: ...

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes: ...

    def open(self, key: bytes, sealed: bytes, aad: bytes) -> bytes: ...


class ProviderRepository(Protocol):
    async def get(self, provider_id: str) -> Provider | None: ...

    async def save(self, provider: Provider) -> None:
        """Insert or replace the provider and its evidence."""

    async def list(self) -> list[Provider]: ...


class SelectListRepository(Protocol):
    async def add(self, locality: str, priority: str, provider_id: str, by: str) -> bool:
        """Admit a provider; False if it was already on the list."""

    async def remove(self, locality: str, priority: str, provider_id: str) -> bool: ...

    async def members(self, locality: str, priority: str) -> list[str]: ...

    async def lists(self, localities: Sequence[str] | None) -> dict[tuple[str, str], list[str]]:
        """(locality, priority) → provider ids; None: every locality."""


class ProcurementRepository(Protocol):
    async def add(self, procurement: Procurement) -> bool:
        """False if a procurement with that id exists (a concurrent replay of a request)."""

    async def get(self, procurement_id: uuid.UUID, *, lock: bool = False) -> Procurement | None:
        """``lock`` serialises changes to this procurement until the unit of work ends."""

    async def link_project(self, procurement_id: uuid.UUID, project_id: uuid.UUID) -> None:
        """Remember the commissioning project the procurement was requested for."""

    async def project_of(self, procurement_id: uuid.UUID) -> uuid.UUID | None: ...

    async def save(self, procurement: Procurement) -> None: ...

    async def list(self, localities: Sequence[str] | None) -> list[Procurement]: ...

    async def put_key(self, procurement_id: uuid.UUID, wrapped: bytes) -> None: ...

    async def wrapped_key(self, procurement_id: uuid.UUID) -> bytes | None: ...

    async def release_key(self, procurement_id: uuid.UUID, key: bytes) -> None:
        """Store the unwrapped data key: done once, at close."""

    async def released_key(self, procurement_id: uuid.UUID) -> bytes | None: ...


class BidRepository(Protocol):
    async def add(self, bid: SealedBid) -> None: ...

    async def of(self, procurement_id: uuid.UUID) -> list[SealedBid]:
        """In the order received."""


class ClarificationRepository(Protocol):
    async def add(self, clarification: Clarification) -> None: ...

    async def get(self, clarification_id: uuid.UUID) -> Clarification | None: ...

    async def save(self, clarification: Clarification) -> None: ...

    async def of(self, procurement_id: uuid.UUID) -> list[Clarification]:
        """Oldest first."""


class EvaluationRepository(Protocol):
    async def declare(
        self, procurement_id: uuid.UUID, member: str, conflicted: bool, note: str
    ) -> bool:
        """Record a declaration; False if the member had already declared."""

    async def declarations(self, procurement_id: uuid.UUID) -> dict[str, bool]: ...

    async def score(self, procurement_id: uuid.UUID, score: Score, rationale: str) -> None:
        """Record (or replace) a member's quality score of a bid."""

    async def scores(self, procurement_id: uuid.UUID) -> list[Score]: ...


class ContractRepository(Protocol):
    async def add(self, contract: Contract) -> None: ...

    async def get(self, contract_id: uuid.UUID, *, lock: bool = False) -> Contract | None: ...

    async def save(self, contract: Contract) -> None:
        """Store a variation or termination."""

    async def of_project(self, project_id: uuid.UUID) -> list[Contract]:
        """The contracts of the procurements requested for a commissioning project."""

    async def list(self, provider_id: str | None) -> list[Contract]:
        """None: every contract."""


class FundRepository(Protocol):
    async def add(self, fund: Fund) -> bool:
        """False if a fund with that id exists."""

    async def get(self, fund_id: str, *, lock: bool = False) -> Fund | None:
        """``lock`` holds the fund's row until the unit of work ends, so two commitments
        against one fund are serialised and cannot overspend it."""

    async def save(self, fund: Fund) -> None: ...

    async def list(self) -> list[Fund]: ...


class AuditTrail(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...

    async def entries(
        self, procurement_id: uuid.UUID | None, localities: Sequence[str] | None
    ) -> list[AuditEntry]:
        """Oldest first; ``localities`` None: every entry."""


class ProcurementUnitOfWork(Protocol):
    """One transaction over the procurement repositories and the events published."""

    @property
    def providers(self) -> ProviderRepository: ...

    @property
    def select_lists(self) -> SelectListRepository: ...

    @property
    def procurements(self) -> ProcurementRepository: ...

    @property
    def bids(self) -> BidRepository: ...

    @property
    def clarifications(self) -> ClarificationRepository: ...

    @property
    def evaluations(self) -> EvaluationRepository: ...

    @property
    def contracts(self) -> ContractRepository: ...

    @property
    def funds(self) -> FundRepository: ...

    @property
    def audit(self) -> AuditTrail: ...

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[ProcurementUnitOfWork]]
