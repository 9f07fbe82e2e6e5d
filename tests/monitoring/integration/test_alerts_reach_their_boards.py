"""The monitoring story end to end, through real Kafka and PostgreSQL: a contract is
registered; returns go green, amber, amber (an alert to Easington's board), red (alerts);
a return goes missing (an alert); red again after an agreed improvement plan escalates to
the Executive Board. Each alert reaches exactly its board by topic, signed webhook and SSE;
no other board sees it; a receiver that fails 5 times then recovers gets every alert."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.auth import Role
from shared.envelope import header_value
from shared.settings import KafkaSettings
from shared.topics import MONITORING_ALERTS, PERFORMANCE_RETURNS
from tests.backbone.support import eventually, read_records
from tests.monitoring.integration.support import (
    Receiver,
    RunningMonitoring,
    Stream,
    at,
    background,
    event_key,
    read_stream,
    receivers_app,
    running_monitoring,
    served,
)
from tests.monitoring.unit.fakes import a_return, local_contract

pytestmark = [pytest.mark.broker, pytest.mark.database]

CONTRACT = "easington-family-support"
OFFICER = (Role.COMMISSIONING_OFFICER,)


def boards(m: RunningMonitoring) -> dict[str, dict[str, str]]:
    return {
        "easington": m.token(Role.LOCAL_BOARD_MEMBER, locality="easington"),
        "flaky": m.token(Role.LOCAL_BOARD_MEMBER, locality="easington"),
        "derwentside": m.token(Role.LOCAL_BOARD_MEMBER, locality="derwentside"),
        "jcu": m.token(Role.JCU),
        "executive": m.token(Role.EXECUTIVE_BOARD),
    }


async def submit(m: RunningMonitoring, ret: Any) -> None:
    provider = m.token(Role.PROVIDER, provider_id="family-action")
    answer = await m.client.post(
        "/monitoring/returns", json=ret.model_dump(mode="json"), headers=provider
    )
    assert answer.status_code == 201, answer.text


async def alerts_of(m: RunningMonitoring, board: dict[str, str]) -> list[dict[str, Any]]:
    answer = await m.client.get("/monitoring/alerts", headers=board)
    assert answer.status_code == 200
    return list(answer.json())


async def test_each_alert_reaches_exactly_its_board_by_topic_webhook_and_sse(
    database_url: str,
    kafka: KafkaSettings,
    unique_schema: str,
    schemas: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITORING_MISSING_CHECK_SECONDS", "0.2")
    monkeypatch.setenv("MONITORING_WEBHOOK_BACKOFF_SECONDS", "0.05")
    receivers = {name: Receiver() for name in ("easington", "derwentside", "jcu", "executive")}
    receivers["flaky"] = Receiver(fail_first=5)
    streams = {name: Stream() for name in ("easington", "derwentside", "executive")}
    async with (
        served(receivers_app(receivers)) as hooks,
        running_monitoring(database_url, kafka, unique_schema, schemas, at("2025-05-01")) as m,
    ):
        tokens = boards(m)
        for name, receiver in receivers.items():
            answer = await m.client.post(
                "/monitoring/webhooks", json={"url": f"{hooks}/{name}"}, headers=tokens[name]
            )
            assert answer.status_code == 201, answer.text
            receiver.secret = answer.json()["secret"]
        readers = [read_stream(m.url, tokens[n], s) for n, s in streams.items()]
        async with background(*readers):
            await story(m, tokens)
            local = await alerts_of(m, tokens["easington"])
            (escalation,) = await alerts_of(m, tokens["executive"])
            # Each raised alert, and three steps: acknowledged, plan agreed, escalated.
            expected = await the_topic_has_every_step(m, len(local) + 1 + 3)
            want_local = {key for key, audience in expected if audience == "local_board"}
            want_exec = {key for key, audience in expected if audience == "executive_board"}

            async def delivered() -> bool:
                return (
                    receivers["easington"].events() == want_local
                    and receivers["flaky"].events() == want_local
                    and receivers["executive"].events() == want_exec
                    and streams["easington"].events_set() == want_local
                    and streams["executive"].events_set() == want_exec
                )

            await eventually(delivered, 60)
        assert escalation["recommendation"] == "intervene"
        assert {a["rule"] for a in local} == {
            "amber_repeated",
            "kpi_red",
            "kpi_worsening",
            "return_missing",
        }
        for silent in ("derwentside", "jcu"):
            assert receivers[silent].received == {}
            assert await alerts_of(m, tokens[silent]) == []
        assert streams["derwentside"].events == []
        assert receivers["flaky"].attempts > len(want_local)  # it failed, then recovered
        assert all(r.rejected == 0 for r in receivers.values())
        await a_stream_resumes_after_its_last_event_id(m, tokens["easington"], streams)


async def story(m: RunningMonitoring, tokens: dict[str, dict[str, str]]) -> None:
    officer = m.token(*OFFICER)
    contract = local_contract().model_dump(mode="json")
    answer = await m.client.put(f"/monitoring/contracts/{CONTRACT}", json=contract, headers=officer)
    assert answer.status_code == 200, answer.text
    await submit(m, a_return("2025-04", 95))  # green
    await m.publish_return(a_return("2025-05", 85))  # amber, from the provider's system
    await eventually(lambda: performance_has(m, 2), 60)
    await submit(m, a_return("2025-06", 84))  # amber again: Easington's board is told
    await submit(m, a_return("2025-07", 70))  # red
    m.clock.now = at("2025-09-30")  # August's return was due 20 September

    async def missing_raised() -> bool:
        rules = {a["rule"] for a in await alerts_of(m, tokens["easington"])}
        return "return_missing" in rules

    await eventually(missing_raised, 30)
    red = next(a for a in await alerts_of(m, tokens["easington"]) if a["rule"] == "kpi_red")
    board = tokens["easington"]
    url = f"/monitoring/alerts/{red['alert_id']}"
    assert (await m.client.post(f"{url}/acknowledge", json={}, headers=board)).status_code == 200
    plan = {"note": "extra sessions", "review_on": "2025-11-30"}
    answer = await m.client.post(f"{url}/improvement-plan", json=plan, headers=board)
    assert answer.status_code == 200, answer.text
    await submit(m, a_return("2025-09", 72))  # red again after the plan: escalated


async def performance_has(m: RunningMonitoring, periods: int) -> bool:
    answer = await m.client.get(
        f"/monitoring/contracts/{CONTRACT}/performance", headers=m.token(*OFFICER)
    )
    return answer.status_code == 200 and len(answer.json()["kpis"][0]["points"]) == periods


async def the_topic_has_every_step(
    m: RunningMonitoring, expected: int
) -> set[tuple[tuple[str, str, str], str]]:
    records = await read_records(m.kafka, m.kafka.topic(MONITORING_ALERTS.name), expected, 60)
    found = set()
    for r in records:
        envelope = json.loads(r.value)
        assert r.key == b"easington"  # keyed by locality: Easington's alerts stay in order
        payload = envelope["payload"]
        found.add((event_key(envelope["type"], payload), payload["audience"]))
    assert len(found) == expected
    return found


async def a_stream_resumes_after_its_last_event_id(
    m: RunningMonitoring, board: dict[str, str], streams: dict[str, Stream]
) -> None:
    first = streams["easington"].events
    resumed = Stream()
    resume_from = first[1][0]

    async def caught_up() -> bool:
        return len(resumed.events) == len(first) - 2

    async with background(read_stream(m.url, board, resumed, last_event_id=resume_from)):
        await eventually(caught_up, 30)
    assert [e[0] for e in resumed.events] == [e[0] for e in first[2:]]


async def test_a_bad_return_from_a_providers_system_is_dead_lettered_with_its_reason(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_monitoring(
        database_url, kafka, unique_schema, schemas, at("2025-05-01")
    ) as m:
        answer = await m.client.put(
            f"/monitoring/contracts/{CONTRACT}",
            json=local_contract().model_dump(mode="json"),
            headers=m.token(*OFFICER),
        )
        assert answer.status_code == 200
        await m.publish_return(a_return("2024-01", 95))
        await m.publish_return(
            {
                "contract_id": CONTRACT,
                "provider_id": "family-action",
                "period": "2025-04",
                "kpi_values": {"attendance": "lots"},
            }
        )
        await m.publish_return(a_return("2025-04", 95))
        await eventually(lambda: performance_has(m, 1), 60)
        dead = await read_records(m.kafka, m.kafka.topic(PERFORMANCE_RETURNS.dead_letter), 2, 60)
        reasons = sorted(str(header_value(d.headers, "dlq.reason")) for d in dead)
        assert len(reasons) == 2
        assert "period" in reasons[0] + reasons[1] and "outside the contract" in "".join(reasons)
        assert "kpi_values.attendance" in "".join(reasons)
