"""The alert feed, webhook subscriptions and the delivery outbox on PostgreSQL, and the
Standard Webhooks sender."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg
import httpx
from pydantic import BaseModel
from standardwebhooks import Webhook

from services.monitoring.application.ports import Delivery, FeedEntry, Subscription
from shared.contracts.monitoring import Audience
from shared.contracts.registry import registry
from shared.db import Database

FEED_LOCK = 0x6D6F6E5F66656564
"""Advisory lock key held by a transaction appending to the alert feed ("mon_feed")."""


def _entry(row: asyncpg.Record) -> FeedEntry:
    return FeedEntry(
        seq=row["seq"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        audience=Audience(row["audience"]),
        locality=row["locality"],
        severity=row["severity"],
        body=row["body"],
        recorded_at=row["recorded_at"],
    )


def _subscription(row: asyncpg.Record) -> Subscription:
    return Subscription(
        subscription_id=row["subscription_id"],
        audience=Audience(row["audience"]),
        locality=row["locality"],
        severities=tuple(row["severities"]),
        url=row["url"],
        secret=row["secret"],
        created_by=row["created_by"],
    )


_FEED_AND_DELIVERIES = """
WITH fed AS (
    INSERT INTO alert_feed (event_id, event_type, audience, locality, severity, body)
    SELECT e, t, a, l, s, b::jsonb
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        WITH ORDINALITY AS u(e, t, a, l, s, b, n)
    ORDER BY n
    RETURNING seq, audience, locality, severity
), queued AS (
    INSERT INTO webhook_delivery (subscription_id, feed_seq, state, attempts)
    SELECT w.subscription_id, fed.seq, 'pending', 0
    FROM fed JOIN webhook_subscription w ON w.audience = fed.audience
        AND (w.locality IS NULL OR w.locality = fed.locality)
        AND (cardinality(w.severities) = 0 OR fed.severity = ANY(w.severities))
)
SELECT seq FROM fed ORDER BY seq
"""


class PostgresAlertFeed:
    """Alert events are staged in memory and written by `flush`, just before the commit:
    the feed lock that makes feed order commit order is then held for one statement and
    the commit, not for the whole transaction (so returns are not serialised behind it)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.staged: list[tuple[BaseModel, Audience, str | None, str]] = []

    async def append(
        self, payload: BaseModel, *, audience: Audience, locality: str | None, severity: str
    ) -> None:
        self.staged.append((payload, audience, locality, severity))

    async def flush(self) -> list[int]:
        if not self.staged:
            return []
        staged, self.staged = self.staged, []
        # Serialise writers until commit, so that feed order is commit order: a reader
        # resuming after seq N can then never miss an entry below N committed later.
        await self.connection.execute("SELECT pg_advisory_xact_lock($1)", FEED_LOCK)
        rows = await self.connection.fetch(
            _FEED_AND_DELIVERIES,
            [uuid.uuid4() for _ in staged],
            [registry.type_of(payload) for payload, *_ in staged],
            [audience.value for _, audience, _, _ in staged],
            [locality for _, _, locality, _ in staged],
            [severity for *_, severity in staged],
            [payload.model_dump_json() for payload, *_ in staged],
        )
        return [r["seq"] for r in rows]

    async def after(
        self, seq: int, *, audiences: Sequence[Audience], locality: str | None, limit: int
    ) -> list[FeedEntry]:
        others = [a.value for a in audiences if a is not Audience.LOCAL_BOARD]
        local = Audience.LOCAL_BOARD in audiences
        rows = await self.connection.fetch(
            "SELECT * FROM alert_feed WHERE seq > $1 AND (audience = ANY($2::text[]) "
            "OR ($3 AND audience = 'local_board' AND ($4::text IS NULL OR locality = $4))) "
            "ORDER BY seq LIMIT $5",
            seq,
            others,
            local,
            locality,
            limit,
        )
        return [_entry(r) for r in rows]


class PostgresSubscriptions:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, subscription: Subscription) -> None:
        s = subscription
        await self.connection.execute(
            "INSERT INTO webhook_subscription (subscription_id, audience, locality, severities, "
            "url, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            s.subscription_id,
            s.audience.value,
            s.locality,
            list(s.severities),
            s.url,
            s.secret,
            s.created_by,
        )

    async def find(self, audience: Audience | None, locality: str | None) -> list[Subscription]:
        rows = await self.connection.fetch(
            "SELECT * FROM webhook_subscription WHERE ($1::text IS NULL OR audience = $1) "
            "AND ($2::text IS NULL OR locality = $2) ORDER BY created_at",
            audience.value if audience else None,
            locality,
        )
        return [_subscription(r) for r in rows]

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None:
        row = await self.connection.fetchrow(
            "SELECT * FROM webhook_subscription WHERE subscription_id = $1", subscription_id
        )
        return None if row is None else _subscription(row)

    async def redrive(self, subscription_id: uuid.UUID) -> int:
        status = await self.connection.execute(
            "UPDATE webhook_delivery SET state = 'pending', attempts = 0, next_attempt_at = now() "
            "WHERE subscription_id = $1 AND state = 'parked'",
            subscription_id,
        )
        return int(status.split()[-1])


class PostgresDeliveryQueue:
    """Leases due deliveries with SKIP LOCKED, so several replicas can share the work."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, limit: int, lease_seconds: float) -> list[Delivery]:
        pool = await self.db.pool()
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "WITH due AS (SELECT delivery_id FROM webhook_delivery WHERE state = 'pending' "
                "AND next_attempt_at <= now() ORDER BY feed_seq LIMIT $1 FOR UPDATE SKIP LOCKED) "
                "UPDATE webhook_delivery d SET next_attempt_at = now() + make_interval(secs => $2) "
                "FROM due WHERE d.delivery_id = due.delivery_id "
                "RETURNING d.delivery_id, d.subscription_id, d.feed_seq, d.attempts",
                limit,
                lease_seconds,
            )
            if not rows:
                return []
            subs = {
                r["subscription_id"]: _subscription(r)
                for r in await conn.fetch(
                    "SELECT * FROM webhook_subscription WHERE subscription_id = ANY($1::uuid[])",
                    list({r["subscription_id"] for r in rows}),
                )
            }
            feed = {
                r["seq"]: _entry(r)
                for r in await conn.fetch(
                    "SELECT * FROM alert_feed WHERE seq = ANY($1::bigint[])",
                    list({r["feed_seq"] for r in rows}),
                )
            }
        return [
            Delivery(
                r["delivery_id"], subs[r["subscription_id"]], feed[r["feed_seq"]], r["attempts"]
            )
            for r in sorted(rows, key=lambda r: r["feed_seq"])
        ]

    async def delivered(self, delivery_ids: Sequence[int]) -> None:
        if not delivery_ids:
            return
        pool = await self.db.pool()
        await pool.execute(
            "UPDATE webhook_delivery SET state = 'delivered', delivered_at = now() "
            "WHERE delivery_id = ANY($1::bigint[])",
            list(delivery_ids),
        )

    async def failed(self, delivery_id: int, *, error: str, retry_in_seconds: float | None) -> None:
        pool = await self.db.pool()
        await pool.execute(
            "UPDATE webhook_delivery SET attempts = attempts + 1, last_error = $2, "
            "state = CASE WHEN $3::float8 IS NULL THEN 'parked' ELSE 'pending' END, "
            "next_attempt_at = now() + make_interval(secs => coalesce($3::float8, 0)) "
            "WHERE delivery_id = $1",
            delivery_id,
            error[:500],
            retry_in_seconds,
        )


def webhook_body(entry: FeedEntry) -> str:
    """The Standard Webhooks payload shape: type, timestamp and data."""
    return json.dumps(
        {
            "type": entry.event_type,
            "timestamp": entry.recorded_at.isoformat(),
            "data": entry.body,
        }
    )


class StandardWebhookSender:
    """Signs with the subscription's secret (webhook-id: the alert event's id, the same on
    every retry, so receivers de-duplicate on it)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, subscription: Subscription, entry: FeedEntry) -> str | None:
        body = webhook_body(entry)
        msg_id = f"msg_{entry.event_id.hex}"
        now = datetime.now(UTC)
        signature = Webhook(subscription.secret).sign(msg_id, now, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        try:
            response = await self.client.post(subscription.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
