"""Released disclosure tables on PostgreSQL (`disclosure_release`), through the unit of
work's asyncpg connection. Rows are only ever added; a release already recorded (same
digest) is left as it is, so concurrent readers of one table record it once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from services.needs.application.ports import StoredRelease

_INSERT = (
    "INSERT INTO disclosure_release (indicator_id, family, digest, counts, hidden) "
    "SELECT a, b, c, d::jsonb, e::jsonb FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::text[], $5::text[]) AS t(a, b, c, d, e) "
    "ON CONFLICT ON CONSTRAINT disclosure_release_once DO NOTHING"
)


class PostgresReleases:
    """`ReleaseRepository` on the `disclosure_release` table."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def of(self, indicator_ids: Iterable[str]) -> list[StoredRelease]:
        rows = await self.connection.fetch(
            "SELECT indicator_id, family, counts, hidden FROM disclosure_release "
            "WHERE indicator_id = ANY($1::text[]) ORDER BY seq",
            list(indicator_ids),
        )
        return [
            StoredRelease(
                row["indicator_id"],
                row["family"],
                tuple((tuple(key), int(count)) for key, count in _json(row["counts"])),
                tuple(tuple(key) for key in _json(row["hidden"])),
            )
            for row in rows
        ]

    async def add(self, releases: Sequence[StoredRelease]) -> None:
        await self.connection.execute(
            _INSERT,
            [r.indicator_id for r in releases],
            [r.family for r in releases],
            [r.digest for r in releases],
            [json.dumps(r.counts) for r in releases],
            [json.dumps(r.hidden) for r in releases],
        )


def _json(value: Any) -> list[Any]:
    """A JSONB column: decoded by the connection's codec, or JSON text without one."""
    found = json.loads(value) if isinstance(value, str) else value
    return list(found)
