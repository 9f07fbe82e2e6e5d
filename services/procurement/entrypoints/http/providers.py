"""The provider register and the select lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.procurement.application import providers
from services.procurement.application.common import (
    Forbidden,
    NotFound,
    Problem,
    ProcurementConfig,
    check_locality,
    visible_localities,
)
from services.procurement.application.ports import Clock, UnitOfWorkFactory
from services.procurement.domain.providers import Evidence, Provider
from services.procurement.entrypoints.http.errors import READ, WRITE, errors, refusals_as_http
from services.procurement.entrypoints.http.models import (
    AdmissionIn,
    ProviderIn,
    ProviderView,
    SelectListView,
    Slug,
    Text,
)
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def provider_view(p: Provider, config: ProcurementConfig, clock: Clock) -> ProviderView:
    e = p.eligibility(clock().date(), config.evidence_warning_days)
    return ProviderView(
        provider_id=p.provider_id,
        name=p.name,
        sector=p.sector,
        evidence=[
            {"standard": s.value, "reference": v.reference, "expires_on": v.expires_on.isoformat()}
            for s, v in sorted(p.evidence.items())
        ],
        eligible=e.eligible,
        missing=list(e.missing),
        lapsed=list(e.lapsed),
        lapsing=list(e.lapsing),
    )


def providers_router(config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["providers and select lists"])

    @router.put(
        "/providers/{provider_id}",
        summary="Register or update a provider and its quality evidence",
        response_model=ProviderView,
        responses=errors(*WRITE),
    )
    async def register(principal: Caller, provider_id: Slug, body: ProviderIn) -> Any:
        if body.provider_id != provider_id:
            raise_mismatch()
        provider = Provider(
            body.provider_id,
            body.name,
            body.sector,
            {e.standard: Evidence(e.standard, e.reference, e.expires_on) for e in body.evidence},
        )
        with refusals_as_http():
            async with uows() as uow:
                await providers.register_provider(uow, principal, provider, clock)
        return provider_view(provider, config, clock)

    @router.get(
        "/providers",
        summary="Providers visible to the caller, with evidence lapsing flagged",
        response_model=list[ProviderView],
        responses=errors(*READ),
    )
    async def listed(principal: Caller) -> Any:
        async with uows() as uow:
            found = await providers.providers_visible(uow, principal)
        return [provider_view(p, config, clock) for p in found]

    @router.get(
        "/providers/{provider_id}",
        summary="One provider",
        response_model=ProviderView,
        responses=errors(*READ),
    )
    async def one(principal: Caller, provider_id: Slug) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                found = await uow.providers.get(provider_id)
            if found is None or not providers.may_read_provider(principal, provider_id):
                raise NotFound("provider_id", f"no provider {provider_id!r} visible to you")
        return provider_view(found, config, clock)

    return router


def select_lists_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock
) -> APIRouter:
    """Select lists per locality and priority, kept by that locality's board."""
    router = APIRouter(tags=["providers and select lists"])

    @router.get(
        "/select-lists",
        summary="Select lists of the localities the caller may see",
        response_model=list[SelectListView],
        responses=errors(*READ),
    )
    async def lists(principal: Caller, locality: Annotated[str | None, Query()] = None) -> Any:
        with refusals_as_http():
            visible = visible_localities(principal, config)
            if visible is not None and not visible:
                raise Forbidden("roles", "select lists are for commissioners and local boards")
            wanted = visible
            if locality is not None:
                check_locality(locality, config)
                if visible is not None and locality not in visible:
                    raise Forbidden("locality", f"no access to locality {locality!r}")
                wanted = [locality]
            async with uows() as uow:
                found = await uow.select_lists.lists(wanted)
        return [
            SelectListView(locality=k[0], priority=k[1], providers=v)
            for k, v in sorted(found.items())
        ]

    @router.post(
        "/select-lists/{locality}/{priority}/providers",
        status_code=204,
        summary="Admit a provider (that locality's board)",
        response_class=Response,
        responses=errors(*WRITE),
    )
    async def admit(
        principal: Caller, locality: str, priority: Slug, body: AdmissionIn
    ) -> Response:
        with refusals_as_http():
            async with uows() as uow:
                await providers.admit(
                    uow, config, principal, (locality, priority), body.provider_id, clock
                )
        return Response(status_code=204)

    @router.delete(
        "/select-lists/{locality}/{priority}/providers/{provider_id}",
        status_code=204,
        summary="Remove a provider (that locality's board)",
        response_class=Response,
        responses=errors(*WRITE),
    )
    async def remove(
        principal: Caller,
        locality: str,
        priority: Slug,
        provider_id: Slug,
        reason: Annotated[Text, Query()],
    ) -> Response:
        with refusals_as_http():
            async with uows() as uow:
                await providers.remove(
                    uow, config, principal, (locality, priority), provider_id, reason, clock
                )
        return Response(status_code=204)

    return router


def raise_mismatch() -> None:
    with refusals_as_http():
        raise Problem("provider_id", "the body's provider_id must match the path")
