"""The HTTP API: batch ingest with reasons for refusals, role scoping, disclosure control,
and versioned needs assessments downloadable as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.needs.integration.support import COUNCIL, TRUST, running_needs, value

pytestmark = [pytest.mark.broker, pytest.mark.database]

NEET_2024 = {  # young people aged 16-17 not in education, employment or training
    "durham-chester-le-street": (70, 1200),
    "derwentside": (60, 1000),
    "easington": (5, 400),  # a small count: suppressed
    "sedgefield": (50, 900),
    "wear-valley-teesdale": (45, 800),
}


def neet_batch(revision: int = 1) -> dict[str, Any]:
    values = [
        value(
            "neet_16_17",
            "locality",
            code,
            "2024",
            agency=COUNCIL,
            numerator=n,
            denominator=d,
            revision=revision,
        )
        for code, (n, d) in NEET_2024.items()
    ]
    values.append(
        value(
            "neet_16_17",
            "trust",
            TRUST,
            "2024",
            agency=COUNCIL,
            numerator=230,
            denominator=4300,
            revision=revision,
        )
    )
    values.append(value("neet_16_17", "england", "E92000001", "2024", agency=COUNCIL, value=5.0))
    return {"values": [v.model_dump(mode="json") for v in values]}


async def test_http_ingest_scoping_disclosure_and_needs_assessments(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        client = needs.client
        council = needs.token(Role.AGENCY_PUBLISHER, agency=COUNCIL)
        nhs = needs.token(Role.AGENCY_PUBLISHER, agency="nhs-county-durham")
        jcu = needs.token(Role.JCU)
        easington_board = needs.token(Role.LOCAL_BOARD_MEMBER, locality="easington")

        # Refusals name the item, the field and the rule; nothing of the batch is stored.
        bad = neet_batch()
        bad["values"][1]["numerator"] = 2000
        bad["values"][3]["area"]["code"] = "atlantis"
        refused = await client.post("/indicator-values", json=bad, headers=council)
        assert refused.status_code == 422
        assert refused.json()["detail"] == [
            {
                "index": 1,
                "field": "numerator",
                "rule": "must not exceed the denominator for a proportion (2000 > 1000)",
            },
            {
                "index": 3,
                "field": "area.code",
                "rule": "unknown locality 'atlantis'; known: derwentside, "
                "durham-chester-le-street, easington, sedgefield, wear-valley-teesdale",
            },
        ]
        malformed = await client.post(
            "/indicator-values",
            json={"values": [{**bad["values"][0], "period": "24"}]},
            headers=council,
        )
        assert malformed.status_code == 422
        assert malformed.json()["detail"][0]["field"] == "values.0.period"
        assert (
            await client.post("/indicator-values", json=neet_batch(), headers=nhs)
        ).status_code == 403
        wrong_owner = neet_batch()
        for v in wrong_owner["values"]:
            v["agency"] = "nhs-county-durham"
        answer = await client.post("/indicator-values", json=wrong_owner, headers=nhs)
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "agency"
        assert (await client.get("/trust/values", headers=jcu)).json() == []

        stored = await client.post("/indicator-values", json=neet_batch(), headers=council)
        assert stored.status_code == 200, stored.text
        assert stored.json()["stored"] == 7 and stored.json()["duplicates"] == 0
        again = await client.post("/indicator-values", json=neet_batch(), headers=council)
        assert again.json()["stored"] == 0 and again.json()["duplicates"] == 7
        conflict = neet_batch()
        conflict["values"][0]["numerator"] = 71
        clash = await client.post("/indicator-values", json=conflict, headers=council)
        assert clash.status_code == 409
        assert "submit revision 2 to supersede it" in clash.json()["detail"][0]["rule"]

        # A local board member sees its own locality, the trust and comparators only.
        assert (
            await client.get("/localities/derwentside/values", headers=easington_board)
        ).status_code == 403
        assert (
            await client.get("/localities/easington/values", headers=easington_board)
        ).status_code == 200
        assert (await client.get("/trust/comparisons", headers=easington_board)).status_code == 200
        england = await client.get("/comparators/england/values", headers=easington_board)
        assert [v["value"] for v in england.json()] == [5.0]
        provider = needs.token(Role.PROVIDER, provider_id="p1")
        assert (await client.get("/trust/values", headers=provider)).status_code == 403

        # Disclosure: Easington's 5 is suppressed, and so is the smallest other locality,
        # since the trust total would otherwise give Easington's count away.
        mine = (await client.get("/localities/easington/values", headers=easington_board)).json()
        assert mine[0]["count"] is None and mine[0]["value"] is None and mine[0]["count_suppressed"]
        wear = (await client.get("/localities/wear-valley-teesdale/values", headers=jcu)).json()
        assert wear[0]["count"] is None and wear[0]["count_suppressed"]
        derwentside = (await client.get("/localities/derwentside/comparisons", headers=jcu)).json()
        assert derwentside[0]["count"] == 60 and derwentside[0]["value"] == pytest.approx(6.0)
        assert derwentside[0]["compared_to_benchmark"] == "similar"
        # Hidden localities take no part in the ranking (their place would say something
        # about them): three of five are left, fewer than the four Fingertips ranks among.
        assert derwentside[0]["quintile"] is None
        hidden = (await client.get("/localities/easington/comparisons", headers=jcu)).json()
        assert hidden[0]["compared_to_benchmark"] == "withheld"
        assert hidden[0]["recent_trend"] == "withheld" and hidden[0]["need_reason"] is None

        # Needs assessments: commissioners publish them; downloads are scoped and controlled.
        forbidden = await client.post("/needs-assessments", json={}, headers=easington_board)
        assert forbidden.status_code == 403
        created = await client.post("/needs-assessments", json={}, headers=jcu)
        assert created.status_code == 201, created.text
        assessments = {a["area"]["code"]: a for a in created.json()}
        assert set(assessments) == {TRUST, *NEET_2024}
        assert all(a["version"] == 1 for a in assessments.values())
        mine_json = await client.get(assessments["easington"]["json_path"], headers=easington_board)
        assert mine_json.status_code == 200
        body = mine_json.json()
        assert body["indicators"][0]["count"] is None
        assert body["data_versions"] == [
            {
                "indicator_id": "neet_16_17",
                "area_kind": "england",
                "area_code": "E92000001",
                "period": "2024",
                "breakdown_key": "",
                "revision": 1,
            },
            {
                "indicator_id": "neet_16_17",
                "area_kind": "locality",
                "area_code": "easington",
                "period": "2024",
                "breakdown_key": "",
                "revision": 1,
            },
        ]
        mine_csv = await client.get(assessments["easington"]["csv_path"], headers=easington_board)
        assert mine_csv.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(mine_csv.text)))
        assert rows[0]["count"] == "*" and rows[0]["value"] == ""
        other = await client.get(assessments["sedgefield"]["json_path"], headers=easington_board)
        assert other.status_code == 404, "another locality's assessment is not even confirmed"
        trust_csv = await client.get(assessments[TRUST]["csv_path"], headers=easington_board)
        assert trust_csv.status_code == 200

        # Nothing changed: the latest version stands, and nothing is announced.
        again = await client.post("/needs-assessments", json={"areas": ["easington"]}, headers=jcu)
        assert again.status_code == 200, again.text
        assert [(a["version"], a["created"]) for a in again.json()] == [(1, False)]
        # Easington's 5 was hidden in version 1; revised to 9 (not small, and shown as 10
        # when decided afresh), it stays hidden in version 2 and in the API: the decision
        # was persisted with version 1.
        revised = neet_batch()
        revised["values"] = [
            {**v, "numerator": {"easington": 9, TRUST: 234}[v["area"]["code"]], "revision": 2}
            for v in revised["values"]
            if v["area"]["code"] in ("easington", TRUST)
        ]
        stored = await client.post("/indicator-values", json=revised, headers=council)
        assert stored.status_code == 200, stored.text
        assert stored.json()["stored"] == 2
        v2 = await client.post("/needs-assessments", json={"areas": ["easington"]}, headers=jcu)
        assert v2.status_code == 201, v2.text
        assert [(a["version"], a["created"]) for a in v2.json()] == [(2, True)]
        body_v2 = (await client.get(v2.json()[0]["json_path"], headers=jcu)).json()
        assert body_v2["indicators"][0]["revision"] == 2
        assert body_v2["indicators"][0]["count"] is None
        now = await client.get("/localities/easington/values", headers=jcu)
        assert [(v["revision"], v["count"]) for v in now.json()] == [(2, None)]
        events = await needs.needs_events(7)
        published = [e for e in events if e["type"] == "needs.NeedsAssessmentPublished.v1"]
        assert len(published) == 7  # six first versions and Easington's second
        assert {e["payload"]["area"]["code"] for e in published} == {TRUST, *NEET_2024}

        schema = (await client.get("/schemas/indicator-values.v1.json")).json()
        assert schema["properties"]["type"]["const"] == "needs.IndicatorValueSubmitted.v1"
        assert "numerator" in json.dumps(schema["properties"]["payload"]) + json.dumps(
            schema.get("$defs", {})
        )
        catalogue = (await client.get("/indicators", headers=easington_board)).json()
        assert all(i["example_configuration"] for i in catalogue)
        assert {i["id"] for i in catalogue} >= {"teenage_conceptions", "caf_assessments_started"}
