"""Read models: values, comparisons and needs of an area, and versioned needs assessments.

Everything returned here is disclosure-controlled through ``Publisher`` (DOMAIN.md,
Small-number suppression). A needs assessment (JSNA snapshot, Gateshead Activity One stage
3) records the exact stored revisions it used, so it can be reproduced and audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from services.needs.adapters import repository
from services.needs.adapters.tables import NeedRow, NeedsAssessmentRow
from services.needs.application.config import NeedsConfig
from services.needs.application.evidence import Publisher, contract_area, data_versions
from services.needs.domain.analysis import IndicatorData, SeriesAssessment, assess_series
from services.needs.domain.model import AreaKind, parse_breakdown_key
from shared.contracts.needs import AssessmentSummary, NeedsAssessmentPublished
from shared.unit_of_work import UnitOfWork


async def load(
    uow: UnitOfWork, config: NeedsConfig, indicator_ids: Iterable[str] | None = None
) -> dict[str, IndicatorData]:
    """Current values of the catalogue's indicators (or some of them)."""
    wanted = [i.id for i in config.catalogue] if indicator_ids is None else list(indicator_ids)
    conn = await uow.driver_connection()
    values = await repository.current_values(conn, wanted)
    return {
        i: IndicatorData(config.catalogue[i], values.get(i, ()))
        for i in wanted
        if i in config.catalogue
    }


def matches(
    indicator_id: str,
    bk: str,
    config: NeedsConfig,
    *,
    outcome: str | None,
    group: str | None,
) -> bool:
    """Filters: an outcome id; a group dimension (e.g. looked_after), or 'all' for all."""
    indicator = config.catalogue[indicator_id]
    if outcome is not None and outcome not in indicator.outcomes:
        return False
    if group is None:
        return True
    if group == "all":
        return bk == ""
    return group in {d for d, _ in parse_breakdown_key(bk)}


def assessments(
    datas: dict[str, IndicatorData],
    config: NeedsConfig,
    kind: AreaKind,
    code: str,
    *,
    outcome: str | None = None,
    group: str | None = None,
) -> list[tuple[SeriesAssessment, Publisher]]:
    """Every series of the area, assessed at its latest period."""
    found: list[tuple[SeriesAssessment, Publisher]] = []
    for indicator_id, data in datas.items():
        publisher = Publisher(data, config.rule, config.trust_id)
        for _, k, c, bk in data.series_keys():
            if k is not kind or c != code:
                continue
            if not matches(indicator_id, bk, config, outcome=outcome, group=group):
                continue
            assessment = assess_series(data, k, c, bk, config.analysis)
            if assessment is not None:
                found.append((assessment, publisher))
    return found


def comparison_rows(
    datas: dict[str, IndicatorData],
    config: NeedsConfig,
    kind: AreaKind,
    code: str,
    *,
    outcome: str | None = None,
    group: str | None = None,
) -> list[dict[str, Any]]:
    """Comparison, trend and flags of each of the area's series (disclosure-controlled)."""
    return [
        publisher.row(a)
        for a, publisher in assessments(datas, config, kind, code, outcome=outcome, group=group)
    ]


def value_rows(
    datas: dict[str, IndicatorData],
    config: NeedsConfig,
    kind: AreaKind,
    code: str | None,
    *,
    outcome: str | None = None,
    group: str | None = None,
) -> list[dict[str, Any]]:
    """Every current value of an area (or of every area of a kind), oldest period first."""
    rows: list[dict[str, Any]] = []
    for indicator_id, data in datas.items():
        publisher = Publisher(data, config.rule, config.trust_id)
        measured = (
            [m for _, k, c, bk in data.series_keys() for m in data.series(k, c, bk)]
            if kind in (AreaKind.LOCALITY, AreaKind.TRUST)
            else data.comparator_values()
        )
        for m in measured:
            r = m.reported
            if r.area_kind is not kind or (code is not None and r.area_code != code):
                continue
            if not matches(indicator_id, r.breakdown_key, config, outcome=outcome, group=group):
                continue
            figures = publisher.value(m).model_dump()
            rows.append(
                {
                    "indicator_id": indicator_id,
                    "area_kind": r.area_kind.value,
                    "area_code": r.area_code,
                    "breakdown": dict(r.breakdown),
                    **figures,
                }
            )
    return rows


def need_view(row: NeedRow) -> dict[str, Any]:
    """A need as the API shows it (evidence as it was published)."""
    return {
        "need_id": str(row.need_id),
        "need_key": row.need_key,
        "indicator_id": row.indicator_id,
        "outcomes": row.outcomes,
        "area_kind": row.area_kind,
        "area_code": row.area_code,
        "breakdown": dict(parse_breakdown_key(row.breakdown_key)),
        "vulnerable_group": row.vulnerable_group,
        "state": row.state,
        "reason": row.reason,
        "reasons": row.reasons,
        "identified_at": row.identified_at.isoformat(),
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "evidence": row.evidence,
        "resolution_evidence": row.resolution_evidence,
    }


def filter_needs(
    rows: Sequence[NeedRow], config: NeedsConfig, *, outcome: str | None, group: str | None
) -> list[NeedRow]:
    return [
        r
        for r in rows
        if r.indicator_id in config.catalogue
        and matches(r.indicator_id, r.breakdown_key, config, outcome=outcome, group=group)
    ]


# --------------------------------------------------------------------------------------
# Needs assessments
# --------------------------------------------------------------------------------------

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


async def publish_assessment(
    uow: UnitOfWork, config: NeedsConfig, kind: AreaKind, code: str, requested_by: str
) -> NeedsAssessmentRow:
    """Snapshot the area's indicators, comparisons, trends, needs and vulnerable groups as
    the next version of its needs assessment, and publish NeedsAssessmentPublished."""
    conn = await uow.driver_connection()
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        f"needs.assessment:{kind.value}:{code}",
    )
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
    digest = hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:32]
    needs = await repository.find_needs(uow.session, areas=[(kind.value, code)], state="open")
    version = await repository.next_assessment_version(uow.session, kind.value, code)
    assessment_id = uuid.uuid4()
    now = datetime.now(UTC)
    summary = AssessmentSummary(
        indicators=len({r["indicator_id"] for r in rows}),
        needs=len(needs),
        vulnerable_groups=sum(1 for n in needs if n.vulnerable_group),
        worse_and_worsening=sum(1 for r in rows if r["worse_and_worsening"]),
    )
    title = f"Needs assessment: {_area_name(config, kind, code)}, version {version}"
    body: dict[str, Any] = {
        "assessment_id": str(assessment_id),
        "version": version,
        "title": title,
        "area": {"kind": kind.value, "code": code},
        "trust": config.trust_id,
        "published_at": now.isoformat(),
        "method": {
            "default_comparator": config.analysis.default_comparator,
            "trend_periods": config.analysis.trend_periods,
            "worsening_periods_to_flag": config.analysis.worsening_periods_to_flag,
            "disclosure_rule": config.rule.name,
            "suppressed_marker": config.rule.symbol,
        },
        "summary": summary.model_dump(),
        "indicators": rows,
        "needs": [need_view(n) for n in needs],
        "vulnerable_groups": [r for r in rows if r["vulnerable_group"]],
        "caf_activity": [
            r
            for r in rows
            if config.catalogue[r["indicator_id"]].caf_activity
            and "need_category" in r["breakdown"]
        ],
        "data_version": digest,
        "data_versions": [
            dict(
                zip(
                    (
                        "indicator_id",
                        "area_kind",
                        "area_code",
                        "period",
                        "breakdown_key",
                        "revision",
                    ),
                    v,
                    strict=True,
                )
            )
            for v in versions
        ],
    }
    row = NeedsAssessmentRow(
        assessment_id=assessment_id,
        area_kind=kind.value,
        area_code=code,
        version=version,
        published_at=now,
        requested_by=requested_by,
        data_version=digest,
        body=body,
        csv=to_csv(rows, config.rule.symbol),
    )
    uow.session.add(row)
    uow.publish(
        NeedsAssessmentPublished(
            assessment_id=assessment_id,
            version=version,
            area=contract_area(kind, code),
            title=title,
            published_at=now,
            summary=summary,
            data_version=digest,
            json_path=f"/needs-assessments/{assessment_id}.json",
            csv_path=f"/needs-assessments/{assessment_id}.csv",
        ),
        subject=f"needs-assessment/{kind.value}/{code}",
        locality=code if kind is AreaKind.LOCALITY else None,
    )
    return row


def to_csv(rows: Sequence[dict[str, Any]], marker: str) -> str:
    """The Fingertips-style export; suppressed counts shown as the marker."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        line = dict(row)
        line["outcomes"] = ";".join(row["outcomes"])
        line["breakdown"] = ";".join(f"{k}={v}" for k, v in sorted(row["breakdown"].items()))
        if row["count_suppressed"]:
            line["count"] = marker if row["count"] is None else row["count"]
            line["denominator"] = marker if row["denominator"] is None else row["denominator"]
        writer.writerow(line)
    return out.getvalue()


def _area_name(config: NeedsConfig, kind: AreaKind, code: str) -> str:
    return f"{kind.value} {code}"
