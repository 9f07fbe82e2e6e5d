"""The commissioning calendar flags projects behind it (Gateshead commissioning handbook,
Activities One to Four), and the Annual Commissioning Plan lists the projects under each
priority the Executive Board agreed (Durham, Section 2, "the Annual Commissioning Plan")."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.projects.application import priorities
from services.projects.application.config import ProjectsConfig, projects_config
from services.projects.application.errors import Unprocessable
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.calendar import Calendar
from shared.auth import Role
from shared.contracts.projects import PriorityAgreed
from shared.trust import TrustConfig, load_trust_config
from tests.projects.unit.conftest import caller, project_at
from tests.projects.unit.fakes import FakeDatabase

GATESHEAD = Calendar(
    {"assess": (4, 6), "plan": (7, 9), "do": (9, 3), "review": (12, 3)}, cycle_start=4
)
BOARD = caller(Role.EXECUTIVE_BOARD, name="chair")


class TestCalendar:
    @pytest.mark.parametrize(
        ("activity", "month", "behind"),
        [
            ("assess", 4, False),
            ("assess", 6, False),
            ("assess", 7, True),  # Assess ends in June
            ("assess", 3, True),
            ("plan", 5, False),  # early is not behind
            ("plan", 9, False),
            ("plan", 10, True),  # Plan ends in September
            ("do", 3, False),  # Do runs to March: never behind within the cycle year
            ("review", 1, False),
        ],
    )
    def test_an_activity_is_behind_once_its_months_have_passed(
        self, activity: str, month: int, behind: bool
    ) -> None:
        assert GATESHEAD.behind(activity, month) is behind

    def test_the_trust_configures_its_own_months(self) -> None:
        later = Calendar(
            {"assess": (5, 8), "plan": (9, 10), "do": (11, 4), "review": (1, 4)}, cycle_start=5
        )
        assert not later.behind("assess", 7)
        assert later.behind("assess", 9)

    def test_a_project_in_needs_analysis_in_august_is_behind(
        self, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        assessing = project_at(db, 3)
        planning = project_at(db, 4)
        assert priorities.behind_calendar(assessing, config, date(2026, 8, 1))
        assert not priorities.behind_calendar(planning, config, date(2026, 8, 1))

    def test_the_default_configuration_is_gateshead_s(self) -> None:
        assert projects_config(load_trust_config()).calendar == GATESHEAD


def priority(**overrides: object) -> priorities.PriorityFields:
    base: dict[str, object] = {
        "year": "2026/27",
        "title": "Reduce teenage conceptions",
        "outcomes": ["be_healthy"],
        "lead_commissioner": "Lead for Be Healthy",
    }
    return priorities.PriorityFields.model_validate(base | overrides)


class TestPlan:
    async def test_the_plan_lists_the_projects_under_each_priority(
        self, uows: UnitOfWorkFactory, config: ProjectsConfig, db: FakeDatabase
    ) -> None:
        async with uows() as uow:
            agreed = await priorities.agree_priority(uow, config, BOARD, priority())
            await uow.commit()
        under = project_at(db, 2, priority_id=agreed.priority_id)
        loose = project_at(db, 1)
        project_at(db, 1, priority_id=agreed.priority_id, localities=("derwentside",))
        member = caller(Role.LOCAL_BOARD_MEMBER, locality="easington")
        async with uows() as uow:
            entries, rest = await priorities.annual_plan(uow, member, "2026/27")
        [entry] = entries
        assert entry.priority.title == "Reduce teenage conceptions"
        assert [p.project_id for p in entry.projects] == [under.project_id]
        assert [p.project_id for p in rest] == [loose.project_id]
        [event] = db.events(PriorityAgreed)
        assert (event.year, event.agreed_by) == ("2026/27", "chair")
        assert db.audit[-1].action == "priority_agreed"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [({"outcomes": ["be_rich"]}, "outcomes"), ({"year": "2026/28"}, "year")],
    )
    async def test_a_priority_names_the_trusts_outcomes_and_a_real_year(
        self,
        uows: UnitOfWorkFactory,
        config: ProjectsConfig,
        overrides: dict[str, object],
        field: str,
    ) -> None:
        async with uows() as uow:
            with pytest.raises(Unprocessable) as refused:
                await priorities.agree_priority(uow, config, BOARD, priority(**overrides))
        assert refused.value.problems[0].field == field


class TestCalendarConfiguration:
    def _document(self) -> dict[str, Any]:
        text = resources.files("shared").joinpath("trust_defaults.yaml").read_text("utf-8")
        document: dict[str, Any] = yaml.safe_load(text)
        return document

    def test_a_month_outside_the_year_is_refused_naming_the_field(self) -> None:
        document = self._document()
        document["commissioning_calendar"]["assess"]["to_month"] = 13
        with pytest.raises(ValidationError) as error:
            TrustConfig.model_validate(document)
        assert [e["loc"] for e in error.value.errors()] == [
            ("commissioning_calendar", "assess", "to_month")
        ]

    def test_a_trust_without_a_calendar_gets_gateshead_s_months(self) -> None:
        document = self._document()
        del document["commissioning_calendar"]
        config = projects_config(TrustConfig.model_validate(document))
        assert config.calendar == GATESHEAD
