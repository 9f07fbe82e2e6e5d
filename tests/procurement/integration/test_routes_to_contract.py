"""A request under the select-list threshold and one over it each follow their route to a
started contract, and the ContractStarted read back from the topic carries everything
monitoring needs (Durham framework, section 3; PA2023 sections 50-51, 54)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.settings import KafkaSettings
from tests.procurement.integration.support import RunningProcurement, running_procurement

pytestmark = [pytest.mark.broker, pytest.mark.database]

CONTRACT = {
    "kpis": [
        {
            "kpi_id": "families_completing",
            "name": "Families completing the programme",
            "unit": "percent",
            "target": "80",
            "polarity": "higher_is_better",
            "amber_tolerance": "5",
            "red_tolerance": "10",
        }
    ],
    "reporting_frequency": "quarterly",
    "starts_on": "2027-05-01",
    "ends_on": "2029-04-30",
}


async def fund(service: RunningProcurement, fund_id: str, council: str, nhs: str) -> None:
    body = {
        "fund_id": fund_id,
        "name": "Parenting pooled fund",
        "contributions": {"durham-county-council": council, "nhs-county-durham": nhs},
    }
    answer = await service.client.post("/funds", json=body, headers=service.officer)
    assert answer.status_code == 201, answer.text


async def compete(service: RunningProcurement, pid: str, bids: dict[str, tuple[str, int]]) -> None:
    """Publish, bid, close, declare, score and award: the top-ranked bid wins."""
    c, officer = service.client, service.officer
    deadline = (service.clock.now + timedelta(days=30)).isoformat()
    tender = {"deadline": deadline, "quality_weight": 60, "price_weight": 40}
    assert (
        await c.post(f"/procurements/{pid}/tender", json=tender, headers=officer)
    ).status_code == 200
    for provider_id, (price, _) in bids.items():
        service.clock.advance(hours=1)
        bid = {"price": price, "proposal": f"{provider_id} will run groups weekly"}
        answer = await c.post(
            f"/procurements/{pid}/bids", json=bid, headers=service.provider(provider_id)
        )
        assert answer.status_code == 201, answer.text
    service.clock.advance(days=30)
    assert (await c.post(f"/procurements/{pid}/close", headers=officer)).status_code == 200
    declared = await c.post(
        f"/procurements/{pid}/declarations", json={"conflicted": False}, headers=officer
    )
    assert declared.status_code == 204
    opened = (await c.get(f"/procurements/{pid}/bids/opened", headers=officer)).json()
    for bid in opened:
        quality = bids[bid["provider_id"]][1]
        score = {"bid_id": bid["bid_id"], "quality": str(quality), "rationale": "method statement"}
        assert (
            await c.post(f"/procurements/{pid}/scores", json=score, headers=officer)
        ).status_code == 204
    award = await c.post(
        f"/procurements/{pid}/award", json={"rationale": "highest total score"}, headers=officer
    )
    assert award.status_code == 200, award.text


async def start(service: RunningProcurement, pid: str, fund_id: str, amount: str) -> dict[str, Any]:
    service.clock.advance(days=14)  # past 8 working days of standstill
    body = CONTRACT | {"funding": [{"fund_id": fund_id, "amount": amount}]}
    answer = await service.client.post(
        f"/procurements/{pid}/contract", json=body, headers=service.officer
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == f"procurement.{kind}.v1"]


async def test_under_50k_goes_to_the_select_list_and_ends_in_a_started_contract(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        for provider_id in ("family-action", "home-start"):
            await service.register(provider_id)
            admitted = await service.client.post(
                "/select-lists/easington/parenting/providers",
                json={"provider_id": provider_id},
                headers=service.board("easington"),
            )
            assert admitted.status_code == 204, admitted.text
        await fund(service, "parenting-pool", "30000", "20000")
        opened = await service.request("45000.00")
        assert opened["route"] == "select_list"
        assert "under £50,000" in opened["route_rule"]
        pid = opened["procurement_id"]

        await compete(
            service, pid, {"family-action": ("42000.00", 70), "home-start": ("40000.00", 80)}
        )
        contract = await start(service, pid, "parenting-pool", "40000.00")
        events = await service.events(9)  # with the two SelectListChanged

    assert contract["provider_id"] == "home-start"  # 80 quality, lowest price
    started = of_type(events, "ContractStarted")[0]
    assert started["subject"] == f"contract/{contract['contract_id']}"
    payload = started["payload"]
    assert payload["route"] == "select_list"
    assert payload["provider_id"] == "home-start"
    assert payload["value"] == "40000.00"
    assert payload["localities"] == ["easington"]
    # What monitoring needs to route alerts and expect returns: one locality's board
    # watches it, and returns are due 20 days after each quarter (the default).
    assert (payload["level"], payload["return_due_days"]) == ("local", 20)
    assert payload["outcomes"] == ["be_healthy"]
    assert payload["reporting_frequency"] == "quarterly"
    assert (payload["starts_on"], payload["ends_on"]) == ("2027-05-01", "2029-04-30")
    assert payload["kpis"] == [
        {
            "kpi_id": "families_completing",
            "name": "Families completing the programme",
            "unit": "percent",
            "target": "80",
            "polarity": "higher_is_better",
            "amber_tolerance": "5",
            "red_tolerance": "10",
        }
    ]
    assert payload["funding"][0]["fund_id"] == "parenting-pool"
    assert payload["funding"][0]["partners"] == {
        "durham-county-council": "30000.00",
        "nhs-county-durham": "20000.00",
    }
    # One procurement's events share its key, so they arrive in order; the contract's
    # events are keyed by the contract.
    kinds = [e["type"].split(".")[1] for e in events if e["subject"] == f"procurement/{pid}"]
    assert kinds == [
        "ProcurementOpened",
        "TenderPublished",
        "BidReceived",
        "BidReceived",
        "TenderClosed",
        "ContractAwarded",
    ]
    assert all("price" not in e["payload"] for e in of_type(events, "BidReceived"))


async def test_50k_and_over_goes_to_open_tender_and_ends_in_a_started_contract(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        await service.register("barnardos")
        await fund(service, "early-help", "60000", "40000")
        opened = await service.request("50000.00")
        assert opened["route"] == "open_tender"
        pid = opened["procurement_id"]
        # Not on any select list: an open tender admits any qualified provider.
        await compete(service, pid, {"barnardos": ("48000.00", 75)})
        contract = await start(service, pid, "early-help", "48000.00")
        events = await service.events(6)

    started = of_type(events, "ContractStarted")[0]["payload"]
    assert started["route"] == "open_tender"
    assert started["contract_id"] == contract["contract_id"]
    assert started["value"] == "48000.00"
