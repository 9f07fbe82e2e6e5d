"""docs/publishing.md works from the docs alone (issue 8): its own examples, taken from the
markdown, are published against the real stack and applied.

- the curl example's body, sent as the curl line sends it, with a token minted as the
  guide mints it;
- the confluent-kafka example, run as a program with BROKER and TOPIC set as the guide
  sets them; its record lands on the partition the platform's murmur2 partitioner picks;
- the kcat example, where a kcat built with librdkafka 2.2.0 or later is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from aiokafka.partitioner import murmur2

from shared.auth import Role
from shared.settings import KafkaSettings
from shared.topics import INDICATOR_VALUES
from shared.trust import load_trust_config
from tests.backbone.support import eventually, read_records
from tests.needs.integration.support import TRUST, RunningNeeds, running_needs

pytestmark = [pytest.mark.broker, pytest.mark.database]

GUIDE = (Path(__file__).parents[3] / "docs" / "publishing.md").read_text(encoding="utf-8")


def example(name: str) -> str:
    """The fenced code block following `<!-- example: name -->`."""
    found = re.search(rf"<!-- example: {name} -->\n```[a-z]*\n(.*?)\n```", GUIDE, re.DOTALL)
    assert found is not None, f"no {name} example in docs/publishing.md"
    return found.group(1)


def exported() -> dict[str, str]:
    """The guide's `export NAME=value` settings, with earlier ones substituted."""
    found: dict[str, str] = {}
    for name, raw in re.findall(r"^export (\w+)=(\S+)", GUIDE, re.MULTILINE):
        found[name] = re.sub(r"\$(\w+)", lambda m: found[m.group(1)], raw)
    return found


def inbound_topic(agency: str) -> str:
    """The topic the running service reads `agency`'s values from."""
    for_agency = getattr(INDICATOR_VALUES, "for_agency", None)
    return str(for_agency(agency)) if for_agency is not None else INDICATOR_VALUES.name


def guide_topic(settings: dict[str, str]) -> str:
    agency = settings["AGENCY"]
    if hasattr(INDICATOR_VALUES, "for_agency"):  # one inbound topic per agency
        assert settings["TOPIC"] == inbound_topic(agency)
    return inbound_topic(agency)


def test_the_guide_names_what_really_exists() -> None:
    settings = exported()
    trust = load_trust_config()
    assert settings["AGENCY"] in {a.id for a in trust.agencies}
    assert settings["TOPIC"].startswith("needs.indicator-values.")
    assert re.search(r"--agency \"\$AGENCY\"", GUIDE) and "agency_publisher" in GUIDE
    body = json.loads(curl_body())
    assert {v["area"]["code"] for v in body["values"]} <= trust.locality_ids | {"E92000001"}


def curl_body() -> str:
    command = example("http")
    assert 'POST "$NEEDS/indicator-values"' in command
    found = re.search(r"<<'JSON'\n(.*?)\nJSON", command, re.DOTALL)
    assert found is not None
    return found.group(1)


async def values_of(needs: RunningNeeds, locality: str) -> list[dict[str, Any]]:
    answer = await needs.client.get(f"/localities/{locality}/values", headers=needs.token(Role.JCU))
    assert answer.status_code == 200, answer.text
    return [v for v in answer.json() if v["indicator_id"] == "neet_16_17"]


async def test_the_curl_example_is_applied(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    settings = exported()
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        token = needs.token(Role.AGENCY_PUBLISHER, agency=settings["AGENCY"])
        answer = await needs.client.post(
            "/indicator-values",
            content=curl_body(),
            headers={**token, "Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["stored"] == 3
        (easington,) = await values_of(needs, "easington")
        assert (easington["period"], easington["count"]) == ("2025", 60)  # 62 rounded


async def test_the_confluent_kafka_example_is_applied_on_the_platforms_partition(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str, tmp_path: Path
) -> None:
    settings = exported()
    topic = kafka.topic(guide_topic(settings))
    program = tmp_path / "publish.py"
    program.write_text(example("confluent-kafka"))
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        env = {**os.environ, "BROKER": kafka.bootstrap_servers, "TOPIC": topic}
        returncode, out, err = await run([sys.executable, str(program)], env)
        assert returncode == 0, err
        (record,) = await read_records(kafka, topic, 1, 30)
        assert record.key == b"neet_16_17/locality/sedgefield/2025"
        partitions = kafka.default_partitions
        assert record.partition == (murmur2(record.key) & 0x7FFFFFFF) % partitions
        # librdkafka's default (CRC32) would have put this key elsewhere.
        assert record.partition != zlib.crc32(record.key) % partitions
        assert f"partition {record.partition}" in out

        async def applied() -> bool:
            return len(await values_of(needs, "sedgefield")) == 1

        await eventually(applied, 60)
        (sedgefield,) = await values_of(needs, "sedgefield")
        assert (sedgefield["period"], sedgefield["count"], sedgefield["denominator"]) == (
            "2025",
            50,
            910,
        )
        assert needs.app.state.context.trust.id == TRUST


async def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run a guide example as a publisher would, while the service keeps consuming."""
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def kcat_with_librdkafka_2_2() -> str | None:
    """kcat on PATH, if its librdkafka is 2.2.0 or later (older cannot talk to Tansu)."""
    kcat = shutil.which("kcat")
    if kcat is None:
        return None
    shown = subprocess.run([kcat, "-V"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"librdkafka (\d+)\.(\d+)", shown)
    return kcat if found and (int(found[1]), int(found[2])) >= (2, 2) else None


@pytest.mark.skipif(kcat_with_librdkafka_2_2() is None, reason="no kcat with librdkafka >= 2.2")
async def test_the_kcat_example_is_applied(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    settings = exported()
    topic = kafka.topic(guide_topic(settings))
    async with running_needs(database_url, kafka, unique_schema, schemas) as needs:
        env = {**os.environ, "BROKER": kafka.bootstrap_servers, "TOPIC": topic}
        returncode, _, err = await run(["bash", "-euo", "pipefail", "-c", example("kcat")], env)
        assert returncode == 0, err

        async def applied() -> bool:
            return len(await values_of(needs, "wear-valley-teesdale")) == 1

        await eventually(applied, 60)
