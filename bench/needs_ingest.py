"""Needs ingest throughput: indicator values ingested and analysed per second, end to end.

    python -m bench.needs_ingest [--indicators K] [--periods P] [--http-batch B]

Two paths through one running needs service (in-process app, real broker and database):
- Kafka: each agency system publishes its values to `needs.indicator-values.<agency>.v1`; the clock
  runs from the first send until every value is stored, every affected series re-analysed
  and every needs event relayed to `needs.events.v1` (outbox empty).
- HTTP: the agency POSTs the same values in batches to `/indicator-values`; same finish line.

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded
PostgreSQL (data dir under /tmp) and the embedded Tansu broker and stops them at the end.
Each path uses its own schema and topic prefix, dropped or abandoned at the end.
A benchmark prints figures: it exits 0 whether or not a figure pleases.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from bench.infrastructure import infrastructure
from services.needs.service import definition
from shared.auth import Role, mint_token
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.contracts.registry import registry
from shared.db import plain_url
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import INDICATOR_VALUES

TRUST = "county-durham"
LOCALITIES = (
    "durham-chester-le-street",
    "derwentside",
    "easington",
    "sedgefield",
    "wear-valley-teesdale",
)
INDICATORS = (  # (id, owning agency, events per 1,000 children, children per cell, groups)
    ("teenage_conceptions", "nhs-county-durham", 20.0, 2_000, "looked_after", ("yes", "no")),
    ("neet_16_17", "durham-county-council", 60.0, 1_000, "sex", ("female", "male")),
    (
        "first_time_entrants_youth_justice",
        "county-durham-youth-offending-service",
        4.0,
        30_000,
        "sex",
        ("female", "male"),
    ),
    ("childhood_obesity_year6", "nhs-county-durham", 200.0, 900, "sex", ("female", "male")),
)


def say(message: str) -> None:
    print(message, flush=True)


def workload(indicators: int, periods: int, seed: int = 7) -> list[IndicatorValueSubmitted]:
    """England plus every locality and the trust, overall and by sex, for each period; one
    locality drifts upwards so needs open as the periods go by."""
    rng = random.Random(seed)
    values: list[IndicatorValueSubmitted] = []
    for indicator_id, agency, per_1000, children, dimension, parts in INDICATORS[:indicators]:
        groups: tuple[dict[str, str], ...] = ({}, {dimension: parts[0]}, {dimension: parts[1]})
        multiplier = {"neet_16_17": 100, "childhood_obesity_year6": 100}.get(indicator_id)
        for p in range(periods):
            period = str(2000 + p)
            england = per_1000 / 1000 * (multiplier or _multiplier(indicator_id))
            values.append(
                _value(
                    indicator_id, agency, AreaKind.ENGLAND, "E92000001", period, {}, value=england
                )
            )
            trust_counts = {0: 0, 1: 0, 2: 0}
            trust_children = {0: 0, 1: 0, 2: 0}
            for locality in LOCALITIES:
                drift = 1 + (0.04 * p if locality == "easington" else 0.0)
                halves = []
                for _ in (1, 2):
                    expected = per_1000 / 1000 * children / 2 * drift
                    halves.append(max(0, int(rng.gauss(expected, expected**0.5))))
                counts = {0: sum(halves), 1: halves[0], 2: halves[1]}
                sizes = {0: children, 1: children // 2, 2: children - children // 2}
                for g, group in enumerate(groups):
                    values.append(
                        _value(
                            indicator_id,
                            agency,
                            AreaKind.LOCALITY,
                            locality,
                            period,
                            group,
                            numerator=counts[g],
                            denominator=sizes[g],
                        )
                    )
                    trust_counts[g] += counts[g]
                    trust_children[g] += sizes[g]
            for g, group in enumerate(groups):
                values.append(
                    _value(
                        indicator_id,
                        agency,
                        AreaKind.TRUST,
                        TRUST,
                        period,
                        group,
                        numerator=trust_counts[g],
                        denominator=trust_children[g],
                    )
                )
    return values


def _multiplier(indicator_id: str) -> float:
    return {"teenage_conceptions": 1000, "first_time_entrants_youth_justice": 100_000}[indicator_id]


def _value(
    indicator_id: str,
    agency: str,
    kind: AreaKind,
    code: str,
    period: str,
    breakdown: dict[str, str],
    **figures: Any,
) -> IndicatorValueSubmitted:
    return IndicatorValueSubmitted(
        indicator_id=indicator_id,
        agency=agency,
        area=Area(kind=kind, code=code),
        period=period,
        breakdown=breakdown,
        **figures,
    )


@asynccontextmanager
async def needs_service(url: str, servers: str) -> AsyncIterator[tuple[Any, PlatformSettings]]:
    schema = f"bench_needs_{uuid.uuid4().hex[:8]}"
    kafka = KafkaSettings(
        bootstrap_servers=servers,
        topic_prefix=f"b{uuid.uuid4().hex[:8]}.",
        session_timeout_ms=2_000,
        heartbeat_interval_ms=500,
    )
    await upgrade(url, schema, definition.migrations)
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=url, DATABASE_SCHEMA=schema),
        log_level="WARNING",
        log_format="text",
    )
    app = create_app(definition, settings)
    try:
        async with app.router.lifespan_context(app):
            await consumers_ready(app)
            yield app, settings
    finally:
        conn = await asyncpg.connect(plain_url(url))
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


async def consumers_ready(app: Any, timeout_s: float = 60) -> None:
    """Wait for the service's consumers to join their group."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if all(c.ready for c in app.state.context.consumers):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the needs consumers did not join their group")


async def finished(settings: PlatformSettings, expected_values: int) -> tuple[int, int]:
    """Wait until every value is stored and the outbox is empty; (values, needs opened)."""
    deadline = time.perf_counter() + 600
    schema = settings.database.database_schema
    conn = await asyncpg.connect(
        plain_url(settings.database.database_url), server_settings={"search_path": str(schema)}
    )
    try:
        while True:
            stored = await conn.fetchval("SELECT count(*) FROM indicator_value")
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE state <> 'published'")
            if stored >= expected_values and pending == 0:
                needs = await conn.fetchval("SELECT count(*) FROM need")
                return int(stored), int(needs)
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{stored} of {expected_values} values stored after 600 s")
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def kafka_path(url: str, servers: str, values: list[IndicatorValueSubmitted]) -> None:
    async with needs_service(url, servers) as (_, settings):
        records = [
            registry.envelope(
                v,
                source="agency-system",
                trust=TRUST,
                subject=f"{v.indicator_id}/{v.area.kind.value}/{v.area.code}/{v.period}",
                locality=v.area.code if v.area.kind is AreaKind.LOCALITY else None,
            )
            for v in values
        ]
        producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5, max_batch_size=262_144)
        await producer.start()
        # Each agency publishes to its own topic, the only one its principal may write.
        topics = [settings.kafka.topic(INDICATOR_VALUES.for_agency(v.agency)) for v in values]
        started = time.perf_counter()
        try:
            sent = [
                await producer.send(topic, r.to_bytes(), key=r.subject.encode())
                for topic, r in zip(topics, records, strict=True)
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()
        produced = time.perf_counter() - started
        stored, opened = await finished(settings, len(values))
        elapsed = time.perf_counter() - started
        say(
            f"kafka: {stored} values published in {produced:.2f} s; stored, analysed and "
            f"needs events relayed in {elapsed:.2f} s = {stored / elapsed:,.0f} values/s "
            f"end to end; {opened} needs opened or resolved"
        )


async def http_path(
    url: str, servers: str, values: list[IndicatorValueSubmitted], batch: int
) -> None:
    async with needs_service(url, servers) as (app, settings):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            tokens: dict[str, str] = {}
            started = time.perf_counter()
            by_agency: dict[str, list[IndicatorValueSubmitted]] = {}
            for v in values:
                by_agency.setdefault(v.agency, []).append(v)
            for agency, mine in by_agency.items():
                token = tokens.setdefault(
                    agency,
                    mint_token(
                        settings.auth(TRUST), "bench", [Role.AGENCY_PUBLISHER], agency=agency
                    ),
                )
                for start in range(0, len(mine), batch):
                    body = {
                        "values": [v.model_dump(mode="json") for v in mine[start : start + batch]]
                    }
                    answer = await client.post(
                        "/indicator-values", json=body, headers={"Authorization": f"Bearer {token}"}
                    )
                    answer.raise_for_status()
            stored, opened = await finished(settings, len(values))
            elapsed = time.perf_counter() - started
        say(
            f"http:  {stored} values in batches of {batch}: stored, analysed and needs events "
            f"relayed in {elapsed:.2f} s = {stored / elapsed:,.0f} values/s end to end; "
            f"{opened} needs opened or resolved"
        )


async def main(args: argparse.Namespace) -> None:
    values = workload(args.indicators, args.periods)
    say(
        f"workload: {len(values)} values ({args.indicators} indicators x {args.periods} "
        f"periods x (England + {len(LOCALITIES)} localities + trust, overall and two groups))"
    )
    with infrastructure() as infra:
        say("on " + "; ".join(infra.described))
        await kafka_path(infra.database_url, infra.bootstrap, values)
        await http_path(infra.database_url, infra.bootstrap, values, args.http_batch)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indicators", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--http-batch", type=int, default=500)
    asyncio.run(main(parser.parse_args()))
