"""The monitoring repositories on PostgreSQL (asyncpg, inside the unit of work)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.monitoring.application.ports import AuditEntry, StoredReturn, StoreOutcome
from services.monitoring.domain.lifecycle import Alert
from shared.contracts.monitoring import (
    AlertRule,
    AlertState,
    Audience,
    MonitoredContract,
    PerformanceReturn,
    Recommendation,
    Severity,
)


class PostgresContracts:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def get(self, contract_id: str) -> MonitoredContract | None:
        body = await self.connection.fetchval(
            "SELECT body FROM monitored_contract WHERE contract_id = $1 "
            "ORDER BY version DESC LIMIT 1",
            contract_id,
        )
        return None if body is None else MonitoredContract.model_validate(body)

    async def save(self, contract: MonitoredContract) -> None:
        await self.connection.execute(
            "INSERT INTO monitored_contract (contract_id, version, provider_id, locality, body) "
            "VALUES ($1, $2, $3, $4, $5)",
            contract.contract_id,
            contract.version,
            contract.provider_id,
            contract.locality,
            contract.model_dump_json(),
        )

    async def find(
        self, *, locality: str | None = None, provider_id: str | None = None
    ) -> list[MonitoredContract]:
        rows = await self.connection.fetch(
            "SELECT DISTINCT ON (contract_id) body, locality, provider_id "
            "FROM monitored_contract ORDER BY contract_id, version DESC"
        )
        return [
            MonitoredContract.model_validate(r["body"])
            for r in rows
            if (locality is None or r["locality"] == locality)
            and (provider_id is None or r["provider_id"] == provider_id)
        ]

    async def all_current(self) -> list[MonitoredContract]:
        return await self.find()

    async def versions(self, contract_id: str) -> list[MonitoredContract]:
        rows = await self.connection.fetch(
            "SELECT body FROM monitored_contract WHERE contract_id = $1 ORDER BY version",
            contract_id,
        )
        return [MonitoredContract.model_validate(r["body"]) for r in rows]


def _digest(ret: PerformanceReturn) -> str:
    return hashlib.sha256(ret.model_dump_json().encode()).hexdigest()


class PostgresReturns:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def lock(self, contract_id: str) -> None:
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext('monitoring.return:' || $1))", contract_id
        )

    async def add(self, performance_return: PerformanceReturn, *, via: str) -> StoreOutcome:
        ret = performance_return
        inserted = await self.connection.fetchval(
            "INSERT INTO performance_return "
            "(contract_id, period, revision, body, digest, received_via) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING seq",
            ret.contract_id,
            ret.period,
            ret.revision,
            ret.model_dump_json(),
            _digest(ret),
            via,
        )
        if inserted is not None:
            return StoreOutcome.STORED
        held = await self.connection.fetchval(
            "SELECT digest FROM performance_return "
            "WHERE contract_id = $1 AND period = $2 AND revision = $3",
            ret.contract_id,
            ret.period,
            ret.revision,
        )
        return StoreOutcome.DUPLICATE if held == _digest(ret) else StoreOutcome.CONFLICT

    async def current(self, contract_id: str) -> list[PerformanceReturn]:
        rows = await self.connection.fetch(
            "SELECT DISTINCT ON (period) body FROM performance_return WHERE contract_id = $1 "
            "ORDER BY period, revision DESC",
            contract_id,
        )
        return [PerformanceReturn.model_validate(r["body"]) for r in rows]

    async def history(self, contract_id: str, period: str) -> list[StoredReturn]:
        rows = await self.connection.fetch(
            "SELECT body, received_via, received_at FROM performance_return "
            "WHERE contract_id = $1 AND period = $2 ORDER BY revision",
            contract_id,
            period,
        )
        return [
            StoredReturn(
                PerformanceReturn.model_validate(r["body"]), r["received_via"], r["received_at"]
            )
            for r in rows
        ]


def _alert_of(row: asyncpg.Record) -> Alert:
    body: dict[str, Any] = row["body"]
    return Alert(
        alert_id=row["alert_id"],
        contract_id=row["contract_id"],
        provider_id=body["provider_id"],
        kpi_id=row["kpi_id"] or None,
        period=row["period"],
        rule=AlertRule(row["rule"]),
        severity=Severity(body["severity"]),
        audience=Audience(row["audience"]),
        locality=row["locality"],
        evidence=body["evidence"],
        recommendation=Recommendation(body["recommendation"]) if body["recommendation"] else None,
        raised_at=row["raised_at"],
        state=AlertState(row["state"]),
        review_on=row["review_on"],
    )


class PostgresAlerts:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, alert: Alert) -> bool:
        body = {
            "provider_id": alert.provider_id,
            "severity": alert.severity.value,
            "evidence": alert.evidence,
            "recommendation": alert.recommendation.value if alert.recommendation else None,
        }
        inserted = await self.connection.fetchval(
            "INSERT INTO alert (alert_id, contract_id, kpi_id, rule, period, audience, locality, "
            "state, review_on, body, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10, $11) ON CONFLICT DO NOTHING RETURNING alert_id",
            alert.alert_id,
            alert.contract_id,
            alert.kpi_id or "",
            alert.rule.value,
            alert.period,
            alert.audience.value,
            alert.locality,
            alert.state.value,
            alert.review_on,
            json.dumps(body),
            alert.raised_at,
        )
        return inserted is not None

    async def save(self, alert: Alert) -> None:
        await self.connection.execute(
            "UPDATE alert SET state = $2, review_on = $3 WHERE alert_id = $1",
            alert.alert_id,
            alert.state.value,
            alert.review_on,
        )

    async def get(self, alert_id: uuid.UUID) -> Alert | None:
        row = await self.connection.fetchrow("SELECT * FROM alert WHERE alert_id = $1", alert_id)
        return None if row is None else _alert_of(row)

    async def find(
        self,
        *,
        contract_id: str | None = None,
        audiences: Sequence[Audience] | None = None,
        locality: str | None = None,
    ) -> list[Alert]:
        rows = await self.connection.fetch(
            "SELECT * FROM alert WHERE ($1::text IS NULL OR contract_id = $1) "
            "AND ($2::text[] IS NULL OR audience = ANY($2)) "
            "AND ($3::text IS NULL OR locality = $3) ORDER BY raised_at DESC, alert_id",
            contract_id,
            None if audiences is None else [a.value for a in audiences],
            locality,
        )
        return [_alert_of(r) for r in rows]


class PostgresAudit:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await self.connection.execute(
            "INSERT INTO audit_entry (actor, action, subject, detail) VALUES ($1, $2, $3, $4)",
            entry.actor,
            entry.action,
            entry.subject,
            json.dumps(entry.detail),
        )

    async def find(self, subject: str | None) -> list[AuditEntry]:
        rows = await self.connection.fetch(
            "SELECT actor, action, subject, detail, at FROM audit_entry "
            "WHERE ($1::text IS NULL OR subject = $1) ORDER BY seq DESC LIMIT 1000",
            subject,
        )
        return [
            AuditEntry(r["actor"], r["action"], r["subject"], r["detail"], r["at"]) for r in rows
        ]
