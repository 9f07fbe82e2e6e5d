"""Storage of indicator values, needs and needs assessments, inside a unit of work.

Values are written in bulk on the unit of work's raw asyncpg connection (one statement per
batch); needs and assessments, which are few, through the SQLModel session. Both share the
unit of work's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.needs.adapters.tables import NeedRow, NeedsAssessmentRow
from services.needs.domain.model import AreaKind, ReportedValue, parse_breakdown_key


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


_COLUMNS = (
    "indicator_id, agency, area_kind, area_code, period, breakdown_key, breakdown, numerator, "
    "denominator, value, standard_deviation, revision, note, digest, received_via, "
    "source_event_id"
)


async def lock_indicators(conn: asyncpg.Connection, indicator_ids: Iterable[str]) -> None:
    """Serialise analyses of the same indicators (transaction-scoped, in a fixed order)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('needs.indicator:' || x, 0)) "
        "FROM (SELECT unnest($1::text[]) AS x ORDER BY 1) AS ids",
        sorted(set(indicator_ids)),
    )


async def store_values(
    conn: asyncpg.Connection,
    values: Sequence[ReportedValue],
    *,
    via: str,
    event_ids: Sequence[uuid.UUID | None],
) -> list[StoreOutcome]:
    """Insert new revisions; identical resubmissions are no-ops; conflicts raise."""
    outcomes: list[StoreOutcome | None] = [None] * len(values)
    conflicts: list[RevisionConflict] = []
    first: dict[tuple[Any, ...], int] = {}
    digests = [v.digest() for v in values]
    fresh: list[int] = []
    for i, value in enumerate(values):
        key = (*value.identity, value.revision)
        if key in first:
            if digests[first[key]] == digests[i]:
                outcomes[i] = StoreOutcome.DUPLICATE
            else:
                conflicts.append(RevisionConflict(i, value))
            continue
        first[key] = i
        fresh.append(i)
    rows = [values[i] for i in fresh]
    inserted = await conn.fetch(
        f"INSERT INTO indicator_value ({_COLUMNS}) "
        "SELECT a, b, c, d, e, f, g::jsonb, h, i, j, k, l, m, n, o, p FROM unnest("
        "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::bigint[], $9::float8[], $10::float8[], $11::float8[], $12::int[], $13::text[], "
        "$14::text[], $15::text[], $16::uuid[]) AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, "
        "o, p) ON CONFLICT ON CONSTRAINT indicator_value_one_per_revision DO NOTHING "
        "RETURNING indicator_id, area_kind, area_code, period, breakdown_key, revision",
        [v.indicator_id for v in rows],
        [v.agency for v in rows],
        [v.area_kind.value for v in rows],
        [v.area_code for v in rows],
        [v.period for v in rows],
        [v.breakdown_key for v in rows],
        [json.dumps(dict(v.breakdown)) for v in rows],
        [v.numerator for v in rows],
        [v.denominator for v in rows],
        [v.value for v in rows],
        [v.standard_deviation for v in rows],
        [v.revision for v in rows],
        [v.note for v in rows],
        [digests[i] for i in fresh],
        [via] * len(rows),
        [event_ids[i] for i in fresh],
    )
    new_keys = {tuple(r) for r in inserted}
    held = [i for i in fresh if (*values[i].identity, values[i].revision) not in new_keys]
    for i in fresh:
        if i not in held:
            outcomes[i] = StoreOutcome.STORED
    if held:
        stored = await conn.fetch(
            "SELECT v.indicator_id, v.area_kind, v.area_code, v.period, v.breakdown_key, "
            "v.revision, v.digest FROM indicator_value v JOIN unnest($1::text[], $2::text[], "
            "$3::text[], $4::text[], $5::text[], $6::int[]) AS k(a, b, c, d, e, f) "
            "ON (v.indicator_id, v.area_kind, v.area_code, v.period, v.breakdown_key, "
            "v.revision) = (k.a, k.b, k.c, k.d, k.e, k.f)",
            *(
                [values[i].identity[n] for i in held]
                if n < 5
                else [values[i].revision for i in held]
                for n in range(6)
            ),
        )
        stored_digest = {tuple(r)[:6]: r["digest"] for r in stored}
        for i in held:
            if stored_digest.get((*values[i].identity, values[i].revision)) == digests[i]:
                outcomes[i] = StoreOutcome.DUPLICATE
            else:
                conflicts.append(RevisionConflict(i, values[i]))
    if conflicts:
        raise RevisionsConflict(sorted(conflicts, key=lambda c: c.index))
    return [o if o is not None else StoreOutcome.DUPLICATE for o in outcomes]


async def current_values(
    conn: asyncpg.Connection, indicator_ids: Iterable[str]
) -> dict[str, list[ReportedValue]]:
    """The highest revision of every value of the given indicators."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (indicator_id, area_kind, area_code, period, breakdown_key) "
        "indicator_id, agency, area_kind, area_code, period, breakdown_key, numerator, "
        "denominator, value, standard_deviation, revision, note FROM indicator_value "
        "WHERE indicator_id = ANY($1::text[]) "
        "ORDER BY indicator_id, area_kind, area_code, period, breakdown_key, revision DESC",
        sorted(set(indicator_ids)),
    )
    found: dict[str, list[ReportedValue]] = {}
    for row in rows:
        found.setdefault(row["indicator_id"], []).append(_reported(row))
    return found


async def value_history(
    conn: asyncpg.Connection,
    indicator_id: str,
    area_kind: str,
    area_code: str,
    period: str | None,
    bk: str | None,
) -> list[dict[str, Any]]:
    """Every revision received for an area of an indicator, oldest first."""
    rows = await conn.fetch(
        "SELECT seq, indicator_id, agency, area_kind, area_code, period, breakdown_key, "
        "numerator, denominator, value, standard_deviation, revision, note, received_via, "
        "source_event_id, received_at FROM indicator_value WHERE indicator_id = $1 "
        "AND area_kind = $2 AND area_code = $3 AND ($4::text IS NULL OR period = $4) "
        "AND ($5::text IS NULL OR breakdown_key = $5) "
        "ORDER BY period, breakdown_key, revision, seq",
        indicator_id,
        area_kind,
        area_code,
        period,
        bk,
    )
    return [dict(r) for r in rows]


def _reported(row: asyncpg.Record) -> ReportedValue:
    return ReportedValue(
        indicator_id=row["indicator_id"],
        agency=row["agency"],
        area_kind=AreaKind(row["area_kind"]),
        area_code=row["area_code"],
        period=row["period"],
        breakdown=parse_breakdown_key(row["breakdown_key"]),
        numerator=row["numerator"],
        denominator=row["denominator"],
        value=row["value"],
        standard_deviation=row["standard_deviation"],
        revision=row["revision"],
        note=row["note"],
    )


# --------------------------------------------------------------------------------------
# Needs
# --------------------------------------------------------------------------------------


async def open_needs(session: AsyncSession, indicator_ids: Iterable[str]) -> dict[str, NeedRow]:
    """Open needs of the given indicators by need key."""
    result = await session.exec(
        select(NeedRow).where(
            NeedRow.state == "open", col(NeedRow.indicator_id).in_(sorted(set(indicator_ids)))
        )
    )
    return {row.need_key: row for row in result}


async def find_needs(
    session: AsyncSession,
    *,
    areas: Sequence[tuple[str, str]] | None,
    state: str | None,
    indicator_ids: Sequence[str] | None = None,
) -> list[NeedRow]:
    """Needs in the given areas (None: every area), newest first."""
    query = select(NeedRow)
    if state is not None:
        query = query.where(NeedRow.state == state)
    if indicator_ids is not None:
        query = query.where(col(NeedRow.indicator_id).in_(indicator_ids))
    rows = list(
        await session.exec(query.order_by(col(NeedRow.identified_at).desc(), col(NeedRow.need_key)))
    )
    if areas is not None:
        wanted = set(areas)
        rows = [r for r in rows if (r.area_kind, r.area_code) in wanted]
    return rows


# --------------------------------------------------------------------------------------
# Needs assessments
# --------------------------------------------------------------------------------------


async def next_assessment_version(session: AsyncSession, kind: str, code: str) -> int:
    """One more than the latest version for the area (the area is locked by the caller)."""
    latest = (
        await session.exec(
            select(func.max(NeedsAssessmentRow.version)).where(
                NeedsAssessmentRow.area_kind == kind, NeedsAssessmentRow.area_code == code
            )
        )
    ).one()
    return int(latest or 0) + 1


async def get_assessment(
    session: AsyncSession, assessment_id: uuid.UUID
) -> NeedsAssessmentRow | None:
    return await session.get(NeedsAssessmentRow, assessment_id)


async def list_assessments(
    session: AsyncSession, areas: Sequence[tuple[str, str]] | None
) -> list[NeedsAssessmentRow]:
    rows = list(
        await session.exec(
            select(NeedsAssessmentRow).order_by(
                col(NeedsAssessmentRow.area_kind),
                col(NeedsAssessmentRow.area_code),
                col(NeedsAssessmentRow.version).desc(),
            )
        )
    )
    if areas is not None:
        wanted = set(areas)
        rows = [r for r in rows if (r.area_kind, r.area_code) in wanted]
    return rows
