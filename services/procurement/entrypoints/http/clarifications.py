"""Clarification questions and answers, visible to every bidder."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from services.procurement.application import clarifications
from services.procurement.application.common import ProcurementConfig
from services.procurement.application.ports import Clarification, Clock, UnitOfWorkFactory
from services.procurement.entrypoints.http.errors import READ, WRITE, errors, refusals_as_http
from services.procurement.entrypoints.http.models import AnswerIn, ClarificationView, QuestionIn
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def view(c: Clarification) -> ClarificationView:
    return ClarificationView(
        clarification_id=c.clarification_id,
        question=c.question,
        asked_at=c.asked_at,
        answer=c.answer,
        answered_at=c.answered_at,
    )


def clarifications_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock
) -> APIRouter:
    router = APIRouter(prefix="/procurements/{procurement_id}/clarifications", tags=["bids"])

    @router.post(
        "",
        status_code=201,
        summary="Ask a clarification question (a provider that may bid)",
        response_model=ClarificationView,
        responses=errors(*WRITE),
    )
    async def ask(principal: Caller, procurement_id: uuid.UUID, body: QuestionIn) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                asked = await clarifications.ask(
                    uow, config, principal, procurement_id, body.question, clock
                )
        return view(asked)

    @router.put(
        "/{clarification_id}/answer",
        summary="Answer a question (commissioners), for all bidders",
        response_model=ClarificationView,
        responses=errors(*WRITE),
    )
    async def answer(
        principal: Caller, procurement_id: uuid.UUID, clarification_id: uuid.UUID, body: AnswerIn
    ) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                answered = await clarifications.answer(
                    uow, config, principal, (procurement_id, clarification_id), body.answer, clock
                )
        return view(answered)

    @router.get(
        "",
        summary="Every question and answer on the tender",
        response_model=list[ClarificationView],
        responses=errors(*READ),
    )
    async def listed(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                found = await clarifications.listed(uow, config, principal, procurement_id)
        return [view(c) for c in found]

    return router
