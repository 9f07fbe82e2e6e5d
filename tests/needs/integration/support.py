"""Running the needs service in-process against real Kafka and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Unpack

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.needs.application.ingest import subject_of
from services.needs.service import definition
from shared.auth import Role
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.contracts.registry import registry
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import INDICATOR_VALUES, NEEDS_EVENTS
from tests.backbone.support import eventually, publish_in_one_batch, read_records
from tests.tokens import TokenScope, bearer

TRUST = "county-durham"
NHS = "nhs-county-durham"
COUNCIL = "durham-county-council"


@dataclass
class RunningNeeds:
    app: FastAPI
    client: httpx.AsyncClient
    settings: PlatformSettings

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    def token(self, *roles: Role | str, **scope: Unpack[TokenScope]) -> dict[str, str]:
        return bearer(self.settings.auth(TRUST), "tester", roles, **scope)

    def inbound_topic(self, agency: str) -> str:
        """The agency's own inbound topic (the only one its Kafka principal may write)."""
        return self.kafka.topic(INDICATOR_VALUES.for_agency(agency))

    async def publish(self, records: Iterable[bytes], *, agency: str = NHS) -> None:
        """Publish raw record values as `agency`'s system would: to its own topic."""
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka.bootstrap_servers)
        await producer.start()
        try:
            for value in records:
                await producer.send_and_wait(self.inbound_topic(agency), value, key=b"agency")
        finally:
            await producer.stop()

    async def publish_in_one_batch(self, records: Iterable[bytes], *, agency: str = NHS) -> None:
        """Publish record values as one record batch, so the consumer reads them together."""
        topic = self.inbound_topic(agency)
        await publish_in_one_batch(self.kafka.bootstrap_servers, topic, records, b"agency")

    async def needs_events(self, expected: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        """Envelopes on needs.events.v1 (waits for at least ``expected``)."""
        return await read_topic(
            self.kafka, self.kafka.topic(NEEDS_EVENTS.name), expected, timeout_s
        )

    async def dead_letters(self, expected: int, *, agency: str = NHS) -> list[Any]:
        return await read_records(self.kafka, self.inbound_topic(agency) + ".dlq", expected, 60)


@asynccontextmanager
async def running_needs(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[RunningNeeds]:
    schemas.append(schema)
    await upgrade(database_url, schema, definition.migrations)
    await ensure_topics(kafka)
    settings = PlatformSettings(
        kafka=kafka,
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_SCHEMA=schema),
        log_format="text",
        log_level="WARNING",
    )
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def consumers_ready() -> bool:
                return all(c.ready for c in app.state.context.consumers)

            await eventually(consumers_ready, 30)
            yield RunningNeeds(app, client, settings)


def value(
    indicator_id: str,
    kind: str,
    code: str,
    period: str,
    *,
    agency: str = NHS,
    breakdown: Mapping[str, str] | None = None,
    **figures: Any,
) -> IndicatorValueSubmitted:
    return IndicatorValueSubmitted(
        indicator_id=indicator_id,
        agency=agency,
        area=Area(kind=AreaKind(kind), code=code),
        period=period,
        breakdown=dict(breakdown or {}),
        **figures,
    )


def record(payload: IndicatorValueSubmitted | dict[str, Any], **envelope: Any) -> bytes:
    """A record value on the inbound topic: the envelope as JSON."""
    if isinstance(payload, IndicatorValueSubmitted):
        built = registry.envelope(
            payload,
            source="pct-information-system",
            subject=subject_of(payload),
            trust=TRUST,
            locality=payload.area.code if payload.area.kind is AreaKind.LOCALITY else None,
        )
        body = json.loads(built.to_bytes())
    else:
        base = value(
            "teenage_conceptions", "locality", "easington", "2024", numerator=1, denominator=10
        )
        body = json.loads(
            registry.envelope(base, source="pct", subject="s", trust=TRUST).to_bytes()
        )
        body["payload"] = payload
        area = payload.get("area") or {}
        body["subject"] = (
            "/".join(
                str(part)
                for part in (payload.get("indicator_id"), area.get("kind"), area.get("code"))
            )
            + f"/{payload.get('period')}"
        )
        body["locality"] = area.get("code") if area.get("kind") == "locality" else None
    body.update(envelope)
    return json.dumps(body).encode()


async def read_topic(
    kafka: KafkaSettings, topic: str, expected: int, timeout_s: float
) -> list[dict[str, Any]]:
    records = await read_records(kafka, topic, expected, timeout_s)
    return [json.loads(r.value) for r in records]
