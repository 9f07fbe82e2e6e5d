"""Projects, their audit trail and the needs projection on PostgreSQL, through the unit of
work's asyncpg connection (JSON columns come back decoded; parameters go as JSON text). A
save names the version it replaces, so a concurrent change is never silently overwritten."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.projects.application.documents import EvidenceDoc
from services.projects.application.ports import AuditEntry, PublishedNeed
from services.projects.domain.gates import Published
from services.projects.domain.priority import Priority
from services.projects.domain.project import (
    ContractAward,
    ContractStart,
    Level,
    LocalView,
    PerformanceReview,
    Project,
    ReviewFlag,
)
from services.projects.domain.standards import SelfEvaluation, StandardScore

_FIELDS = (
    "project_id, title, level, localities, target_groups, outcomes, lead_commissioner, "
    "commissioning_officer, priority_id, stage, completed, version, evidence, review_flags, "
    "procurement_requested, contract_awards, performance_reviews, scoping, local_views, "
    "contract_starts"
)
_SETS = (
    "title = $2, level = $3, localities = $4::jsonb, target_groups = $5::jsonb, "
    "outcomes = $6::jsonb, lead_commissioner = $7, commissioning_officer = $8, "
    "priority_id = $9, stage = $10, completed = $11, version = $12, evidence = $13::jsonb, "
    "review_flags = $14::jsonb, procurement_requested = $15, contract_awards = $16::jsonb, "
    "performance_reviews = $17::jsonb, scoping = $18::jsonb, local_views = $19::jsonb, "
    "contract_starts = $20::jsonb, updated_at = now()"
)


def _columns(p: Project) -> list[Any]:
    flags = [
        {
            "reason": f.reason,
            "need_id": str(f.need_id),
            "need_key": f.need_key,
            "flagged_at": f.flagged_at.isoformat(),
        }
        for f in p.review_flags
    ]
    awards = [
        {
            "contract_ref": a.contract_ref,
            "provider": a.provider,
            "value": str(a.value),
            "awarded_at": a.awarded_at.isoformat(),
        }
        for a in p.contract_awards
    ]
    reviews = [
        {
            "summary": r.summary,
            "rating": r.rating,
            "escalated": r.escalated,
            "reviewed_at": r.reviewed_at.isoformat(),
        }
        for r in p.performance_reviews
    ]
    views = [
        {
            "locality": v.locality,
            "author": v.author,
            "text": v.text,
            "recorded_at": v.recorded_at.isoformat(),
        }
        for v in p.local_views
    ]
    return [
        p.project_id, p.title, p.level.value, json.dumps(list(p.localities)),
        json.dumps(list(p.target_groups)), json.dumps(list(p.outcomes)), p.lead_commissioner,
        p.commissioning_officer, p.priority_id, p.stage, p.completed, p.version,
        EvidenceDoc.of(p.evidence).model_dump_json(), json.dumps(flags),
        p.procurement_requested, json.dumps(awards), json.dumps(reviews),
        json.dumps({str(k): v for k, v in p.scoping.items()}), json.dumps(views),
        json.dumps([_start_document(s) for s in p.contract_starts]),
    ]  # fmt: skip


def _start_document(s: ContractStart) -> dict[str, Any]:
    return {
        "contract_id": str(s.contract_id),
        "procurement_id": str(s.procurement_id),
        "provider": s.provider,
        "value": str(s.value),
        "starts_on": s.starts_on.isoformat(),
        "ends_on": s.ends_on.isoformat(),
        "reporting_frequency": s.reporting_frequency,
        "performance_criteria": list(s.performance_criteria),
        "started_at": s.started_at.isoformat(),
    }


def _contract_start(d: dict[str, Any]) -> ContractStart:
    return ContractStart(
        contract_id=uuid.UUID(d["contract_id"]),
        procurement_id=uuid.UUID(d["procurement_id"]),
        provider=d["provider"],
        value=Decimal(d["value"]),
        starts_on=date.fromisoformat(d["starts_on"]),
        ends_on=date.fromisoformat(d["ends_on"]),
        reporting_frequency=d["reporting_frequency"],
        performance_criteria=tuple(d["performance_criteria"]),
        started_at=datetime.fromisoformat(d["started_at"]),
    )


def _project(row: asyncpg.Record) -> Project:
    return Project(
        project_id=row["project_id"],
        title=row["title"],
        level=Level(row["level"]),
        localities=tuple(row["localities"]),
        target_groups=tuple(row["target_groups"]),
        outcomes=tuple(row["outcomes"]),
        lead_commissioner=row["lead_commissioner"],
        commissioning_officer=row["commissioning_officer"],
        priority_id=row["priority_id"],
        stage=row["stage"],
        completed=row["completed"],
        version=row["version"],
        evidence=EvidenceDoc.model_validate(row["evidence"]).to_domain(),
        review_flags=tuple(
            ReviewFlag(f["reason"], uuid.UUID(f["need_id"]), f["need_key"],
                       datetime.fromisoformat(f["flagged_at"]))
            for f in row["review_flags"]
        ),
        procurement_requested=row["procurement_requested"],
        contract_awards=tuple(
            ContractAward(a["contract_ref"], a["provider"], Decimal(a["value"]),
                          datetime.fromisoformat(a["awarded_at"]))
            for a in row["contract_awards"]
        ),
        contract_starts=tuple(_contract_start(s) for s in row["contract_starts"]),
        performance_reviews=tuple(
            PerformanceReview(r["summary"], r["rating"], r["escalated"],
                              datetime.fromisoformat(r["reviewed_at"]))
            for r in row["performance_reviews"]
        ),
        scoping={int(k): v for k, v in row["scoping"].items()},
        local_views=tuple(
            LocalView(v["locality"], v["author"], v["text"],
                      datetime.fromisoformat(v["recorded_at"]))
            for v in row["local_views"]
        ),
    )  # fmt: skip


class PostgresProjects:
    """`ProjectRepository` on the `project` table."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, project: Project) -> None:
        placeholders = ", ".join(
            f"${i}::jsonb" if i in (4, 5, 6, 13, 14, 16, 17, 18, 19, 20) else f"${i}"
            for i in range(1, 21)
        )
        await self.connection.execute(
            f"INSERT INTO project ({_FIELDS}) VALUES ({placeholders})", *_columns(project)
        )

    async def get(self, project_id: uuid.UUID) -> Project | None:
        row = await self.connection.fetchrow(
            f"SELECT {_FIELDS} FROM project WHERE project_id = $1", project_id
        )
        return None if row is None else _project(row)

    async def save(self, project: Project) -> bool:
        status = await self.connection.execute(
            f"UPDATE project SET {_SETS} WHERE project_id = $1 AND version = $21",
            *_columns(project),
            project.version - 1,
        )
        return bool(status == "UPDATE 1")

    async def find(self, localities: Sequence[str] | None) -> list[Project]:
        rows = await self.connection.fetch(
            f"SELECT {_FIELDS} FROM project WHERE $1::text[] IS NULL "
            "OR localities = '[]'::jsonb OR localities ?| $1::text[] ORDER BY title, project_id",
            None if localities is None else list(localities),
        )
        return [_project(row) for row in rows]

    async def past_needs_analysis(self) -> list[Project]:
        rows = await self.connection.fetch(
            f"SELECT {_FIELDS} FROM project WHERE stage > 3 AND NOT completed "
            "ORDER BY project_id FOR UPDATE"
        )
        return [_project(row) for row in rows]


class PostgresNeedsProjection:
    """`NeedsProjection` on `published_need` and `published_assessment`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def record_need(self, need: PublishedNeed) -> None:
        await self.connection.execute(
            "INSERT INTO published_need (need_id, need_key, locality, outcomes, open) "
            "VALUES ($1, $2, $3, $4::jsonb, true) ON CONFLICT (need_id) DO NOTHING",
            need.need_id, need.need_key, need.locality, json.dumps(list(need.outcomes)),
        )  # fmt: skip

    async def resolve_need(self, need_id: uuid.UUID) -> None:
        await self.connection.execute(
            "UPDATE published_need SET open = false WHERE need_id = $1", need_id
        )

    async def record_assessment(self, assessment_id: uuid.UUID, area: str) -> None:
        await self.connection.execute(
            "INSERT INTO published_assessment (assessment_id, area) VALUES ($1, $2) "
            "ON CONFLICT (assessment_id) DO NOTHING",
            assessment_id,
            area,
        )

    async def published(
        self, needs: Iterable[uuid.UUID], assessments: Iterable[uuid.UUID]
    ) -> Published:
        found_needs = await self.connection.fetch(
            "SELECT need_id FROM published_need WHERE need_id = ANY($1::uuid[])", list(needs)
        )
        found_assessments = await self.connection.fetch(
            "SELECT assessment_id FROM published_assessment WHERE assessment_id = ANY($1::uuid[])",
            list(assessments),
        )
        return Published(
            frozenset(r["need_id"] for r in found_needs),
            frozenset(r["assessment_id"] for r in found_assessments),
        )

    async def describe(self, needs: Iterable[uuid.UUID]) -> list[PublishedNeed]:
        rows = await self.connection.fetch(
            "SELECT need_id, need_key, locality, outcomes, open FROM published_need "
            "WHERE need_id = ANY($1::uuid[]) ORDER BY need_key",
            list(needs),
        )
        return [
            PublishedNeed(
                r["need_id"], r["need_key"], r["locality"], tuple(r["outcomes"]), r["open"]
            )
            for r in rows
        ]


class PostgresAuditTrail:
    """`AuditTrail` on `audit_entry`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await self.connection.execute(
            "INSERT INTO audit_entry (subject, actor, roles, action, reasons, detail, at) "
            "VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7)",
            entry.subject, entry.actor, json.dumps(list(entry.roles)), entry.action,
            entry.reasons, json.dumps(entry.detail), entry.at,
        )  # fmt: skip

    async def of_subject(self, subject: str | None) -> list[AuditEntry]:
        rows = await self.connection.fetch(
            "SELECT subject, actor, roles, action, reasons, detail, at FROM audit_entry "
            "WHERE $1::text IS NULL OR subject = $1 ORDER BY seq",
            subject,
        )
        return [
            AuditEntry(r["subject"], r["actor"], tuple(r["roles"]), r["action"],
                       r["at"], r["reasons"], r["detail"])
            for r in rows
        ]  # fmt: skip


_PRIORITY_FIELDS = (
    "priority_id, year, title, description, outcomes, lead_commissioner, agreed_by, agreed_at"
)


class PostgresPriorities:
    """`PriorityRepository` on `priority`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, p: Priority) -> None:
        await self.connection.execute(
            f"INSERT INTO priority ({_PRIORITY_FIELDS}) "
            "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
            p.priority_id, p.year, p.title, p.description, json.dumps(list(p.outcomes)),
            p.lead_commissioner, p.agreed_by, p.agreed_at,
        )  # fmt: skip

    async def get(self, priority_id: uuid.UUID) -> Priority | None:
        row = await self.connection.fetchrow(
            f"SELECT {_PRIORITY_FIELDS} FROM priority WHERE priority_id = $1", priority_id
        )
        return None if row is None else _priority(row)

    async def find(self, year: str | None) -> list[Priority]:
        rows = await self.connection.fetch(
            f"SELECT {_PRIORITY_FIELDS} FROM priority WHERE $1::text IS NULL OR year = $1 "
            "ORDER BY year, title, priority_id",
            year,
        )
        return [_priority(r) for r in rows]


def _priority(row: asyncpg.Record) -> Priority:
    return Priority(
        priority_id=row["priority_id"],
        year=row["year"],
        title=row["title"],
        description=row["description"],
        outcomes=tuple(row["outcomes"]),
        lead_commissioner=row["lead_commissioner"],
        agreed_by=row["agreed_by"],
        agreed_at=row["agreed_at"],
    )


_EVALUATION_FIELDS = "evaluation_id, as_of, scores, recorded_by, recorded_at"


class PostgresSelfEvaluations:
    """`SelfEvaluationRepository` on `self_evaluation`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, e: SelfEvaluation) -> None:
        scores = [
            {"standard": s.standard, "score": str(s.score), "evidence": s.evidence,
             "actions": s.actions}
            for s in e.scores
        ]  # fmt: skip
        await self.connection.execute(
            f"INSERT INTO self_evaluation ({_EVALUATION_FIELDS}) "
            "VALUES ($1, $2, $3::jsonb, $4, $5)",
            e.evaluation_id, e.as_of, json.dumps(scores), e.recorded_by, e.recorded_at,
        )  # fmt: skip

    async def latest_before(self, as_of: date) -> SelfEvaluation | None:
        row = await self.connection.fetchrow(
            f"SELECT {_EVALUATION_FIELDS} FROM self_evaluation WHERE as_of <= $1 "
            "ORDER BY as_of DESC, recorded_at DESC LIMIT 1",
            as_of,
        )
        return None if row is None else _evaluation(row)

    async def all(self) -> list[SelfEvaluation]:
        rows = await self.connection.fetch(
            f"SELECT {_EVALUATION_FIELDS} FROM self_evaluation ORDER BY as_of, recorded_at"
        )
        return [_evaluation(r) for r in rows]


def _evaluation(row: asyncpg.Record) -> SelfEvaluation:
    return SelfEvaluation(
        evaluation_id=row["evaluation_id"],
        as_of=row["as_of"],
        scores=tuple(
            StandardScore(s["standard"], Decimal(s["score"]), s["evidence"], s["actions"])
            for s in row["scores"]
        ),
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
    )
