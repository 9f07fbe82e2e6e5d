"""The alert feed's order is its commit order, so an SSE client resuming after event N can
never miss an event numbered below N that committed later."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from services.monitoring.adapters.channels import PostgresAlertFeed
from services.monitoring.service import definition
from shared.contracts.monitoring import AlertRaised, AlertRule, Audience, Severity
from shared.db import plain_url
from shared.migrations import upgrade
from tests.backbone.support import eventually

pytestmark = [pytest.mark.database]


def raised() -> AlertRaised:
    return AlertRaised(
        alert_id=uuid.uuid4(),
        contract_id="c",
        provider_id="p",
        kpi_id="k",
        period="2025-04",
        rule=AlertRule.KPI_RED,
        severity=Severity.HIGH,
        audience=Audience.JCU,
        locality=None,
        evidence="e",
        raised_at=datetime.now(UTC),
    )


async def test_a_later_writer_waits_for_an_earlier_one_to_commit(
    database_url: str, unique_schema: str, schemas: list[str]
) -> None:
    schemas.append(unique_schema)
    await upgrade(database_url, unique_schema, definition.migrations)
    settings = {"search_path": unique_schema}
    first, second, reader = [
        await asyncpg.connect(plain_url(database_url), server_settings=settings) for _ in range(3)
    ]
    try:
        first_tx = first.transaction()
        await first_tx.start()
        early = PostgresAlertFeed(first)
        await early.append(raised(), audience=Audience.JCU, locality=None, severity="high")
        await early.flush()  # written just before its commit, which is still to come

        async def later_writer() -> None:
            async with second.transaction():
                late = PostgresAlertFeed(second)
                await late.append(raised(), audience=Audience.JCU, locality=None, severity="high")
                await late.flush()

        writer = asyncio.create_task(later_writer())

        async def blocked_or_done() -> bool:
            waiting = await reader.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
                second.get_server_pid(),
            )
            return writer.done() or waiting == 1

        await eventually(blocked_or_done, 30, 0.05)
        feed = PostgresAlertFeed(reader)
        assert await feed.after(0, audiences=[Audience.JCU], locality=None, limit=10) == []
        await first_tx.commit()
        await writer
        seqs = [
            e.seq for e in await feed.after(0, audiences=[Audience.JCU], locality=None, limit=10)
        ]
        assert len(seqs) == 2 and seqs == sorted(seqs)
    finally:
        for conn in (first, second, reader):
            await conn.close()
