"""Needs and needs assessments on PostgreSQL, through the unit of work's asyncpg connection.

Evidence is stored as the JSON that was published. The `need_one_open` index holds at most
one open need per series, whatever the application does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence

import asyncpg

from services.needs.application.ports import Area
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind
from services.needs.domain.need import Need, NeedState

_NEED_FIELDS = (
    "need_id, need_key, indicator_id, area_kind, area_code, breakdown_key, state, reason, "
    "reasons, outcomes, vulnerable_group, identified_at, resolved_at, evidence, "
    "resolution_evidence"
)
_IN_AREAS = (
    "($1::text[] IS NULL OR (area_kind, area_code) IN "
    "(SELECT * FROM unnest($1::text[], $2::text[])))"
)
_ASSESSMENT_FIELDS = (
    "assessment_id, area_kind, area_code, version, published_at, requested_by, data_version, "
    "body, csv"
)


def _area_columns(areas: Sequence[Area] | None) -> tuple[list[str] | None, list[str] | None]:
    if areas is None:
        return None, None
    return [kind.value for kind, _ in areas], [code for _, code in areas]


class PostgresNeeds:
    """`NeedRepository` on the `need` table."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def open_by_key(self, indicator_ids: Iterable[str]) -> dict[str, Need]:
        rows = await self.connection.fetch(
            f"SELECT {_NEED_FIELDS} FROM need WHERE state = 'open' "
            "AND indicator_id = ANY($1::text[])",
            sorted(set(indicator_ids)),
        )
        return {row["need_key"]: _need(row) for row in rows}

    async def add(self, need: Need) -> None:
        await self.connection.execute(
            f"INSERT INTO need ({_NEED_FIELDS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
            "$9::jsonb, $10::jsonb, $11, $12, $13, $14::jsonb, $15::jsonb)",
            need.need_id,
            need.need_key,
            need.indicator_id,
            need.area_kind.value,
            need.area_code,
            need.breakdown_key,
            need.state.value,
            need.reason,
            json.dumps(list(need.reasons)),
            json.dumps(list(need.outcomes)),
            need.vulnerable_group,
            need.identified_at,
            need.resolved_at,
            json.dumps(need.evidence),
            _json_or_none(need.resolution_evidence),
        )

    async def save(self, need: Need) -> None:
        await self.connection.execute(
            "UPDATE need SET state = $2, resolved_at = $3, resolution_evidence = $4::jsonb "
            "WHERE need_id = $1",
            need.need_id,
            need.state.value,
            need.resolved_at,
            _json_or_none(need.resolution_evidence),
        )

    async def find(self, *, areas: Sequence[Area] | None, state: NeedState | None) -> list[Need]:
        kinds, codes = _area_columns(areas)
        rows = await self.connection.fetch(
            f"SELECT {_NEED_FIELDS} FROM need WHERE {_IN_AREAS} "
            "AND ($3::text IS NULL OR state = $3) ORDER BY identified_at DESC, need_key",
            kinds,
            codes,
            state.value if state is not None else None,
        )
        return [_need(row) for row in rows]


class PostgresAssessments:
    """`AssessmentRepository` on the `needs_assessment` table."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def lock(self, area: Area) -> None:
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"needs.assessment:{area[0].value}:{area[1]}",
        )

    async def next_version(self, area: Area) -> int:
        latest = await self.connection.fetchval(
            "SELECT max(version) FROM needs_assessment WHERE area_kind = $1 AND area_code = $2",
            area[0].value,
            area[1],
        )
        return int(latest or 0) + 1

    async def latest(self, area: Area) -> NeedsAssessment | None:
        row = await self.connection.fetchrow(
            f"SELECT {_ASSESSMENT_FIELDS} FROM needs_assessment WHERE area_kind = $1 "
            "AND area_code = $2 ORDER BY version DESC LIMIT 1",
            area[0].value,
            area[1],
        )
        return _assessment(row) if row is not None else None

    async def add(self, assessment: NeedsAssessment) -> None:
        a = assessment
        await self.connection.execute(
            f"INSERT INTO needs_assessment ({_ASSESSMENT_FIELDS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)",
            a.assessment_id,
            a.area_kind.value,
            a.area_code,
            a.version,
            a.published_at,
            a.requested_by,
            a.data_version,
            json.dumps(a.body),
            a.csv,
        )

    async def get(self, assessment_id: uuid.UUID) -> NeedsAssessment | None:
        row = await self.connection.fetchrow(
            f"SELECT {_ASSESSMENT_FIELDS} FROM needs_assessment WHERE assessment_id = $1",
            assessment_id,
        )
        return _assessment(row) if row is not None else None

    async def list(self, areas: Sequence[Area] | None) -> list[NeedsAssessment]:
        kinds, codes = _area_columns(areas)
        rows = await self.connection.fetch(
            f"SELECT {_ASSESSMENT_FIELDS} FROM needs_assessment WHERE {_IN_AREAS} "
            "ORDER BY area_kind, area_code, version DESC",
            kinds,
            codes,
        )
        return [_assessment(row) for row in rows]


def _json_or_none(value: object) -> str | None:
    return None if value is None else json.dumps(value)


def _need(row: asyncpg.Record) -> Need:
    return Need(
        need_id=row["need_id"],
        need_key=row["need_key"],
        indicator_id=row["indicator_id"],
        area_kind=AreaKind(row["area_kind"]),
        area_code=row["area_code"],
        breakdown_key=row["breakdown_key"],
        state=NeedState(row["state"]),
        reason=row["reason"],
        reasons=tuple(row["reasons"]),
        outcomes=tuple(row["outcomes"]),
        vulnerable_group=row["vulnerable_group"],
        identified_at=row["identified_at"],
        resolved_at=row["resolved_at"],
        evidence=row["evidence"],
        resolution_evidence=row["resolution_evidence"],
    )


def _assessment(row: asyncpg.Record) -> NeedsAssessment:
    return NeedsAssessment(
        assessment_id=row["assessment_id"],
        area_kind=AreaKind(row["area_kind"]),
        area_code=row["area_code"],
        version=row["version"],
        published_at=row["published_at"],
        requested_by=row["requested_by"],
        data_version=row["data_version"],
        body=row["body"],
        csv=row["csv"],
    )
