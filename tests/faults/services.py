"""A real service process for a fault case: `commissioning serve <service>` (through
tests/faults/serve.py, which may disable a mechanism) on its own port, schema and topic
prefix, optionally armed with a failpoint; driven over HTTP and Kafka."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from shared.auth import Role
from shared.contracts.registry import registry
from shared.embedded import port_is_free
from shared.failpoints import ENV_VAR as FAILPOINT_ENV
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.services import definition
from shared.settings import KafkaSettings, PlatformSettings
from tests.backbone.support import read_records
from tests.backbone.test_crash_recovery import ROOT, print_log_tails, stop
from tests.faults.serve import MUTATION_ENV
from tests.tokens import TokenScope, bearer

TRUST = "county-durham"


def free_port() -> int:
    for port in range(21_500, 22_500):
        if port_is_free(port):
            return port
    raise RuntimeError("no free port between 21500 and 22500")


@dataclass
class ServiceUnderFault:
    """One service's process (restartable), its schema and its topics."""

    name: str
    database_url: str
    kafka: KafkaSettings
    schema: str
    logs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(
        self, subject: str, *roles: Role | str, **scope: Unpack[TokenScope]
    ) -> dict[str, str]:
        return bearer(PlatformSettings().auth(TRUST), subject, roles, **scope)

    async def prepare(self) -> None:
        await upgrade(self.database_url, self.schema, definition(self.name).migrations)
        await ensure_topics(self.kafka)

    def environment(self, failpoint: str | None, mutation: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in (FAILPOINT_ENV, MUTATION_ENV)}
        env |= {
            "DATABASE_URL": self.database_url,
            "DATABASE_SCHEMA": self.schema,
            "DATABASE_POOL_SIZE": "4",
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            "KAFKA_SESSION_TIMEOUT_MS": str(self.kafka.session_timeout_ms),
            "KAFKA_HEARTBEAT_INTERVAL_MS": str(self.kafka.heartbeat_interval_ms),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
        }
        if failpoint:
            env[FAILPOINT_ENV] = failpoint
        if mutation:
            env[MUTATION_ENV] = mutation
        return env

    async def start(self, failpoint: str | None = None, mutation: str | None = None) -> None:
        """Start the process and wait until it is ready (its consumers included)."""
        assert self.process is None or self.process.poll() is not None
        self.process = self._spawn(self.environment(failpoint, mutation))
        await self._ready()

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{self.name}.log").open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.faults.serve", self.name, "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def _ready(self, timeout_s: float = 60) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while loop.time() < deadline:
                assert self.process is not None and self.process.poll() is None, self.log_tail()
                try:
                    answer = await client.get("/readyz")
                    if answer.status_code == 200 and answer.json().get("ready"):
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.3)
        raise AssertionError(f"{self.name} never became ready:\n{self.log_tail()}")

    async def killed_at_failpoint(self, timeout_s: float = 60) -> None:
        """Wait for the armed process to SIGKILL itself; fail if it lives on or dies otherwise."""
        assert self.process is not None
        try:
            code = await asyncio.to_thread(self.process.wait, timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} never reached its failpoint") from None
        assert code == -signal.SIGKILL, f"{self.name} exited {code}:\n{self.log_tail()}"
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def log_tail(self) -> str:
        log = self.logs / f"{self.name}.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""

    async def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> httpx.Response | None:
        """The answer, or None when the connection died with the process (no answer at all)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            try:
                return await client.request(method, path, json=body, headers=headers)
            except httpx.TransportError:
                return None

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """What the service's tables hold, read directly."""
        connection = await asyncpg.connect(self.database_url)
        try:
            await connection.execute(f'SET search_path TO "{self.schema}"')
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    def took(self, event_id: str) -> Callable[[], Awaitable[bool]]:
        """A probe: the service's inbox has committed the event."""

        async def committed() -> bool:
            found = await self.rows("SELECT 1 FROM inbox WHERE event_id::text = $1", event_id)
            return bool(found)

        return committed

    async def events(self, topic: str, timeout_s: float = 3) -> list[dict[str, Any]]:
        """Every event on a catalogue topic, read from the start."""
        records = await read_records(self.kafka, self.kafka.topic(topic), 0, timeout_s)
        return [json.loads(r.value) for r in records]


async def publish(kafka: KafkaSettings, topic: str, payload: BaseModel, subject: str) -> str:
    """Publish an event as another service's relay would; its id."""
    envelope = registry.envelope(
        payload, source="fault-test", subject=subject, trust=TRUST, locality="easington"
    )
    producer = AIOKafkaProducer(**kafka.client_options())
    await producer.start()
    try:
        await producer.send_and_wait(
            kafka.topic(topic),
            envelope.to_bytes(),
            key=subject.encode(),
            headers=envelope.headers(),
        )
    finally:
        await producer.stop()
    return str(envelope.id)


@contextmanager
def service_processes(*services: ServiceUnderFault) -> Iterator[None]:
    """Stop the processes afterwards; show their logs when the case fails."""
    try:
        yield
    except BaseException:
        print_log_tails(services[0].logs)
        raise
    finally:
        for service in services:
            service.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
