"""SIGKILL the monitoring process between accepting a return and delivering its alert:
every alert still reaches the board's webhook (signature verified; duplicates removed by
alert id), no return is lost and none is applied twice. And the test of the tests: with
each mechanism disabled by a TEST-ONLY mutation (tests/faults/monitoring_process.py), the
same check finds the damage, every time.

See tests/faults/monitoring_scenario.py for what a scenario does and what the check counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import failpoints
from shared.settings import KafkaSettings
from tests.faults.monitoring_scenario import Scenario, Verdict, run

pytestmark = [pytest.mark.broker, pytest.mark.database]

GUARDED = {
    "http, killed after the commit": Scenario(
        failpoints.MONITORING_RETURN_COMMITTED, hits=(5, 7), via="http"
    ),
    "http, killed after sending, before marking": Scenario(
        failpoints.MONITORING_WEBHOOK_SENT, hits=(3, 4), via="http"
    ),
    "kafka, killed in the returns consumer": Scenario(
        failpoints.MONITORING_RETURN_APPLIED, hits=(5, 3), via="kafka"
    ),
    "kafka, killed after the commit, before the offsets": Scenario(
        failpoints.INBOX_AFTER_COMMIT, hits=(1, 1), via="kafka"
    ),
}

MUTATED = {
    "direct-delivery": Scenario(
        failpoints.MONITORING_RETURN_COMMITTED,
        hits=(5,),
        via="http",
        mutation="direct-delivery",
        settle_timeout_s=15,
    ),
    "mark-before-send": Scenario(
        failpoints.MONITORING_WEBHOOK_SENT,
        hits=(2,),
        via="http",
        mutation="mark-before-send",
        settle_timeout_s=15,
    ),
    "offsets-first": Scenario(
        failpoints.MONITORING_RETURN_APPLIED,
        hits=(3,),
        via="kafka",
        mutation="offsets-first",
        settle_timeout_s=15,
    ),
    "no-dedup": Scenario(
        failpoints.INBOX_AFTER_COMMIT,
        hits=(1,),
        via="kafka",
        mutation="no-dedup",
        settle_timeout_s=20,
    ),
}


async def scenario_run(
    scenario: Scenario,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    schema: str,
    logs: Path,
) -> Verdict:
    schemas.append(schema)
    return await run(scenario, database_url, kafka, schema, logs)


@pytest.mark.parametrize("name", list(GUARDED))
async def test_a_kill_loses_no_alert_and_applies_no_return_twice(
    name: str,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    scenario = GUARDED[name]
    verdict = await scenario_run(scenario, database_url, kafka, schemas, unique_schema, tmp_path)
    print(f"\n[fault] monitoring {scenario.failpoint} ({name}): {verdict.summary()}")
    assert verdict.kills == len(scenario.hits)
    assert verdict.alerts == scenario.returns  # one red alert per return
    assert verdict.violations == []


@pytest.mark.parametrize("mutation", list(MUTATED))
async def test_with_its_mechanism_disabled_the_check_finds_the_damage(
    mutation: str,
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    tmp_path: Path,
) -> None:
    """direct-delivery and mark-before-send lose alerts; offsets-first loses returns;
    no-dedup applies returns twice."""
    scenario = MUTATED[mutation]
    verdict = await scenario_run(scenario, database_url, kafka, schemas, unique_schema, tmp_path)
    print(f"\n[fault] monitoring mutation {mutation}: {verdict.summary()}")
    assert verdict.kills == 1
    damage = {
        "direct-delivery": verdict.lost_alerts,
        "mark-before-send": verdict.lost_alerts,
        "offsets-first": verdict.lost_returns,
        "no-dedup": verdict.doubled_returns,
    }[mutation]
    assert damage, f"the check missed the damage: {verdict.summary()}"
