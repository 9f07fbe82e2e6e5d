"""What the whole-cycle test drives: each service of a running `commissioning up` through
its public HTTP API, and the platform's topics through Kafka (never a service's tables)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Unpack, cast

import httpx
import yaml
from fastapi import FastAPI

from shared.auth import Role
from shared.settings import KafkaSettings, PlatformSettings
from shared.trust import DEFAULTS_RESOURCE
from tests.backbone.support import eventually, publish_in_one_batch, read_records
from tests.e2e.platform import SERVICES, Platform
from tests.projects.integration.support import RunningProjects
from tests.tokens import TokenScope, bearer

TRUST = "county-durham"


def trust_without_standstill(folder: Path) -> Path:
    """The default trust, applying no standstill (PA2023 s.51 makes it optional for
    light-touch contracts), so a contract can start on the day of its award: the test runs
    on the wall clock, and a standstill is counted in working days."""
    config = yaml.safe_load(resources.files("shared").joinpath(DEFAULTS_RESOURCE).read_text())
    config["procurement"]["standstill_working_days"] = 0
    path = folder / "trust-without-standstill.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Cycle:
    """The running platform, seen from outside: a client per service and the topics."""

    platform: Platform
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    @property
    def kafka(self) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.platform.bootstrap_servers)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.platform.port_base + SERVICES.index(service)}"

    def token(
        self, subject: str, *roles: Role | str, **scope: Unpack[TokenScope]
    ) -> dict[str, str]:
        return bearer(PlatformSettings().auth(TRUST), subject, roles, **scope)

    def board(self, locality: str) -> dict[str, str]:
        return self.token(f"{locality}-board", Role.LOCAL_BOARD_MEMBER, locality=locality)

    def provider(self, provider_id: str) -> dict[str, str]:
        return self.token(f"{provider_id}-user", Role.PROVIDER, provider_id=provider_id)

    async def __aenter__(self) -> Cycle:
        for service in ("needs", "projects", "procurement", "monitoring", "boards"):
            self.clients[service] = httpx.AsyncClient(base_url=self.url(service), timeout=30)
        return self

    async def __aexit__(self, *_: object) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        expect: int = 200,
    ) -> Any:
        answer = await self.clients[service].request(method, path, json=body, headers=headers)
        assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def projects(self) -> RunningProjects:
        """The projects integration tests' driver (their `Walk`), over the real process."""
        return RunningProjects(cast(FastAPI, None), self.clients["projects"], PlatformSettings())

    async def publish(self, topic: str, values: list[bytes], key: bytes) -> None:
        """One agency submission as one record batch, so the needs service reads it
        together: a need's reason is fixed when it is first identified, and values read
        one by one would identify it before its five-year trend is known."""
        await publish_in_one_batch(self.platform.bootstrap_servers, topic, values, key)

    async def events(self, topic: str) -> list[dict[str, Any]]:
        """Every event on a topic so far, read from the start without a group."""
        return [json.loads(r.value) for r in await read_records(self.kafka, topic, 0, 2)]

    async def event(self, topic: str, kind: str, **payload: Any) -> dict[str, Any]:
        """The first event of ``kind`` whose payload has the fields given, once it is there."""
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            nonlocal found
            found = [
                e
                for e in await self.events(topic)
                if e["type"].split(".")[1] == kind
                and all(e["payload"].get(k) == v for k, v in payload.items())
            ]
            return bool(found)

        await eventually(arrived, 90, 0.5)
        return found[0]

    async def until(self, probe: Any, timeout_s: float = 60) -> None:
        await eventually(probe, timeout_s, 0.5)


async def sleep_until_past(deadline_iso: str) -> None:
    remaining = (datetime.fromisoformat(deadline_iso) - datetime.now(UTC)).total_seconds()
    await asyncio.sleep(max(remaining, 0) + 0.5)
