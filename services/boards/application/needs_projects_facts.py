"""Facts from the needs and projects services' events (Gateshead commissioning handbook,
Activity One: needs; the nine-stage cycle and its gates; Durham framework, section 2, the
Annual Commissioning Plan; North Yorkshire, Appendix B, the thirteen standards)."""

from __future__ import annotations

from typing import Any

from services.boards.application.facts import Fact, merge, replace, text
from services.boards.domain.documents import Document, Kind
from shared.contracts.needs import NeedEvidence, NeedIdentified, NeedResolved
from shared.contracts.projects import (
    DecommissioningDecided,
    PriorityAgreed,
    ProcurementRequested,
    ProjectChanged,
    ProjectFlaggedForReview,
    SelfEvaluationRecorded,
    StageGateDecided,
)


def _evidence(evidence: NeedEvidence) -> dict[str, Any]:
    """The published (disclosure-controlled) figures only, as the needs service gave them."""
    latest = evidence.latest
    benchmark = evidence.benchmark
    return {
        "period": latest.period,
        "value": latest.value,
        "lower95": latest.lower95,
        "upper95": latest.upper95,
        "count_suppressed": latest.count_suppressed,
        "value_note": latest.value_note,
        "benchmark": None
        if benchmark is None
        else {
            "comparator": benchmark.comparator,
            "area_code": benchmark.area_code,
            "value": benchmark.value,
            "period": benchmark.period,
        },
        "comparison": evidence.comparison,
        "trend": evidence.trend,
        "series": [{"period": p.period, "value": p.value} for p in evidence.series],
    }


def need_identified(p: NeedIdentified) -> list[Fact]:
    where = (p.locality,) if p.locality else ()
    body = {
        "need_key": p.need_key,
        "indicator_id": p.indicator_id,
        "indicator_name": p.indicator_name,
        "outcomes": list(p.outcomes),
        "area": f"{p.area.kind.value}/{p.area.code}",
        "locality": p.locality,
        "breakdown": dict(p.breakdown),
        "vulnerable_group": p.vulnerable_group,
        "reason": p.reason.value,
        "state": "open",
        "identified_at": p.identified_at.isoformat(),
        "resolved_at": None,
        "evidence": _evidence(p.evidence),
    }
    key = str(p.need_id)
    said = f"Need identified: {p.indicator_name}, {p.area.code} ({p.reason.value})"
    return [Fact(Kind.NEED, key, replace(Kind.NEED, key, where, body, p.identified_at), said)]


def need_resolved(p: NeedResolved) -> list[Fact]:
    key = str(p.need_id)
    change = merge(
        Kind.NEED,
        key,
        p.resolved_at,
        state="resolved",
        resolved_at=p.resolved_at.isoformat(),
        evidence=_evidence(p.evidence),
    )
    return [Fact(Kind.NEED, key, change, f"Need resolved: {p.indicator_id}, {p.area.code}")]


def project_changed(p: ProjectChanged) -> list[Fact]:
    """A project's snapshot; an older or repeated version never overwrites a newer one."""
    key = str(p.project_id)
    s = p.project
    fields = {
        "title": s.title,
        "level": s.level.value,
        "localities": list(s.localities),
        "outcomes": list(s.outcomes),
        "target_groups": list(s.target_groups),
        "lead_commissioner": s.lead_commissioner,
        "priority_id": text(s.priority_id),
        "stage": s.stage,
        "status": s.status,
        "version": p.version,
        "change": p.change,
        "changed_at": p.changed_at.isoformat(),
    }

    def change(previous: Document | None) -> Document | None:
        before: dict[str, Any] = dict(previous.body) if previous else {"last_gate": None}
        if int(before.get("version") or 0) >= p.version:
            return None
        body = {**before, **fields}
        return Document(Kind.PROJECT, key, tuple(s.localities), body, p.changed_at)

    said = f"Project {s.title}: {p.change.replace('_', ' ')} (stage {s.stage})"
    return [Fact(Kind.PROJECT, key, change, said, tuple(s.localities))]


def stage_gate_decided(p: StageGateDecided) -> list[Fact]:
    key = str(p.project_id)
    gate = {
        "stage": p.stage,
        "approved": p.approved,
        "body": p.body,
        "reasons": p.reasons,
        "decided_at": p.decided_at.isoformat(),
    }
    verdict = "approved" if p.approved else "refused"
    said = f"Stage {p.stage} gate {verdict} by the {p.body}"
    return [Fact(Kind.PROJECT, key, merge(Kind.PROJECT, key, p.decided_at, last_gate=gate), said)]


def procurement_requested(p: ProcurementRequested) -> list[Fact]:
    said = f"Project {p.title}: decided to {p.decision.value.replace('_', ' ')}, by {p.route.value}"
    return [Fact(Kind.PROJECT, str(p.project_id), None, said, tuple(p.localities))]


def decommissioning_decided(p: DecommissioningDecided) -> list[Fact]:
    said = f"Project {p.title}: decided to cease {p.service_description}"
    return [Fact(Kind.PROJECT, str(p.project_id), None, said, tuple(p.localities))]


def project_flagged(p: ProjectFlaggedForReview) -> list[Fact]:
    said = f"Project flagged for review: {p.reason.replace('_', ' ')} ({p.need_key})"
    return [Fact(Kind.PROJECT, str(p.project_id), None, said)]


def priority_agreed(p: PriorityAgreed) -> list[Fact]:
    key = str(p.priority_id)
    body = {
        "year": p.year,
        "title": p.title,
        "outcomes": list(p.outcomes),
        "lead_commissioner": p.lead_commissioner,
        "agreed_at": p.agreed_at.isoformat(),
    }
    change = replace(Kind.PRIORITY, key, (), body, p.agreed_at)
    return [Fact(Kind.PRIORITY, key, change, f"Priority agreed for {p.year}: {p.title}")]


def self_evaluation_recorded(p: SelfEvaluationRecorded) -> list[Fact]:
    key = str(p.evaluation_id)
    body = {
        "as_of": p.as_of.isoformat(),
        "scores": [
            {"standard": s.standard, "score": str(s.score), "movement": text(s.movement)}
            for s in sorted(p.scores, key=lambda s: s.standard)
        ],
        "recorded_at": p.recorded_at.isoformat(),
    }
    change = replace(Kind.SELF_EVALUATION, key, (), body, p.recorded_at)
    said = f"Self-evaluation against the 13 standards recorded, as of {p.as_of.isoformat()}"
    return [Fact(Kind.SELF_EVALUATION, key, change, said)]
