"""Each board's projection through real Kafka and PostgreSQL: the services' events produce
the expected rows, each projection in its own consumer group with its own tables; the same
events delivered again change nothing, and without the inbox's de-duplication they would."""

from __future__ import annotations

import pytest

from services.boards.adapters.store import ProjectionTables
from services.boards.domain.documents import Board, Kind
from services.boards.projections import BY_BOARD, PROJECTIONS, Projection
from shared.inbox import InboxConsumer
from shared.settings import KafkaSettings
from shared.unit_of_work import UnitOfWork
from tests.backbone.ledger import WithoutDeduplication
from tests.boards import story
from tests.boards.integration.support import all_rows, caught_up, consuming, migrated, publish, rows
from tests.boards.story import cycle

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_the_services_events_produce_each_boards_rows(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    try:
        async with consuming(db, kafka):
            await publish(kafka, cycle())
            await caught_up(kafka)
        local = await rows(db, BY_BOARD[Board.LOCAL])
        jcu = await rows(db, BY_BOARD[Board.JCU])
        executive = await rows(db, BY_BOARD[Board.EXECUTIVE])
    finally:
        await db.dispose()

    def keys(found: dict[str, list[tuple[object, ...]]], table: str, kind: Kind) -> set[str]:
        return {str(r[1]) for r in found[table] if r[0] == kind.value}

    # A local board keeps what is placed in a locality, never the trust-wide need.
    assert keys(local, "local_board_document", Kind.NEED) == {
        str(story.NEED),
        str(story.GROUP_NEED),
        str(story.AWAY_NEED),
    }
    assert keys(local, "local_board_document", Kind.PRIORITY) == set()
    assert all(r[4] for r in local["local_board_story"])  # every line names its locality
    # The JCU keeps the pipeline: projects, procurement with its bids, contracts, alerts.
    [procurement] = [r for r in jcu["jcu_document"] if r[0] == Kind.PROCUREMENT.value]
    assert '"bids": 2' in procurement[3]
    assert keys(jcu, "jcu_document", Kind.ALERT) == {
        str(story.HOME_ALERT),
        str(story.AWAY_ALERT),
        str(story.BOARD_ALERT),
    }
    # The Executive Board keeps priorities and the self-evaluation, not the procurements.
    assert keys(executive, "executive_board_document", Kind.PRIORITY) == {str(story.PRIORITY)}
    assert keys(executive, "executive_board_document", Kind.SELF_EVALUATION)
    assert keys(executive, "executive_board_document", Kind.PROCUREMENT) == set()


async def _told_twice(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    schema: str,
    kind: type[InboxConsumer] = WithoutDeduplication,
) -> tuple[dict[str, list[tuple[object, ...]]], dict[str, list[tuple[object, ...]]]]:
    db = await migrated(database_url, schema, schemas)
    try:
        async with consuming(db, kafka, kind):
            await publish(kafka, cycle())
            await caught_up(kafka)
            once = await all_rows(db)
            await publish(kafka, cycle())  # the same events, ids and bytes, again
            await caught_up(kafka)
            twice = await all_rows(db)
    finally:
        await db.dispose()
    return once, twice


async def test_the_same_events_delivered_again_change_nothing(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    once, twice = await _told_twice(database_url, kafka, schemas, unique_schema, InboxConsumer)
    assert once["jcu_story"], "the story was told"
    assert twice == once


async def test_without_the_inboxs_de_duplication_a_replay_would_change_the_projections(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """The test of the test above: the same replay through a consumer whose inbox treats
    every delivery as new (the fault suite's `no-dedup` mutation) tells every board's story
    twice, so the check above would fail without the inbox."""
    once, twice = await _told_twice(database_url, kafka, schemas, unique_schema)
    assert twice != once
    for story_table in ("local_board_story", "jcu_story", "executive_board_story"):
        assert len(twice[story_table]) == 2 * len(once[story_table])


async def test_a_projections_handler_rebuilds_the_same_documents_into_fresh_tables(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """The shape a rebuild relies on: the handler, pointed at fresh tables created like the
    live ones and given the history in one pass, builds the same documents and tells the
    same story as the live consumers did (their lines may interleave subjects otherwise)."""
    db = await migrated(database_url, unique_schema, schemas)
    try:
        async with consuming(db, kafka):
            await publish(kafka, cycle())
            await caught_up(kafka)
        for projection in PROJECTIONS:
            fresh = ProjectionTables(*(f"rebuilt_{t}" for t in projection.tables.names))
            async with UnitOfWork(db, kafka, source="boards", trust=story.TRUST) as uow:
                for live, rebuilt in zip(projection.tables.names, fresh.names, strict=True):
                    await uow.connection.execute(
                        f"CREATE TABLE {rebuilt} (LIKE {live} INCLUDING ALL)"
                    )
                await projection.handler(fresh)([e for _t, e in cycle()], uow)
                await uow.commit()
            live_rows = await rows(db, projection)
            rebuilt_rows = await rows(db, Projection(projection.board, projection.topics, fresh))
            live_docs, live_story = (live_rows[t] for t in projection.tables.names)
            new_docs, new_story = (rebuilt_rows[t] for t in fresh.names)
            assert new_docs == live_docs, projection.name
            assert sorted(r[1:] for r in new_story) == sorted(r[1:] for r in live_story)
    finally:
        await db.dispose()
