"""The projects use cases on fakes: the Durham defaults and an empty in-memory database."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from services.projects.application.config import ProjectsConfig, projects_config
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.project import Level, Project
from shared.auth import Principal, Role
from shared.trust import load_trust_config
from tests.projects.unit.fakes import FakeDatabase, fake_unit_of_work


@pytest.fixture(scope="session")
def config() -> ProjectsConfig:
    return projects_config(load_trust_config())


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def uows(db: FakeDatabase) -> UnitOfWorkFactory:
    return fake_unit_of_work(db)


def caller(*roles: Role, locality: str | None = None, name: str = "tester") -> Principal:
    return Principal(subject=name, roles=frozenset(roles), locality=locality, trust="county-durham")


def project_at(
    db: FakeDatabase, stage: int, *, localities: tuple[str, ...] = ("easington",), **fields: object
) -> Project:
    """A project already at ``stage``, stored in ``db``."""
    project = Project(
        project_id=uuid.uuid4(),
        title="Teenage pregnancy",
        level=Level.LOCALITY if localities else Level.STRATEGIC,
        localities=localities,
        target_groups=("young women",),
        outcomes=("be_healthy",),
        lead_commissioner="Lead",
        commissioning_officer="Officer",
        priority_id=None,
        stage=stage,
    )
    project = replace(project, **fields)  # type: ignore[arg-type]
    db.projects[project.project_id] = project
    return project
