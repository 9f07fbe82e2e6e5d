"""Every endpoint is scoped: another locality's board, another provider, or a caller with
no business there sees nothing by any URL; bad returns get a 422 naming field and rule."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Role
from shared.settings import KafkaSettings
from tests.monitoring.integration.support import RunningMonitoring, at, running_monitoring
from tests.monitoring.unit.fakes import a_return, local_contract

pytestmark = [pytest.mark.broker, pytest.mark.database]

CONTRACT = "easington-family-support"


async def call(
    m: RunningMonitoring, method: str, url: str, headers: dict[str, str], body: Any = None
) -> Any:
    return await m.client.request(method, url, headers=headers, json=body)


async def test_scoping_and_refusals(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str]
) -> None:
    async with running_monitoring(
        database_url, kafka, unique_schema, schemas, at("2025-05-01")
    ) as m:
        officer = m.token(Role.COMMISSIONING_OFFICER)
        provider = m.token(Role.PROVIDER, provider_id="family-action")
        other_provider = m.token(Role.PROVIDER, provider_id="someone-else")
        easington = m.token(Role.LOCAL_BOARD_MEMBER, locality="easington")
        derwentside = m.token(Role.LOCAL_BOARD_MEMBER, locality="derwentside")
        contract = local_contract().model_dump(mode="json")

        assert (
            await call(m, "PUT", f"/monitoring/contracts/{CONTRACT}", provider, contract)
        ).status_code == 403
        assert (
            await call(m, "PUT", f"/monitoring/contracts/{CONTRACT}", easington, contract)
        ).status_code == 403
        assert (
            await call(m, "PUT", f"/monitoring/contracts/{CONTRACT}", officer, contract)
        ).status_code == 200
        await bad_returns_are_refused_with_reasons(m, provider)
        ret = a_return("2025-04", 70).model_dump(mode="json")
        assert (
            await call(m, "POST", "/monitoring/returns", other_provider, ret)
        ).status_code == 403
        assert (await call(m, "POST", "/monitoring/returns", easington, ret)).status_code == 403
        assert (await call(m, "POST", "/monitoring/returns", provider, ret)).status_code == 201
        assert (await call(m, "POST", "/monitoring/returns", provider, ret)).status_code == 200

        (alert,) = (await call(m, "GET", "/monitoring/alerts", easington)).json()
        urls = [
            f"/monitoring/contracts/{CONTRACT}/performance",
            f"/monitoring/contracts/{CONTRACT}/returns/2025-04",
            f"/monitoring/alerts/{alert['alert_id']}",
        ]
        for url in urls:
            assert (await call(m, "GET", url, easington)).status_code == 200, url
            assert (await call(m, "GET", url, derwentside)).status_code == 404, url
        assert (await call(m, "GET", urls[0], provider)).status_code == 200
        assert (await call(m, "GET", urls[0], other_provider)).status_code == 404
        assert (await call(m, "GET", "/monitoring/contracts", derwentside)).json() == []
        assert (await call(m, "GET", "/monitoring/contracts", other_provider)).json() == []
        assert (await call(m, "GET", "/monitoring/alerts", derwentside)).json() == []
        assert (await call(m, "GET", "/monitoring/alerts", provider)).json() == []
        step = f"/monitoring/alerts/{alert['alert_id']}/acknowledge"
        assert (await call(m, "POST", step, derwentside, {})).status_code == 404
        assert (await call(m, "POST", step, easington, {})).status_code == 200
        assert (await call(m, "POST", step, easington, {})).status_code == 409

        assert (await call(m, "GET", "/monitoring/audit", easington)).status_code == 403
        trail = (await call(m, "GET", f"/monitoring/audit?subject={CONTRACT}", officer)).json()
        assert [e["action"] for e in trail] == ["return accepted", "contract registered"]

        report = await call(m, "GET", "/monitoring/reports/annual/2025", officer)
        assert report.status_code == 200 and "<svg" in report.text
        csv = await call(m, "GET", "/monitoring/reports/annual/2025/csv", officer)
        assert csv.headers["content-type"].startswith("text/csv")
        for url in ("/monitoring/reports/annual/2025", "/monitoring/reports/annual/2025/csv"):
            assert (await call(m, "GET", url, easington)).status_code == 403
            assert (await call(m, "GET", url, provider)).status_code == 403

        hook = {"url": "http://127.0.0.1:9/x"}
        made = (await call(m, "POST", "/monitoring/webhooks", easington, hook)).json()
        assert (await call(m, "GET", "/monitoring/webhooks", derwentside)).json() == []
        redrive = f"/monitoring/webhooks/{made['subscription_id']}/redrive"
        assert (await call(m, "POST", redrive, derwentside)).status_code == 404
        assert (await call(m, "POST", redrive, easington)).status_code == 200
        assert (await call(m, "POST", "/monitoring/webhooks", provider, hook)).status_code == 403


async def bad_returns_are_refused_with_reasons(m: RunningMonitoring, provider: Any) -> None:
    def fields(answer: Any) -> list[str]:
        assert answer.status_code == 422, answer.text
        return [d["field"] for d in answer.json()["detail"]]

    unknown = a_return("2025-04", 95, kpi_values={"attendance": 95, "waiting_days": 3, "smiles": 1})
    outside = a_return("2027-01", 95)
    body = a_return("2025-04", 95).model_dump(mode="json")
    wrong_type = body | {"kpi_values": {"attendance": "lots", "waiting_days": 3}}
    percent = a_return("2025-04", 120)
    assert fields(
        await call(m, "POST", "/monitoring/returns", provider, unknown.model_dump(mode="json"))
    ) == ["kpi_values.smiles"]
    assert fields(
        await call(m, "POST", "/monitoring/returns", provider, outside.model_dump(mode="json"))
    ) == ["period"]
    assert fields(await call(m, "POST", "/monitoring/returns", provider, wrong_type))[0].startswith(
        "kpi_values.attendance"
    )
    assert fields(
        await call(m, "POST", "/monitoring/returns", provider, percent.model_dump(mode="json"))
    ) == ["kpi_values.attendance"]
