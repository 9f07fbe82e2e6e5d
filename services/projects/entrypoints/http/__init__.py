"""HTTP API of the projects service, one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from services.projects.application.config import ProjectsConfig
from services.projects.application.ports import PdfRenderer, UnitOfWorkFactory
from services.projects.entrypoints.http.evidence import evidence_router
from services.projects.entrypoints.http.facts import facts_router
from services.projects.entrypoints.http.gates import gates_router
from services.projects.entrypoints.http.priorities import priorities_router
from services.projects.entrypoints.http.projects import projects_router
from services.projects.entrypoints.http.self_evaluation import self_evaluation_router
from services.projects.entrypoints.http.strategy import strategy_router


def build_routers(
    config: ProjectsConfig, uows: UnitOfWorkFactory, render_pdf: PdfRenderer
) -> list[APIRouter]:
    return [
        projects_router(config, uows),
        evidence_router(config, uows),
        gates_router(config, uows),
        facts_router(config, uows),
        priorities_router(config, uows),
        strategy_router(uows, render_pdf),
        self_evaluation_router(uows),
    ]
