"""Needs assessments: versioned, reproducible snapshots of an area (JSNA, Gateshead
Activity One stage 3).

A version records the exact stored revisions it used (`data_versions`, hashed into
`data_version`), so it can be reproduced and audited; versions of an area are numbered
under a lock, so two publications never share one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.needs.application.config import NeedsConfig
from services.needs.application.evidence import contract_area, data_versions
from services.needs.application.ports import NeedsUnitOfWork
from services.needs.application.releases import record_releases
from services.needs.application.reports import assessments, load, need_view
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind
from services.needs.domain.need import NeedState
from shared.contracts.needs import AssessmentSummary, NeedsAssessmentPublished

DATA_VERSION_FIELDS = (
    "indicator_id",
    "area_kind",
    "area_code",
    "period",
    "breakdown_key",
    "revision",
)

CSV_COLUMNS = (
    "indicator_id",
    "indicator_name",
    "outcomes",
    "unit",
    "polarity",
    "area_kind",
    "area_code",
    "breakdown",
    "period",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
    "count",
    "denominator",
    "value_note",
    "revision",
    "comparator",
    "benchmark_value",
    "compared_to_benchmark",
    "area_value",
    "compared_to_area",
    "recent_trend",
    "quintile",
    "worse_and_worsening",
    "vulnerable_group",
    "need_reason",
)


@dataclass(frozen=True)
class Publication:
    """The version an area's assessment stands at, and whether this request created it."""

    assessment: NeedsAssessment
    created: bool


CONTENT_FIELDS = ("area", "trust", "method", "summary", "indicators", "needs", "data_version")
"""What an assessment says; its id, version, title and time of publication are not content."""


def same_content(body: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two assessment bodies say the same (compared as canonical JSON)."""

    def canonical(b: Mapping[str, Any]) -> str:
        return json.dumps({k: b.get(k) for k in CONTENT_FIELDS}, sort_keys=True)

    return canonical(body) == canonical(other)


async def publish_assessment(
    uow: NeedsUnitOfWork, config: NeedsConfig, kind: AreaKind, code: str, requested_by: str
) -> Publication:
    """Snapshot the area's indicators, comparisons, trends, needs and vulnerable groups as
    the next version of its needs assessment, and publish NeedsAssessmentPublished; when
    nothing has changed since the latest version, that version stands and nothing is
    published (a version is a change of content, not a request)."""
    area = (kind, code)
    await uow.assessments.lock(area)
    datas = await load(uow, config)
    found = assessments(datas, config, kind, code)
    rows = [publisher.row(a) for a, publisher in found]
    versions = sorted(
        {
            (v.indicator_id, v.area.kind.value, v.area.code, v.period, v.breakdown_key, v.revision)
            for a, _ in found
            for v in data_versions(a)
        }
    )
    needs = await uow.needs.find(areas=[area], state=NeedState.OPEN)
    summary = AssessmentSummary(
        indicators=len({r["indicator_id"] for r in rows}),
        needs=len(needs),
        vulnerable_groups=sum(1 for n in needs if n.vulnerable_group),
        worse_and_worsening=sum(1 for r in rows if r["worse_and_worsening"]),
    )
    data_version = hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:32]
    content = {
        "area": {"kind": kind.value, "code": code},
        "trust": config.trust_id,
        **_contents(config, summary, rows, [need_view(n) for n in needs]),
        "data_version": data_version,
    }
    latest = await uow.assessments.latest(area)
    if latest is not None and same_content(latest.body, content):
        return Publication(latest, created=False)
    await record_releases(uow, config, datas)
    version = await uow.assessments.next_version(area)
    title = f"Needs assessment: {kind.value} {code}, version {version}"
    assessment_id, now = uuid.uuid4(), datetime.now(UTC)
    body = {
        "assessment_id": str(assessment_id),
        "version": version,
        "title": title,
        "published_at": now.isoformat(),
        **content,
        "data_versions": [dict(zip(DATA_VERSION_FIELDS, v, strict=True)) for v in versions],
    }
    assessment = NeedsAssessment(
        assessment_id=assessment_id,
        area_kind=kind,
        area_code=code,
        version=version,
        published_at=now,
        requested_by=requested_by,
        data_version=data_version,
        body=body,
        csv=to_csv(rows, config.rule.symbol),
    )
    await uow.assessments.add(assessment)
    uow.publish(
        NeedsAssessmentPublished(
            assessment_id=assessment.assessment_id,
            version=version,
            area=contract_area(kind, code),
            title=title,
            published_at=assessment.published_at,
            summary=summary,
            data_version=assessment.data_version,
            json_path=f"/needs-assessments/{assessment.assessment_id}.json",
            csv_path=f"/needs-assessments/{assessment.assessment_id}.csv",
        ),
        subject=f"needs-assessment/{kind.value}/{code}",
        locality=assessment.locality,
    )
    return Publication(assessment, created=True)


def _contents(
    config: NeedsConfig,
    summary: AssessmentSummary,
    rows: list[dict[str, Any]],
    needs: list[dict[str, Any]],
) -> dict[str, Any]:
    """The method, summary, indicator table, needs, vulnerable groups and CAF activity."""
    return {
        "method": {
            "default_comparator": config.analysis.default_comparator,
            "trend_periods": config.analysis.trend_periods,
            "worsening_periods_to_flag": config.analysis.worsening_periods_to_flag,
            "disclosure_rule": config.rule.name,
            "suppressed_marker": config.rule.symbol,
        },
        "summary": summary.model_dump(),
        "indicators": rows,
        "needs": needs,
        "vulnerable_groups": [r for r in rows if r["vulnerable_group"]],
        "caf_activity": [
            r
            for r in rows
            if config.catalogue[r["indicator_id"]].caf_activity
            and "need_category" in r["breakdown"]
        ],
    }


def to_csv(rows: Sequence[dict[str, Any]], marker: str) -> str:
    """The Fingertips-style export; suppressed counts shown as the marker."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        line = dict(row)
        line["outcomes"] = ";".join(row["outcomes"])
        line["breakdown"] = ";".join(f"{k}={v}" for k, v in sorted(row["breakdown"].items()))
        # The marker stands only where a figure was withheld: a measure without a
        # denominator (a count, a mean) keeps that cell empty, so nobody reads it as hidden.
        if row["count_suppressed"] and row["count"] is None:
            line["count"] = marker
        if row["denominator_suppressed"]:
            line["denominator"] = marker
        writer.writerow(line)
    return out.getvalue()
