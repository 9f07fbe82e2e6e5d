"""Bad input gets a 4xx naming the field and the rule, and changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from shared.settings import KafkaSettings
from tests.procurement.integration.support import running_procurement
from tests.procurement.integration.test_pooled_budget import awarded_specialist, contract_for
from tests.procurement.integration.test_routes_to_contract import fund

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_each_broken_rule_is_named(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        c, officer = service.client, service.officer
        await service.register("barnardos")
        await service.register("lapsing-soon", expires=date(2027, 4, 1))
        await fund(service, "short-breaks", "50000", "50000")
        body = {
            "request_id": str(uuid.uuid4()),
            "title": "t",
            "locality": "atlantis",
            "priority": "p",
            "value": "10",
        }
        locality = await c.post("/procurements", json=body, headers=officer)
        value = await c.post(
            "/procurements", json=body | {"locality": "easington", "value": "-5"}, headers=officer
        )
        opened = await service.request("60000.00")
        deadline = (service.clock.now + timedelta(days=30)).isoformat()
        weights = await c.post(
            f"/procurements/{opened['procurement_id']}/tender",
            json={"deadline": deadline, "quality_weight": 60, "price_weight": 30},
            headers=officer,
        )
        too_soon = await c.post(
            f"/procurements/{opened['procurement_id']}/tender",
            json={
                "deadline": (service.clock.now + timedelta(days=5)).isoformat(),
                "quality_weight": 60,
                "price_weight": 40,
            },
            headers=officer,
        )
        pid = await awarded_specialist(service, "60000.00")
        short = await c.post(
            f"/procurements/{pid}/contract", json=contract_for("10000.00"), headers=officer
        )
        tolerances = contract_for("50000.00")
        tolerances["kpis"] = [
            tolerances["kpis"][0] | {"amber_tolerance": "10", "red_tolerance": "5"}
        ]
        tolerance = await c.post(f"/procurements/{pid}/contract", json=tolerances, headers=officer)
        lapsing = (await c.get("/providers/lapsing-soon", headers=officer)).json()
        contracts = await service.rows("SELECT * FROM contract")

    assert (locality.status_code, locality.json()["detail"]["field"]) == (422, "locality")
    assert value.status_code == 422
    assert weights.json()["detail"] == {
        "field": "criteria",
        "rule": "quality_weight + price_weight must be 100",
    }
    assert too_soon.status_code == 422 and "at least 25 days" in too_soon.json()["detail"]["rule"]
    assert short.json()["detail"] == {
        "field": "funding",
        "rule": "the funding amounts must add up to the contract value",
    }
    assert (
        tolerance.status_code == 422
        and tolerance.json()["detail"]["field"] == "kpis.families_completing"
    )
    assert contracts == []
    # Evidence expiring within the warning window is flagged; it still counts until then.
    assert lapsing["eligible"] is True and len(lapsing["lapsing"]) == 9


async def test_the_same_request_sent_twice_at_once_opens_one_procurement(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        body = {
            "request_id": str(uuid.uuid4()),
            "title": "Parenting support",
            "locality": "easington",
            "priority": "parenting",
            "value": "20000.00",
        }
        answers = await asyncio.gather(
            *(
                service.client.post("/procurements", json=body, headers=service.officer)
                for _ in range(2)
            )
        )
        procurements = await service.rows("SELECT procurement_id FROM procurement")
        routed = await service.rows("SELECT * FROM audit_entry WHERE action = 'procurement.routed'")

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json()["procurement_id"] == answers[1].json()["procurement_id"]
    assert len(procurements) == 1 and len(routed) == 1
