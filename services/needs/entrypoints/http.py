"""HTTP API of the needs service: ingest, catalogue, values, comparisons, needs, assessments.

Scoping (shared/auth.py): trust-wide roles see every area; a Local Children's Board member
sees their own locality, the trust and the comparator areas (Durham 001 Section 3, "Local
Children's Boards"); agency publishers submit values for their own indicators and read
back their own submissions' history. Every figure below trust level is
disclosure-controlled.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from services.needs.adapters import repository
from services.needs.adapters.tables import NeedsAssessmentRow
from services.needs.application import reports
from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import BatchRefused, Incoming, ingest
from services.needs.domain.model import AreaKind
from shared.auth import TRUST_WIDE_ROLES, Principal, Role, current_principal, require_roles
from shared.contracts.needs import IndicatorValueSubmitted
from shared.contracts.registry import registry
from shared.runtime import ServiceContext
from shared.schemas import event_json_schema

INBOUND_TYPE = "needs.IndicatorValueSubmitted.v1"
READERS = (*sorted(TRUST_WIDE_ROLES), Role.LOCAL_BOARD_MEMBER)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Publisher = Annotated[Principal, Depends(require_roles(Role.AGENCY_PUBLISHER))]
Commissioner = Annotated[
    Principal,
    Depends(require_roles(Role.JCU, Role.LEAD_COMMISSIONER)),
]


class IndicatorValueBatch(BaseModel):
    """A batch of values from one agency; all are stored or none."""

    model_config = ConfigDict(extra="forbid")

    values: list[IndicatorValueSubmitted] = Field(min_length=1, max_length=5_000)


class ItemResult(BaseModel):
    index: int
    outcome: str = Field(description="stored | duplicate")
    current: bool = Field(description="False when a higher revision is already held.")


class IngestAnswer(BaseModel):
    stored: int
    duplicates: int
    needs_identified: int
    needs_resolved: int
    results: list[ItemResult]


class AssessmentRequest(BaseModel):
    """Areas to assess: 'trust' and/or locality ids; empty means the trust and every
    locality."""

    model_config = ConfigDict(extra="forbid")

    areas: list[str] = Field(default_factory=list, max_length=100)


def _forbidden(rule: str, field: str = "area") -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail={"field": field, "rule": rule})


def _not_found(field: str, rule: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail={"field": field, "rule": rule})


def visible_areas(principal: Principal, config: NeedsConfig) -> list[tuple[str, str]] | None:
    """None for trust-wide roles (everything); else the trust and the member's locality."""
    if principal.is_trust_wide:
        return None
    areas = [(AreaKind.TRUST.value, config.trust_id)]
    if principal.locality:
        areas.append((AreaKind.LOCALITY.value, principal.locality))
    return areas


def build_router(ctx: ServiceContext, config: NeedsConfig) -> APIRouter:
    """The service's routes, closed over its context and configuration."""
    router = APIRouter()

    def check_locality(principal: Principal, locality: str) -> None:
        if locality not in config.locality_ids:
            raise _not_found("locality", f"unknown locality {locality!r}")
        if not principal.can_see_locality(locality):
            raise _forbidden(f"a local board member sees locality {principal.locality!r} only")

    def check_indicator(indicator_id: str | None) -> None:
        if indicator_id is not None and indicator_id not in config.catalogue:
            raise _not_found("indicator_id", f"unknown indicator {indicator_id!r}")

    # ---------------------------------------------------------------- ingest

    @router.post(
        "/indicator-values",
        tags=["ingest"],
        summary="Submit a batch of aggregate indicator values",
        response_model=IngestAnswer,
        responses={
            422: {"description": "A value broke a rule: [{index, field, rule}]"},
            409: {"description": "A revision was reused with different figures"},
        },
    )
    async def submit_values(
        principal: Publisher, batch: Annotated[IndicatorValueBatch, Body()]
    ) -> IngestAnswer | JSONResponse:
        """Store values (idempotently), re-analyse, publish needs identified or resolved."""
        wrong = [
            {
                "index": i,
                "field": "agency",
                "rule": f"this token publishes for agency {principal.agency!r} only",
            }
            for i, v in enumerate(batch.values)
            if not principal.can_publish_for_agency(v.agency)
        ]
        if wrong:
            return JSONResponse({"detail": wrong}, status_code=status.HTTP_403_FORBIDDEN)
        items = [Incoming(v) for v in batch.values]
        try:
            async with ctx.unit_of_work() as uow:
                results, changes = await ingest(items, uow, config, via="http")
                await uow.commit()
        except BatchRefused as refused:
            return JSONResponse(
                {"detail": [r.__dict__ for r in refused.refusals]},
                status_code=409 if refused.conflict else 422,
            )
        return IngestAnswer(
            stored=sum(1 for r in results if r.outcome == "stored"),
            duplicates=sum(1 for r in results if r.outcome == "duplicate"),
            needs_identified=sum(1 for c in changes if c.transition == "identify"),
            needs_resolved=sum(1 for c in changes if c.transition == "resolve"),
            results=[
                ItemResult(index=r.index, outcome=r.outcome, current=r.current) for r in results
            ],
        )

    @router.get(
        "/indicator-values/history",
        tags=["ingest"],
        summary="Every revision an agency submitted for one indicator and area",
    )
    async def value_history(
        principal: Publisher,
        indicator_id: str,
        area_kind: AreaKind,
        area_code: str,
        period: str | None = None,
        breakdown: str | None = Query(default=None, description="e.g. sex=female; '' for all"),
    ) -> list[dict[str, Any]]:
        """The owning agency reads back its own submissions, superseded revisions included."""
        check_indicator(indicator_id)
        owner = config.catalogue[indicator_id].owning_agency
        if not principal.can_publish_for_agency(owner):
            raise _forbidden(f"indicator {indicator_id!r} belongs to agency {owner!r}", "agency")
        async with ctx.unit_of_work() as uow:
            conn = await uow.driver_connection()
            rows = await repository.value_history(
                conn, indicator_id, area_kind.value, area_code, period, breakdown
            )
        for row in rows:
            row["received_at"] = row["received_at"].isoformat()
            row["source_event_id"] = str(row["source_event_id"]) if row["source_event_id"] else None
        return rows

    @router.get(
        "/schemas/indicator-values.v1.json",
        tags=["ingest"],
        summary="JSON Schema of a record on the inbound topics needs.indicator-values.<agency>.v1",
    )
    async def inbound_schema() -> dict[str, Any]:
        """The envelope with an IndicatorValueSubmitted payload (no token needed)."""
        return inbound_json_schema()

    # ---------------------------------------------------------------- catalogue

    @router.get("/indicators", tags=["catalogue"], summary="The indicator catalogue")
    async def indicators(
        _: Annotated[Principal, Depends(current_principal)],
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        return [
            indicator_view(i, config)
            for i in config.catalogue
            if outcome is None or outcome in i.outcomes
        ]

    @router.get("/indicators/{indicator_id}", tags=["catalogue"], summary="One indicator")
    async def indicator(
        _: Annotated[Principal, Depends(current_principal)], indicator_id: str
    ) -> dict[str, Any]:
        check_indicator(indicator_id)
        return indicator_view(config.catalogue[indicator_id], config)

    # ---------------------------------------------------------------- areas

    async def values_of(
        kind: AreaKind,
        code: str | None,
        indicator_id: str | None,
        outcome: str | None,
        group: str | None,
    ) -> list[dict[str, Any]]:
        check_indicator(indicator_id)
        async with ctx.unit_of_work() as uow:
            datas = await reports.load(uow, config, [indicator_id] if indicator_id else None)
        return reports.value_rows(datas, config, kind, code, outcome=outcome, group=group)

    async def comparisons_of(
        kind: AreaKind,
        code: str,
        indicator_id: str | None,
        outcome: str | None,
        group: str | None,
    ) -> list[dict[str, Any]]:
        check_indicator(indicator_id)
        async with ctx.unit_of_work() as uow:
            datas = await reports.load(uow, config, [indicator_id] if indicator_id else None)
        return reports.comparison_rows(datas, config, kind, code, outcome=outcome, group=group)

    async def needs_of(
        areas: list[tuple[str, str]] | None,
        state: str | None,
        outcome: str | None,
        group: str | None,
        vulnerable: bool | None,
    ) -> list[dict[str, Any]]:
        async with ctx.unit_of_work() as uow:  # read only: rows are read before it ends
            rows = await repository.find_needs(uow.session, areas=areas, state=state)
            rows = reports.filter_needs(rows, config, outcome=outcome, group=group)
            if vulnerable is not None:
                rows = [r for r in rows if r.vulnerable_group == vulnerable]
            return [reports.need_view(r) for r in rows]

    group_query = Query(
        default=None, description="A breakdown dimension (e.g. looked_after), or 'all'"
    )
    state_query = Query(default="open", pattern="^(open|resolved|all)$")

    @router.get("/localities/{locality}/values", tags=["areas"], summary="A locality's values")
    async def locality_values(
        principal: Reader,
        locality: str,
        indicator_id: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
    ) -> list[dict[str, Any]]:
        check_locality(principal, locality)
        return await values_of(AreaKind.LOCALITY, locality, indicator_id, outcome, group)

    @router.get(
        "/localities/{locality}/comparisons",
        tags=["areas"],
        summary="A locality's comparisons with benchmarks, trends and flags",
    )
    async def locality_comparisons(
        principal: Reader,
        locality: str,
        indicator_id: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
    ) -> list[dict[str, Any]]:
        check_locality(principal, locality)
        return await comparisons_of(AreaKind.LOCALITY, locality, indicator_id, outcome, group)

    @router.get("/localities/{locality}/needs", tags=["needs"], summary="A locality's needs")
    async def locality_needs(
        principal: Reader,
        locality: str,
        outcome: str | None = None,
        group: str | None = group_query,
        state: str = state_query,
        vulnerable: bool | None = None,
    ) -> list[dict[str, Any]]:
        check_locality(principal, locality)
        return await needs_of(
            [(AreaKind.LOCALITY.value, locality)],
            None if state == "all" else state,
            outcome,
            group,
            vulnerable,
        )

    @router.get("/trust/values", tags=["areas"], summary="The trust's values")
    async def trust_values(
        _: Reader,
        indicator_id: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
    ) -> list[dict[str, Any]]:
        return await values_of(AreaKind.TRUST, config.trust_id, indicator_id, outcome, group)

    @router.get("/trust/comparisons", tags=["areas"], summary="The trust's comparisons")
    async def trust_comparisons(
        _: Reader,
        indicator_id: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
    ) -> list[dict[str, Any]]:
        return await comparisons_of(AreaKind.TRUST, config.trust_id, indicator_id, outcome, group)

    @router.get("/trust/needs", tags=["needs"], summary="Trust-level needs")
    async def trust_needs(
        _: Reader,
        outcome: str | None = None,
        group: str | None = group_query,
        state: str = state_query,
        vulnerable: bool | None = None,
    ) -> list[dict[str, Any]]:
        return await needs_of(
            [(AreaKind.TRUST.value, config.trust_id)],
            None if state == "all" else state,
            outcome,
            group,
            vulnerable,
        )

    @router.get(
        "/comparators/{kind}/values",
        tags=["areas"],
        summary="Comparator areas' values (England, region, statistical neighbours)",
    )
    async def comparator_values(
        _: Reader,
        kind: AreaKind,
        indicator_id: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
    ) -> list[dict[str, Any]]:
        if kind in (AreaKind.LOCALITY, AreaKind.TRUST):
            raise _not_found("kind", "comparators are england, region or statistical_neighbour")
        return await values_of(kind, None, indicator_id, outcome, group)

    @router.get("/needs", tags=["needs"], summary="Needs across the areas the caller may see")
    async def all_needs(
        principal: Reader,
        locality: str | None = None,
        outcome: str | None = None,
        group: str | None = group_query,
        state: str = state_query,
        vulnerable: bool | None = None,
    ) -> list[dict[str, Any]]:
        areas = visible_areas(principal, config)
        if locality is not None:
            check_locality(principal, locality)
            areas = [(AreaKind.LOCALITY.value, locality)]
        return await needs_of(areas, None if state == "all" else state, outcome, group, vulnerable)

    # ---------------------------------------------------------------- assessments

    @router.post(
        "/needs-assessments",
        tags=["needs assessments"],
        summary="Publish a new version of the needs assessment for areas",
        status_code=status.HTTP_201_CREATED,
    )
    async def create_assessments(
        principal: Commissioner, request: Annotated[AssessmentRequest | None, Body()] = None
    ) -> list[dict[str, Any]]:
        wanted = (request.areas if request else []) or ["trust", *sorted(config.locality_ids)]
        areas: list[tuple[AreaKind, str]] = []
        for index, name in enumerate(wanted):
            if name == "trust":
                areas.append((AreaKind.TRUST, config.trust_id))
            elif name in config.locality_ids:
                areas.append((AreaKind.LOCALITY, name))
            else:
                raise HTTPException(
                    422,
                    detail=[{"field": f"areas.{index}", "rule": f"unknown area {name!r}"}],
                )
        created = []
        async with ctx.unit_of_work() as uow:
            for kind, code in areas:
                created.append(
                    await reports.publish_assessment(uow, config, kind, code, principal.subject)
                )
            await uow.commit()
        return [assessment_view(row) for row in created]

    @router.get("/needs-assessments", tags=["needs assessments"], summary="Assessments")
    async def list_assessments(principal: Reader) -> list[dict[str, Any]]:
        async with ctx.unit_of_work() as uow:
            rows = await repository.list_assessments(uow.session, visible_areas(principal, config))
            return [assessment_view(r) for r in rows]

    async def visible_assessment(
        principal: Principal, assessment_id: uuid.UUID
    ) -> NeedsAssessmentRow:
        async with ctx.unit_of_work() as uow:
            row = await repository.get_assessment(uow.session, assessment_id)
            if row is not None:
                uow.session.expunge(row)  # keep its loaded fields after the read ends
        if row is None:
            raise _not_found("assessment_id", f"no needs assessment {assessment_id}")
        if row.area_kind == AreaKind.LOCALITY.value and not principal.can_see_locality(
            row.area_code
        ):
            raise _forbidden(f"a local board member sees locality {principal.locality!r} only")
        return row

    @router.get(
        "/needs-assessments/{assessment_id}.json",
        tags=["needs assessments"],
        summary="Download a needs assessment as JSON",
    )
    async def assessment_json(principal: Reader, assessment_id: uuid.UUID) -> dict[str, Any]:
        row = await visible_assessment(principal, assessment_id)
        body: dict[str, Any] = row.body
        return body

    @router.get(
        "/needs-assessments/{assessment_id}.csv",
        tags=["needs assessments"],
        summary="Download a needs assessment's indicator table as CSV",
        response_class=PlainTextResponse,
    )
    async def assessment_csv(principal: Reader, assessment_id: uuid.UUID) -> PlainTextResponse:
        row = await visible_assessment(principal, assessment_id)
        return PlainTextResponse(
            row.csv,
            media_type="text/csv",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="needs-assessment-{row.area_code}-v{row.version}.csv"'
                )
            },
        )

    return router


def indicator_view(indicator: Any, config: NeedsConfig) -> dict[str, Any]:
    """An indicator as the catalogue endpoint shows it."""
    return {
        "id": indicator.id,
        "name": indicator.name,
        "outcomes": list(indicator.outcomes),
        "value_type": indicator.value_type.value,
        "multiplier": indicator.multiplier,
        "unit": indicator.unit,
        "polarity": indicator.polarity.value,
        "comparator": indicator.comparator_or(config.analysis.default_comparator),
        "confidence": indicator.confidence.value,
        "owning_agency": indicator.owning_agency,
        "breakdowns": sorted(indicator.breakdowns),
        "caf_activity": indicator.caf_activity,
        "description": indicator.description,
        "example_configuration": indicator.example,
    }


def assessment_view(row: Any) -> dict[str, Any]:
    return {
        "assessment_id": str(row.assessment_id),
        "version": row.version,
        "area": {"kind": row.area_kind, "code": row.area_code},
        "published_at": row.published_at.isoformat(),
        "data_version": row.data_version,
        "summary": row.body.get("summary"),
        "json_path": f"/needs-assessments/{row.assessment_id}.json",
        "csv_path": f"/needs-assessments/{row.assessment_id}.csv",
    }


def inbound_json_schema() -> dict[str, Any]:
    """JSON Schema of a record value on needs.indicator-values.<agency>.v1: the envelope whose
    payload is an IndicatorValueSubmitted (the same document as docs/schemas/events/)."""
    return event_json_schema(registry.contract(INBOUND_TYPE))
