"""One monitoring crash scenario: the real monitoring process (tests/faults/
monitoring_process.py, which is `commissioning serve monitoring`) is started armed with a
failpoint, driven over HTTP or Kafka with red returns (one alert each for Easington's
board), SIGKILLs itself there, is restarted armed at the next hit count, then unarmed;
a real webhook receiver verifies every delivery's Standard Webhooks signature.

The check, once the process has settled:
- lost alerts: alerts held by the service for Easington's board that never reached its
  webhook (duplicates are allowed and removed by alert id, as a receiver does);
- lost returns: returns sent by a provider's system that the service never applied;
- returns applied twice: a return accepted (audited and published) more than once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from services.monitoring.service import definition
from shared.auth import Role, mint_token
from shared.contracts.registry import registry
from shared.db import Database
from shared.failpoints import ENV_VAR as FAILPOINT_ENV
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.projections import group_lag
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import PERFORMANCE_RETURNS
from tests.backbone.ledger import MUTATION_ENV
from tests.backbone.support import scalar
from tests.backbone.test_crash_recovery import ROOT, print_log_tails
from tests.monitoring.integration.support import TRUST, Receiver, receivers_app, served
from tests.monitoring.unit.fakes import a_return, local_contract

CONTRACTS = 8
PERIODS = [f"2030-{m:02d}" for m in range(1, 13)]
SERVE = ("serve", "monitoring", "--port")


@dataclass
class Scenario:
    failpoint: str
    hits: tuple[int, ...]
    via: str
    """`http`: a provider posts each return (and retries one left unanswered); `kafka`: a
    provider's system publishes them all to the inbound topic."""
    mutation: str | None = None
    returns: int = 40
    settle_timeout_s: float = 90.0


@dataclass
class Verdict:
    returns: int
    alerts: int
    kills: int
    settled: bool
    deliveries: int = 0
    received: int = 0
    lost_alerts: set[str] = field(default_factory=set)
    lost_returns: list[tuple[str, str]] = field(default_factory=list)
    doubled_returns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        found = [
            f"{name}: {len(items)}, e.g. {sorted(items)[:3]}"
            for name, items in (
                ("alerts lost", self.lost_alerts),
                ("returns lost", self.lost_returns),
                ("returns applied twice", self.doubled_returns),
            )
            if items
        ]
        return found + ([] if self.settled else ["the service never settled"])

    def summary(self) -> str:
        return (
            f"returns {self.returns}, alerts {self.alerts}, kills {self.kills}, webhook "
            f"deliveries {self.deliveries} ({self.received} distinct alerts), "
            f"alerts lost {len(self.lost_alerts)}, returns lost {len(self.lost_returns)}, "
            f"returns applied twice {len(self.doubled_returns)}"
        )


def contract_id(n: int) -> str:
    return f"crash-{n}"


def planned_returns(count: int) -> list[Any]:
    """Red returns (attendance 50 against a target of 90): one alert each."""
    return [
        a_return(
            PERIODS[i // CONTRACTS], 50, contract_id=contract_id(i % CONTRACTS), provider_id="p1"
        )
        for i in range(count)
    ]


class MonitoringProcess:
    """Starts, watches and restarts the service; each start takes the next armed hit."""

    def __init__(self, scenario: Scenario, env: dict[str, str], port: int, logs: Path) -> None:
        self.scenario = scenario
        self.env = env
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.logs = logs
        self.kills = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def armed(self) -> bool:
        return self.kills < len(self.scenario.hits)

    def start(self) -> None:
        env = dict(self.env)
        if self.armed:
            env[FAILPOINT_ENV] = f"{self.scenario.failpoint}@{self.scenario.hits[self.kills]}"
        with (self.logs / f"monitoring-{self.kills}.log").open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.monitoring_process", *SERVE, str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def ready(self, client: httpx.AsyncClient) -> None:
        for _ in range(600):
            assert self.process is not None
            if self.process.poll() is not None:
                await self.restart_if_killed()
                continue
            try:
                if (await client.get(f"{self.url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError("the monitoring process never became ready")

    async def restart_if_killed(self, wait_s: float = 0.0) -> bool:
        """If it died (waiting up to `wait_s`), it must have been SIGKILLed at the failpoint;
        start the next one."""
        assert self.process is not None
        try:
            code = await asyncio.to_thread(self.process.wait, wait_s) if wait_s else None
        except subprocess.TimeoutExpired:
            code = None
        code = self.process.poll() if code is None else code
        if code is None:
            return False
        assert code == -signal.SIGKILL and self.armed, f"monitoring exited with {code}"
        self.kills += 1
        self.start()
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(
    scenario: Scenario, database_url: str, kafka: KafkaSettings, schema: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (FAILPOINT_ENV, MUTATION_ENV)} | {
        "DATABASE_URL": database_url,
        "DATABASE_SCHEMA": schema,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "KAFKA_SESSION_TIMEOUT_MS": str(kafka.session_timeout_ms),
        "KAFKA_HEARTBEAT_INTERVAL_MS": str(kafka.heartbeat_interval_ms),
        "MONITORING_MISSING_CHECK_SECONDS": "3600",
        "MONITORING_WEBHOOK_BACKOFF_SECONDS": "0.05",
        "MONITORING_WEBHOOK_BACKOFF_CAP_SECONDS": "1",
        "COMMISSIONING_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if scenario.mutation:
        env[MUTATION_ENV] = scenario.mutation
    return env


@asynccontextmanager
async def monitoring(
    scenario: Scenario, database_url: str, kafka: KafkaSettings, schema: str, logs: Path
) -> AsyncIterator[MonitoringProcess]:
    await upgrade(database_url, schema, definition.migrations)
    await ensure_topics(kafka)
    env = environment(scenario, database_url, kafka, schema)
    service = MonitoringProcess(scenario, env, free_port(), logs)
    service.start()
    try:
        yield service
    except BaseException:
        print_log_tails(logs)
        raise
    finally:
        service.stop()


def tokens(kafka: KafkaSettings, database_url: str, schema: str) -> dict[str, dict[str, str]]:
    settings = PlatformSettings(
        kafka=kafka, database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema)
    )

    def bearer(*roles: Role, **scope: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(settings.auth(TRUST), "t", roles, **scope)}

    return {
        "officer": bearer(Role.COMMISSIONING_OFFICER),
        "board": bearer(Role.LOCAL_BOARD_MEMBER, locality="easington"),
        "provider": bearer(Role.PROVIDER, provider_id="p1"),
    }


async def run(
    scenario: Scenario, database_url: str, kafka: KafkaSettings, schema: str, logs: Path
) -> Verdict:
    """Run the scenario; the verdict of the check (never raises on a violation)."""
    receiver = Receiver()
    db = Database(database_url, schema)
    auth = tokens(kafka, database_url, schema)
    returns = planned_returns(scenario.returns)
    async with (
        served(receivers_app({"easington": receiver})) as hooks,
        monitoring(scenario, database_url, kafka, schema, logs) as service,
        httpx.AsyncClient(base_url=service.url, timeout=30) as client,
    ):
        await service.ready(client)
        await set_up(client, auth, receiver, f"{hooks}/easington")
        if scenario.via == "http":
            await post_returns(client, service, auth["provider"], returns)
        else:
            await publish_returns(kafka, returns)
        settled = await settle(db, service, receiver, scenario, kafka)
        verdict = await check(db, receiver, returns, service.kills, settled)
    await db.dispose()
    return verdict


async def set_up(
    client: httpx.AsyncClient, auth: dict[str, dict[str, str]], receiver: Receiver, hook: str
) -> None:
    """Contracts and Easington's webhook (no failpoint lies on this path)."""
    for n in range(CONTRACTS):
        body = local_contract(
            contract_id=contract_id(n),
            provider_id="p1",
            starts_on="2030-01-01",
            ends_on="2031-12-31",
        ).model_dump(mode="json")
        answer = await client.put(
            f"/monitoring/contracts/{contract_id(n)}", json=body, headers=auth["officer"]
        )
        assert answer.status_code == 200, answer.text
    made = await client.post("/monitoring/webhooks", json={"url": hook}, headers=auth["board"])
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]


async def post_returns(
    client: httpx.AsyncClient,
    service: MonitoringProcess,
    provider: dict[str, str],
    returns: list[Any],
) -> None:
    """As a provider does: a return left unanswered (the service died) is sent again."""
    for ret in returns:
        while True:
            try:
                answer = await client.post(
                    "/monitoring/returns", json=ret.model_dump(mode="json"), headers=provider
                )
            except httpx.TransportError:
                assert await service.restart_if_killed(30), "no answer, yet the service runs"
                await service.ready(client)
                continue
            assert answer.status_code in (200, 201), answer.text
            break


async def publish_returns(kafka: KafkaSettings, returns: list[Any]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for ret in returns:
            envelope = registry.envelope(
                ret, source="p1-system", subject=ret.contract_id, trust=TRUST
            )
            await producer.send_and_wait(
                kafka.topic(PERFORMANCE_RETURNS.name),
                envelope.to_bytes(),
                key=ret.contract_id.encode(),
            )
    finally:
        await producer.stop()


async def settle(
    db: Database,
    service: MonitoringProcess,
    receiver: Receiver,
    scenario: Scenario,
    kafka: KafkaSettings,
) -> bool:
    """Until every kill has happened, every return is held, every alert's delivery is done
    and arrived, and (returns by Kafka) the consumer has committed the whole topic, so a
    batch redelivered after a kill has been applied again before the check; restarting the
    service each time it is killed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + scenario.settle_timeout_s
    while loop.time() < deadline:
        await service.restart_if_killed()
        if not service.armed:
            held = await scalar(db, "SELECT count(*) FROM performance_return")
            undelivered = await scalar(
                db, "SELECT count(*) FROM webhook_delivery WHERE state <> 'delivered'"
            )
            alerts = {str(a) for a in await alert_ids(db)}
            if (
                held == scenario.returns
                and undelivered == 0
                and alerts
                and alerts <= receiver.alert_ids()
                and await consumed(scenario, kafka)
            ):
                return True
        await asyncio.sleep(0.25)
    return False


async def consumed(scenario: Scenario, kafka: KafkaSettings) -> bool:
    if scenario.via != "kafka":
        return True
    group = f"{kafka.topic_prefix}monitoring.performance-returns"
    lag, committed = await group_lag(kafka, group, [kafka.topic(PERFORMANCE_RETURNS.name)])
    return committed and lag == 0


async def alert_ids(db: Database) -> list[Any]:
    async with db.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT alert_id FROM alert WHERE audience = 'local_board' AND locality = 'easington'"
        )
        return [r[0] for r in rows.all()]


async def check(
    db: Database, receiver: Receiver, returns: list[Any], kills: int, settled: bool
) -> Verdict:
    await asyncio.sleep(1.0)  # let a stray re-delivery land before comparing
    alerts = {str(a) for a in await alert_ids(db)}
    async with db.connect() as conn:
        returned: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql("SELECT contract_id, period FROM performance_return")
        ).all()
        held = {(r[0], r[1]) for r in returned}
        accepted: Sequence[tuple[Any, ...]] = (
            await conn.exec_driver_sql(
                "SELECT subject, detail->>'period', count(*) FROM audit_entry "
                "WHERE action = 'return accepted' GROUP BY 1, 2"
            )
        ).all()
    verdict = Verdict(
        returns=len(returns),
        alerts=len(alerts),
        kills=kills,
        settled=settled,
        deliveries=receiver.attempts,
        received=len(receiver.alert_ids()),
    )
    verdict.lost_alerts = alerts - receiver.alert_ids()
    verdict.lost_returns = [
        (r.contract_id, r.period) for r in returns if (r.contract_id, r.period) not in held
    ]
    verdict.doubled_returns = [(c, p) for c, p, n in accepted if n > 1]
    return verdict
