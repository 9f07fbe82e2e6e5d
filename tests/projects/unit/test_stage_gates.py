"""Stage gates: what each stage needs before a project may leave it, and who decides.

Each rule cites the framework section it follows: the nine-stage table (North Yorkshire,
Appendix C; Gateshead commissioning handbook, Activities One to Four) and Durham's roles
table and board duties (Durham, Section 3).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from services.projects.domain.evidence import (
    Commissioning,
    Contribution,
    Decision,
    Evidence,
    KpiTarget,
    Monitoring,
    NeedsAnalysis,
    Resource,
    Route,
)
from services.projects.domain.gates import Published, StageGate, Subject

NEED = uuid.uuid4()
ASSESSMENT = uuid.uuid4()
PARTNERS = frozenset({"nhs-county-durham", "durham-county-council"})


def subject(evidence: Evidence, published: Published | None = None) -> Subject:
    return Subject(
        evidence,
        outcomes=frozenset({"be_healthy"}),
        agencies=PARTNERS,
        published=published or Published(frozenset({NEED}), frozenset({ASSESSMENT})),
    )


def missing(stage: int, evidence: Evidence, published: Published | None = None) -> list[str]:
    return [m.field for m in StageGate(stage).missing(subject(evidence, published))]


ANALYSIS = NeedsAnalysis(
    summary="worse and worsening",
    cited_needs=(NEED,),
    views_of_children="reference group",
    views_of_families="parents' forum",
    views_of_professionals="school nurses",
)

COMMISSION = Commissioning(
    decision=Decision.REDESIGN,
    service_description="Outreach sexual health service",
    route=Route.OPEN_TENDER,
    estimated_value=Decimal("450000"),
    specification_summary="Drop-in clinics",
    kpis=(KpiTarget("Under-18 conception rate", "be_healthy", "below England"),),
)


class TestAssess:
    def test_stage_1_needs_an_outcome_baseline(self) -> None:
        """North Yorkshire, Appendix C, stage 1; Medway, paragraphs 2.5-2.6."""
        assert missing(1, Evidence()) == ["outcome_baseline"]
        assert missing(1, Evidence(outcome_baseline="   ")) == ["outcome_baseline"]
        assert missing(1, Evidence(outcome_baseline="rising for four years")) == []

    def test_stage_2_needs_outcomes_for_particular_groups(self) -> None:
        """North Yorkshire, Appendix C, stage 2; Medway, paragraphs 2.7-2.9."""
        assert missing(2, Evidence()) == ["group_outcomes"]
        assert missing(2, Evidence(group_outcomes="looked-after children twice the rate")) == []

    def test_stage_3_needs_a_needs_analysis_citing_published_needs_and_views(self) -> None:
        """North Yorkshire, Appendix C, stage 3; Gateshead handbook, Activity One steps 3-4."""
        assert missing(3, Evidence()) == ["needs_analysis"]
        assert missing(3, Evidence(needs_analysis=ANALYSIS)) == []
        by_assessment = replace(ANALYSIS, cited_needs=(), cited_assessments=(ASSESSMENT,))
        assert missing(3, Evidence(needs_analysis=by_assessment)) == []

    def test_stage_3_refuses_a_needs_analysis_citing_nothing_published(self) -> None:
        uncited = replace(ANALYSIS, cited_needs=())
        assert missing(3, Evidence(needs_analysis=uncited)) == ["needs_analysis.cited_needs"]
        unknown = replace(ANALYSIS, cited_assessments=(uuid.uuid4(),))
        assert missing(3, Evidence(needs_analysis=unknown), Published(frozenset({NEED}))) == [
            "needs_analysis.cited_assessments"
        ]
        assert missing(3, Evidence(needs_analysis=ANALYSIS), Published()) == [
            "needs_analysis.cited_needs"
        ]

    @pytest.mark.parametrize("who", ["children", "families", "professionals"])
    def test_stage_3_needs_the_views_of_each_group(self, who: str) -> None:
        silent = replace(ANALYSIS, **{f"views_of_{who}": ""})  # type: ignore[arg-type]
        assert missing(3, Evidence(needs_analysis=silent)) == [f"needs_analysis.views_of_{who}"]


class TestPlan:
    def test_stage_4_needs_agreed_priorities_and_identified_resources(self) -> None:
        """North Yorkshire, Appendix C, stage 4; Gateshead handbook, Activity Two steps 2-3."""
        assert missing(4, Evidence()) == ["agreed_priorities", "resources"]
        only_priorities = Evidence(agreed_priorities=("reduce conceptions",))
        assert missing(4, only_priorities) == ["resources"]
        both = replace(only_priorities, resources=(Resource("grant", "external"),))
        assert missing(4, both) == []

    def test_stage_5_needs_the_service_model_shared_with_stakeholders(self) -> None:
        """North Yorkshire, Appendix C, stage 5; Durham, roles table "Develop ideal type"."""
        assert missing(5, Evidence()) == ["service_model", "stakeholder_engagement"]
        model = Evidence(service_model="outreach", stakeholder_engagement="event in March")
        assert missing(5, model) == []


class TestDo:
    def test_stage_6_needs_a_decision(self) -> None:
        """Gateshead handbook, Activity Three step 2: design new, redesign or cease."""
        assert missing(6, Evidence()) == ["commissioning.decision"]
        assert missing(6, Evidence(commissioning=COMMISSION)) == []

    def test_stage_6_ceasing_needs_an_impact_assessment_not_a_route(self) -> None:
        """Gateshead handbook, Activity Three step 2: the impact of ending the contract."""
        cease = Commissioning(Decision.CEASE, service_description="Old clinic")
        assert missing(6, Evidence(commissioning=cease)) == ["commissioning.impact_assessment"]
        assessed = replace(cease, impact_assessment="120 young people move to outreach")
        assert missing(6, Evidence(commissioning=assessed)) == []

    def test_stage_6_commissioning_needs_route_value_and_specification(self) -> None:
        """Gateshead handbook, Activity Three step 5; North Yorkshire, Appendix C, stage 6."""
        bare = Commissioning(Decision.DESIGN_NEW, service_description="New service")
        assert missing(6, Evidence(commissioning=bare)) == [
            "commissioning.route",
            "commissioning.estimated_value",
            "commissioning.specification_summary",
            "commissioning.kpis",
        ]

    def test_stage_6_kpis_must_evidence_the_projects_outcomes(self) -> None:
        off_outcome = KpiTarget("GCSE results", "enjoy_and_achieve", "above England")
        plan = replace(COMMISSION, kpis=(off_outcome,))
        assert missing(6, Evidence(commissioning=plan)) == ["commissioning.kpis"]

    def test_stage_7_needs_each_partners_contribution(self) -> None:
        """Gateshead handbook, Activity Three step 4; North Yorkshire, Appendix C, stage 7."""
        assert missing(7, Evidence(commissioning=COMMISSION)) == ["contributions"]
        pooled = Evidence(
            commissioning=COMMISSION,
            contributions=(Contribution("nhs-county-durham", Decimal("300000")),),
        )
        assert missing(7, pooled) == []

    def test_stage_7_contributions_come_from_the_trusts_partners(self) -> None:
        stranger = Evidence(contributions=(Contribution("acme-ltd", Decimal("1")),))
        assert missing(7, stranger) == ["contributions"]

    def test_stage_7_a_service_being_ceased_has_nothing_to_pool(self) -> None:
        cease = Commissioning(Decision.CEASE, "Old clinic", impact_assessment="assessed")
        assert missing(7, Evidence(commissioning=cease)) == []

    def test_stage_8_needs_a_market_analysis_and_a_workforce_plan(self) -> None:
        """Gateshead handbook, Activity Three steps 3 and 8; North Yorkshire, stage 8."""
        assert missing(8, Evidence()) == ["market_analysis", "workforce_plan"]
        assert missing(8, Evidence(market_analysis="3 providers", workforce_plan="train")) == []


class TestReview:
    def test_stage_9_needs_monitoring_arrangements(self) -> None:
        """Gateshead handbook, Activity Four; North Yorkshire, Appendix C, stage 9."""
        assert missing(9, Evidence()) == ["monitoring"]
        no_criteria = Monitoring(officer="A. Officer", performance_criteria=())
        assert missing(9, Evidence(monitoring=no_criteria)) == ["monitoring.performance_criteria"]
        arranged = Monitoring(officer="A. Officer", performance_criteria=("conception rate",))
        assert missing(9, Evidence(monitoring=arranged)) == []


class TestWhoDecides:
    @pytest.mark.parametrize("stage", [1, 2, 3])
    def test_the_jcu_or_lead_commissioner_receives_the_audit(self, stage: int) -> None:
        """Durham, Section 3, roles table "Audit performance", "Audit need"."""
        assert StageGate(stage).approvers == {"jcu", "lead_commissioner"}

    def test_the_executive_board_agrees_priorities_and_funding(self) -> None:
        """Durham, "The Children's Executive Board", duties 1, 4 and 5."""
        assert StageGate(4).may_decide({"executive_board"})
        assert not StageGate(4).may_decide({"jcu", "lead_commissioner"})

    @pytest.mark.parametrize("stage", [5, 6])
    def test_the_jcu_approves_the_model_and_the_resources(self, stage: int) -> None:
        """Durham, roles table "Develop ideal type", "Identify what needs to change"."""
        assert StageGate(stage).approvers == {"jcu"}

    def test_pooled_funding_is_committed_by_the_jcu_or_the_board(self) -> None:
        """Durham, JCU duty 5 and CEB duty 4."""
        assert StageGate(7).approvers == {"jcu", "executive_board"}

    def test_no_gate_is_decided_by_an_officer_a_local_board_or_a_provider(self) -> None:
        """Officers do the work; the bodies decide (Durham, Section 3, roles table)."""
        for stage in range(1, 10):
            gate = StageGate(stage)
            assert not gate.may_decide({"commissioning_officer", "local_board_member", "provider"})
