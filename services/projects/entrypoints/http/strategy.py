"""Scoping and the strategy document (Urbanham, section 8 and toolkit appendices 1-2)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from services.projects.application import strategy as use_cases
from services.projects.application.changes import EDITORS, READERS, visible_project
from services.projects.application.ports import PdfRenderer, PdfUnavailable, UnitOfWorkFactory
from services.projects.domain.project import Project
from services.projects.domain.scoping import QUESTIONS, unanswered
from services.projects.domain.strategy import markdown, to_html
from services.projects.entrypoints.http.errors import (
    AUTHENTICATED,
    ETAG_HEADER,
    errors,
    etag,
    expected_version,
    refusals_as_http,
)
from shared.auth import Principal, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
MEDIA = {
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
}


class ScopingQuestion(BaseModel):
    number: int
    question: str
    answer: str


class ScopingView(BaseModel):
    version: int
    questions: list[ScopingQuestion]
    unanswered: list[int]


def scoping_view(p: Project) -> ScopingView:
    return ScopingView(
        version=p.version,
        questions=[
            ScopingQuestion(number=n, question=q, answer=p.scoping.get(n, ""))
            for n, q in QUESTIONS.items()
        ],
        unanswered=unanswered(p.scoping),
    )


def strategy_router(uows: UnitOfWorkFactory, render_pdf: PdfRenderer) -> APIRouter:
    router = APIRouter(tags=["scoping and strategy"])

    @router.get(
        "/projects/{project_id}/scoping",
        summary="The Urbanham scoping questions with the project's answers",
        response_model=ScopingView,
        responses={200: {"headers": ETAG_HEADER}, **errors(*AUTHENTICATED, 404, 422)},
    )
    async def scoping(principal: Reader, project_id: uuid.UUID, response: Response) -> ScopingView:
        with refusals_as_http():
            async with uows() as uow:
                project = await visible_project(uow, principal, project_id)
        response.headers["ETag"] = etag(project.version)
        return scoping_view(project)

    @router.patch(
        "/projects/{project_id}/scoping",
        summary="Answer scoping questions (those given replace stored answers)",
        response_model=ScopingView,
        responses={
            200: {"headers": ETAG_HEADER},
            **errors(*AUTHENTICATED, 404, 409, 412, 413, 422, 428),
        },
    )
    async def answer(
        principal: Editor,
        project_id: uuid.UUID,
        answers: Annotated[use_cases.ScopingAnswers, Body()],
        response: Response,
        if_match: IfMatch = None,
    ) -> ScopingView:
        version = expected_version(if_match)
        with refusals_as_http():
            async with uows() as uow:
                project = await use_cases.answer_scoping(
                    uow, principal, project_id, version, answers
                )
                await uow.commit()
        response.headers["ETag"] = etag(project.version)
        return scoping_view(project)

    @router.get(
        "/projects/{project_id}/strategy",
        summary="The commissioning strategy in the Urbanham template's sections, gaps shown",
        response_class=Response,
        responses={
            200: {
                "content": {
                    "text/html": {"schema": {"type": "string"}},
                    "text/markdown": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                }
            },
            **errors(*AUTHENTICATED, 404, 422),
        },
    )
    async def strategy(
        principal: Reader,
        project_id: uuid.UUID,
        format: Annotated[Literal["html", "markdown", "pdf"], Query()] = "html",
    ) -> Response:
        with refusals_as_http():
            async with uows() as uow:
                project, sections = await use_cases.strategy_of(uow, principal, project_id)
        if format == "markdown":
            return Response(markdown(project.title, sections), media_type=MEDIA[format])
        page = to_html(project.title, sections)
        if format == "html":
            return Response(page, media_type=MEDIA[format])
        return Response(await _pdf(render_pdf, page), media_type=MEDIA[format])

    return router


async def _pdf(render_pdf: PdfRenderer, page: str) -> bytes:
    """Rendered off the event loop; 503 naming the format where Pango is missing."""
    try:
        return await run_in_threadpool(render_pdf, page)
    except PdfUnavailable as missing:
        raise HTTPException(503, detail={"field": "format", "rule": str(missing)}) from None
