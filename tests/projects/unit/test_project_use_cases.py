"""Projects are created with the trust's localities and outcomes, and changed only over
the version the caller saw; a gate is decided in order, by its body, on its evidence."""

from __future__ import annotations

import pytest

from services.projects.application import changes, gates, projects
from services.projects.application.config import ProjectsConfig
from services.projects.application.errors import (
    Conflict,
    Forbidden,
    NotFound,
    StaleVersion,
    Unprocessable,
)
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.evidence import Commissioning, Decision, Evidence
from services.projects.domain.project import Level
from shared.auth import Role
from shared.contracts.projects import (
    DecommissioningDecided,
    ProcurementRequested,
    ProjectChanged,
    StageGateDecided,
)
from tests.projects.unit.conftest import caller, project_at
from tests.projects.unit.fakes import FakeDatabase

LEAD = caller(Role.LEAD_COMMISSIONER)
JCU = caller(Role.JCU)


def fields(**overrides: object) -> projects.ProjectFields:
    base: dict[str, object] = {
        "title": "Teenage pregnancy",
        "level": "locality",
        "localities": ["easington"],
        "outcomes": ["be_healthy"],
        "lead_commissioner": "Lead",
        "commissioning_officer": "Officer",
    }
    return projects.ProjectFields.model_validate(base | overrides)


class TestCreating:
    async def test_a_project_starts_at_stage_1_and_is_published(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        async with uows() as uow:
            created = await projects.create_project(uow, config, LEAD, fields())
            await uow.commit()
        assert (created.stage, created.version, created.status.value) == (1, 1, "active")
        [event] = db.events(ProjectChanged)
        assert (event.change, event.project.localities) == ("created", ["easington"])
        assert db.audit[0].actor == "tester"

    @pytest.mark.parametrize(
        ("overrides", "field", "rule"),
        [
            ({"outcomes": ["be_wealthy"]}, "outcomes", "not an outcome of the trust's"),
            ({"localities": ["atlantis"]}, "localities", "unknown locality 'atlantis'"),
            ({"localities": []}, "localities", "a locality project names at least one"),
        ],
    )
    async def test_bad_fields_are_refused_naming_field_and_rule(
        self,
        uows: UnitOfWorkFactory,
        config: ProjectsConfig,
        db: FakeDatabase,
        overrides: dict[str, object],
        field: str,
        rule: str,
    ) -> None:
        async with uows() as uow:
            with pytest.raises(Unprocessable) as refused:
                await projects.create_project(uow, config, LEAD, fields(**overrides))
        [problem] = refused.value.problems
        assert problem.field == field and rule in problem.rule
        assert db.projects == {}

    async def test_a_project_links_only_to_an_agreed_priority(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig
    ) -> None:
        async with uows() as uow:
            with pytest.raises(Unprocessable) as refused:
                await projects.create_project(
                    uow, config, LEAD, fields(priority_id="7d0c9f6e-3f4c-4a43-9d0e-2b1f4f1c2a10")
                )
        assert refused.value.problems[0].field == "priority_id"

    async def test_a_strategic_project_may_be_trust_wide(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig
    ) -> None:
        async with uows() as uow:
            created = await projects.create_project(
                uow, config, LEAD, fields(level="strategic", localities=[])
            )
        assert created.trust_wide and created.level is Level.STRATEGIC


class TestOptimisticConcurrency:
    async def test_a_change_over_a_stale_version_is_refused(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 1, version=3)
        edit = projects.ProjectEdit(title="Renamed")
        async with uows() as uow:
            with pytest.raises(StaleVersion):
                await projects.edit_project(uow, config, LEAD, project.project_id, 2, edit)
        assert db.projects[project.project_id].title == "Teenage pregnancy"

    async def test_of_two_concurrent_changes_over_one_version_only_the_first_lands(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 1)
        async with uows() as first, uows() as second:
            await projects.edit_project(
                first, config, LEAD, project.project_id, 1, projects.ProjectEdit(title="First")
            )
            await first.commit()
            with pytest.raises(StaleVersion):
                await projects.edit_project(
                    second, config, LEAD, project.project_id, 1, projects.ProjectEdit(title="2nd")
                )
        assert db.projects[project.project_id].title == "First"
        assert db.projects[project.project_id].version == 2


class TestGates:
    async def test_a_stage_cannot_be_skipped(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 1, evidence=Evidence(outcome_baseline="baseline"))
        decision = gates.GateDecision(stage=2, approve=True)
        async with uows() as uow:
            with pytest.raises(Conflict) as refused:
                await gates.decide_gate(uow, config, JCU, project.project_id, 1, decision)
        assert refused.value.problems[0].field == "stage"

    async def test_a_body_without_the_decision_is_refused_naming_who_decides(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 4)
        decision = gates.GateDecision(stage=4, approve=True)
        async with uows() as uow:
            with pytest.raises(Forbidden) as refused:
                await gates.decide_gate(uow, config, JCU, project.project_id, 1, decision)
        assert "executive_board" in refused.value.problems[0].rule

    async def test_approval_without_evidence_lists_everything_missing(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 4)
        board = caller(Role.EXECUTIVE_BOARD)
        decision = gates.GateDecision(stage=4, approve=True)
        async with uows() as uow:
            with pytest.raises(Unprocessable) as refused:
                await gates.decide_gate(uow, config, board, project.project_id, 1, decision)
        assert [p.field for p in refused.value.problems] == [
            "evidence.agreed_priorities",
            "evidence.resources",
        ]
        assert db.projects[project.project_id].stage == 4

    async def test_a_refusal_gives_reasons_and_keeps_the_stage(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        project = project_at(db, 5)
        async with uows() as uow:
            with pytest.raises(Unprocessable):
                await gates.decide_gate(
                    uow,
                    config,
                    JCU,
                    project.project_id,
                    1,
                    gates.GateDecision(stage=5, approve=False),
                )
            refused = await gates.decide_gate(
                uow,
                config,
                JCU,
                project.project_id,
                1,
                gates.GateDecision(stage=5, approve=False, reasons="not preventive"),
            )
            await uow.commit()
        assert refused.stage == 5
        [event] = db.events(StageGateDecided)
        assert (event.approved, event.reasons, event.body) == (False, "not preventive", "jcu")

    async def test_ceasing_decides_decommissioning_and_requests_no_procurement(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        cease = Commissioning(Decision.CEASE, "Old clinic", impact_assessment="120 move")
        project = project_at(db, 6, evidence=Evidence(commissioning=cease))
        async with uows() as uow:
            moved = await gates.decide_gate(
                uow, config, JCU, project.project_id, 1, gates.GateDecision(stage=6, approve=True)
            )
            await uow.commit()
        assert moved.stage == 7 and not moved.procurement_requested
        [decided] = db.events(DecommissioningDecided)
        assert decided.impact_assessment == "120 move"
        assert db.events(ProcurementRequested) == []

    async def test_stage_9_approved_completes_the_cycle(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        from services.projects.domain.evidence import Monitoring

        monitoring = Monitoring("Officer", ("conception rate",))
        project = project_at(db, 9, evidence=Evidence(monitoring=monitoring))
        async with uows() as uow:
            done = await gates.decide_gate(
                uow, config, JCU, project.project_id, 1, gates.GateDecision(stage=9, approve=True)
            )
            await uow.commit()
        assert done.status.value == "completed"
        edit = projects.ProjectEdit(title="Again")
        async with uows() as uow:
            with pytest.raises(Exception, match="completed its cycle"):
                await projects.edit_project(uow, config, LEAD, project.project_id, 2, edit)


class TestScope:
    async def test_a_local_board_member_sees_its_locality_and_trust_wide_projects_only(
        self, uows: UnitOfWorkFactory, db: FakeDatabase
    ) -> None:
        mine = project_at(db, 1, localities=("easington",))
        trust_wide = project_at(db, 1, localities=())
        theirs = project_at(db, 1, localities=("derwentside",))
        member = caller(Role.LOCAL_BOARD_MEMBER, locality="easington")
        async with uows() as uow:
            seen = await projects.visible_projects(uow, member, None)
            assert {p.project_id for p in seen} == {mine.project_id, trust_wide.project_id}
            with pytest.raises(NotFound):
                await changes.visible_project(uow, member, theirs.project_id)
            with pytest.raises(NotFound):
                await projects.audit_trail(uow, member, theirs.project_id)
