"""Running the projects service in-process against real Kafka and PostgreSQL, and
publishing on needs.events.v1 what the needs service would."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from pydantic import BaseModel

from services.projects.service import definition
from shared.auth import Role, mint_token
from shared.contracts.needs import (
    Area,
    AreaKind,
    AssessmentSummary,
    NeedEvidence,
    NeedIdentified,
    NeedReason,
    NeedResolved,
    NeedsAssessmentPublished,
    PublishedValue,
)
from shared.contracts.registry import registry
from shared.kafka import ensure_topics
from shared.migrations import upgrade
from shared.runtime import create_app
from shared.settings import DatabaseSettings, KafkaSettings, PlatformSettings
from shared.topics import NEEDS_EVENTS, PROJECTS_EVENTS
from tests.backbone.support import eventually, read_records

TRUST = "county-durham"


@dataclass
class RunningProjects:
    app: FastAPI
    client: httpx.AsyncClient
    settings: PlatformSettings

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    def token(
        self, *roles: Role | str, subject: str = "tester", locality: str | None = None
    ) -> dict[str, str]:
        token = mint_token(self.settings.auth(TRUST), subject, roles, locality=locality)
        return {"Authorization": f"Bearer {token}"}

    def outsider(self, role: Role) -> dict[str, str]:
        """A token for a role with no business in commissioning projects, with its scope."""
        provider = "provider-1" if role is Role.PROVIDER else None
        agency = "nhs-county-durham" if role is Role.AGENCY_PUBLISHER else None
        auth = self.settings.auth(TRUST)
        token = mint_token(auth, "outsider", [role], provider_id=provider, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def publish_needs_events(self, *payloads: BaseModel) -> None:
        """Publish on needs.events.v1 as the needs service's relay would."""
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka.bootstrap_servers)
        await producer.start()
        try:
            for payload in payloads:
                subject = str(getattr(payload, "need_key", None) or "needs-assessment")
                envelope = registry.envelope(payload, source="needs", subject=subject, trust=TRUST)
                await producer.send_and_wait(
                    self.kafka.topic(NEEDS_EVENTS.name), envelope.to_bytes(), key=subject.encode()
                )
        finally:
            await producer.stop()

    async def projects_events(self, expected: int = 0) -> list[dict[str, Any]]:
        records = await read_records(
            self.kafka, self.kafka.topic(PROJECTS_EVENTS.name), expected, 2 if not expected else 60
        )
        return [json.loads(r.value) for r in records]

    async def events_of_type(self, kind: str, count: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            nonlocal found
            found = [e for e in await self.projects_events() if e["type"] == f"projects.{kind}.v1"]
            return len(found) >= count

        await eventually(arrived, 60, 0.5)
        return found


@asynccontextmanager
async def running_projects(
    database_url: str, kafka: KafkaSettings, schema: str, schemas: list[str]
) -> AsyncIterator[RunningProjects]:
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
            yield RunningProjects(app, client, settings)


def _evidence() -> NeedEvidence:
    latest = PublishedValue(period="2024", value=38.0, count=75, denominator=2000)
    return NeedEvidence(
        latest=latest,
        series=[latest],
        comparison="worse",
        trend="worsening",
        consecutive_worsening_periods=4,
        data_versions=[],
        disclosure_rule="counts 1-7 suppressed; others rounded to 5",
    )


def need_identified(
    locality: str | None, outcomes: list[str], key: str = "teenage_conceptions"
) -> NeedIdentified:
    area = (
        Area(kind=AreaKind.LOCALITY, code=locality)
        if locality
        else Area(kind=AreaKind.TRUST, code=TRUST)
    )
    return NeedIdentified(
        need_id=uuid.uuid4(),
        need_key=f"{key}/{area.kind.value}/{area.code}",
        indicator_id=key,
        indicator_name=key.replace("_", " "),
        outcomes=outcomes,
        area=area,
        locality=locality,
        reason=NeedReason.WORSE_AND_WORSENING,
        reasons=[NeedReason.WORSE_AND_WORSENING],
        evidence=_evidence(),
        identified_at=datetime.now(UTC),
    )


def need_resolved(need: NeedIdentified) -> NeedResolved:
    return NeedResolved(
        need_id=need.need_id,
        need_key=need.need_key,
        indicator_id=need.indicator_id,
        area=need.area,
        locality=need.locality,
        evidence=_evidence(),
        resolved_at=datetime.now(UTC),
    )


def assessment_published(locality: str) -> NeedsAssessmentPublished:
    assessment_id = uuid.uuid4()
    return NeedsAssessmentPublished(
        assessment_id=assessment_id,
        version=1,
        area=Area(kind=AreaKind.LOCALITY, code=locality),
        title=f"Needs assessment: {locality}",
        published_at=datetime.now(UTC),
        summary=AssessmentSummary(
            indicators=12, needs=3, vulnerable_groups=1, worse_and_worsening=1
        ),
        data_version="sha256:0",
        json_path=f"/needs-assessments/{assessment_id}.json",
        csv_path=f"/needs-assessments/{assessment_id}.csv",
    )
