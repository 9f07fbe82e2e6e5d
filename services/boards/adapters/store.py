"""A projection's store on PostgreSQL (asyncpg, inside the unit of work): its documents
table and its story table, named by the projection."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg

from services.boards.domain.documents import Board, Document, Kind, StoryLine


@dataclass(frozen=True, slots=True)
class ProjectionTables:
    """The two tables a projection owns."""

    documents: str
    story: str

    @property
    def names(self) -> tuple[str, str]:
        return (self.documents, self.story)


BOARD_TABLES: dict[Board, ProjectionTables] = {
    Board.LOCAL: ProjectionTables("local_board_document", "local_board_story"),
    Board.JCU: ProjectionTables("jcu_document", "jcu_story"),
    Board.EXECUTIVE: ProjectionTables("executive_board_document", "executive_board_story"),
}
"""Each board's tables (adapters/tables.py defines them)."""


class PostgresProjectionStore:
    def __init__(self, connection: asyncpg.Connection, tables: ProjectionTables) -> None:
        self.connection = connection
        self.tables = tables

    async def get_many(
        self, keys: Sequence[tuple[Kind, str]]
    ) -> Mapping[tuple[Kind, str], Document]:
        rows = await self.connection.fetch(
            f"SELECT kind, key, localities, body, occurred_at FROM {self.tables.documents} "
            "WHERE (kind, key) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
            "ORDER BY kind, key FOR UPDATE",
            [k.value for k, _ in keys],
            [key for _, key in keys],
        )
        found = (_document(r) for r in rows)
        return {(d.kind, d.key): d for d in found}

    async def put_many(self, documents: Sequence[Document]) -> None:
        await self.connection.executemany(
            f"INSERT INTO {self.tables.documents} (kind, key, localities, body, occurred_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, key) DO UPDATE SET "
            "localities = EXCLUDED.localities, body = EXCLUDED.body, "
            "occurred_at = EXCLUDED.occurred_at",
            [
                (
                    d.kind.value,
                    d.key,
                    list(d.localities),
                    json.dumps(d.body, sort_keys=True),
                    d.occurred_at,
                )
                for d in documents
            ],
        )

    async def append_many(self, lines: Sequence[StoryLine]) -> None:
        await self.connection.executemany(
            f"INSERT INTO {self.tables.story} "
            "(event_id, kind, key, localities, summary, occurred_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            [
                (s.event_id, s.kind.value, s.key, list(s.localities), s.summary, s.occurred_at)
                for s in lines
            ],
        )

    async def documents(self, kind: Kind, locality: str | None = None) -> Sequence[Document]:
        rows = await self.connection.fetch(
            f"SELECT kind, key, localities, body, occurred_at FROM {self.tables.documents} "
            "WHERE kind = $1 AND ($2::text IS NULL OR localities @> ARRAY[$2::text]) "
            "ORDER BY key",
            kind.value,
            locality,
        )
        return [_document(r) for r in rows]

    async def story(self, locality: str | None = None, limit: int = 50) -> Sequence[StoryLine]:
        rows = await self.connection.fetch(
            "SELECT event_id, kind, key, localities, summary, occurred_at "
            f"FROM {self.tables.story} "
            "WHERE ($1::text IS NULL OR localities @> ARRAY[$1::text]) "
            "ORDER BY seq DESC LIMIT $2",
            locality,
            limit,
        )
        return [
            StoryLine(
                r["event_id"],
                Kind(r["kind"]),
                r["key"],
                tuple(r["localities"]),
                r["summary"],
                r["occurred_at"],
            )
            for r in rows
        ]


def _document(row: asyncpg.Record) -> Document:
    return Document(
        Kind(row["kind"]), row["key"], tuple(row["localities"]), row["body"], row["occurred_at"]
    )
