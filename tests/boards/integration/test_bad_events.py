"""A bad event on a topic the boards read is parked on its dead-letter topic with the
reason, by each projection that meets it, and every projection carries on with the events
after it: never a stuck partition, never a half-applied board."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from services.boards.domain.documents import Board, Kind
from services.boards.projections import BY_BOARD, PROJECTIONS
from shared.envelope import header_value
from shared.settings import KafkaSettings
from shared.topics import NEEDS_EVENTS
from tests.backbone.support import read_records
from tests.boards import story
from tests.boards.integration.support import caught_up, consuming, migrated, publish, rows

pytestmark = [pytest.mark.broker, pytest.mark.database]


def bad_events() -> list[tuple[bytes, str]]:
    """Raw values on the needs topic, each with (part of) the reason it must be parked for."""
    good = story.envelope_of(
        story.need(story.uid("nan-need"), story.HOME, "be_healthy", 5), "needs", 500
    )
    body = json.loads(good.envelope.to_bytes())
    unknown = {**body, "id": str(uuid.uuid4()), "type": "needs.NoSuchEvent.v1"}
    wrong = {**body, "id": str(uuid.uuid4()), "payload": {**body["payload"], "need_id": 7}}
    # Schema-valid JSON, but a value no board can store (PostgreSQL's JSON has no NaN).
    not_a_number = json.dumps(body).replace('"value": 38.0', '"value": NaN', 1)
    assert "NaN" in not_a_number
    return [
        (b"{not json", "json"),
        (json.dumps(unknown).encode(), "NoSuchEvent"),
        (json.dumps(wrong).encode(), "need_id"),
        (not_a_number.encode(), "handler error"),
    ]


async def test_bad_events_are_dead_lettered_with_their_reason_and_the_boards_carry_on(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    bad = bad_events()
    needs_topic = kafka.topic(NEEDS_EVENTS.name)
    try:
        async with consuming(db, kafka):
            producer = AIOKafkaProducer(**kafka.client_options())
            await producer.start()
            try:
                for value, _reason in bad:
                    await producer.send_and_wait(needs_topic, value, key=b"bad")
            finally:
                await producer.stop()
            await publish(kafka, story.cycle())
            await caught_up(kafka)
            dead = await read_records(kafka, needs_topic + ".dlq", len(bad) * len(PROJECTIONS), 60)
        local = await rows(db, BY_BOARD[Board.LOCAL])
    finally:
        await db.dispose()

    for projection in PROJECTIONS:
        group = kafka.topic_prefix + projection.consumer_group
        parked = [r for r in dead if header_value(r.headers, "dlq.consumer") == group]
        assert [r.value for r in parked] == [value for value, _ in bad], projection.name
        for record, (_value, reason) in zip(parked, bad, strict=True):
            assert reason.lower() in (header_value(record.headers, "dlq.reason") or "").lower()
    # The events after the bad ones were applied: the locality's need is on its board.
    needs = {str(r[1]) for r in local["local_board_document"] if r[0] == Kind.NEED.value}
    assert str(story.NEED) in needs
    assert str(story.uid("nan-need")) not in needs
