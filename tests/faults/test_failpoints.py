"""A SIGKILL in each dangerous window of the backbone loses nothing and applies nothing twice.

Each test commits a few thousand events on several keys through an outbox, runs the relay
and the consumer as separate processes, kills one of them at a failpoint (shared/failpoints.py)
twice, restarts it, and checks the sink's ledger against what was committed (see
tests/faults/scenario.py for what the check counts). The figures are printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import failpoints
from shared.settings import KafkaSettings
from tests.faults.scenario import Scenario, run

pytestmark = [pytest.mark.broker, pytest.mark.database]

SCENARIOS = {
    failpoints.INBOX_AFTER_INSERT: Scenario(failpoints.INBOX_AFTER_INSERT, hits=(2, 3)),
    failpoints.INBOX_AFTER_COMMIT: Scenario(failpoints.INBOX_AFTER_COMMIT, hits=(2, 3)),
    failpoints.INBOX_AFTER_DECODE_NEXT: Scenario(failpoints.INBOX_AFTER_DECODE_NEXT, hits=(2, 3)),
    failpoints.OUTBOX_AFTER_PUBLISH: Scenario(failpoints.OUTBOX_AFTER_PUBLISH, hits=(3, 4)),
    # Killed after a commit, so the batch comes back: its COPY is refused, and the second
    # kill falls in the statement path that then records it.
    failpoints.INBOX_REDELIVERY_AFTER_INSERT: Scenario(
        failpoints.INBOX_AFTER_COMMIT,
        hits=(2,),
        then=(failpoints.INBOX_REDELIVERY_AFTER_INSERT, 1),
    ),
    failpoints.INBOX_BETWEEN_SAVEPOINTS: Scenario(
        failpoints.INBOX_BETWEEN_SAVEPOINTS, hits=(60, 150), poison_every=250
    ),
}


@pytest.mark.parametrize("point", list(SCENARIOS))
async def test_a_kill_at_the_failpoint_loses_nothing_and_applies_nothing_twice(
    point: str,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    verdict = await run(SCENARIOS[point], database_url, kafka, schemas, unique_schema, tmp_path)
    print(f"\n[fault] {point}: {verdict.summary()}")
    assert verdict.kills == len(SCENARIOS[point].kills)
    assert verdict.violations == []


async def test_with_deduplication_disabled_the_check_finds_events_applied_twice(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    """The test of the tests: the consumer is killed after its commit and before its offset
    commit, so the batch comes back; an inbox that does not de-duplicate applies it again,
    and the ledger check must say so, every time."""
    scenario = Scenario(
        failpoints.INBOX_AFTER_COMMIT, hits=(2,), mutation="no-dedup", settle_timeout_s=60
    )
    verdict = await run(scenario, database_url, kafka, schemas, unique_schema, tmp_path)
    print(f"\n[fault] mutation no-dedup: {verdict.summary()}")
    assert verdict.doubled, "the ledger check missed events applied twice"


async def test_without_the_fallback_savepoint_the_check_finds_lost_or_wrongly_applied_events(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    """The test of the tests: without a savepoint per event, a poison event's database error
    spoils the fallback's transaction; the ledger check must report the damage, every time."""
    scenario = Scenario(
        failpoints.INBOX_BETWEEN_SAVEPOINTS,
        hits=(60,),
        poison_every=250,
        mutation="no-savepoint",
        settle_timeout_s=30,
    )
    verdict = await run(scenario, database_url, kafka, schemas, unique_schema, tmp_path)
    print(f"\n[fault] mutation no-savepoint: {verdict.summary()}")
    assert verdict.lost or verdict.dead_and_applied, "the ledger check missed the damage"
