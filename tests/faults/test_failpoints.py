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
    failpoints.OUTBOX_AFTER_PUBLISH: Scenario(failpoints.OUTBOX_AFTER_PUBLISH, hits=(3, 4)),
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
    assert verdict.kills == len(SCENARIOS[point].hits)
    assert verdict.violations == []
