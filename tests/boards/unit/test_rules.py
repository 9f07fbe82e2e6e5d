"""The boards' pure rules: the gap analysis (Gateshead handbook, Activity Two), budgets and
spend (Durham framework, section 2, pooled and aligned budgets), and plan progress over the
nine stages (Gateshead handbook)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.boards.domain import gaps, money, progress

T0 = datetime(2026, 4, 1, tzinfo=UTC)


def test_a_trust_wide_need_is_addressed_by_a_service_on_its_outcome_anywhere() -> None:
    need = gaps.OpenNeed("n", "Obesity", ("be_healthy",), None)
    service = gaps.Service("c", "Healthy weight", ("be_healthy",), ("sedgefield",))
    found = gaps.analyse([need], [service])
    assert found.needs_without_service == () and found.services_without_need == ()
    assert {(c.outcome, c.locality) for c in found.cells} == {
        ("be_healthy", "trust"),
        ("be_healthy", "sedgefield"),
    }


def test_a_local_need_is_not_addressed_by_another_localitys_service() -> None:
    need = gaps.OpenNeed("n", "Obesity", ("be_healthy",), "easington")
    service = gaps.Service("c", "Healthy weight", ("be_healthy",), ("sedgefield",))
    found = gaps.analyse([need], [service])
    assert found.needs_without_service == (need,)
    assert found.services_without_need == (service,)


def test_a_fund_is_contributed_by_its_latest_statement_and_committed_by_every_contract() -> None:
    partners = {"council": Decimal("100"), "nhs": Decimal("50")}
    later = {"council": Decimal("200"), "nhs": Decimal("50")}
    [fund] = money.funds(
        [
            money.Commitment("a", "pool", Decimal("60"), partners, T0),
            money.Commitment("b", "pool", Decimal("40"), later, T0.replace(day=2)),
        ]
    )
    assert (fund.contributed, fund.committed, fund.remaining) == (
        Decimal("250"),
        Decimal("100"),
        Decimal("150"),
    )


def test_spend_shared_among_partners_adds_up_to_the_penny() -> None:
    thirds = {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}
    spend = money.by_partner([money.Commitment("x", "pool", Decimal("100.00"), thirds, T0)])
    assert spend == {"a": Decimal("33.33"), "b": Decimal("33.33"), "c": Decimal("33.34")}
    assert sum(spend.values()) == Decimal("100.00")


def test_a_completed_project_has_passed_all_nine_stages() -> None:
    done = progress.PlannedProject("p", "t", 9, "completed")
    started = progress.PlannedProject("q", "t", 1, "active")
    assert progress.percent([done]) == 100
    assert progress.percent([started]) == 0
    assert progress.percent([]) == 0
