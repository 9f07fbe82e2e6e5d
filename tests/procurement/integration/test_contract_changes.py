"""A live contract is varied and then terminated (as after a decommissioning decision);
monitoring reads both from the topic. A terminated contract cannot change again."""

from __future__ import annotations

import pytest

from shared.settings import KafkaSettings
from tests.procurement.integration.support import running_procurement
from tests.procurement.integration.test_pooled_budget import awarded_specialist, contract_for
from tests.procurement.integration.test_routes_to_contract import fund, of_type

pytestmark = [pytest.mark.broker, pytest.mark.database]

NEW_KPI = {
    "kpi_id": "waiting_days",
    "name": "Days from referral to first session",
    "unit": "days",
    "target": "14",
    "polarity": "lower_is_better",
    "amber_tolerance": "3",
    "red_tolerance": "7",
}


async def test_a_contract_is_varied_then_terminated_and_monitoring_hears_of_both(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        await service.register("barnardos")
        await fund(service, "short-breaks", "50000", "50000")
        pid = await awarded_specialist(service, "60000.00")
        started = await service.client.post(
            f"/procurements/{pid}/contract", json=contract_for("60000.00"), headers=service.officer
        )
        cid = started.json()["contract_id"]
        by_provider = await service.client.post(
            f"/contracts/{cid}/termination",
            json={"terminated_on": "2028-01-31", "reason": "x"},
            headers=service.provider("barnardos"),
        )
        varied = await service.client.post(
            f"/contracts/{cid}/variations",
            json={"reason": "JCU review: waiting times", "kpis": [NEW_KPI]},
            headers=service.officer,
        )
        backwards = await service.client.post(
            f"/contracts/{cid}/variations",
            json={"reason": "x", "ends_on": "2027-04-01"},
            headers=service.officer,
        )
        ended = await service.client.post(
            f"/contracts/{cid}/termination",
            json={"terminated_on": "2028-01-31", "reason": "decommissioning decision of the JCU"},
            headers=service.officer,
        )
        again = await service.client.post(
            f"/contracts/{cid}/termination",
            json={"terminated_on": "2028-02-01", "reason": "x"},
            headers=service.officer,
        )
        events = await service.events(5)

    assert by_provider.status_code == 403, by_provider.text
    assert varied.status_code == 200 and [k["kpi_id"] for k in varied.json()["kpis"]] == [
        "waiting_days"
    ]
    assert backwards.status_code == 422 and backwards.json()["detail"]["field"] == "ends_on"
    assert ended.status_code == 200 and ended.json()["state"] == "terminated"
    assert again.status_code == 409
    variation = of_type(events, "ContractVaried")[0]
    assert variation["subject"] == f"contract/{cid}"
    assert variation["payload"]["kpis"][0] | {} == NEW_KPI
    assert variation["payload"]["ends_on"] is None
    termination = of_type(events, "ContractTerminated")[0]["payload"]
    assert (termination["contract_id"], termination["terminated_on"]) == (cid, "2028-01-31")
    assert termination["reason"] == "decommissioning decision of the JCU"
