"""The dashboards: one server-rendered page per audience (Durham Children's Trust
framework, section 3): a Local Children's Board sees its locality, the JCU the whole
pipeline, the Executive Board outcomes, money and what awaits its decision. Every page
reads through the same scoped use cases as the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.boards.application import executive, jcu
from services.boards.application.local_board import local_board
from services.boards.entrypoints.http.wiring import Wiring
from services.boards.entrypoints.pages import figures
from services.boards.entrypoints.pages.rendering import (
    ROOT,
    SIGN_IN,
    dashboard,
    home,
    sign_in_page,
)
from services.boards.entrypoints.pages.session import (
    SignInRequired,
    forget,
    keep,
    signed_in,
    token_from,
    verify,
)
from shared.auth import Principal

Locality = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix=ROOT, tags=["dashboards"], include_in_schema=False)
    _session_routes(router)

    @router.get("/local/{locality}")
    async def local_page(request: Request, locality: Locality) -> Response:
        async def build(principal: Principal) -> tuple[str, dict[str, Any]]:
            async with wiring.unit_of_work() as uow:
                view = await local_board(uow, principal, locality, wiring.localities)
            return "local.html", local_context(view, locality)

        return await dashboard(request, build)

    @router.get("/jcu")
    async def jcu_page(request: Request) -> Response:
        async def build(principal: Principal) -> tuple[str, dict[str, Any]]:
            async with wiring.unit_of_work() as uow:
                found = {
                    "pipeline": await jcu.jcu_projects(uow, principal),
                    "procurements": await jcu.jcu_procurements(uow, principal),
                    "contracts": await jcu.jcu_contracts(uow, principal),
                    "funds": await jcu.jcu_budgets(uow, principal),
                    "alerts": await jcu.jcu_alerts(uow, principal),
                    "gaps": await jcu.jcu_gaps(uow, principal),
                }
            return "jcu.html", jcu_context(found)

        return await dashboard(request, build)

    @router.get("/executive")
    async def executive_page(request: Request) -> Response:
        async def build(principal: Principal) -> tuple[str, dict[str, Any]]:
            async with wiring.unit_of_work() as uow:
                found = {
                    "plan": await executive.plan_progress(uow, principal),
                    "cards": await executive.scorecard(uow, principal),
                    "escalations": await executive.escalations(uow, principal),
                    "spend": await executive.spend(uow, principal),
                    "evaluations": await executive.self_evaluations(uow, principal),
                    "contracts": await jcu.jcu_contracts(uow, principal),
                }
            return "executive.html", executive_context(found)

        return await dashboard(request, build)

    return router


def _session_routes(router: APIRouter) -> None:
    @router.get("")
    async def landing(request: Request) -> Response:
        try:
            return RedirectResponse(home(signed_in(request)), status_code=303)
        except SignInRequired:
            return RedirectResponse(SIGN_IN, status_code=303)

    @router.get("/sign-in")
    async def sign_in_form() -> Response:
        return sign_in_page(None)

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        """Exchanges the platform's bearer token for the dashboards' cookie (`session`);
        answers where to go next."""
        try:
            token = token_from(request)
            principal = verify(request, token)
        except SignInRequired as refused:
            body = {"detail": [{"field": "Authorization", "rule": refused.reason}]}
            return JSONResponse(body, status_code=refused.status_code)
        if home(principal) == SIGN_IN:  # a provider, publisher or operator: no board at all
            rule = "no board is open to the token's roles; boards are for board members"
            return JSONResponse({"detail": [{"field": "roles", "rule": rule}]}, status_code=403)
        response = JSONResponse({"location": home(principal)})
        keep(response, request, token)
        return response

    @router.get("/sign-out")
    async def sign_out(request: Request) -> Response:
        response = RedirectResponse(SIGN_IN, status_code=303)
        forget(response, request)
        return response


def local_context(view: Any, locality: str) -> dict[str, Any]:
    place = locality.replace("-", " ").title()
    return {
        "title": f"{place} Local Children's Board",
        "lede": f"Needs, projects, contracts and alerts in {place}, as the services report them.",
        "place": place,
        "view": view,
        "summary": [
            ("open needs", len(view.needs)),
            ("vulnerable groups with needs", len(view.vulnerable_groups)),
            ("local projects", len(view.projects)),
            ("local contracts", len(view.contracts)),
            ("open alerts when the page loaded", len(view.alerts)),
        ],
        "need_chart": figures.need_spines(f"Needs in {place} against benchmark", view.needs),
        "group_chart": figures.need_spines("Vulnerable groups' needs", view.vulnerable_groups),
        "stages": figures.project_stages(view.projects),
        "grid": figures.contract_grid(view.contracts),
        "alerts": [figures.alert_item(a, figures.titles(view.contracts)) for a in view.alerts],
        "alerts_heading": f"Open alerts for the {place} board",
        "stream_url": f"{ROOT}/stream/local/{locality}",
    }


def jcu_context(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "Joint Commissioning Unit",
        "lede": "Every project by stage, the procurement pipeline, budgets, contracts, gaps "
        "and every open alert across the trust.",
        "summary": [
            ("projects", len(found["pipeline"].projects)),
            ("procurements", len(found["procurements"].procurements)),
            ("contracts", len(found["contracts"])),
            ("open alerts when the page loaded", len(found["alerts"])),
            ("needs with no service", len(found["gaps"].needs_without_service)),
        ],
        "stages": figures.project_stages(found["pipeline"].projects),
        "procurement_stages": figures.procurement_stages(found["procurements"].by_stage),
        "funds": found["funds"],
        "budgets": figures.budgets(found["funds"]),
        "grid": figures.contract_grid(found["contracts"]),
        "gaps": found["gaps"],
        "alerts": [
            figures.alert_item(a, figures.titles(found["contracts"])) for a in found["alerts"]
        ],
        "alerts_heading": "All open alerts",
        "stream_url": f"{ROOT}/stream/jcu",
    }


def executive_context(found: dict[str, Any]) -> dict[str, Any]:
    plan = found["plan"]
    return {
        "title": "Children's Executive Board",
        "lede": "Progress on the Annual Commissioning Plan, outcomes against benchmark, "
        "spend, the self-evaluation, and what awaits the Board's decision.",
        "summary": [
            ("priorities in the plan", len(plan)),
            ("escalations awaiting decision when the page loaded", len(found["escalations"])),
        ],
        "plan": plan,
        "plan_chart": figures.value_bars_of_plan(plan),
        "scorecard": figures.outcome_scorecard(found["cards"]),
        "spend": found["spend"],
        "spend_by_outcome": figures.money_bars(
            "Contract value by outcome", found["spend"].by_outcome, "Outcome"
        ),
        "spend_by_partner": figures.money_bars(
            "Committed funding by partner", found["spend"].by_partner, "Partner"
        ),
        "evaluation_chart": figures.self_evaluation_trend(found["evaluations"]),
        "alerts": [
            figures.alert_item(a, figures.titles(found["contracts"])) for a in found["escalations"]
        ],
        "alerts_heading": "Escalations awaiting the Board's decision",
        "stream_url": f"{ROOT}/stream/executive",
    }
