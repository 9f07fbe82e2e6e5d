"""The OCDS 1.1.5 output of a full procurement validates against the official schemas
(vendored in tests/procurement/ocds), its record is compiled by ocdsmerge, and it shows
what was bought, from whom and for how much, never a losing bid's price or any proposal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from services.procurement.adapters.ocds_merge import RELEASE_SCHEMA
from shared.settings import KafkaSettings
from tests.procurement.integration.support import running_procurement
from tests.procurement.integration.test_routes_to_contract import compete, fund, start

pytestmark = [pytest.mark.broker, pytest.mark.database]

OCDS = Path(__file__).resolve().parents[1] / "ocds"
BASE = "https://standard.open-contracting.org/schema/1__1__5/"


def validator(name: str) -> Draft4Validator:
    """A validator of one package schema, resolving the standard's URLs to the vendored copies."""
    schemas = {f.name: json.loads(f.read_text(encoding="utf-8")) for f in OCDS.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (BASE + n, Resource.from_contents(s, default_specification=DRAFT4))
        for n, s in schemas.items()
    )
    return Draft4Validator(schemas[name], registry=registry, format_checker=FormatChecker())


def problems(name: str, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(document)]


def test_the_service_merges_with_the_official_release_schema() -> None:
    assert RELEASE_SCHEMA.read_bytes() == (OCDS / "release-schema.json").read_bytes()


def test_the_validator_catches_an_invalid_release() -> None:
    package = {
        "uri": "u",
        "publisher": {"name": "p"},
        "publishedDate": "2027-01-01T00:00:00Z",
        "version": "1.1",
    }
    bad = package | {
        "releases": [{"ocid": "x", "id": "1", "date": "yesterday", "tag": ["nonsense"]}]
    }
    assert problems("release-package-schema.json", bad) != []


async def test_a_full_procurement_publishes_valid_ocds_releases_and_a_compiled_record(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_procurement(database_url, kafka, unique_schema, schemas) as service:
        for provider_id in ("family-action", "home-start"):
            await service.register(provider_id)
        await fund(service, "early-help", "60000", "40000")
        pid = (await service.request("60000.00"))["procurement_id"]
        await compete(
            service, pid, {"family-action": ("52000.00", 70), "home-start": ("51000.00", 85)}
        )
        contract = await start(service, pid, "early-help", "51000.00")
        await service.client.post(
            f"/contracts/{contract['contract_id']}/termination",
            json={"terminated_on": "2028-03-31", "reason": "decommissioned"},
            headers=service.officer,
        )
        releases = (
            await service.client.get("/ocds/releases", headers=service.provider("family-action"))
        ).json()
        records = (await service.client.get("/ocds/records", headers=service.officer)).json()
        one = await service.client.get(
            f"/ocds/records?ocid=ocds-unregistered-{pid}", headers=service.officer
        )
        missing = await service.client.get("/ocds/records?ocid=nope", headers=service.officer)

    assert problems("release-package-schema.json", releases) == []
    assert problems("record-package-schema.json", records) == []
    tags = [r["tag"][0] for r in releases["releases"]]
    assert tags == [
        "planning",
        "tender",
        "tenderUpdate",
        "award",
        "contract",
        "contractTermination",
    ]
    compiled = records["records"][0]["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["procurementMethod"] == "open"
    assert compiled["tender"]["numberOfTenderers"] == 2
    assert compiled["awards"][0]["suppliers"] == [{"id": "home-start", "name": "Home Start"}]
    assert compiled["awards"][0]["value"] == {"amount": 51000.0, "currency": "GBP"}
    assert compiled["contracts"][0]["status"] == "terminated"
    text = json.dumps([releases, records])
    assert "52000" not in text and "proposal" not in text and "will run groups" not in text
    assert one.status_code == 200 and len(one.json()["records"]) == 1
    assert missing.status_code == 404
