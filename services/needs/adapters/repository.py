"""Indicator values on PostgreSQL, through the unit of work's asyncpg connection.

Values are written in bulk (one statement per batch, whatever its size): every revision is
kept, and the table's unique revision constraint makes an identical resubmission a no-op.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from services.needs.application.ports import (
    Area,
    RevisionConflict,
    RevisionsConflict,
    StoreOutcome,
    ValueRevision,
)
from services.needs.domain.model import AreaKind, ReportedValue, parse_breakdown_key

_COLUMNS = (
    "indicator_id, agency, area_kind, area_code, period, breakdown_key, breakdown, numerator, "
    "denominator, value, standard_deviation, revision, note, digest, received_via, "
    "source_event_id"
)
_INSERT = (
    f"INSERT INTO indicator_value ({_COLUMNS}) "
    "SELECT a, b, c, d, e, f, g::jsonb, h, i, j, k, l, m, n, o, p FROM unnest("
    "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
    "$8::bigint[], $9::float8[], $10::float8[], $11::float8[], $12::int[], $13::text[], "
    "$14::text[], $15::text[], $16::uuid[]) AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, "
    "o, p) ON CONFLICT ON CONSTRAINT indicator_value_one_per_revision DO NOTHING "
    "RETURNING indicator_id, area_kind, area_code, period, breakdown_key, revision"
)
_HELD_DIGESTS = (
    "SELECT v.indicator_id, v.area_kind, v.area_code, v.period, v.breakdown_key, "
    "v.revision, v.digest FROM indicator_value v JOIN unnest($1::text[], $2::text[], "
    "$3::text[], $4::text[], $5::text[], $6::int[]) AS k(a, b, c, d, e, f) "
    "ON (v.indicator_id, v.area_kind, v.area_code, v.period, v.breakdown_key, "
    "v.revision) = (k.a, k.b, k.c, k.d, k.e, k.f)"
)
_VALUE_FIELDS = (
    "indicator_id, agency, area_kind, area_code, period, breakdown_key, numerator, "
    "denominator, value, standard_deviation, revision, note"
)

Key = tuple[Any, ...]


class PostgresValues:
    """`ValueRepository` on the `indicator_value` table."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def lock(self, indicator_ids: Iterable[str]) -> None:
        """Transaction-scoped advisory locks, taken in a fixed order (no deadlocks)."""
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('needs.indicator:' || x, 0)) "
            "FROM (SELECT unnest($1::text[]) AS x ORDER BY 1) AS ids",
            sorted(set(indicator_ids)),
        )

    async def add(
        self, values: Sequence[ReportedValue], *, via: str, event_ids: Sequence[uuid.UUID | None]
    ) -> list[StoreOutcome]:
        outcomes: list[StoreOutcome | None] = [None] * len(values)
        conflicts: list[RevisionConflict] = []
        digests = [v.digest() for v in values]
        fresh = _first_of_each_revision(values, digests, outcomes, conflicts)
        inserted = await self.connection.fetch(
            _INSERT,
            *_insert_columns([values[i] for i in fresh], [digests[i] for i in fresh]),
            [via] * len(fresh),
            [event_ids[i] for i in fresh],
        )
        new_keys = {tuple(r) for r in inserted}
        held = [i for i in fresh if _key(values[i]) not in new_keys]
        for i in fresh:
            if i not in held:
                outcomes[i] = StoreOutcome.STORED
        if held:
            stored = await self._digests([values[i] for i in held])
            for i in held:
                if stored.get(_key(values[i])) == digests[i]:
                    outcomes[i] = StoreOutcome.DUPLICATE
                else:
                    conflicts.append(RevisionConflict(i, values[i]))
        if conflicts:
            raise RevisionsConflict(sorted(conflicts, key=lambda c: c.index))
        return [o if o is not None else StoreOutcome.DUPLICATE for o in outcomes]

    async def _digests(self, values: Sequence[ReportedValue]) -> dict[Key, str]:
        """The digests of the stored revisions of these values."""
        rows = await self.connection.fetch(
            _HELD_DIGESTS,
            *([v.identity[n] for v in values] for n in range(5)),
            [v.revision for v in values],
        )
        return {tuple(r)[:6]: r["digest"] for r in rows}

    async def current(self, indicator_ids: Iterable[str]) -> dict[str, list[ReportedValue]]:
        rows = await self.connection.fetch(
            "SELECT DISTINCT ON (indicator_id, area_kind, area_code, period, breakdown_key) "
            f"{_VALUE_FIELDS} FROM indicator_value WHERE indicator_id = ANY($1::text[]) "
            "ORDER BY indicator_id, area_kind, area_code, period, breakdown_key, revision DESC",
            sorted(set(indicator_ids)),
        )
        found: dict[str, list[ReportedValue]] = {}
        for row in rows:
            found.setdefault(row["indicator_id"], []).append(_reported(row))
        return found

    async def history(
        self,
        indicator_id: str,
        area: Area,
        period: str | None,
        breakdown_key: str | None,
    ) -> list[ValueRevision]:
        rows = await self.connection.fetch(
            f"SELECT seq, {_VALUE_FIELDS}, received_via, source_event_id, received_at "
            "FROM indicator_value WHERE indicator_id = $1 AND area_kind = $2 "
            "AND area_code = $3 AND ($4::text IS NULL OR period = $4) "
            "AND ($5::text IS NULL OR breakdown_key = $5) "
            "ORDER BY period, breakdown_key, revision, seq",
            indicator_id,
            area[0].value,
            area[1],
            period,
            breakdown_key,
        )
        return [
            ValueRevision(
                seq=r["seq"],
                value=_reported(r),
                received_via=r["received_via"],
                source_event_id=r["source_event_id"],
                received_at=r["received_at"],
            )
            for r in rows
        ]


def _key(value: ReportedValue) -> Key:
    return (*value.identity, value.revision)


def _first_of_each_revision(
    values: Sequence[ReportedValue],
    digests: Sequence[str],
    outcomes: list[StoreOutcome | None],
    conflicts: list[RevisionConflict],
) -> list[int]:
    """Indexes of the first occurrence of each revision in the batch; a repeat within the
    batch is a duplicate when its figures agree and a conflict when they do not."""
    first: dict[Key, int] = {}
    fresh: list[int] = []
    for i, value in enumerate(values):
        key = _key(value)
        if key in first:
            if digests[first[key]] == digests[i]:
                outcomes[i] = StoreOutcome.DUPLICATE
            else:
                conflicts.append(RevisionConflict(i, value))
            continue
        first[key] = i
        fresh.append(i)
    return fresh


def _insert_columns(rows: Sequence[ReportedValue], digests: Sequence[str]) -> list[list[Any]]:
    return [
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
        list(digests),
    ]


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
