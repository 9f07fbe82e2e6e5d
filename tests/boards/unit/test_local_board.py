"""A Local Children's Board sees its own locality: its needs and vulnerable groups, its
projects and their stages, its procurements, its contracts with RAG, and the alerts raised
for it (Durham Children's Trust framework, section 3, "Local Children's Boards")."""

from __future__ import annotations

import pytest

from services.boards.application.access import Forbidden, NotFound
from services.boards.application.jcu import jcu_contracts
from services.boards.application.local_board import local_board, local_story
from services.boards.domain.documents import Board, Kind
from shared.auth import Role
from shared.contracts import monitoring as mon
from shared.contracts import procurement
from tests.boards import story
from tests.boards.unit.conftest import LOCALITIES, caller, told
from tests.boards.unit.fakes import FakeBoards

EASINGTON = caller(Role.LOCAL_BOARD_MEMBER, locality=story.HOME)


async def test_the_board_shows_its_localitys_needs_groups_projects_contracts_and_alerts(
    boards: FakeBoards,
) -> None:
    view = await local_board(boards, EASINGTON, story.HOME, LOCALITIES)

    assert [n.need_id for n in view.needs] == [str(story.NEED)]
    assert [n.need_id for n in view.vulnerable_groups] == [str(story.GROUP_NEED)]
    assert view.needs[0].benchmark is not None and view.needs[0].benchmark.value == 21.0
    [project] = view.projects
    assert (project.project_id, project.stage) == (str(story.PROJECT), 2)
    assert project.last_gate is not None and project.last_gate.approved
    [procurement] = view.procurements
    assert (procurement.stage, procurement.bids) == ("contracted", 2)
    assert procurement.contract_id == str(story.CONTRACT)
    [contract] = view.contracts
    assert contract.contract_id == str(story.CONTRACT)
    assert contract.rag is not None and contract.rag.status == "red"
    assert [a.alert_id for a in view.alerts] == [str(story.HOME_ALERT)]
    # Admitted twice, one removed again: the board's list as it stands.
    assert [(s.priority, s.providers) for s in view.select_lists] == [
        ("parenting", ["family-action"])
    ]


async def test_nothing_of_another_locality_or_of_the_trust_reaches_a_local_board(
    boards: FakeBoards,
) -> None:
    view = await local_board(boards, EASINGTON, story.HOME, LOCALITIES)
    text = view.model_dump_json()
    for other in (story.AWAY_NEED, story.AWAY_PROJECT, story.AWAY_CONTRACT, story.AWAY_ALERT):
        assert str(other) not in text
    assert str(story.TRUST_NEED) not in text
    assert "away-carers" not in text  # Derwentside's select list
    assert str(story.BOARD_ALERT) not in text  # for the Executive Board, not the locality
    lines = await local_story(boards, EASINGTON, story.HOME, LOCALITIES)
    assert lines and all(line.localities == [story.HOME] for line in lines)


async def test_a_local_board_projection_holds_only_facts_placed_in_a_locality(
    boards: FakeBoards,
) -> None:
    local = boards.store(Board.LOCAL)
    assert (await local.get(Kind.NEED, str(story.TRUST_NEED))) is None
    assert all(line.localities for line in local.lines)


async def test_a_member_reads_only_its_own_localitys_board(boards: FakeBoards) -> None:
    with pytest.raises(Forbidden) as refused:
        await local_board(boards, EASINGTON, story.AWAY, LOCALITIES)
    assert refused.value.problems[0].field == "locality"
    with pytest.raises(Forbidden):
        await local_story(boards, EASINGTON, story.AWAY, LOCALITIES)
    with pytest.raises(Forbidden):  # an unknown locality is refused alike: no probing
        await local_board(boards, EASINGTON, "nowhere", LOCALITIES)
    derwentside = caller(Role.LOCAL_BOARD_MEMBER, locality=story.AWAY)
    view = await local_board(boards, derwentside, story.AWAY, LOCALITIES)
    assert [c.contract_id for c in view.contracts] == [str(story.AWAY_CONTRACT)]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.AGENCY_PUBLISHER, Role.OPERATOR])
async def test_providers_agencies_and_operators_read_no_board(
    boards: FakeBoards, role: Role
) -> None:
    outsider = caller(role, provider_id="barnardos" if role is Role.PROVIDER else None)
    with pytest.raises(Forbidden) as refused:
        await local_board(boards, outsider, story.HOME, LOCALITIES)
    assert refused.value.problems[0].field == "roles"


async def test_trust_wide_roles_read_any_board_but_not_a_locality_the_trust_lacks(
    boards: FakeBoards,
) -> None:
    jcu = caller(Role.JCU)
    assert (await local_board(boards, jcu, story.AWAY, LOCALITIES)).locality == story.AWAY
    with pytest.raises(NotFound):
        await local_board(boards, jcu, "nowhere", LOCALITIES)


async def test_an_escalation_about_a_local_contract_is_not_told_in_the_localitys_story() -> None:
    """Monitoring raises an escalation for the Executive Board (and a JCU alert for a
    specialist contract) carrying the contract's locality, and shows it to no local board
    member; the local board's story must not tell it either, nor any step of it."""
    escalation = story.alert(
        story.uid("escalation-easington"), mon.Audience.EXECUTIVE_BOARD, story.HOME, story.CONTRACT
    )
    for_jcu = story.alert(story.uid("jcu-easington"), mon.Audience.JCU, story.HOME, story.CONTRACT)
    step = mon.AlertStepRecorded(
        alert_id=escalation.alert_id,
        contract_id=escalation.contract_id,
        audience=mon.Audience.EXECUTIVE_BOARD,
        locality=story.HOME,
        state=mon.AlertState.ACKNOWLEDGED,
        by="chair",
        recorded_at=story.at(400),
    )
    stream = [
        story.envelope_of(payload, "monitoring", 900 + n, story.HOME)
        for n, payload in enumerate([escalation, for_jcu, step])
    ]
    boards = await told(FakeBoards(), stream)

    lines = await local_story(boards, EASINGTON, story.HOME, LOCALITIES)
    view = await local_board(boards, EASINGTON, story.HOME, LOCALITIES)

    assert lines == []
    assert view.alerts == []


async def test_a_local_board_sees_the_rag_of_its_local_contracts_only() -> None:
    """Local boards monitor their locality's local contracts; the JCU monitors specialist
    and trust-wide ones (Durham, section 3), and monitoring shows a local board member no
    other contract's performance. A trust-wide contract delivered in the locality is listed
    on its board, but its RAG is the JCU's to see."""
    trust_wide = story.contract(story.uid("trust-wide"), story.HOME, 700).model_copy(
        update={"localities": [story.HOME, story.AWAY], "title": "Trust-wide outreach"}
    )
    specialist = story.contract(story.uid("specialist"), story.HOME, 701).model_copy(
        update={"level": procurement.ContractLevel.SPECIALIST, "title": "Specialist service"}
    )
    local = story.contract(story.uid("local"), story.HOME, 702)
    returns = [
        mon.PerformanceReturnAccepted(
            contract_id=str(c.contract_id),
            provider_id=c.provider_id,
            period="2026-Q3",
            revision=1,
            results=[mon.KpiResult(kpi_id="seen-in-4-weeks", value=61.0, rag=mon.Rag.RED)],
            contract_status=mon.Rag.RED,
        )
        for c in (trust_wide, specialist, local)
    ]
    stream = [
        story.envelope_of(payload, "procurement", 800 + n)
        for n, payload in enumerate([trust_wide, specialist, local])
    ] + [story.envelope_of(r, "monitoring", 810 + n) for n, r in enumerate(returns)]
    boards = await told(FakeBoards(), stream)

    view = await local_board(boards, EASINGTON, story.HOME, LOCALITIES)
    rated = {c.title: None if c.rag is None else c.rag.status for c in view.contracts}
    jcu = caller(Role.JCU)
    seen_by_jcu = {c.title: c.rag for c in await jcu_contracts(boards, jcu)}

    assert rated == {
        "Trust-wide outreach": None,
        "Specialist service": None,
        f"Teenage pregnancy outreach, {story.HOME}": "red",
    }
    assert all(rag is not None for rag in seen_by_jcu.values())
