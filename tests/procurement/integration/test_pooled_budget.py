"""Contracts commit against a pooled fund; over-commitment is refused, also when two
commitments arrive at once (Medway, paragraphs 2.20-2.22; Durham JCU duty 5)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from shared.settings import KafkaSettings
from tests.backbone.support import eventually
from tests.procurement.integration.support import RunningProcurement, running_procurement
from tests.procurement.integration.test_routes_to_contract import CONTRACT, fund

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def awarded_specialist(service: RunningProcurement, value: str) -> str:
    """A specialist service awarded by the JCU to a qualified provider."""
    opened = await service.request("90000.00", specialist=True, request_id=str(uuid.uuid4()))
    pid: str = opened["procurement_id"]
    award = {"rationale": "sole specialist provider", "provider_id": "barnardos", "value": value}
    answer = await service.client.post(
        f"/procurements/{pid}/award", json=award, headers=service.jcu
    )
    assert answer.status_code == 200, answer.text
    return pid


def contract_for(amount: str) -> dict[str, Any]:
    return CONTRACT | {"funding": [{"fund_id": "short-breaks", "amount": amount}]}


async def test_a_commitment_beyond_the_fund_is_refused(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        await service.register("barnardos")
        await fund(service, "short-breaks", "50000", "50000")
        first = await awarded_specialist(service, "60000.00")
        second = await awarded_specialist(service, "60000.00")
        ok = await service.client.post(
            f"/procurements/{first}/contract",
            json=contract_for("60000.00"),
            headers=service.officer,
        )
        refused = await service.client.post(
            f"/procurements/{second}/contract",
            json=contract_for("60000.00"),
            headers=service.officer,
        )
        funds = (await service.client.get("/funds", headers=service.officer)).json()

    assert ok.status_code == 201
    assert refused.status_code == 422
    assert refused.json()["detail"] == {
        "field": "funding",
        "rule": "fund short-breaks has £40000.00 uncommitted; £60000.00 refused",
    }
    assert funds[0]["committed"] == "60000.00" and funds[0]["available"] == "40000.00"


async def test_two_commitments_at_once_cannot_overspend_the_fund(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        await service.register("barnardos")
        await fund(service, "short-breaks", "50000", "50000")
        pids = [await awarded_specialist(service, "60000.00") for _ in range(2)]

        # Hold the fund's row so both commitments are in flight at the same moment, then
        # let them go: each must see the other's commitment, not the stale balance.
        holder = await asyncpg.connect(database_url)
        try:
            await holder.execute(f'SET search_path TO "{unique_schema}"')
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute("SELECT * FROM fund WHERE fund_id = 'short-breaks' FOR UPDATE")
            calls = [
                asyncio.create_task(
                    service.client.post(
                        f"/procurements/{pid}/contract",
                        json=contract_for("60000.00"),
                        headers=service.officer,
                    )
                )
                for pid in pids
            ]

            async def both_waiting_on_the_fund() -> bool:
                waiting = await holder.fetchval(
                    "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted"
                )
                return bool(waiting == 2)

            await eventually(both_waiting_on_the_fund, 30)
            await transaction.rollback()
            answers: list[httpx.Response] = await asyncio.gather(*calls)
        finally:
            await holder.close()
        committed = await service.rows("SELECT committed FROM fund")
        contracts = await service.rows("SELECT * FROM contract")

    assert sorted(a.status_code for a in answers) == [201, 422]
    assert str(committed[0]["committed"]) == "60000.00"
    assert len(contracts) == 1
