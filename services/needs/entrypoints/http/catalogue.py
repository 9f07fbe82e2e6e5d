"""The indicator catalogue: what each indicator measures, who publishes it, how it is
benchmarked. Any authenticated caller may read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.domain.catalogue import Indicator
from services.needs.entrypoints.http.errors import SIGNED_IN, errors, refusals_as_http
from services.needs.entrypoints.http.models import IndicatorView
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def catalogue_router(config: NeedsConfig) -> APIRouter:
    router = APIRouter(tags=["catalogue"])

    @router.get(
        "/indicators",
        summary="The indicator catalogue",
        response_model=list[IndicatorView],
        responses=errors(*SIGNED_IN, 422),
    )
    async def indicators(_: Caller, outcome: str | None = None) -> list[IndicatorView]:
        return [
            indicator_view(i, config)
            for i in config.catalogue
            if outcome is None or outcome in i.outcomes
        ]

    @router.get(
        "/indicators/{indicator_id}",
        summary="One indicator",
        response_model=IndicatorView,
        responses=errors(*SIGNED_IN, 404, 422),
    )
    async def indicator(_: Caller, indicator_id: str) -> IndicatorView:
        with refusals_as_http():
            queries.check_indicator(indicator_id, config)
        return indicator_view(config.catalogue[indicator_id], config)

    return router


def indicator_view(indicator: Indicator, config: NeedsConfig) -> IndicatorView:
    """An indicator as the catalogue endpoint shows it."""
    return IndicatorView(
        id=indicator.id,
        name=indicator.name,
        outcomes=list(indicator.outcomes),
        value_type=indicator.value_type.value,
        multiplier=indicator.multiplier,
        unit=indicator.unit,
        polarity=indicator.polarity.value,
        comparator=indicator.comparator_or(config.analysis.default_comparator),
        confidence=indicator.confidence.value,
        owning_agency=indicator.owning_agency,
        breakdowns=sorted(indicator.breakdowns),
        caf_activity=indicator.caf_activity,
        description=indicator.description,
        example_configuration=indicator.example,
    )
