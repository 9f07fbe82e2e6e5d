"""An agency publishes values over Kafka; needs and vulnerable groups are identified and
resolved, revisions and duplicates behave, and bad values are dead-lettered with reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.auth import Role
from shared.envelope import header_value
from shared.settings import KafkaSettings
from tests.backbone.support import eventually
from tests.needs.integration.support import (
    COUNCIL,
    NHS,
    TRUST,
    RunningNeeds,
    record,
    running_needs,
    value,
)

pytestmark = [pytest.mark.broker, pytest.mark.database]

YEARS = ("2020", "2021", "2022", "2023", "2024")
RISING = (40, 48, 56, 66, 76)  # Easington: teenage conceptions rising, per 2,000 females


def first_submission() -> list[bytes]:
    values = []
    for year, rising in zip(YEARS, RISING, strict=True):
        values.append(value("teenage_conceptions", "england", "E92000001", year, value=20.0))
        values.append(
            value(
                "teenage_conceptions",
                "locality",
                "easington",
                year,
                numerator=rising,
                denominator=2000,
            )
        )
        values.append(
            value(
                "teenage_conceptions",
                "locality",
                "derwentside",
                year,
                numerator=40,
                denominator=2000,
            )
        )
    # Looked-after young women in Derwentside: a vulnerable group within a typical locality.
    values.append(
        value(
            "teenage_conceptions",
            "locality",
            "derwentside",
            "2024",
            breakdown={"looked_after": "yes"},
            numerator=10,
            denominator=100,
        )
    )
    values.append(
        value(
            "teenage_conceptions",
            "locality",
            "derwentside",
            "2024",
            breakdown={"looked_after": "no"},
            numerator=30,
            denominator=1900,
        )
    )
    return [record(v) for v in values]


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == f"needs.{kind}.v1"]


async def wait_for_events(needs: RunningNeeds, kind: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        nonlocal found
        found = of_type(await needs.needs_events(0, timeout_s=1), kind)
        return len(found) >= count

    await eventually(arrived, 60, 0.5)
    return found


async def test_each_need_names_as_its_cause_the_value_that_changed_its_series(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """Values read in one batch: each NeedIdentified's causation_id is a value of its own
    area and breakdown, not whichever event the batch happened to start or end with."""
    records = first_submission()
    sent = {json.loads(r)["id"]: json.loads(r)["payload"] for r in records}
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        await needs.publish_in_one_batch(records)
        identified = await wait_for_events(needs, "NeedIdentified", 2)
    assert len(identified) == 2
    for need in identified:
        cause = sent[need["causation_id"]]
        assert cause["area"] == need["payload"]["area"], need["payload"]["need_key"]
        assert cause["breakdown"] == need["payload"]["breakdown"], need["payload"]["need_key"]


async def test_needs_are_identified_and_resolved_from_agency_values_on_kafka(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        # One submission, read together: a need's reason is fixed when it is first
        # identified, so values trickling in one by one would identify Easington on its
        # 2022 value, before its trend is known.
        await needs.publish_in_one_batch(first_submission())
        identified = await wait_for_events(needs, "NeedIdentified", 2)
        by_key = {e["payload"]["need_key"]: e for e in identified}
        assert set(by_key) == {
            "teenage_conceptions/locality/easington",
            "teenage_conceptions/locality/derwentside/looked_after=yes",
        }

        easington = by_key["teenage_conceptions/locality/easington"]["payload"]
        assert easington["reason"] == "worse_and_worsening"
        assert easington["locality"] == "easington"
        assert easington["outcomes"] == ["be_healthy"]
        evidence = easington["evidence"]
        assert evidence["comparison"] == "worse"
        assert evidence["trend"] == "worsening"
        assert evidence["benchmark"] == {
            "comparator": "england",
            "area_code": "E92000001",
            "period": "2024",
            "value": 20.0,
        }
        latest = evidence["latest"]
        # The published rate is built from the published (rounded) count: 75 / 2000 x 1000.
        assert latest["period"] == "2024" and latest["value"] == pytest.approx(37.5)
        assert latest["lower95"] < 37.5 < latest["upper95"]
        assert latest["count"] == 75 and latest["denominator"] == 2000  # rounded to 5
        assert [p["period"] for p in evidence["series"]] == list(YEARS)
        assert len(evidence["data_versions"]) == 6  # five periods and England's 2024 value

        group = by_key["teenage_conceptions/locality/derwentside/looked_after=yes"]["payload"]
        assert group["reason"] == "vulnerable_group" and group["vulnerable_group"] is True
        assert group["breakdown"] == {"looked_after": "yes"}
        assert group["evidence"]["comparison_with_area"] == "worse"
        assert group["evidence"]["group_benchmark"]["value"] == pytest.approx(20.0)
        assert group["evidence"]["latest"]["count"] == 10

        # The same values again (new event ids): nothing changes, nothing is published.
        await needs.publish(first_submission()[:3])
        # Improvement in Easington, and a revision of the looked-after figure.
        await needs.publish(
            [
                record(value("teenage_conceptions", "england", "E92000001", "2025", value=20.0)),
                record(
                    value(
                        "teenage_conceptions",
                        "locality",
                        "easington",
                        "2025",
                        numerator=36,
                        denominator=2000,
                    )
                ),
                record(
                    value(
                        "teenage_conceptions",
                        "locality",
                        "derwentside",
                        "2024",
                        breakdown={"looked_after": "yes"},
                        numerator=4,
                        denominator=100,
                        revision=2,
                    )
                ),
            ]
        )
        resolved = await wait_for_events(needs, "NeedResolved", 2)
        assert {e["payload"]["need_key"] for e in resolved} == set(by_key)
        for event in resolved:
            assert (
                event["payload"]["need_id"]
                == by_key[event["payload"]["need_key"]]["payload"]["need_id"]
            )
        revised = next(e for e in resolved if "looked_after" in e["payload"]["need_key"])
        assert revised["payload"]["evidence"]["latest"]["revision"] == 2
        # 4 is a small count: hidden, and so is the rate built from it.
        assert revised["payload"]["evidence"]["latest"]["count"] is None
        assert revised["payload"]["evidence"]["latest"]["value"] is None

        events = await needs.needs_events(4, timeout_s=2)
        assert len(of_type(events, "NeedIdentified")) == 2
        assert len(of_type(events, "NeedResolved")) == 2

        history = await needs.client.get(
            "/indicator-values/history",
            params={
                "indicator_id": "teenage_conceptions",
                "area_kind": "locality",
                "area_code": "derwentside",
                "period": "2024",
                "breakdown": "looked_after=yes",
            },
            headers=needs.token(Role.AGENCY_PUBLISHER, agency="nhs-county-durham"),
        )
        assert history.status_code == 200, history.text
        assert [(h["revision"], h["numerator"]) for h in history.json()] == [(1, 10), (2, 4)]

        board = needs.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        open_needs = await needs.client.get("/localities/easington/needs", headers=board)
        assert open_needs.status_code == 200 and open_needs.json() == []
        all_states = await needs.client.get(
            "/localities/easington/needs", params={"state": "all"}, headers=board
        )
        assert [n["state"] for n in all_states.json()] == ["resolved"]


async def test_bad_values_are_dead_lettered_with_their_reasons_and_good_ones_kept(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    neet = {"indicator_id": "neet_16_17", "agency": COUNCIL, "period": "2024"}
    good = value(
        "neet_16_17",
        "locality",
        "sedgefield",
        "2024",
        agency=COUNCIL,
        numerator=50,
        denominator=1000,
    )
    base = good.model_dump(mode="json")
    bad = [
        ({**base, "indicator_id": "no_such_indicator"}, "indicator_id: unknown indicator"),
        (
            {**base, "area": {"kind": "locality", "code": "atlantis"}},
            "area.code: unknown locality 'atlantis'",
        ),
        ({**base, "numerator": 1200}, "numerator: must not exceed the denominator"),
        (
            {**base, "numerator": -3},
            "payload.numerator: Input should be greater than or equal to 0",
        ),
        ({**base, "period": "2024/26"}, "period: '2024/26': a financial or academic year"),
        ({**base, "period": "last year"}, "payload.period: String should match pattern"),
        (
            {**base, "agency": "nhs-county-durham"},
            "can only come from agency 'durham-county-council', but its payload claims "
            "agency 'nhs-county-durham'",
        ),
        (
            {**base, "breakdown": {"child_id": "42"}},
            "breakdown.child_id: looks like a record about an individual child",
        ),
        ({**base, "numerator": 1, "denominator": 1}, "denominator: 1 describes a single child"),
    ]
    # The envelope must describe its payload: the subject and the locality are checked.
    misdescribed = [
        (record(good, subject="neet_16_17/locality/easington/2024"), "subject: envelope subject"),
        (record(good, locality="easington"), "locality: envelope locality 'easington'"),
        (record(good, locality=None), "locality: envelope locality None"),
    ]
    assert neet  # the indicator every bad value above is for
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        await needs.publish(
            [record(good)]
            + [record(payload) for payload, _ in bad]
            + [r for r, _ in misdescribed]
            + [
                record(
                    value(
                        "neet_16_17",
                        "locality",
                        "easington",
                        "2024",
                        agency=COUNCIL,
                        numerator=60,
                        denominator=1000,
                    )
                )
            ],
            agency=COUNCIL,
        )
        expectations = [*bad, *misdescribed]
        dead = await needs.dead_letters(len(expectations), agency=COUNCIL)
        assert len(dead) == len(expectations)
        reasons = [header_value(r.headers, "dlq.reason") or "" for r in dead]
        for (_, expected), reason in zip(expectations, reasons, strict=True):
            assert expected in reason, (expected, reason)

        jcu = needs.token(Role.JCU)

        async def both_good_values_stored() -> bool:
            got = []
            for locality in ("sedgefield", "easington"):
                answer = await needs.client.get(f"/localities/{locality}/values", headers=jcu)
                got.extend(answer.json())
            return len(got) == 2

        await eventually(both_good_values_stored, 30)
        trust = await needs.client.get("/trust/values", headers=jcu)
        assert trust.json() == []
        assert needs.app.state.context.trust.id == TRUST


async def test_a_council_system_cannot_publish_the_pct_s_indicator_as_the_pct(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """The agency is the topic's: a record on the council's topic claiming to be the PCT's
    is dead-lettered naming both agencies, as over HTTP a council token gets 403."""
    posing = value(
        "teenage_conceptions", "locality", "easington", "2024", numerator=9, denominator=200
    )
    assert posing.agency == NHS
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        await needs.publish([record(posing)], agency=COUNCIL)
        (dead,) = await needs.dead_letters(1, agency=COUNCIL)
        reason = header_value(dead.headers, "dlq.reason") or ""
        assert (
            reason.startswith("agency: the record on ") and needs.inbound_topic(COUNCIL) in reason
        )
        assert f"can only come from agency '{COUNCIL}'" in reason
        assert f"claims agency '{NHS}'" in reason
        assert header_value(dead.headers, "dlq.error_class") == "agency"

        over_http = await needs.client.post(
            "/indicator-values",
            json={"values": [posing.model_dump(mode="json")]},
            headers=needs.token(Role.AGENCY_PUBLISHER, agency=COUNCIL),
        )
        assert over_http.status_code == 403, over_http.text
        jcu = needs.token(Role.JCU)
        stored = await needs.client.get("/localities/easington/values", headers=jcu)
        assert stored.status_code == 200 and stored.json() == []
