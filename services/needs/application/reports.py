"""Read models: values, comparisons and needs of an area.

Everything returned here is disclosure-controlled through ``EvidencePublisher`` (the trust's
small-number suppression rule applied to whole tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from services.needs.application.config import NeedsConfig
from services.needs.application.evidence import EvidencePublisher
from services.needs.application.ports import NeedsUnitOfWork
from services.needs.application.releases import load_released
from services.needs.domain.analysis import IndicatorData, SeriesAssessment, assess_series
from services.needs.domain.model import AreaKind, parse_breakdown_key
from services.needs.domain.need import Need


async def load(
    uow: NeedsUnitOfWork, config: NeedsConfig, indicator_ids: Iterable[str] | None = None
) -> dict[str, IndicatorData]:
    """Current values of the catalogue's indicators (or some of them), with every earlier
    release of their tables (``releases.py``): record what is published from them."""
    wanted = [i.id for i in config.catalogue] if indicator_ids is None else list(indicator_ids)
    values = await uow.values.current(wanted)
    released = await load_released(uow, config, wanted)
    return {
        i: IndicatorData(config.catalogue[i], values.get(i, ()), released.get(i))
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
) -> list[tuple[SeriesAssessment, EvidencePublisher]]:
    """Every series of the area, assessed at its latest period."""
    found: list[tuple[SeriesAssessment, EvidencePublisher]] = []
    for indicator_id, data in datas.items():
        publisher = EvidencePublisher(data, config.rule, config.trust_id)
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
        publisher = EvidencePublisher(data, config.rule, config.trust_id)
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


def need_view(need: Need) -> dict[str, Any]:
    """A need as the API and the assessments show it (evidence as it was published)."""
    return {
        "need_id": str(need.need_id),
        "need_key": need.need_key,
        "indicator_id": need.indicator_id,
        "outcomes": list(need.outcomes),
        "area_kind": need.area_kind.value,
        "area_code": need.area_code,
        "breakdown": dict(need.breakdown),
        "vulnerable_group": need.vulnerable_group,
        "state": need.state.value,
        "reason": need.reason,
        "reasons": list(need.reasons),
        "identified_at": need.identified_at.isoformat(),
        "resolved_at": need.resolved_at.isoformat() if need.resolved_at else None,
        "evidence": dict(need.evidence),
        "resolution_evidence": (
            dict(need.resolution_evidence) if need.resolution_evidence is not None else None
        ),
    }


def filter_needs(
    rows: Sequence[Need], config: NeedsConfig, *, outcome: str | None, group: str | None
) -> list[Need]:
    return [
        r
        for r in rows
        if r.indicator_id in config.catalogue
        and matches(r.indicator_id, r.breakdown_key, config, outcome=outcome, group=group)
    ]
