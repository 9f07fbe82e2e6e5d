"""Facts from later stages (Durham, Section 3, roles table "Procure new service", "Monitor
contract") and the review flag's life: raised by the needs evidence, cleared by an edit
that says the project was reviewed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.projects.application import facts, local_views, projects
from services.projects.application.config import ProjectsConfig
from services.projects.application.errors import Conflict, Forbidden
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.project import ContractAward, ReviewFlag
from shared.auth import Role
from tests.projects.unit.conftest import caller, project_at
from tests.projects.unit.fakes import FakeDatabase

NOW = datetime(2027, 6, 30, tzinfo=UTC)
JCU = caller(Role.JCU)
REVIEW = facts.PerformanceReviewed(summary="late", rating="red", escalated=True, reviewed_at=NOW)
AWARD = facts.ContractAwarded(contract_ref="C-1", provider="P", value=Decimal(1), awarded_at=NOW)


async def test_a_contract_is_awarded_only_where_procurement_was_requested_and_once(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    not_requested = project_at(db, 7)
    requested = project_at(db, 7, procurement_requested=True)
    async with uows() as uow:
        with pytest.raises(Conflict):
            await facts.record_contract_award(uow, JCU, not_requested.project_id, AWARD)
        awarded = await facts.record_contract_award(uow, JCU, requested.project_id, AWARD)
        assert [a.contract_ref for a in awarded.contract_awards] == ["C-1"]
        with pytest.raises(Conflict, match="already recorded"):
            await facts.record_contract_award(uow, JCU, requested.project_id, AWARD)


async def test_a_performance_review_needs_a_contract_to_review(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    bare = project_at(db, 9)
    contracted = project_at(db, 9, contract_awards=(ContractAward("C-1", "P", Decimal(1), NOW),))
    async with uows() as uow:
        with pytest.raises(Conflict, match="no contract"):
            await facts.record_performance_review(uow, JCU, bare.project_id, REVIEW)
        reviewed = await facts.record_performance_review(uow, JCU, contracted.project_id, REVIEW)
        await uow.commit()
    assert reviewed.performance_reviews[0].escalated
    assert db.audit[-1].action == "performance_reviewed" and db.audit[-1].reasons == "late"


async def test_an_edit_saying_the_project_was_reviewed_clears_its_flags(
    uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
) -> None:
    flag = ReviewFlag("need_resolved", uuid.uuid4(), "tc/locality/easington", NOW)
    project = project_at(db, 5, review_flags=(flag,))
    assert project.status.value == "flagged_for_review"
    edit = projects.ProjectEdit(clear_review_flags=True)
    async with uows() as uow:
        cleared = await projects.edit_project(uow, config, JCU, project.project_id, 1, edit)
        await uow.commit()
    assert cleared.status.value == "active"
    assert db.audit[-1].detail["cleared_review_flags"] is True


async def test_a_local_board_speaks_for_its_own_localitys_projects_only(
    uows: UnitOfWorkFactory, db: FakeDatabase
) -> None:
    """Durham, Section 3, "Local Children's Boards", responsibilities 1, 3 and 4."""
    mine = project_at(db, 5, localities=("easington", "sedgefield"))
    trust_wide = project_at(db, 5, localities=())
    member = caller(Role.LOCAL_BOARD_MEMBER, locality="easington", name="lcb-chair")
    view = local_views.LocalViewFields(text="Drop-ins after school, not in school hours")
    async with uows() as uow:
        shaped = await local_views.record_local_view(uow, member, mine.project_id, view)
        with pytest.raises(Forbidden):
            await local_views.record_local_view(uow, member, trust_wide.project_id, view)
        await uow.commit()
    [recorded] = shaped.local_views
    assert (recorded.locality, recorded.author) == ("easington", "lcb-chair")
    assert db.audit[-1].action == "local_view_recorded"
