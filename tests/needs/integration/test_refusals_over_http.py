"""Input the database cannot hold is refused with a 422 naming the field and the rule, never
answered with a 500: counts beyond 64 bits, NUL characters, bodies that are not UTF-8."""

from __future__ import annotations

import re

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.needs.integration.support import NHS, running_needs, value

pytestmark = [pytest.mark.broker, pytest.mark.database]


def easington(**changes: object) -> dict[str, object]:
    payload = value(
        "teenage_conceptions", "locality", "easington", "2024", numerator=40, denominator=2000
    )
    return payload.model_dump(mode="json") | changes


async def test_values_the_database_cannot_hold_are_refused_by_field(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        publisher = needs.token(Role.AGENCY_PUBLISHER, agency=NHS)

        async def refused(item: dict[str, object]) -> list[dict[str, object]]:
            answer = await needs.client.post(
                "/indicator-values", json={"values": [item]}, headers=publisher
            )
            assert answer.status_code == 422, answer.text
            detail: list[dict[str, object]] = answer.json()["detail"]
            return detail

        huge = await refused(easington(numerator=2**63, denominator=2**64))
        assert [(d["field"], d["rule"]) for d in huge] == [
            ("numerator", "must be at most 9223372036854775807")
        ]
        nul = await refused(easington(note="checked\x00by hand"))
        assert [(d["field"], d["rule"]) for d in nul] == [
            ("note", "must not contain NUL characters")
        ]

        history = await needs.client.get(
            "/indicator-values/history",
            params={
                "indicator_id": "teenage_conceptions",
                "area_kind": "locality",
                "area_code": "east\x00ington",
            },
            headers=publisher,
        )
        assert history.status_code == 422 and history.json()["detail"][0]["field"] == (
            "query.area_code"
        )

        garbled = await needs.client.post(
            "/indicator-values",
            content=b'{"values": ["\xff\xfe"]}',
            headers=publisher | {"Content-Type": "application/json"},
        )
        assert garbled.status_code == 422
        assert garbled.json()["detail"][0]["field"] == "body"


async def test_a_batch_larger_than_the_configured_limit_is_refused_whole(
    database_url: str,
    kafka: KafkaSettings,
    schemas: list[str],
    unique_schema: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEEDS_MAX_BATCH_VALUES", "2")
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        publisher = needs.token(Role.AGENCY_PUBLISHER, agency=NHS)
        periods = ["2022", "2023", "2024"]
        items = [easington(period=period) for period in periods]

        three = await needs.client.post(
            "/indicator-values", json={"values": items}, headers=publisher
        )
        assert three.status_code == 422, three.text
        assert "at most 2 values" in three.text
        history = await needs.client.get(
            "/indicator-values/history",
            params={
                "indicator_id": "teenage_conceptions",
                "area_kind": "locality",
                "area_code": "easington",
            },
            headers=publisher,
        )
        nothing_stored = history.status_code == 404 or history.json() == []
        assert nothing_stored, history.text

        two = await needs.client.post(
            "/indicator-values", json={"values": items[:2]}, headers=publisher
        )
        assert two.status_code == 200, two.text
        assert two.json()["stored"] == 2


async def test_operations_and_downloads_declare_their_content_types(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        metrics = await needs.client.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        api = (await needs.client.get("/openapi.json")).json()
        csv = api["paths"]["/needs-assessments/{assessment_id}.csv"]["get"]["responses"]
        assert list(csv["200"]["content"]) == ["text/csv"]
        assert list(csv["404"]["content"]) == ["application/json"]
        assert (
            "text/plain; version=0.0.4; charset=utf-8"
            in (api["paths"]["/metrics"]["get"]["responses"]["200"]["content"])
        )


async def test_every_operation_documents_its_body_and_the_error_shape(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        api = (await needs.client.get("/openapi.json")).json()
    protected = {
        (path, method): operation
        for path, methods in api["paths"].items()
        for method, operation in methods.items()
        if path not in ("/healthz", "/readyz", "/metrics", "/schemas/indicator-values.v1.json")
    }
    assert len(protected) == 16
    for (path, method), operation in protected.items():
        answers = operation["responses"]
        success = answers.get("200") or answers["201"]
        assert success["content"], (path, method)
        errors = {s: a for s, a in answers.items() if s.startswith(("4", "5"))}
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, status)
        role_gated = not path.startswith("/indicators/") and path != "/indicators"
        expected = {"401", "503"} | ({"403"} if role_gated else set())
        assert expected <= set(errors), (path, method)
    ingest = protected[("/indicator-values", "post")]["responses"]
    assert {"409", "413", "422"} <= set(ingest)
    assert "404" in protected[("/localities/{locality}/needs", "get")]["responses"]
    assert "422" not in protected[("/needs-assessments", "get")]["responses"]


async def test_the_api_documentation_works_offline_without_a_token(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    """`/docs` names only its own assets: nothing is fetched from a CDN."""
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        page = await needs.client.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        for source in sources:
            answer = await needs.client.get(source)
            assert answer.status_code == 200 and answer.content, source
        assert (await needs.client.get("/docs/assets/nothing.js")).status_code == 404
