"""Alert latency: from an accepted performance return to the alert's webhook delivery and
to its Server-Sent Event, at a steady rate of returns.

    python -m bench.alert_latency [--rate 200] [--seconds 10] [--contracts 25]

One monitoring service process on 127.0.0.1 (`commissioning serve monitoring`, real broker
and database), and in this process the load: one webhook receiver and one SSE reader per
locality's board, and the providers' HTTP clients. Every return is red, so each raises one alert for
its locality's board. The clock starts when the provider's POST is answered 201 and stops
when the signed webhook arrives (verified) and when the SSE event is read. Returns are sent
open-loop at the rate asked, whatever the service's pace. The issue's goal is p99 < 250 ms
at 200 returns/s on the embedded stack; this prints the figures and never fails on them.

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded
PostgreSQL and Tansu broker, and stops them at the end. Its schema is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from bench.infrastructure import infrastructure
from services.monitoring.domain.periods import next_period
from services.monitoring.service import definition
from shared.auth import Role, mint_token
from shared.db import plain_url
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from tests.monitoring.integration.support import Receiver, receivers_app, served

TRUST = "county-durham"
LOCALITIES = (
    "durham-chester-le-street",
    "derwentside",
    "easington",
    "sedgefield",
    "wear-valley-teesdale",
)


def contract(n: int) -> dict[str, Any]:
    return {
        "contract_id": f"bench-{n}",
        "title": f"Bench {n}",
        "provider_id": "bench-provider",
        "level": "local",
        "locality": LOCALITIES[n % len(LOCALITIES)],
        "kpis": [
            {
                "id": "attendance",
                "name": "Attendance",
                "polarity": "higher_is_better",
                "value_type": "percentage",
                "target": 90,
                "red_tolerance": 10,
            }
        ],
        "reporting_frequency": "monthly",
        # In the future, so that the service's own clock finds no return missing.
        "starts_on": "2090-01-01",
        "ends_on": "2199-12-31",
    }


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"n={len(samples)} (too few)"
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return (
        f"n={len(samples)}  p50={q[49] * 1000:.0f} ms  p95={q[94] * 1000:.0f} ms  "
        f"p99={q[98] * 1000:.0f} ms  max={max(samples) * 1000:.0f} ms"
    )


class Sse:
    def __init__(self) -> None:
        self.arrived: dict[tuple[str, str], float] = {}

    async def read(self, url: str, headers: dict[str, str]) -> None:
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", url + "/monitoring/alerts/stream", headers=headers) as response,
        ):
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    data = json.loads(line[5:])
                    self.arrived[(data["contract_id"], data["period"])] = time.perf_counter()


@asynccontextmanager
async def service_process(settings: PlatformSettings) -> AsyncIterator[str]:
    """The monitoring service as its own process, as deployed; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {
        "DATABASE_URL": settings.database.database_url,
        "DATABASE_SCHEMA": settings.database.database_schema or "",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix,
        "MONITORING_MISSING_CHECK_SECONDS": "3600",
        "COMMISSIONING_LOG_LEVEL": "WARNING",
    }
    profile = os.environ.get("BENCH_PROFILE_SERVICE")  # a path: cProfile the service there
    python = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    command = [*python, "-m", "shared.cli", "serve", "monitoring", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(*command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(600):
                if process.returncode is not None:
                    raise SystemExit(f"the monitoring service exited with {process.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get(f"{url}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # uvicorn's graceful stop (and cProfile's dump)
        await asyncio.wait_for(process.wait(), 60)


class Providers:
    """Several small HTTP connection pools: one large pool costs the client more to manage
    than the service takes to answer (httpcore scans its pool for every request)."""

    def __init__(self, url: str, pools: int = 8) -> None:
        limits = httpx.Limits(max_connections=32)
        self.clients = [
            httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for _ in range(pools)
        ]
        self.turn = 0

    def next(self) -> httpx.AsyncClient:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)]

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def run(args: argparse.Namespace, database_url: str, bootstrap: str) -> None:
    schema = f"bench_alerts_{uuid.uuid4().hex[:8]}"
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{schema[-8:]}.")
    await upgrade(database_url, schema, definition.migrations)
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka, database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema)
    )
    receivers = {loc: Receiver() for loc in LOCALITIES}
    accepted: dict[tuple[str, str], float] = {}
    sse = Sse()
    try:
        async with (
            served(receivers_app(receivers)) as hooks,
            service_process(settings) as url,
            httpx.AsyncClient(base_url=url, timeout=60) as client,
        ):

            def token(*roles: Role, **scope: Any) -> dict[str, str]:
                return {
                    "Authorization": "Bearer "
                    + mint_token(settings.auth(TRUST), "bench", roles, **scope)
                }

            officer = token(Role.COMMISSIONING_OFFICER)
            for n in range(args.contracts):
                r = await client.put(
                    f"/monitoring/contracts/bench-{n}", json=contract(n), headers=officer
                )
                r.raise_for_status()
            readers = []
            for loc in LOCALITIES:
                board = token(Role.LOCAL_BOARD_MEMBER, locality=loc)
                made = await client.post(
                    "/monitoring/webhooks", json={"url": f"{hooks}/{loc}"}, headers=board
                )
                receivers[loc].secret = made.json()["secret"]
                readers.append(asyncio.create_task(sse.read(url, board)))
            providers = Providers(url)
            await send_steadily(
                providers, token(Role.PROVIDER, provider_id="bench-provider"), args, accepted
            )
            await providers.close()
            await wait_for_all(receivers, sse, accepted, args.drain_seconds)
            for task in readers:
                task.cancel()
    finally:
        conn = await asyncpg.connect(plain_url(database_url))
        retried = await conn.fetch(
            f'SELECT last_error, count(*) AS n FROM "{schema}".webhook_delivery '
            "WHERE attempts > 0 GROUP BY last_error"
        )
        for row in retried:
            print(f"deliveries retried: {row['n']} (last error: {row['last_error']})")
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
    report(args, receivers, sse, accepted)


async def send_steadily(
    providers: Providers,
    provider: dict[str, str],
    args: argparse.Namespace,
    accepted: dict[tuple[str, str], float],
) -> None:
    total = int(args.rate * args.seconds)
    periods = {n: "2090-01" for n in range(args.contracts)}
    tasks = []
    failed: list[str] = []
    start = time.perf_counter()

    async def one(cid: str, period: str) -> None:
        body = {
            "contract_id": cid,
            "provider_id": "bench-provider",
            "period": period,
            "kpi_values": {"attendance": 50},
        }
        try:
            r = await providers.next().post("/monitoring/returns", json=body, headers=provider)
        except httpx.HTTPError as exc:
            failed.append(type(exc).__name__)
            return
        if r.status_code == 201:
            accepted[(cid, period)] = time.perf_counter()
        else:
            failed.append(f"HTTP {r.status_code}")

    for i in range(total):
        n = i % args.contracts
        tasks.append(asyncio.create_task(one(f"bench-{n}", periods[n])))
        periods[n] = next_period(periods[n])
        delay = start + (i + 1) / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*tasks)
    print(
        f"sent {total} returns in {time.perf_counter() - start:.1f} s "
        f"(asked {args.rate}/s); accepted {len(accepted)}"
    )
    for reason, count in Counter(failed).most_common():
        print(f"  not accepted: {count} ({reason})")


async def wait_for_all(
    receivers: dict[str, Receiver], sse: Sse, accepted: dict[tuple[str, str], float], drain: float
) -> None:
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline:
        hooked = sum(len(r.received) for r in receivers.values())
        if hooked >= len(accepted) and len(sse.arrived) >= len(accepted):
            return
        await asyncio.sleep(0.2)


def report(
    args: argparse.Namespace,
    receivers: dict[str, Receiver],
    sse: Sse,
    accepted: dict[tuple[str, str], float],
) -> None:
    webhook: list[float] = []
    for r in receivers.values():
        for payload, at in zip(r.received.values(), r.arrival_times, strict=True):
            key = (payload["data"]["contract_id"], payload["data"]["period"])
            if key in accepted:
                webhook.append(at - accepted[key])
    stream = [at - accepted[k] for k, at in sse.arrived.items() if k in accepted]
    print(f"rate asked {args.rate}/s for {args.seconds} s over {args.contracts} contracts")
    print(f"accepted return -> webhook delivered: {percentiles(webhook)}")
    print(f"accepted return -> SSE event read:    {percentiles(stream)}")
    print("goal (issue): p99 < 250 ms at 200 returns/s on the embedded stack; not asserted.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="returns per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send")
    parser.add_argument("--contracts", type=int, default=25)
    parser.add_argument(
        "--drain-seconds", type=float, default=60.0, help="how long to wait for the last deliveries"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with infrastructure() as infra:
        print("; ".join(infra.described))
        asyncio.run(run(args, infra.database_url, infra.bootstrap))


if __name__ == "__main__":
    main()
