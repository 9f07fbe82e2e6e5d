"""Contracts with an outcome-based specification (Durham framework, section 3:
"procurement of services will in every case include a specification of outcomes to be
delivered and targets to be attained"; Gateshead, "Strategic Commissioning Intentions"),
and the pooled or aligned funds they commit against (Medway, paragraphs 1.2 and 2.20-2.22;
Health Act 1999 section 31; Children Act 2004 section 10)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.procurement.domain.procurement import Refused


class Polarity(StrEnum):
    """Whether a higher or a lower value of a KPI is better."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


@dataclass(frozen=True)
class Kpi:
    """A KPI and its RAG tolerances: ``amber`` and ``red`` are how far (in the KPI's unit)
    a value may fall short of ``target`` before it turns amber or red."""

    kpi_id: str
    name: str
    unit: str
    target: Decimal
    polarity: Polarity
    amber_tolerance: Decimal
    red_tolerance: Decimal

    def __post_init__(self) -> None:
        if self.amber_tolerance < 0 or self.red_tolerance <= self.amber_tolerance:
            raise Refused(
                f"kpis.{self.kpi_id}",
                "tolerances must satisfy 0 <= amber_tolerance < red_tolerance",
            )


@dataclass(frozen=True)
class Funding:
    fund_id: str
    amount: Decimal


@dataclass(frozen=True)
class Contract:
    contract_id: uuid.UUID
    procurement_id: uuid.UUID
    provider_id: str
    title: str
    value: Decimal
    localities: tuple[str, ...]
    outcomes: tuple[str, ...]
    kpis: tuple[Kpi, ...]
    reporting_frequency: Frequency
    starts_on: date
    ends_on: date
    funding: tuple[Funding, ...]
    state: str = "active"

    def __post_init__(self) -> None:
        if self.ends_on <= self.starts_on:
            raise Refused("ends_on", "must be after starts_on")
        if not self.kpis:
            raise Refused("kpis", "an outcome-based contract needs at least one KPI")
        ids = [k.kpi_id for k in self.kpis]
        if len(set(ids)) != len(ids):
            raise Refused("kpis", "kpi_id must be unique within a contract")
        if sum((f.amount for f in self.funding), Decimal(0)) != self.value:
            raise Refused("funding", "the funding amounts must add up to the contract value")

    def vary(self, ends_on: date | None, kpis: tuple[Kpi, ...] | None) -> Contract:
        """A modification of a live contract (PA2023 section 74): a new end date or KPIs."""
        self._require_active("a variation")
        if ends_on is None and kpis is None:
            raise Refused("ends_on", "a variation changes ends_on, kpis or both")
        return replace(
            self, ends_on=ends_on or self.ends_on, kpis=self.kpis if kpis is None else kpis
        )

    def terminate(self, on: date) -> Contract:
        """Early termination, e.g. after a decommissioning decision."""
        self._require_active("termination")
        if not self.starts_on <= on <= self.ends_on:
            raise Refused("terminated_on", "must fall within the contract's term")
        return replace(self, ends_on=on, state="terminated")

    def _require_active(self, action: str) -> None:
        if self.state != "active":
            raise Refused(
                "state", f"{action} needs an active contract; it is {self.state}", conflict=True
            )


@dataclass(frozen=True)
class Fund:
    """A pooled (or aligned) budget: partner contributions less what contracts committed."""

    fund_id: str
    name: str
    contributions: dict[str, Decimal]
    committed: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.contributions.values(), Decimal(0))

    @property
    def available(self) -> Decimal:
        return self.total - self.committed

    def commit(self, amount: Decimal) -> Fund:
        """Refuse any commitment beyond what is left in the fund."""
        if amount <= 0:
            raise Refused("funding.amount", "must be positive")
        if amount > self.available:
            raise Refused(
                "funding",
                f"fund {self.fund_id} has £{self.available} uncommitted; £{amount} refused",
            )
        return Fund(self.fund_id, self.name, self.contributions, self.committed + amount)
