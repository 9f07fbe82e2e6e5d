"""The JCU sees the whole pipeline and the gaps; the Executive Board outcomes, money and
what awaits its decision (Durham Children's Trust framework, section 3)."""

from __future__ import annotations

import pytest

from services.boards.application import executive, jcu
from services.boards.application.access import Forbidden
from services.boards.application.projecting import project
from services.boards.domain.documents import Board
from shared.auth import Role
from shared.contracts.monitoring import AlertState, AlertStepRecorded, Audience
from tests.boards import story
from tests.boards.story import at, envelope_of, project_changed
from tests.boards.unit.conftest import caller
from tests.boards.unit.fakes import FakeBoards

JCU = caller(Role.JCU)
BOARD = caller(Role.EXECUTIVE_BOARD)


async def test_the_jcu_sees_every_project_by_stage_with_its_last_gate(boards: FakeBoards) -> None:
    view = await jcu.jcu_projects(boards, JCU)
    assert {(c.stage, c.projects) for c in view.by_stage} == {(1, 1), (2, 1)}
    gates = {p.project_id: p.last_gate for p in view.projects}
    assert gates[str(story.AWAY_PROJECT)] is None
    gate = gates[str(story.PROJECT)]
    assert gate is not None and (gate.stage, gate.approved, gate.body) == (1, True, "jcu")


async def test_the_procurement_pipeline_counts_bids_and_shows_the_contract(
    boards: FakeBoards,
) -> None:
    view = await jcu.jcu_procurements(boards, JCU)
    assert view.by_stage == {"contracted": 1}
    [p] = view.procurements
    assert (p.bids, p.provider_id, p.contract_id) == (2, "barnardos", str(story.CONTRACT))


async def test_a_pooled_fund_shows_contributed_committed_and_remaining(
    boards: FakeBoards,
) -> None:
    [fund] = await jcu.jcu_budgets(boards, JCU)
    assert (fund.fund_id, fund.contracts) == ("early-help-pool", 2)
    assert (fund.contributed, fund.committed, fund.remaining) == (
        "400000.00",
        "240000.00",
        "160000.00",
    )


async def test_the_jcu_sees_every_open_alert_whoever_it_is_for(boards: FakeBoards) -> None:
    alerts = await jcu.jcu_alerts(boards, JCU)
    expected = {story.HOME_ALERT, story.AWAY_ALERT, story.BOARD_ALERT}
    assert {a.alert_id for a in alerts} == {str(a) for a in expected}


async def test_the_gap_analysis_names_needs_with_no_service_and_services_with_no_need(
    boards: FakeBoards,
) -> None:
    gaps = await jcu.jcu_gaps(boards, JCU)
    unmet = {n.need_id for n in gaps.needs_without_service}
    assert unmet == {str(story.AWAY_NEED), str(story.TRUST_NEED)}
    assert [s.contract_id for s in gaps.services_without_need] == [str(story.AWAY_CONTRACT)]
    cell = next(c for c in gaps.cells if (c.outcome, c.locality) == ("be_healthy", "easington"))
    assert (cell.needs, cell.services) == (2, 1)


async def test_a_resolved_alert_leaves_the_open_alerts(boards: FakeBoards) -> None:
    step = AlertStepRecorded(
        alert_id=story.HOME_ALERT,
        contract_id=str(story.CONTRACT),
        audience=Audience.LOCAL_BOARD,
        locality=story.HOME,
        state=AlertState.RESOLVED,
        by="chair",
        recorded_at=at(400),
    )
    await project(
        [envelope_of(step, "monitoring", 400, story.HOME)], Board.JCU, boards.store(Board.JCU)
    )
    assert str(story.HOME_ALERT) not in {a.alert_id for a in await jcu.jcu_alerts(boards, JCU)}


async def test_the_plan_shows_each_prioritys_progress_through_the_cycle(
    boards: FakeBoards,
) -> None:
    [priority] = await executive.plan_progress(boards, BOARD)
    assert priority.priority_id == str(story.PRIORITY)
    assert len(priority.projects) == 2
    # One project has passed stage 1 of 9, the other none: (1 + 0) / 18 = 6%.
    assert priority.percent_complete == 6


async def test_the_scorecard_gives_each_outcomes_indicators_against_benchmark_and_trend(
    boards: FakeBoards,
) -> None:
    cards = {c.outcome: c for c in await executive.scorecard(boards, BOARD)}
    assert set(cards) == {"be_healthy", "enjoy_and_achieve", "make_a_positive_contribution"}
    healthy = cards["be_healthy"]
    assert healthy.open_needs == 2
    row = healthy.indicators[0]
    assert (row.value, row.lower95, row.upper95, row.comparison, row.trend) == (
        38.0,
        34.0,
        42.0,
        "worse",
        "worsening",
    )
    assert row.benchmark is not None and row.benchmark.value == 21.0


async def test_escalations_are_the_open_alerts_for_the_executive_board(
    boards: FakeBoards,
) -> None:
    [alert] = await executive.escalations(boards, BOARD)
    assert (alert.alert_id, alert.recommendation) == (str(story.BOARD_ALERT), "intervene")


async def test_a_project_at_a_gate_the_executive_board_decides_awaits_it(
    boards: FakeBoards,
) -> None:
    assert await executive.decisions(boards, BOARD) == []  # stages 1 and 2: the JCU's gates
    at_stage_4 = project_changed(story.PROJECT, story.HOME, 3, 4, "gate_approved", 90)
    await project(
        [envelope_of(at_stage_4, "projects", 90)], Board.EXECUTIVE, boards.store(Board.EXECUTIVE)
    )
    [waiting] = await executive.decisions(boards, BOARD)
    assert (waiting.project_id, waiting.stage) == (str(story.PROJECT), 4)


async def test_spend_by_outcome_and_by_partner_pro_rata_to_contributions(
    boards: FakeBoards,
) -> None:
    spend = await executive.spend(boards, BOARD)
    assert spend.by_outcome == {"be_healthy": "120000.00", "stay_safe": "120000.00"}
    # Each £120,000 commitment shared 3:1 as the council and the NHS contributed.
    assert spend.by_partner == {
        "durham-county-council": "180000.00",
        "nhs-county-durham": "60000.00",
    }


async def test_the_self_evaluation_over_time(boards: FakeBoards) -> None:
    [evaluation] = await executive.self_evaluations(boards, BOARD)
    assert (evaluation.as_of, evaluation.mean_score) == ("2026-03-31", "3.50")
    assert [s.standard for s in evaluation.scores] == list(range(1, 14))


@pytest.mark.parametrize(
    "read",
    [
        jcu.jcu_projects,
        jcu.jcu_procurements,
        jcu.jcu_contracts,
        jcu.jcu_budgets,
        jcu.jcu_alerts,
        jcu.jcu_gaps,
        jcu.jcu_story,
        executive.plan_progress,
        executive.scorecard,
        executive.escalations,
        executive.decisions,
        executive.spend,
        executive.self_evaluations,
        executive.executive_story,
    ],
)
async def test_a_local_board_member_or_provider_reads_neither_trust_wide_view(
    boards: FakeBoards, read: object
) -> None:
    for outsider in (
        caller(Role.LOCAL_BOARD_MEMBER, locality=story.HOME),
        caller(Role.PROVIDER, provider_id="barnardos"),
        caller(Role.OPERATOR),
    ):
        with pytest.raises(Forbidden):
            await read(boards, outsider)  # type: ignore[operator]
