"""The procurement repositories on asyncpg, bound to the unit of work's connection."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.procurement.domain.procurement import Criteria, Procurement, ProcurementState
from services.procurement.domain.providers import Evidence, Provider, QualityStandard, Sector
from services.procurement.domain.routing import Route, RoutingDecision


class _Bound:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.db = connection


class PostgresProviders(_Bound):
    async def get(self, provider_id: str) -> Provider | None:
        row = await self.db.fetchrow("SELECT * FROM provider WHERE provider_id = $1", provider_id)
        return None if row is None else _provider(row)

    async def save(self, provider: Provider) -> None:
        evidence = {
            s.value: {"reference": e.reference, "expires_on": e.expires_on.isoformat()}
            for s, e in provider.evidence.items()
        }
        await self.db.execute(
            "INSERT INTO provider (provider_id, name, sector, evidence) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (provider_id) DO UPDATE SET name = EXCLUDED.name, "
            "sector = EXCLUDED.sector, evidence = EXCLUDED.evidence",
            provider.provider_id,
            provider.name,
            provider.sector.value,
            json.dumps(evidence),
        )

    async def list(self) -> list[Provider]:
        rows = await self.db.fetch("SELECT * FROM provider ORDER BY provider_id")
        return [_provider(r) for r in rows]


def _provider(row: asyncpg.Record) -> Provider:
    evidence = {
        QualityStandard(k): Evidence(
            QualityStandard(k), v["reference"], date.fromisoformat(v["expires_on"])
        )
        for k, v in row["evidence"].items()
    }
    return Provider(row["provider_id"], row["name"], Sector(row["sector"]), evidence)


class PostgresSelectLists(_Bound):
    async def add(self, locality: str, priority: str, provider_id: str, by: str) -> bool:
        status = await self.db.execute(
            "INSERT INTO select_list_entry (locality, priority, provider_id, admitted_by, "
            "admitted_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT DO NOTHING",
            locality,
            priority,
            provider_id,
            by,
        )
        return bool(status.endswith(" 1"))

    async def remove(self, locality: str, priority: str, provider_id: str) -> bool:
        status = await self.db.execute(
            "DELETE FROM select_list_entry WHERE locality = $1 AND priority = $2 "
            "AND provider_id = $3",
            locality,
            priority,
            provider_id,
        )
        return bool(status.endswith(" 1"))

    async def members(self, locality: str, priority: str) -> list[str]:
        rows = await self.db.fetch(
            "SELECT provider_id FROM select_list_entry WHERE locality = $1 AND priority = $2 "
            "ORDER BY provider_id",
            locality,
            priority,
        )
        return [r["provider_id"] for r in rows]

    async def lists(self, localities: Sequence[str] | None) -> dict[tuple[str, str], list[str]]:
        rows = await self.db.fetch(
            "SELECT locality, priority, provider_id FROM select_list_entry "
            "WHERE $1::text[] IS NULL OR locality = ANY($1::text[]) "
            "ORDER BY locality, priority, provider_id",
            None if localities is None else list(localities),
        )
        found: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            found.setdefault((r["locality"], r["priority"]), []).append(r["provider_id"])
        return found


def _tender(p: Procurement) -> str:
    def iso(value: datetime | date | None) -> str | None:
        return None if value is None else value.isoformat()

    return json.dumps(
        {
            "deadline": iso(p.deadline),
            "published_at": iso(p.published_at),
            "closed_at": iso(p.closed_at),
            "awarded_at": iso(p.awarded_at),
            "standstill_ends": iso(p.standstill_ends),
            "awarded_provider": p.awarded_provider,
            "award_value": None if p.award_value is None else str(p.award_value),
            "award_rationale": p.award_rationale,
            "criteria": None
            if p.criteria is None
            else [p.criteria.quality_weight, p.criteria.price_weight],
        }
    )


def _procurement(row: asyncpg.Record) -> Procurement:
    t: dict[str, Any] = row["tender"]

    def when(key: str) -> datetime | None:
        return None if t[key] is None else datetime.fromisoformat(t[key])

    return Procurement(
        procurement_id=row["procurement_id"],
        title=row["title"],
        locality=row["locality"],
        priority=row["priority"],
        value=row["value"],
        specialist=row["specialist"],
        outcomes=tuple(row["outcomes"]),
        routing=RoutingDecision(Route(row["route"]), row["route_rule"]),
        state=ProcurementState(row["state"]),
        requested_by=row["requested_by"],
        opened_at=row["opened_at"],
        deadline=when("deadline"),
        criteria=None if t["criteria"] is None else Criteria(*t["criteria"]),
        published_at=when("published_at"),
        closed_at=when("closed_at"),
        awarded_provider=t["awarded_provider"],
        award_value=None if t["award_value"] is None else Decimal(t["award_value"]),
        award_rationale=t["award_rationale"],
        awarded_at=when("awarded_at"),
        standstill_ends=None
        if t["standstill_ends"] is None
        else date.fromisoformat(t["standstill_ends"]),
    )


class PostgresProcurements(_Bound):
    async def add(self, p: Procurement) -> bool:
        status = await self.db.execute(
            "INSERT INTO procurement (procurement_id, title, locality, priority, value, "
            "specialist, outcomes, route, route_rule, state, requested_by, opened_at, tender) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
            "ON CONFLICT (procurement_id) DO NOTHING",
            p.procurement_id,
            p.title,
            p.locality,
            p.priority,
            p.value,
            p.specialist,
            json.dumps(list(p.outcomes)),
            p.route.value,
            p.routing.rule,
            p.state.value,
            p.requested_by,
            p.opened_at,
            _tender(p),
        )
        return bool(status.endswith(" 1"))

    async def link_project(self, procurement_id: uuid.UUID, project_id: uuid.UUID) -> None:
        await self.db.execute(
            "INSERT INTO project_link (procurement_id, project_id) VALUES ($1, $2) "
            "ON CONFLICT (procurement_id) DO NOTHING",
            procurement_id,
            project_id,
        )

    async def project_of(self, procurement_id: uuid.UUID) -> uuid.UUID | None:
        found = await self.db.fetchval(
            "SELECT project_id FROM project_link WHERE procurement_id = $1", procurement_id
        )
        return None if found is None else uuid.UUID(str(found))

    async def get(self, procurement_id: uuid.UUID, *, lock: bool = False) -> Procurement | None:
        sql = "SELECT * FROM procurement WHERE procurement_id = $1" + (
            " FOR UPDATE" if lock else ""
        )
        row = await self.db.fetchrow(sql, procurement_id)
        return None if row is None else _procurement(row)

    async def save(self, p: Procurement) -> None:
        await self.db.execute(
            "UPDATE procurement SET state = $2, tender = $3 WHERE procurement_id = $1",
            p.procurement_id,
            p.state.value,
            _tender(p),
        )

    async def list(self, localities: Sequence[str] | None) -> list[Procurement]:
        rows = await self.db.fetch(
            "SELECT * FROM procurement WHERE $1::text[] IS NULL OR locality = ANY($1::text[]) "
            "ORDER BY opened_at, procurement_id",
            None if localities is None else list(localities),
        )
        return [_procurement(r) for r in rows]

    async def put_key(self, procurement_id: uuid.UUID, wrapped: bytes) -> None:
        await self.db.execute(
            "INSERT INTO tender_key (procurement_id, wrapped_key) VALUES ($1, $2)",
            procurement_id,
            wrapped,
        )

    async def wrapped_key(self, procurement_id: uuid.UUID) -> bytes | None:
        found: bytes | None = await self.db.fetchval(
            "SELECT wrapped_key FROM tender_key WHERE procurement_id = $1", procurement_id
        )
        return found

    async def release_key(self, procurement_id: uuid.UUID, key: bytes) -> None:
        await self.db.execute(
            "UPDATE tender_key SET released_key = $2 WHERE procurement_id = $1", procurement_id, key
        )

    async def released_key(self, procurement_id: uuid.UUID) -> bytes | None:
        found: bytes | None = await self.db.fetchval(
            "SELECT released_key FROM tender_key WHERE procurement_id = $1", procurement_id
        )
        return found
