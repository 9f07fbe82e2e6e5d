"""Through real Kafka and PostgreSQL: the procurement service's contract events, as its
outbox publishes them on procurement.events.v1, make a monitored contract; returns against
it raise alerts for the locality's board; a variation adds a version; after a termination
no return is expected, so none is alerted as missing; a change to an unknown contract is
dead-lettered with its reason and the consumer carries on."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from shared.auth import Role
from shared.contracts.registry import registry
from shared.envelope import header_value
from shared.settings import KafkaSettings
from shared.topics import PROCUREMENT_EVENTS
from tests.backbone.support import eventually, read_records
from tests.monitoring.integration.support import TRUST, RunningMonitoring, at, running_monitoring
from tests.monitoring.unit.test_contracts_from_procurement import (
    CONTRACT,
    kpi,
    started,
    terminated,
    varied,
)

pytestmark = [pytest.mark.broker, pytest.mark.database]

OFFICER = (Role.COMMISSIONING_OFFICER,)


async def procurement_publishes(m: RunningMonitoring, *payloads: BaseModel) -> None:
    """As the procurement service's outbox relay does: envelopes keyed by contract."""
    producer = AIOKafkaProducer(bootstrap_servers=m.kafka.bootstrap_servers)
    await producer.start()
    try:
        for payload in payloads:
            envelope = registry.envelope(
                payload, source="procurement", subject=f"contract/{CONTRACT}", trust=TRUST
            )
            await producer.send_and_wait(
                m.kafka.topic(PROCUREMENT_EVENTS.name),
                envelope.to_bytes(),
                key=f"contract/{CONTRACT}".encode(),
            )
    finally:
        await producer.stop()


async def versions(m: RunningMonitoring) -> list[dict[str, Any]]:
    answer = await m.client.get(
        f"/monitoring/contracts/{CONTRACT}/versions", headers=m.token(*OFFICER)
    )
    return list(answer.json()) if answer.status_code == 200 else []


async def rules_alerted(m: RunningMonitoring) -> list[tuple[str, str]]:
    board = m.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
    answer = await m.client.get("/monitoring/alerts", headers=board)
    assert answer.status_code == 200
    return sorted((a["rule"], a["period"]) for a in answer.json())


async def submit(m: RunningMonitoring, period: str, **values: float) -> int:
    provider = m.token(Role.PROVIDER, provider_id="family-action")
    body = {
        "contract_id": str(CONTRACT),
        "provider_id": "family-action",
        "period": period,
        "kpi_values": values,
    }
    answer = await m.client.post("/monitoring/returns", json=body, headers=provider)
    return answer.status_code


async def test_contracts_started_varied_and_terminated_in_procurement_are_monitored(
    database_url: str,
    kafka: KafkaSettings,
    unique_schema: str,
    schemas: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITORING_MISSING_CHECK_SECONDS", "0.2")
    async with running_monitoring(
        database_url, kafka, unique_schema, schemas, at("2025-05-02")
    ) as m:
        await procurement_publishes(m, started())

        async def started_here() -> bool:
            return len(await versions(m)) == 1

        await eventually(started_here, 60)
        assert await submit(m, "2025-04", attendance=70) == 201  # red: the board is told
        assert await rules_alerted(m) == [("kpi_red", "2025-04")]

        waiting = kpi("waiting_days", unit="days", polarity="lower_is_better", target=14)
        await procurement_publishes(m, varied(kpis=[kpi(), waiting]))

        async def varied_here() -> bool:
            return len(await versions(m)) == 2

        await eventually(varied_here, 60)
        first, second = await versions(m)
        assert [k["id"] for k in first["kpis"]] == ["attendance"]
        assert [k["id"] for k in second["kpis"]] == ["attendance", "waiting_days"]
        assert await submit(m, "2025-05", attendance=95) == 422  # the new KPI is missing
        assert await submit(m, "2025-05", attendance=95, waiting_days=10) == 201

        await procurement_publishes(m, terminated(date(2025, 7, 10)))

        async def terminated_here() -> bool:
            found = await versions(m)
            return len(found) == 3 and found[-1]["terminated_on"] == "2025-07-10"

        await eventually(terminated_here, 60)
        m.clock.now = at("2026-06-01")  # long after the contract's original end

        async def owed_returns_alerted() -> bool:
            return ("return_missing", "2025-07") in await rules_alerted(m)

        await eventually(owed_returns_alerted, 30)
        assert await rules_alerted(m) == [
            ("kpi_red", "2025-04"),
            ("return_missing", "2025-06"),
            ("return_missing", "2025-07"),
        ]
        assert await submit(m, "2025-08", attendance=95, waiting_days=10) == 422


async def test_a_change_to_a_contract_never_started_is_dead_lettered_and_the_rest_applied(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_monitoring(
        database_url, kafka, unique_schema, schemas, at("2025-05-02")
    ) as m:
        stray = varied(contract_id=uuid.uuid4(), ends_on=date(2027, 3, 31))
        await procurement_publishes(m, stray, started())

        async def started_here() -> bool:
            return len(await versions(m)) == 1

        await eventually(started_here, 60)
        dead = await read_records(m.kafka, m.kafka.topic(PROCUREMENT_EVENTS.dead_letter), 1, 60)
        reason = str(header_value(dead[0].headers, "dlq.reason"))
        assert "contract_id" in reason and "is not monitored" in reason
