"""The procurement domain rules, each citing its source."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest

from services.procurement.domain.contract import Fund
from services.procurement.domain.evaluation import (
    OpenedBid,
    Score,
    check_may_score,
    check_quality,
    rank,
)
from services.procurement.domain.procurement import (
    Criteria,
    Procurement,
    ProcurementState,
    Refused,
    add_working_days,
)
from services.procurement.domain.providers import Evidence, Provider, QualityStandard, Sector
from services.procurement.domain.routing import Route, choose_route

LIMIT = Decimal(50_000)
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


class TestRoutingByValue:
    """Durham framework, section 3, "Procurement and Contracting Function"."""

    def test_a_local_service_under_50k_goes_to_the_select_list(self) -> None:
        decision = choose_route(Decimal("49999.99"), specialist=False, select_list_below=LIMIT)
        assert decision.route is Route.SELECT_LIST
        assert "under £50,000" in decision.rule

    def test_exactly_50k_goes_to_open_tender(self) -> None:
        decision = choose_route(LIMIT, specialist=False, select_list_below=LIMIT)
        assert decision.route is Route.OPEN_TENDER
        assert "£50,000 or more" in decision.rule

    @pytest.mark.parametrize("value", ["1000", "49999", "1000000"])
    def test_a_specialist_service_is_awarded_by_the_jcu_whatever_its_value(
        self, value: str
    ) -> None:
        decision = choose_route(Decimal(value), specialist=True, select_list_below=LIMIT)
        assert decision.route is Route.JCU_AWARD
        assert "Joint Commissioning Unit" in decision.rule

    def test_the_limit_is_the_trusts_own(self) -> None:
        assert (
            choose_route(Decimal(30_000), specialist=False, select_list_below=Decimal(25_000)).route
            is Route.OPEN_TENDER
        )

    def test_routes_map_to_ocds_procurement_methods(self) -> None:
        assert [r.ocds_method for r in Route] == ["selective", "open", "direct"]


def provider(expires: dict[QualityStandard, date]) -> Provider:
    evidence = {s: Evidence(s, "ref", d) for s, d in expires.items()}
    return Provider("p", "P", Sector.VOLUNTARY, evidence)


class TestProviderEligibility:
    """Gateshead, "Quality standards for commissioned Services": every standard evidenced."""

    def test_current_evidence_for_every_standard_is_eligible(self) -> None:
        e = provider(dict.fromkeys(QualityStandard, date(2028, 1, 1))).eligibility(
            date(2027, 3, 1), 60
        )
        assert e.eligible and e.reason() == "eligible"

    def test_a_missing_standard_makes_a_provider_ineligible(self) -> None:
        held: dict[QualityStandard, date] = {
            s: date(2028, 1, 1) for s in QualityStandard if s is not QualityStandard.WORKFORCE
        }
        e = provider(held).eligibility(date(2027, 3, 1), 60)
        assert not e.eligible and e.missing == (QualityStandard.WORKFORCE,)
        assert "no evidence for workforce" in e.reason()

    def test_evidence_lapsed_the_day_after_its_expiry(self) -> None:
        held = dict.fromkeys(QualityStandard, date(2028, 1, 1)) | {
            QualityStandard.SAFEGUARDING: date(2027, 2, 28)
        }
        e = provider(held).eligibility(date(2027, 3, 1), 60)
        assert e.lapsed == (QualityStandard.SAFEGUARDING,)
        assert provider(held).eligibility(date(2027, 2, 28), 60).eligible

    def test_evidence_about_to_lapse_is_flagged_but_still_counts(self) -> None:
        held = dict.fromkeys(QualityStandard, date(2028, 1, 1)) | {
            QualityStandard.GOVERNANCE: date(2027, 4, 1)
        }
        e = provider(held).eligibility(date(2027, 3, 1), 60)
        assert e.eligible and e.lapsing == (QualityStandard.GOVERNANCE,)
        assert provider(held).eligibility(date(2027, 3, 1), 30).lapsing == ()


class TestEvaluation:
    """Published weighted criteria; conflicts declared before scoring (PA2023 s.19)."""

    BIDS: ClassVar[list[OpenedBid]] = [
        OpenedBid("a", "alpha", Decimal(40_000), 0),
        OpenedBid("b", "beta", Decimal(50_000), 1),
    ]

    def test_quality_is_the_mean_price_is_relative_to_the_lowest_total_is_weighted(self) -> None:
        scores = [
            Score("m1", "a", Decimal(60)),
            Score("m2", "a", Decimal(70)),
            Score("m1", "b", Decimal(90)),
            Score("m2", "b", Decimal(90)),
        ]
        ranked = rank(self.BIDS, scores, Criteria(60, 40))
        beta, alpha = ranked
        # beta: 0.6*90 + 0.4*(100*40000/50000=80) = 54 + 32 = 86; alpha: 0.6*65 + 0.4*100 = 79
        assert (beta.provider_id, beta.quality_score, beta.price_score, beta.total, beta.rank) == (
            "beta",
            Decimal("90.00"),
            Decimal("80.00"),
            Decimal("86.00"),
            1,
        )
        assert (
            alpha.provider_id,
            alpha.quality_score,
            alpha.price_score,
            alpha.total,
            alpha.rank,
        ) == ("alpha", Decimal("65.00"), Decimal("100.00"), Decimal("79.00"), 2)

    def test_price_weight_alone_picks_the_cheapest(self) -> None:
        scores = [Score("m", "a", Decimal(0)), Score("m", "b", Decimal(100))]
        assert rank(self.BIDS, scores, Criteria(0, 100))[0].provider_id == "alpha"

    def test_a_tie_goes_to_the_lower_price(self) -> None:
        bids = [OpenedBid("x", "x", Decimal(100), 0), OpenedBid("y", "y", Decimal(100), 1)]
        scores = [Score("m", "y", Decimal(50)), Score("m", "x", Decimal(50))]
        assert [r.bid_id for r in rank(bids, scores, Criteria(50, 50))] == ["x", "y"]

    def test_unscored_bids_are_not_ranked(self) -> None:
        assert [
            r.bid_id for r in rank(self.BIDS, [Score("m", "b", Decimal(1))], Criteria(50, 50))
        ] == ["b"]

    def test_weights_must_sum_to_100(self) -> None:
        with pytest.raises(Refused, match="must be 100"):
            Criteria(60, 30)

    def test_a_member_must_declare_before_scoring_and_a_conflicted_member_cannot(self) -> None:
        with pytest.raises(Refused, match="declare any conflict"):
            check_may_score("m", {})
        with pytest.raises(Refused, match="cannot score"):
            check_may_score("m", {"m": True})
        check_may_score("m", {"m": False})

    def test_quality_is_out_of_100(self) -> None:
        with pytest.raises(Refused):
            check_quality(Decimal("100.01"))


class TestPooledFund:
    """Medway, paragraphs 2.20-2.22: partners' contributions, committed by contracts."""

    FUND = Fund(
        "f", "Short breaks", {"council": Decimal(30_000), "nhs": Decimal(20_000)}, Decimal(0)
    )

    def test_the_fund_is_the_sum_of_contributions(self) -> None:
        assert self.FUND.total == Decimal(50_000) and self.FUND.available == Decimal(50_000)

    def test_commitments_up_to_the_total_are_accepted(self) -> None:
        assert self.FUND.commit(Decimal(20_000)).commit(Decimal(30_000)).available == 0

    def test_over_commitment_is_refused(self) -> None:
        with pytest.raises(Refused, match="£50000 uncommitted; £50000.01 refused"):
            self.FUND.commit(Decimal("50000.01"))


def procurement(route: Route) -> Procurement:
    return Procurement(
        procurement_id=uuid.uuid4(),
        title="t",
        locality="easington",
        priority="p",
        value=Decimal(60_000),
        specialist=route is Route.JCU_AWARD,
        outcomes=(),
        routing=choose_route(
            Decimal(60_000), specialist=route is Route.JCU_AWARD, select_list_below=LIMIT
        ),
        state=ProcurementState.REQUESTED,
        requested_by="o",
        opened_at=NOW,
    )


class TestTenderLifecycle:
    """Draft → published → closed → awarded (standstill) → contracted (PA2023)."""

    def test_an_open_tender_allows_the_minimum_tender_period(self) -> None:
        with pytest.raises(Refused, match="at least 25 days"):
            procurement(Route.OPEN_TENDER).publish(
                NOW + timedelta(days=24), Criteria(50, 50), NOW, 25
            )

    def test_bids_are_refused_at_the_deadline_and_close_waits_for_it(self) -> None:
        published = procurement(Route.OPEN_TENDER).publish(
            NOW + timedelta(days=25), Criteria(50, 50), NOW, 25
        )
        deadline = NOW + timedelta(days=25)
        published.accept_bid_at(deadline - timedelta(seconds=1))
        with pytest.raises(Refused, match="late bid refused"):
            published.accept_bid_at(deadline)
        with pytest.raises(Refused, match="cannot close before"):
            published.close(deadline - timedelta(seconds=1))
        assert published.close(deadline).state is ProcurementState.CLOSED

    def test_the_contract_waits_for_the_standstill(self) -> None:
        published = procurement(Route.OPEN_TENDER).publish(
            NOW + timedelta(days=25), Criteria(50, 50), NOW, 25
        )
        closed = published.close(NOW + timedelta(days=25))
        awarded = closed.award("p", Decimal(1), "best", closed.closed_at or NOW, 8)
        assert awarded.standstill_ends is not None
        with pytest.raises(Refused, match="standstill runs until"):
            awarded.contract(awarded.standstill_ends)
        assert (
            awarded.contract(awarded.standstill_ends + timedelta(days=1)).state
            is ProcurementState.CONTRACTED
        )

    def test_a_trust_applying_no_standstill_may_contract_on_the_day_of_the_award(self) -> None:
        """PA2023 section 51: the standstill is optional for light-touch contracts."""
        published = procurement(Route.OPEN_TENDER).publish(
            NOW + timedelta(days=25), Criteria(50, 50), NOW, 25
        )
        closed = published.close(NOW + timedelta(days=25))
        awarded = closed.award("p", Decimal(1), "best", closed.closed_at or NOW, 0)
        assert awarded.standstill_ends == (closed.closed_at or NOW).date()
        assert awarded.contract(awarded.standstill_ends).state is ProcurementState.CONTRACTED

    def test_a_jcu_award_has_no_tender(self) -> None:
        with pytest.raises(Refused, match="no tender"):
            procurement(Route.JCU_AWARD).publish(
                NOW + timedelta(days=30), Criteria(50, 50), NOW, 25
            )

    def test_standstill_counts_working_days(self) -> None:
        # Friday 5 March 2027 + 8 working days = Wednesday 17 March (weekends skipped).
        assert add_working_days(date(2027, 3, 5), 8) == date(2027, 3, 17)
