"""Bids are sealed in storage: before close no role can read a bid's contents or price,
by any URL, and a direct read of every row in the service's schema finds no plaintext;
after close the same rows open. Late bids and unqualified providers are refused with
their reasons (docs/domain/procurement.md, "Tenders, bids and awards")."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from services.procurement.adapters.vault import AesGcmVault
from services.procurement.settings import ProcurementSettings
from shared.auth import Role
from shared.settings import KafkaSettings
from tests.procurement.integration.support import RunningProcurement, running_procurement

pytestmark = [pytest.mark.broker, pytest.mark.database]

PRICE = "47123.45"
PROPOSAL = "Saturday sessions at Peterlee library, run by qualified family workers"


async def published(service: RunningProcurement) -> str:
    await service.register("family-action")
    await service.register("home-start")
    opened = await service.request("60000.00")
    pid: str = opened["procurement_id"]
    deadline = (service.clock.now + timedelta(days=30)).isoformat()
    tender = {"deadline": deadline, "quality_weight": 70, "price_weight": 30}
    answer = await service.client.post(
        f"/procurements/{pid}/tender", json=tender, headers=service.officer
    )
    assert answer.status_code == 200, answer.text
    return pid


async def everything_stored(service: RunningProcurement) -> str:
    """Every row of every table in the service's schema, as text (bytea as hex)."""
    tables = await service.rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", service.schema
    )
    dump: list[str] = []
    for table in tables:
        rows = await service.rows(f'SELECT t::text AS row FROM "{table["table_name"]}" t')
        dump.extend(r["row"] for r in rows)
    return "\n".join(dump)


def every_role(service: RunningProcurement) -> dict[str, dict[str, str]]:
    return {
        "officer": service.officer,
        "jcu": service.jcu,
        "lead": service.token("lee", Role.LEAD_COMMISSIONER),
        "executive": service.token("eve", Role.EXECUTIVE_BOARD),
        "board": service.board("easington"),
        "the bidder": service.provider("family-action"),
        "another provider": service.provider("home-start"),
        "operator": service.token("ops", Role.OPERATOR),
        "all roles": service.token(
            "root",
            *Role,
            locality="easington",
            provider_id="family-action",
            agency="nhs-county-durham",
        ),
    }


async def test_no_role_can_read_a_bid_before_close_and_the_rows_hold_only_ciphertext(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        pid = await published(service)
        bid = {"price": PRICE, "proposal": PROPOSAL}
        sent = await service.client.post(
            f"/procurements/{pid}/bids", json=bid, headers=service.provider("family-action")
        )
        assert sent.status_code == 201, sent.text

        readers = every_role(service)
        opened = {
            who: await service.client.get(f"/procurements/{pid}/bids/opened", headers=h)
            for who, h in readers.items()
        }
        listed = {
            who: await service.client.get(f"/procurements/{pid}/bids", headers=h)
            for who, h in readers.items()
        }
        stored = await everything_stored(service)
        bid_row = (await service.rows("SELECT * FROM bid"))[0]
        key_row = (await service.rows("SELECT * FROM tender_key"))[0]
        # Storage: nothing in any row (bids, keys, audit, outbox) shows the price or the text.
        for secret in (
            PRICE,
            "47123",
            PROPOSAL,
            "Peterlee",
            PROPOSAL.encode().hex(),
            PRICE.encode().hex(),
        ):
            assert secret not in stored
        assert PRICE.encode() not in bid_row["sealed"] and b"Peterlee" not in bid_row["sealed"]
        assert key_row["released_key"] is None

        service.clock.advance(days=30)
        assert (
            await service.client.post(f"/procurements/{pid}/close", headers=service.officer)
        ).status_code == 200
        after = await service.client.get(
            f"/procurements/{pid}/bids/opened", headers=service.officer
        )
        released = (await service.rows("SELECT released_key FROM tender_key"))[0]["released_key"]

    assert {who: a.status_code for who, a in opened.items() if a.status_code == 200} == {}
    assert (
        opened["officer"].json()["detail"]["rule"]
        == "bids are sealed until the tender closes at its deadline"
    )
    for who, answer in listed.items():
        assert PRICE not in answer.text and PROPOSAL not in answer.text, who
    # The ciphertext is the bid: after close the released key opens exactly that row.
    assert after.status_code == 200
    assert [(b["price"], b["proposal"]) for b in after.json()] == [(PRICE, PROPOSAL)]
    aad = f"{pid}/{bid_row['bid_id']}/family-action".encode()
    vault = AesGcmVault(ProcurementSettings().bid_key_bytes())
    assert PRICE.encode() in vault.open(released, bid_row["sealed"], aad)


async def test_after_close_a_provider_opens_only_its_own_bid(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        pid = await published(service)
        for provider_id, price in (("family-action", "41000.00"), ("home-start", "39000.00")):
            bid = {"price": price, "proposal": f"{provider_id} proposal"}
            assert (
                await service.client.post(
                    f"/procurements/{pid}/bids", json=bid, headers=service.provider(provider_id)
                )
            ).status_code == 201
        service.clock.advance(days=30)
        assert (
            await service.client.post(f"/procurements/{pid}/close", headers=service.officer)
        ).status_code == 200
        mine = await service.client.get(
            f"/procurements/{pid}/bids/opened", headers=service.provider("home-start")
        )
        receipts = await service.client.get(
            f"/procurements/{pid}/bids", headers=service.provider("home-start")
        )
        panel = await service.client.get(
            f"/procurements/{pid}/bids/opened", headers=service.board("easington")
        )
        other_board = await service.client.get(
            f"/procurements/{pid}/bids/opened", headers=service.board("derwentside")
        )

    assert [b["provider_id"] for b in mine.json()] == ["home-start"]
    assert [b["provider_id"] for b in receipts.json()] == ["home-start"]
    assert sorted(b["price"] for b in panel.json()) == ["39000.00", "41000.00"]
    assert other_board.status_code == 404


async def test_a_late_bid_is_refused_with_its_reason(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        pid = await published(service)
        early = await service.client.post(f"/procurements/{pid}/close", headers=service.officer)
        service.clock.advance(days=30)
        late = await service.client.post(
            f"/procurements/{pid}/bids",
            json={"price": "1.00", "proposal": "late"},
            headers=service.provider("home-start"),
        )
        bids = await service.rows("SELECT * FROM bid")

    assert early.status_code == 409
    assert early.json()["detail"]["field"] == "deadline"
    assert late.status_code == 409
    assert late.json()["detail"]["field"] == "deadline"
    assert "late bid refused" in late.json()["detail"]["rule"]
    assert bids == []


async def test_a_provider_with_lapsed_evidence_cannot_bid_join_a_select_list_or_be_awarded(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        pid = await published(service)
        await service.register("lapsed-care", expires=date(2027, 1, 31))
        bid = await service.client.post(
            f"/procurements/{pid}/bids",
            json={"price": "1000.00", "proposal": "x"},
            headers=service.provider("lapsed-care"),
        )
        unregistered = await service.client.post(
            f"/procurements/{pid}/bids",
            json={"price": "1000.00", "proposal": "x"},
            headers=service.provider("nobody"),
        )
        admitted = await service.client.post(
            "/select-lists/easington/parenting/providers",
            json={"provider_id": "lapsed-care"},
            headers=service.board("easington"),
        )
        specialist = await service.request(
            "250000.00", specialist=True, request_id=str(uuid.uuid4())
        )
        award = await service.client.post(
            f"/procurements/{specialist['procurement_id']}/award",
            json={"rationale": "only provider", "provider_id": "lapsed-care", "value": "250000.00"},
            headers=service.jcu,
        )
        flagged = await service.client.get("/providers/family-action", headers=service.officer)

    def problem(answer: Any) -> dict[str, str]:
        detail: dict[str, str] = answer.json()["detail"]
        return detail

    for answer in (bid, admitted, award):
        assert answer.status_code == 422, answer.text
        assert problem(answer)["field"] == "provider_id"
        assert "evidence lapsed for safeguarding" in problem(answer)["rule"]
    assert unregistered.status_code == 422
    assert "not on the provider register" in problem(unregistered)["rule"]
    assert specialist["route"] == "jcu_award"
    assert flagged.json()["lapsing"] == []  # evidence to 2028: nothing to flag in March 2027
