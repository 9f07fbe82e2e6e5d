"""Who may see and do what, endpoint by endpoint: a provider sees only its own bids and
contracts; a Local Children's Board sees only its locality's procurements, select lists
and audit trail; only the locality's board manages its select list; only commissioners
run a procurement and only the JCU awards a specialist service (Durham framework,
section 3)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.procurement.integration.support import RunningProcurement, running_procurement
from tests.procurement.integration.test_routes_to_contract import compete, fund, start

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def scenario(service: RunningProcurement) -> dict[str, str]:
    """Easington's select-list procurement contracted with home-start (family-action lost)."""
    for provider_id in ("family-action", "home-start", "outsider"):
        await service.register(provider_id)
    for provider_id in ("family-action", "home-start"):
        await service.client.post(
            "/select-lists/easington/parenting/providers",
            json={"provider_id": provider_id},
            headers=service.board("easington"),
        )
    await fund(service, "pool", "30000", "20000")
    pid = (await service.request("45000.00"))["procurement_id"]
    await compete(service, pid, {"family-action": ("42000.00", 70), "home-start": ("40000.00", 80)})
    contract = await start(service, pid, "pool", "40000.00")
    return {"pid": pid, "contract": contract["contract_id"]}


async def test_every_endpoint_keeps_to_its_scope(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        ids = await scenario(service)
        pid, cid = ids["pid"], ids["contract"]
        winner, loser, outsider = (
            service.provider(p) for p in ("home-start", "family-action", "outsider")
        )
        own_board, other_board = service.board("easington"), service.board("derwentside", "dan")
        operator = service.token("ops", Role.OPERATOR)
        c = service.client

        async def get(url: str, headers: dict[str, str]) -> Any:
            return await c.get(url, headers=headers)

        seen: dict[str, Any] = {
            # Procurements: a board sees its locality's only; an unlisted provider nothing.
            "other board: procurement": (
                await get(f"/procurements/{pid}", other_board)
            ).status_code,
            "other board: list": (await get("/procurements", other_board)).json(),
            "own board: list": len((await get("/procurements", own_board)).json()),
            "outsider: procurement": (await get(f"/procurements/{pid}", outsider)).status_code,
            "operator: list": (await get("/procurements", operator)).json(),
            # Bids: a provider sees its own receipt and bid only; another board nothing.
            "loser: receipts": [
                b["provider_id"] for b in (await get(f"/procurements/{pid}/bids", loser)).json()
            ],
            "loser: opened": [
                b["provider_id"]
                for b in (await get(f"/procurements/{pid}/bids/opened", loser)).json()
            ],
            "other board: opened": (
                await get(f"/procurements/{pid}/bids/opened", other_board)
            ).status_code,
            "loser: ranking": (await get(f"/procurements/{pid}/ranking", loser)).status_code,
            # Contracts: the winner sees its own; the loser and the other board see none.
            "winner: contracts": [
                x["contract_id"] for x in (await get("/contracts", winner)).json()
            ],
            "loser: contracts": (await get("/contracts", loser)).json(),
            "loser: contract": (await get(f"/contracts/{cid}", loser)).status_code,
            "other board: contracts": (await get("/contracts", other_board)).json(),
            "own board: contract": (await get(f"/contracts/{cid}", own_board)).status_code,
            # Select lists: a board sees and manages its own only.
            "other board: lists": (await get("/select-lists", other_board)).json(),
            "other board: easington list": (
                await get("/select-lists?locality=easington", other_board)
            ).status_code,
            "own board: lists": (await get("/select-lists", own_board)).json(),
            "provider: lists": (await get("/select-lists", winner)).status_code,
            "other board: admit": (
                await c.post(
                    "/select-lists/easington/parenting/providers",
                    json={"provider_id": "outsider"},
                    headers=other_board,
                )
            ).status_code,
            "officer: admit": (
                await c.post(
                    "/select-lists/easington/parenting/providers",
                    json={"provider_id": "outsider"},
                    headers=service.officer,
                )
            ).status_code,
            "other board: remove": (
                await c.delete(
                    "/select-lists/easington/parenting/providers/home-start?reason=x",
                    headers=other_board,
                )
            ).status_code,
            # Providers: a provider reads and edits only its own entry.
            "loser: providers": [p["provider_id"] for p in (await get("/providers", loser)).json()],
            "loser: winner's entry": (await get("/providers/home-start", loser)).status_code,
            "loser: edits winner": (
                await c.put(
                    "/providers/home-start",
                    json={"provider_id": "home-start", "name": "X", "sector": "private"},
                    headers=loser,
                )
            ).status_code,
            # Audit and funds.
            "other board: audit": (await get("/audit", other_board)).json(),
            "other board: audit of pid": (
                await get(f"/audit?procurement_id={pid}", other_board)
            ).status_code,
            "own board: audit": len((await get("/audit", own_board)).json()) > 0,
            "provider: audit": (await get("/audit", winner)).status_code,
            "board: funds": (await get("/funds", own_board)).status_code,
            "provider: funds": (await get("/funds", winner)).status_code,
            # Running a procurement is for commissioners; bidding for providers.
            "board: request": (
                await c.post(
                    "/procurements",
                    json={
                        "request_id": pid,
                        "title": "t",
                        "locality": "easington",
                        "priority": "p",
                        "value": "1",
                    },
                    headers=own_board,
                )
            ).status_code,
            "provider: close": (
                await c.post(f"/procurements/{pid}/close", headers=winner)
            ).status_code,
            "provider: fund": (
                await c.post(
                    "/funds",
                    json={"fund_id": "x", "name": "x", "contributions": {"a": "1"}},
                    headers=winner,
                )
            ).status_code,
            "officer: bid": (
                await c.post(
                    f"/procurements/{pid}/bids",
                    json={"price": "1", "proposal": "x"},
                    headers=service.officer,
                )
            ).status_code,
            "provider: declare": (
                await c.post(
                    f"/procurements/{pid}/declarations", json={"conflicted": False}, headers=winner
                )
            ).status_code,
            "no token": (await c.get("/procurements")).status_code,
            "no token: ocds": (await c.get("/ocds/releases")).status_code,
            "provider: ocds": (await get("/ocds/records", winner)).status_code,
            "other board: clarifications": (
                await get(f"/procurements/{pid}/clarifications", other_board)
            ).status_code,
            "outsider: clarifications": (
                await get(f"/procurements/{pid}/clarifications", outsider)
            ).status_code,
            "winner: varies own contract": (
                await c.post(
                    f"/contracts/{cid}/variations",
                    json={"reason": "x", "ends_on": "2030-01-01"},
                    headers=winner,
                )
            ).status_code,
            "board: terminates": (
                await c.post(
                    f"/contracts/{cid}/termination",
                    json={"reason": "x", "terminated_on": "2028-01-01"},
                    headers=own_board,
                )
            ).status_code,
        }

    assert seen == {
        "other board: procurement": 404,
        "other board: list": [],
        "own board: list": 1,
        "outsider: procurement": 404,
        "operator: list": [],
        "loser: receipts": ["family-action"],
        "loser: opened": ["family-action"],
        "other board: opened": 404,
        "loser: ranking": 403,
        "winner: contracts": [cid],
        "loser: contracts": [],
        "loser: contract": 404,
        "other board: contracts": [],
        "own board: contract": 200,
        "other board: lists": [],
        "other board: easington list": 403,
        "own board: lists": [
            {
                "locality": "easington",
                "priority": "parenting",
                "providers": ["family-action", "home-start"],
            }
        ],
        "provider: lists": 403,
        "other board: admit": 403,
        "officer: admit": 403,
        "other board: remove": 403,
        "loser: providers": ["family-action"],
        "loser: winner's entry": 404,
        "loser: edits winner": 403,
        "other board: audit": [],
        "other board: audit of pid": 404,
        "own board: audit": True,
        "provider: audit": 403,
        "board: funds": 403,
        "provider: funds": 403,
        "board: request": 403,
        "provider: close": 403,
        "provider: fund": 403,
        "officer: bid": 403,
        "provider: declare": 403,
        "no token": 401,
        "no token: ocds": 401,
        "provider: ocds": 200,
        "other board: clarifications": 404,
        "outsider: clarifications": 404,
        "winner: varies own contract": 403,
        "board: terminates": 403,
    }
