"""Each board's projection rebuilt from the event history (`commissioning projections
rebuild boards.<board>`) holds exactly what the live projection held: the same documents,
and the same story, each event once (a rebuild reads partitions in another interleaving,
so story lines are compared by event, not by arrival number)."""

from __future__ import annotations

from typing import Any

import pytest

from services.boards.projections import PROJECTIONS, Projection
from shared.rebuild import rebuild_projection
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from tests.boards.integration.support import caught_up, consuming, migrated, publish, rows
from tests.boards.story import cycle

pytestmark = [pytest.mark.broker, pytest.mark.database]


def comparable(found: dict[str, list[tuple[Any, ...]]], projection: Projection) -> Any:
    documents, story = projection.tables.names
    lines = sorted((r[1:] for r in found[story]), key=lambda r: str(r[0]))
    return found[documents], lines


async def test_a_rebuild_of_each_board_yields_the_state_of_its_live_projection(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    schemas.append(unique_schema + "_rebuild")
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=unique_schema),
    )
    try:
        async with consuming(db, kafka):
            await publish(kafka, cycle())
            await caught_up(kafka)
        live = {p.name: comparable(await rows(db, p), p) for p in PROJECTIONS}
        # A live projection gone wrong: the rebuild must not merely keep what is there.
        async with (await db.pool()).acquire() as conn:
            for p in PROJECTIONS:
                await conn.execute(f"DELETE FROM {p.tables.documents}")

        for p in PROJECTIONS:
            result = await rebuild_projection(f"boards.{p.name}", settings)
            assert result.skipped == 0
            assert comparable(await rows(db, p), p) == live[p.name], p.name
    finally:
        await db.dispose()
    assert all(documents for documents, _ in live.values()), "each board was told the story"
