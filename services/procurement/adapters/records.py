"""Bids, panel evaluations, contracts, funds and the audit trail on asyncpg."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from decimal import Decimal

import asyncpg

from services.procurement.application.ports import AuditEntry, Clarification, SealedBid
from services.procurement.domain.contract import Contract, Frequency, Fund, Funding, Kpi, Polarity
from services.procurement.domain.evaluation import Score


class _Bound:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.db = connection


class PostgresBids(_Bound):
    async def add(self, bid: SealedBid) -> None:
        await self.db.execute(
            "INSERT INTO bid (bid_id, procurement_id, provider_id, received_at, sealed) "
            "VALUES ($1, $2, $3, $4, $5)",
            bid.bid_id,
            bid.procurement_id,
            bid.provider_id,
            bid.received_at,
            bid.sealed,
        )

    async def of(self, procurement_id: uuid.UUID) -> list[SealedBid]:
        rows = await self.db.fetch(
            "SELECT * FROM bid WHERE procurement_id = $1 ORDER BY received_at, bid_id",
            procurement_id,
        )
        return [
            SealedBid(
                r["bid_id"], r["procurement_id"], r["provider_id"], r["received_at"], r["sealed"]
            )
            for r in rows
        ]


class PostgresClarifications(_Bound):
    async def add(self, c: Clarification) -> None:
        await self.db.execute(
            "INSERT INTO clarification (clarification_id, procurement_id, question, asked_by, "
            "asked_at) VALUES ($1, $2, $3, $4, $5)",
            c.clarification_id,
            c.procurement_id,
            c.question,
            c.asked_by,
            c.asked_at,
        )

    async def get(self, clarification_id: uuid.UUID) -> Clarification | None:
        row = await self.db.fetchrow(
            "SELECT * FROM clarification WHERE clarification_id = $1 FOR UPDATE", clarification_id
        )
        return None if row is None else Clarification(**dict(row))

    async def save(self, c: Clarification) -> None:
        await self.db.execute(
            "UPDATE clarification SET answer = $2, answered_by = $3, answered_at = $4 "
            "WHERE clarification_id = $1",
            c.clarification_id,
            c.answer,
            c.answered_by,
            c.answered_at,
        )

    async def of(self, procurement_id: uuid.UUID) -> list[Clarification]:
        rows = await self.db.fetch(
            "SELECT * FROM clarification WHERE procurement_id = $1 ORDER BY asked_at, "
            "clarification_id",
            procurement_id,
        )
        return [Clarification(**dict(r)) for r in rows]


class PostgresEvaluations(_Bound):
    async def declare(
        self, procurement_id: uuid.UUID, member: str, conflicted: bool, note: str
    ) -> bool:
        status = await self.db.execute(
            "INSERT INTO panel_declaration (procurement_id, member, conflicted, note) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            procurement_id,
            member,
            conflicted,
            note,
        )
        return bool(status.endswith(" 1"))

    async def declarations(self, procurement_id: uuid.UUID) -> dict[str, bool]:
        rows = await self.db.fetch(
            "SELECT member, conflicted FROM panel_declaration WHERE procurement_id = $1",
            procurement_id,
        )
        return {r["member"]: r["conflicted"] for r in rows}

    async def score(self, procurement_id: uuid.UUID, score: Score, rationale: str) -> None:
        await self.db.execute(
            "INSERT INTO panel_score (procurement_id, member, bid_id, quality, rationale) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (procurement_id, member, bid_id) "
            "DO UPDATE SET quality = EXCLUDED.quality, rationale = EXCLUDED.rationale",
            procurement_id,
            score.member,
            uuid.UUID(score.bid_id),
            score.quality,
            rationale,
        )

    async def scores(self, procurement_id: uuid.UUID) -> list[Score]:
        rows = await self.db.fetch(
            "SELECT member, bid_id, quality FROM panel_score WHERE procurement_id = $1 "
            "ORDER BY member, bid_id",
            procurement_id,
        )
        return [Score(r["member"], str(r["bid_id"]), r["quality"]) for r in rows]


def _contract_body(c: Contract) -> str:
    return json.dumps(
        {
            "title": c.title,
            "localities": list(c.localities),
            "outcomes": list(c.outcomes),
            "reporting_frequency": c.reporting_frequency.value,
            "kpis": [
                {
                    "kpi_id": k.kpi_id,
                    "name": k.name,
                    "unit": k.unit,
                    "target": str(k.target),
                    "polarity": k.polarity.value,
                    "amber": str(k.amber_tolerance),
                    "red": str(k.red_tolerance),
                }
                for k in c.kpis
            ],
            "funding": [{"fund_id": f.fund_id, "amount": str(f.amount)} for f in c.funding],
        }
    )


def _contract(r: asyncpg.Record) -> Contract:
    b = r["body"]
    return Contract(
        contract_id=r["contract_id"],
        procurement_id=r["procurement_id"],
        provider_id=r["provider_id"],
        title=b["title"],
        value=r["value"],
        localities=tuple(b["localities"]),
        outcomes=tuple(b["outcomes"]),
        kpis=tuple(
            Kpi(
                k["kpi_id"],
                k["name"],
                k["unit"],
                Decimal(k["target"]),
                Polarity(k["polarity"]),
                Decimal(k["amber"]),
                Decimal(k["red"]),
            )
            for k in b["kpis"]
        ),
        reporting_frequency=Frequency(b["reporting_frequency"]),
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        funding=tuple(Funding(f["fund_id"], Decimal(f["amount"])) for f in b["funding"]),
        state=r["state"],
    )


class PostgresContracts(_Bound):
    async def add(self, c: Contract) -> None:
        await self.db.execute(
            "INSERT INTO contract (contract_id, procurement_id, provider_id, value, starts_on, "
            "ends_on, state, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            c.contract_id,
            c.procurement_id,
            c.provider_id,
            c.value,
            c.starts_on,
            c.ends_on,
            c.state,
            _contract_body(c),
        )

    async def get(self, contract_id: uuid.UUID, *, lock: bool = False) -> Contract | None:
        sql = "SELECT * FROM contract WHERE contract_id = $1" + (" FOR UPDATE" if lock else "")
        row = await self.db.fetchrow(sql, contract_id)
        return None if row is None else _contract(row)

    async def save(self, c: Contract) -> None:
        await self.db.execute(
            "UPDATE contract SET ends_on = $2, state = $3, body = $4 WHERE contract_id = $1",
            c.contract_id,
            c.ends_on,
            c.state,
            _contract_body(c),
        )

    async def of_project(self, project_id: uuid.UUID) -> list[Contract]:
        rows = await self.db.fetch(
            "SELECT c.* FROM contract c JOIN project_link l USING (procurement_id) "
            "WHERE l.project_id = $1 ORDER BY c.starts_on, c.contract_id",
            project_id,
        )
        return [_contract(r) for r in rows]

    async def list(self, provider_id: str | None) -> list[Contract]:
        rows = await self.db.fetch(
            "SELECT * FROM contract WHERE $1::text IS NULL OR provider_id = $1 "
            "ORDER BY starts_on, contract_id",
            provider_id,
        )
        return [_contract(r) for r in rows]


def _fund(r: asyncpg.Record) -> Fund:
    contributions = {k: Decimal(v) for k, v in r["contributions"].items()}
    return Fund(r["fund_id"], r["name"], contributions, r["committed"])


class PostgresFunds(_Bound):
    async def add(self, fund: Fund) -> bool:
        status = await self.db.execute(
            "INSERT INTO fund (fund_id, name, contributions, committed) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING",
            fund.fund_id,
            fund.name,
            json.dumps({k: str(v) for k, v in fund.contributions.items()}),
            fund.committed,
        )
        return bool(status.endswith(" 1"))

    async def get(self, fund_id: str, *, lock: bool = False) -> Fund | None:
        sql = "SELECT * FROM fund WHERE fund_id = $1" + (" FOR UPDATE" if lock else "")
        row = await self.db.fetchrow(sql, fund_id)
        return None if row is None else _fund(row)

    async def save(self, fund: Fund) -> None:
        await self.db.execute(
            "UPDATE fund SET committed = $2 WHERE fund_id = $1", fund.fund_id, fund.committed
        )

    async def list(self) -> list[Fund]:
        return [_fund(r) for r in await self.db.fetch("SELECT * FROM fund ORDER BY fund_id")]


class PostgresAuditTrail(_Bound):
    async def record(self, e: AuditEntry) -> None:
        await self.db.execute(
            "INSERT INTO audit_entry (at, actor, action, reason, procurement_id, locality, "
            "provider_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            e.at,
            e.actor,
            e.action,
            e.reason,
            e.procurement_id,
            e.locality,
            e.provider_id,
            None if e.detail is None else json.dumps(e.detail),
        )

    async def entries(
        self, procurement_id: uuid.UUID | None, localities: Sequence[str] | None
    ) -> list[AuditEntry]:
        rows = await self.db.fetch(
            "SELECT * FROM audit_entry WHERE ($1::uuid IS NULL OR procurement_id = $1) "
            "AND ($2::text[] IS NULL OR locality = ANY($2::text[])) ORDER BY seq",
            procurement_id,
            None if localities is None else list(localities),
        )
        return [
            AuditEntry(
                r["at"],
                r["actor"],
                r["action"],
                r["reason"],
                r["procurement_id"],
                r["locality"],
                r["provider_id"],
                None if r["detail"] is None else r["detail"],
            )
            for r in rows
        ]
