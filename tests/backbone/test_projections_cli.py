"""`commissioning projections`: clear help, a clear refusal of an unknown name, and status
and rebuild of a real projection against the real broker and database."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

import shared.services
from bench.tally import definition, metadata
from shared.cli import app
from shared.db import Database
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from tests.backbone.ledger import produce
from tests.backbone.support import eventually, migrated, scalar

runner = CliRunner()


def test_the_help_says_what_each_command_does_and_what_a_rebuild_guarantees() -> None:
    group = runner.invoke(app, ["projections", "--help"])
    assert group.exit_code == 0
    for command in ("list", "status", "rebuild"):
        assert command in group.output
    rebuild = " ".join(runner.invoke(app, ["projections", "rebuild", "--help"]).output.split())
    for promise in (
        "from offset 0",
        "keeps serving",
        "one transaction",
        "nothing is lost or applied twice",
        "events/s",
        "<service>.<consumer>",
    ):
        assert promise in rebuild


def test_an_unknown_projection_is_refused_naming_the_known_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared.services, "definitions", lambda: (definition,))
    result = runner.invoke(app, ["projections", "rebuild", "tally.nope"])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())
    assert "unknown projection 'tally.nope'; choose from tally.totals" in said


@pytest.mark.broker
@pytest.mark.database
def test_status_and_rebuild_of_a_projection_from_the_command_line(
    database_url: str, kafka: KafkaSettings, unique_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.services, "definitions", lambda: (definition,))
    created: list[str] = []
    live = asyncio.run(_history_of(120, database_url, kafka, unique_schema, created))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_SCHEMA", live)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", kafka.topic_prefix)
    try:
        status = runner.invoke(app, ["projections", "status"])
        assert status.exit_code == 0, status.output
        assert "tally.totals" in status.output
        assert "120*" in status.output, "all 120 behind, nothing committed yet"
        assert "none applied yet" in status.output

        rebuilt = runner.invoke(app, ["projections", "rebuild", "tally.totals"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "rebuilt tally.totals: 120 records read, 120 events applied" in rebuilt.output
        assert "events/s" in rebuilt.output
        assert asyncio.run(_count(database_url, live)) == 120
    finally:
        asyncio.run(_drop(database_url, created))


async def _history_of(
    count: int, url: str, kafka: KafkaSettings, schema: str, created: list[str]
) -> str:
    """`count` events published, and an empty tally projection; its schema's name."""
    source = await migrated(url, schema + "_src", created)
    live = await migrated(url, schema + "_dst", created)
    created.append(schema + "_dst_rebuild")
    async with live.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await produce(source, kafka, count)
    relay = OutboxRelay(
        service="src",
        database_url=url,
        schema=source.schema,
        kafka=kafka,
        relay=RelaySettings(batch_size=200),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    async def published() -> bool:
        return await scalar(source, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0

    await eventually(published, 60)
    stop.set()
    await task
    await source.dispose()
    await live.dispose()
    return live.schema


async def _count(url: str, schema: str) -> int:
    db = Database(url, schema)
    try:
        return await scalar(db, "SELECT count(DISTINCT event_id) FROM tally_story")
    finally:
        await db.dispose()


async def _drop(url: str, schemas: list[str]) -> None:
    db = Database(url, "public")
    try:
        async with db.connect() as conn:
            for schema in schemas:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await db.dispose()
