"""Submitting returns on fakes: refusals name field and rule; corrections supersede with
history; the rules raise alerts once each for the right audience; red again after an
improvement plan goes to the Executive Board."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.monitoring.application.alerting import check_missing_returns, record_step
from services.monitoring.application.contracts import register_contract
from services.monitoring.application.problems import Conflict, Forbidden, NotFound, Unprocessable
from services.monitoring.application.returns import submit_return
from shared.auth import Principal, Role
from shared.contracts.monitoring import (
    AlertRaised,
    AlertState,
    AlertStepRecorded,
    Audience,
    PerformanceReturnAccepted,
    Rag,
)
from shared.trust import MonitoringRules, TrustConfig
from tests.monitoring.unit.conftest import clock
from tests.monitoring.unit.fakes import FakeUnitOfWork, a_return, local_contract

RULES = MonitoringRules()
BOARD = Principal(
    subject="chair",
    roles=frozenset({Role.LOCAL_BOARD_MEMBER}),
    locality="easington",
    trust="county-durham",
)


async def monitored(trust: TrustConfig, **overrides: Any) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await register_contract(local_contract(**overrides), uow, trust, actor="officer")
    return uow


async def submit(uow: FakeUnitOfWork, *returns: Any, provider: str = "family-action") -> None:
    for r in returns:
        await submit_return(r, uow, RULES, clock, actor="p", provider=provider, via="http")


def problems(refused: Any) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in refused.problems]


async def test_a_contract_in_an_unknown_locality_is_refused(trust: TrustConfig) -> None:
    with pytest.raises(Unprocessable) as refused:
        await monitored(trust, locality="atlantis")
    assert problems(refused.value) == [("locality", "unknown locality 'atlantis'")]


async def test_a_variation_raises_the_version_and_keeps_the_first(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    varied = await register_contract(local_contract(title="Varied"), uow, trust, actor="o")
    assert varied.version == 2
    assert [c.version for c in uow.contracts.versions_of[varied.contract_id]] == [1, 2]


async def test_an_unknown_kpi_a_wrong_type_and_a_period_outside_are_refused(
    trust: TrustConfig,
) -> None:
    uow = await monitored(trust)
    bad = a_return("2024-12", 101, kpi_values={"attendance": 101, "smiles": 3})
    with pytest.raises(Unprocessable) as refused:
        await submit(uow, bad)
    fields = [f for f, _ in problems(refused.value)]
    assert fields == [
        "period",
        "kpi_values.attendance",
        "kpi_values.smiles",
        "kpi_values.waiting_days",
    ]
    assert "outside the contract" in problems(refused.value)[0][1]
    assert uow.returns.held == []


async def test_a_provider_submits_only_for_its_own_contracts(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    with pytest.raises(Forbidden):
        await submit(uow, a_return("2025-04", 95), provider="someone-else")
    with pytest.raises(NotFound):
        await submit(uow, a_return("2025-04", 95, contract_id="no-such"))


async def test_a_correction_supersedes_and_both_revisions_are_kept(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70), a_return("2025-04", 95, revision=2))
    current = await uow.returns.current("easington-family-support")
    assert [r.kpi_values["attendance"] for r in current] == [95]
    assert len(await uow.returns.history("easington-family-support", "2025-04")) == 2
    with pytest.raises(Conflict):
        await submit(uow, a_return("2025-04", 80, revision=2))


async def test_green_amber_amber_red_alerts_the_locality_board_at_the_second_amber_and_red(
    trust: TrustConfig,
) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 95), a_return("2025-05", 85))
    assert uow.of_type(AlertRaised) == []
    await submit(uow, a_return("2025-06", 84))
    (amber,) = uow.of_type(AlertRaised)
    assert (amber.rule, amber.audience, amber.locality) == (
        "amber_repeated",
        "local_board",
        "easington",
    )
    await submit(uow, a_return("2025-07", 70))
    rules = sorted(a.rule for a in uow.of_type(AlertRaised))
    assert rules == ["amber_repeated", "kpi_red", "kpi_worsening"]
    assert {p.subject for p in uow.published if isinstance(p.payload, AlertRaised)} == {"easington"}
    assert uow.of_type(PerformanceReturnAccepted)[-1].contract_status is Rag.RED


async def test_a_resubmitted_return_raises_no_alert_twice(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70), a_return("2025-04", 71, revision=2))
    assert len(uow.of_type(AlertRaised)) == 1


async def test_a_trust_wide_contract_alerts_the_jcu_keyed_trust_wide(trust: TrustConfig) -> None:
    uow = await monitored(trust, level="trust_wide", locality=None)
    await submit(uow, a_return("2025-04", 70))
    (alert,) = uow.of_type(AlertRaised)
    assert alert.audience is Audience.JCU
    assert uow.published[-2].subject == "trust-wide"


async def test_red_again_after_an_improvement_plan_goes_to_the_executive_board(
    trust: TrustConfig,
) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70))
    (red,) = uow.of_type(AlertRaised)
    await record_step(red.alert_id, AlertState.ACKNOWLEDGED, uow, BOARD, clock, note="seen")
    await record_step(
        red.alert_id,
        AlertState.PLAN_AGREED,
        uow,
        BOARD,
        clock,
        note="extra sessions",
        review_on=date(2025, 8, 1),
    )
    await submit(uow, a_return("2025-05", 72))
    escalation = uow.of_type(AlertRaised)[-1]
    assert escalation.audience is Audience.EXECUTIVE_BOARD
    assert escalation.recommendation == "intervene"
    steps = [s.state for s in uow.of_type(AlertStepRecorded)]
    assert steps == ["acknowledged", "plan_agreed", "escalated"]
    await submit(uow, a_return("2025-06", 72))
    assert uow.of_type(AlertRaised)[-1].recommendation == "veto"


async def test_a_step_that_does_not_follow_is_refused(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70))
    (red,) = uow.of_type(AlertRaised)
    with pytest.raises(Conflict, match="needs a review date|cannot become"):
        await record_step(red.alert_id, AlertState.PLAN_AGREED, uow, BOARD, clock, note=None)


async def test_another_localitys_board_cannot_see_or_step_the_alert(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70))
    (red,) = uow.of_type(AlertRaised)
    other = BOARD.model_copy(update={"locality": "derwentside"})
    with pytest.raises(NotFound):
        await record_step(red.alert_id, AlertState.ACKNOWLEDGED, uow, other, clock, note=None)


async def test_missing_returns_are_alerted_once(trust: TrustConfig) -> None:
    uow = await monitored(trust)  # the clock says 1 September 2025
    await submit(uow, a_return("2025-04", 95), a_return("2025-05", 95))
    raised = await check_missing_returns(uow, RULES, clock)
    assert [a.period for a in raised] == ["2025-06", "2025-07"]
    assert await check_missing_returns(uow, RULES, clock) == []


async def test_a_late_return_is_judged_at_its_own_period(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 95), a_return("2025-06", 95))
    await submit(uow, a_return("2025-05", 70))  # May's return arrives after June's
    (red,) = uow.of_type(AlertRaised)
    assert (red.rule, red.period) == ("kpi_red", "2025-05")
    assert uow.of_type(PerformanceReturnAccepted)[-1].contract_status is Rag.RED


async def test_a_board_escalating_an_alert_tells_the_executive_board(trust: TrustConfig) -> None:
    uow = await monitored(trust)
    await submit(uow, a_return("2025-04", 70))
    (red,) = uow.of_type(AlertRaised)
    await record_step(
        red.alert_id, AlertState.ESCALATED, uow, BOARD, clock, note="provider will not engage"
    )
    told = uow.of_type(AlertRaised)[-1]
    assert (told.audience, told.rule, told.recommendation) == (
        "executive_board",
        "escalated_by_board",
        "intervene",
    )
    assert "provider will not engage" in told.evidence
