"""Ingest: agencies submit batches of aggregate indicator values and read back their own.

No ``from __future__ import annotations`` here: the batch limit is a setting, so the body
annotation refers to a validator built per router, which FastAPI must see as an object.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import BatchRefused, Incoming, ingest
from services.needs.application.ports import UnitOfWorkFactory, ValueRevision
from services.needs.domain.model import AreaKind
from services.needs.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.needs.entrypoints.http.models import (
    IndicatorValueBatch,
    IngestAnswer,
    ItemResult,
    ValueRevisionView,
)
from shared.auth import Principal, Role, require_roles
from shared.contracts.json_schema import event_json_schema
from shared.contracts.needs import PERIOD_PATTERN
from shared.contracts.registry import registry

INBOUND_TYPE = "needs.IndicatorValueSubmitted.v1"
AgencyPublisher = Annotated[Principal, Depends(require_roles(Role.AGENCY_PUBLISHER))]
SAFE_TEXT = r"^[^\x00]*$"
"""PostgreSQL text holds no NUL character: a parameter with one is refused, not stored."""


def at_most(max_values: int) -> Callable[[IndicatorValueBatch], IndicatorValueBatch]:
    """A batch of more than ``max_values`` values is refused (422), before any is read."""

    def check(batch: IndicatorValueBatch) -> IndicatorValueBatch:
        if len(batch.values) > max_values:
            raise ValueError(f"a batch holds at most {max_values} values")
        return batch

    return check


def ingest_router(config: NeedsConfig, uows: UnitOfWorkFactory, max_values: int) -> APIRouter:
    """``max_values``: the most values one batch may hold (``NEEDS_MAX_BATCH_VALUES``)."""
    router = APIRouter(tags=["ingest"])
    limited = AfterValidator(at_most(max_values))
    batch_body = Body(description=f"At most {max_values} values.")

    @router.post(
        "/indicator-values",
        summary="Submit a batch of aggregate indicator values",
        response_model=IngestAnswer,
        responses=errors(*AUTHENTICATED, 409, 413, 422),
    )
    async def submit_values(
        principal: AgencyPublisher, batch: Annotated[IndicatorValueBatch, batch_body, limited]
    ) -> IngestAnswer | JSONResponse:
        """Store values (idempotently), re-analyse, publish needs identified or resolved.
        A refused value refuses the whole batch: 422 with every reason, or 409 when a
        revision was already received with different figures."""
        with refusals_as_http():
            queries.check_agencies(principal, [v.agency for v in batch.values])
        try:
            async with uows() as uow:
                results, changes = await ingest(
                    [Incoming(v) for v in batch.values], uow, config, via="http"
                )
                await uow.commit()
        except BatchRefused as refused:
            return JSONResponse(
                {"detail": [r.__dict__ for r in refused.refusals]},
                status_code=status.HTTP_409_CONFLICT if refused.conflict else 422,
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
        summary="Every revision an agency submitted for one indicator and area",
        response_model=list[ValueRevisionView],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def value_history(
        principal: AgencyPublisher,
        indicator_id: str,
        area_kind: AreaKind,
        area_code: Annotated[str, Query(max_length=64, pattern=SAFE_TEXT)],
        period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
        breakdown: Annotated[
            str | None,
            Query(description="e.g. sex=female; '' for all", max_length=512, pattern=SAFE_TEXT),
        ] = None,
    ) -> list[ValueRevisionView]:
        """The owning agency reads back its own submissions, superseded revisions included."""
        with refusals_as_http():
            async with uows() as uow:
                revisions = await queries.value_history(
                    uow, config, principal, indicator_id, (area_kind, area_code), period, breakdown
                )
        return [revision_view(r) for r in revisions]

    @router.get(
        "/schemas/indicator-values.v1.json",
        summary="JSON Schema of a record on the inbound topic needs.indicator-values.v1",
    )
    async def inbound_schema() -> dict[str, Any]:
        """The envelope with an IndicatorValueSubmitted payload (no token needed)."""
        return inbound_json_schema()

    return router


_VALUE_FIELDS = (
    "indicator_id",
    "agency",
    "area_code",
    "period",
    "numerator",
    "denominator",
    "value",
    "standard_deviation",
    "revision",
    "note",
)


def revision_view(r: ValueRevision) -> ValueRevisionView:
    return ValueRevisionView(
        seq=r.seq,
        **{f: getattr(r.value, f) for f in _VALUE_FIELDS},
        area_kind=r.value.area_kind.value,
        breakdown_key=r.value.breakdown_key,
        received_via=r.received_via,
        source_event_id=r.source_event_id,
        received_at=r.received_at,
    )


def inbound_json_schema() -> dict[str, Any]:
    """JSON Schema of a record value on needs.indicator-values.v1: the envelope whose
    payload is an IndicatorValueSubmitted (the same document as docs/schemas/events/)."""
    return event_json_schema(registry.contract(INBOUND_TYPE))
