"""The OCDS packages name the trust's configured public address, never one a caller puts
in the Host header."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.procurement.application.common import procurement_config
from services.procurement.entrypoints.http.transparency import transparency_router
from shared.auth import current_principal
from shared.auth.policy import Principal, Role
from shared.trust import load_trust_config
from tests.procurement.unit.fakes import FakeDatabase, fake_unit_of_work
from tests.procurement.unit.test_use_cases import Clock

READER = Principal(subject="auditor", roles=frozenset({Role.JCU}), trust="county-durham")


def package_uri(public_url: str | None, host: str) -> Any:
    config = procurement_config(load_trust_config(None), "ocds-unregistered")
    app = FastAPI()
    router = transparency_router(
        config, fake_unit_of_work(FakeDatabase()), Clock(), lambda _: {}, public_url
    )
    app.include_router(router)
    app.dependency_overrides[current_principal] = lambda: READER
    answer = TestClient(app).get("/ocds/releases", headers={"Host": host})
    assert answer.status_code == 200, answer.text
    return answer.json()["uri"]


def test_the_packages_name_the_configured_public_address_whatever_the_host_header() -> None:
    uri = package_uri("https://procurement.trust.example", "evil.example")

    assert uri.startswith("https://procurement.trust.example/")
    assert "evil.example" not in uri
