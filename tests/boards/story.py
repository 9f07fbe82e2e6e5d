"""One commissioning cycle's events as the needs, projects, procurement and monitoring
services publish them, told for Easington, with a little of Derwentside alongside so that
every test can check one locality never sees another's.

Every event has a fixed id and time, so the same story can be told twice (a replay)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from shared.contracts import monitoring as mon
from shared.contracts import needs, procurement, projects
from shared.contracts.registry import registry
from shared.envelope import Event
from shared.topics import (
    MONITORING_ALERTS,
    MONITORING_EVENTS,
    NEEDS_EVENTS,
    PROCUREMENT_EVENTS,
    PROJECTS_EVENTS,
)

TRUST = "county-durham"
HOME = "easington"
AWAY = "derwentside"
START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def uid(name: str) -> uuid.UUID:
    """A stable id per name, so a story told twice is the same story."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"boards-test/{name}")


NEED = uid("need-easington")
GROUP_NEED = uid("need-easington-looked-after")
AWAY_NEED = uid("need-derwentside")
TRUST_NEED = uid("need-trust")
PRIORITY = uid("priority")
PROJECT = uid("project")
AWAY_PROJECT = uid("project-derwentside")
PROCUREMENT = uid("procurement")
CONTRACT = uid("contract")
AWAY_CONTRACT = uid("contract-derwentside")
HOME_ALERT = uid("alert-easington")
AWAY_ALERT = uid("alert-derwentside")
BOARD_ALERT = uid("alert-executive")


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def _evidence(value: float) -> needs.NeedEvidence:
    latest = needs.PublishedValue(
        period="2025/26", value=value, lower95=value - 4, upper95=value + 4
    )
    return needs.NeedEvidence(
        latest=latest,
        series=[needs.PublishedValue(period="2024/25", value=value - 3), latest],
        benchmark=needs.BenchmarkEvidence(comparator="england", period="2025/26", value=21.0),
        comparison="worse",
        trend="worsening",
        consecutive_worsening_periods=3,
        data_versions=[],
        disclosure_rule="counts 1-7 suppressed; others rounded to 5",
    )


def need(
    need_id: uuid.UUID, locality: str | None, outcome: str, minutes: int, group: bool = False
) -> needs.NeedIdentified:
    kind = needs.AreaKind.LOCALITY if locality else needs.AreaKind.TRUST
    code = locality or TRUST
    breakdown = {"looked_after": "yes"} if group else {}
    return needs.NeedIdentified(
        need_id=need_id,
        need_key=f"teenage_conceptions/{kind.value}/{code}"
        + ("/looked_after=yes" if group else ""),
        indicator_id="teenage_conceptions",
        indicator_name="Teenage conceptions",
        outcomes=[outcome],
        area=needs.Area(kind=kind, code=code),
        locality=locality,
        breakdown=breakdown,
        vulnerable_group=group,
        reason=needs.NeedReason.VULNERABLE_GROUP if group else needs.NeedReason.WORSE_AND_WORSENING,
        reasons=[needs.NeedReason.WORSE_AND_WORSENING],
        evidence=_evidence(38.0),
        identified_at=at(minutes),
    )


def project_changed(
    project_id: uuid.UUID, locality: str, version: int, stage: int, change: str, minutes: int
) -> projects.ProjectChanged:
    return projects.ProjectChanged(
        project_id=project_id,
        version=version,
        change=change,
        project=projects.ProjectSnapshot(
            title=f"Teenage pregnancy support, {locality}",
            level=projects.Level.LOCALITY,
            localities=[locality],
            target_groups=["young people"],
            outcomes=["be_healthy"],
            lead_commissioner="Lena Lead",
            commissioning_officer="Omar Officer",
            priority_id=PRIORITY,
            stage=stage,
            status="active",
        ),
        changed_by="omar",
        changed_at=at(minutes),
    )


def contract(contract_id: uuid.UUID, locality: str, minutes: int) -> procurement.ContractStarted:
    return procurement.ContractStarted(
        contract_id=contract_id,
        procurement_id=PROCUREMENT if locality == HOME else uid("procurement-away"),
        provider_id="barnardos" if locality == HOME else "home-start",
        title=f"Teenage pregnancy outreach, {locality}",
        value=Decimal("120000.00"),
        localities=[locality],
        outcomes=["be_healthy"] if locality == HOME else ["stay_safe"],
        kpis=[
            procurement.ContractKpi(
                kpi_id="seen-in-4-weeks",
                name="Referrals seen in 4 weeks",
                unit="percent",
                target=Decimal(80),
                polarity=procurement.Polarity.HIGHER_IS_BETTER,
                amber_tolerance=Decimal(5),
                red_tolerance=Decimal(10),
            )
        ],
        reporting_frequency=procurement.ReportingFrequency.QUARTERLY,
        starts_on=date(2026, 6, 1),
        ends_on=date(2028, 5, 31),
        funding=[
            procurement.FundingShare(
                fund_id="early-help-pool",
                amount=Decimal("120000.00"),
                partners={
                    "durham-county-council": Decimal("300000.00"),
                    "nhs-county-durham": Decimal("100000.00"),
                },
            )
        ],
        route=procurement.Route.OPEN_TENDER,
        started_at=at(minutes),
    )


def alert(
    alert_id: uuid.UUID, audience: mon.Audience, locality: str | None, contract_id: uuid.UUID
) -> mon.AlertRaised:
    return mon.AlertRaised(
        alert_id=alert_id,
        contract_id=str(contract_id),
        provider_id="barnardos",
        kpi_id="seen-in-4-weeks",
        period="2026-Q3",
        rule=mon.AlertRule.KPI_RED,
        severity=mon.Severity.HIGH,
        audience=audience,
        locality=locality,
        evidence="61% seen in 4 weeks against a target of 80%",
        recommendation=mon.Recommendation.INTERVENE
        if audience is mon.Audience.EXECUTIVE_BOARD
        else None,
        raised_at=at(300),
    )


def needs_told() -> list[BaseModel]:
    return [
        need(NEED, HOME, "be_healthy", 0),
        need(GROUP_NEED, HOME, "be_healthy", 1, group=True),
        need(AWAY_NEED, AWAY, "enjoy_and_achieve", 2),
        need(TRUST_NEED, None, "make_a_positive_contribution", 3),
    ]


def plans_told() -> list[BaseModel]:
    return [
        projects.PriorityAgreed(
            priority_id=PRIORITY,
            year="2026/27",
            title="Fewer teenage conceptions",
            outcomes=["be_healthy"],
            lead_commissioner="Lena Lead",
            agreed_by="chair",
            agreed_at=at(10),
        ),
        project_changed(PROJECT, HOME, 1, 1, "created", 20),
        projects.StageGateDecided(
            project_id=PROJECT,
            stage=1,
            approved=True,
            reasons="The need is evidenced.",
            decided_by="jo",
            body="jcu",
            decided_at=at(30),
        ),
        project_changed(PROJECT, HOME, 2, 2, "gate_approved", 30),
        project_changed(AWAY_PROJECT, AWAY, 1, 1, "created", 40),
        projects.SelfEvaluationRecorded(
            evaluation_id=uid("self-evaluation"),
            as_of=date(2026, 3, 31),
            scores=[
                projects.StandardScoreRecord(
                    standard=n, score=Decimal("3.5"), evidence="e", actions="a"
                )
                for n in range(1, 14)
            ],
            recorded_by="chair",
            recorded_at=at(50),
        ),
    ]


def buying_told() -> list[BaseModel]:
    pid = PROCUREMENT
    return [
        procurement.ProcurementOpened(
            procurement_id=pid,
            request_id=uid("request"),
            title="Teenage pregnancy outreach, easington",
            locality=HOME,
            priority="be_healthy",
            value=Decimal("120000.00"),
            specialist=False,
            outcomes=["be_healthy"],
            route=procurement.Route.OPEN_TENDER,
            route_rule="over £100,000: open tender",
            project_id=PROJECT,
            opened_at=at(100),
        ),
        procurement.TenderPublished(
            procurement_id=pid,
            title="Teenage pregnancy outreach, easington",
            locality=HOME,
            route=procurement.Route.OPEN_TENDER,
            deadline=at(200),
            criteria=procurement.Criteria(quality_weight=60, price_weight=40),
            published_at=at(110),
        ),
        procurement.BidReceived(
            procurement_id=pid, bid_id=uid("bid-1"), provider_id="barnardos", received_at=at(120)
        ),
        procurement.BidReceived(
            procurement_id=pid, bid_id=uid("bid-2"), provider_id="home-start", received_at=at(130)
        ),
        procurement.ContractAwarded(
            procurement_id=pid,
            provider_id="barnardos",
            value=Decimal("120000.00"),
            rationale="Highest score",
            awarded_by="jo",
            awarded_at=at(210),
            standstill_ends=date(2026, 4, 20),
            project_id=PROJECT,
        ),
        contract(CONTRACT, HOME, 250),
        contract(AWAY_CONTRACT, AWAY, 260),
    ]


def _listed(locality: str, provider: str, change: str, minutes: int) -> BaseModel:
    return procurement.SelectListChanged(
        locality=locality,
        priority="parenting",
        provider_id=provider,
        change=procurement.SelectListChange(change),
        reason="all quality standards evidenced and current",
        decided_by="bella",
        decided_at=at(minutes),
    )


def select_lists_told() -> list[BaseModel]:
    return [
        _listed(HOME, "family-action", "admitted", 60),
        _listed(HOME, "home-start", "admitted", 61),
        _listed(HOME, "home-start", "removed", 62),
        _listed(AWAY, "away-carers", "admitted", 63),
    ]


def monitoring_told() -> list[tuple[BaseModel, str | None]]:
    """Monitoring's events, with the locality its envelopes carry."""
    accepted = mon.PerformanceReturnAccepted(
        contract_id=str(CONTRACT),
        provider_id="barnardos",
        period="2026-Q3",
        revision=1,
        results=[mon.KpiResult(kpi_id="seen-in-4-weeks", value=61.0, rag=mon.Rag.RED)],
        contract_status=mon.Rag.RED,
    )
    return [
        (accepted, HOME),
        (alert(HOME_ALERT, mon.Audience.LOCAL_BOARD, HOME, CONTRACT), HOME),
        (alert(AWAY_ALERT, mon.Audience.LOCAL_BOARD, AWAY, AWAY_CONTRACT), AWAY),
        (alert(BOARD_ALERT, mon.Audience.EXECUTIVE_BOARD, None, CONTRACT), None),
    ]


def _subject(payload: BaseModel) -> str:
    """The subject each service keys the event by, so one aggregate's events share a
    partition: alerts by locality, procurement by procurement until a contract exists."""
    if isinstance(payload, mon.AlertRaised | mon.AlertStepRecorded):
        return payload.locality or "trust-wide"
    if isinstance(payload, procurement.SelectListChanged):
        return f"select-list/{payload.locality}/{payload.priority}"
    for name in ("need_key", "contract_id", "procurement_id", "project_id", "priority_id"):
        if (value := getattr(payload, name, None)) is not None:
            return f"{name.removesuffix('_id')}/{value}"
    return "self-evaluation"


def envelope_of(payload: BaseModel, source: str, n: int, locality: str | None = None) -> Event[Any]:
    """The event as a service's relay publishes it: a fixed id and time per position."""
    envelope = registry.envelope(
        payload,
        source=source,
        subject=_subject(payload),
        trust=TRUST,
        locality=locality,
        occurred_at=at(n),
        event_id=uid(f"event-{n}"),
    )
    return Event(envelope, payload)


def cycle() -> list[tuple[str, Event[Any]]]:
    """The whole story, in order, each event with the catalogue topic it is published on."""
    told: list[tuple[str, BaseModel, str | None]] = []
    told += [("needs", p, None) for p in needs_told()]
    told += [("projects", p, None) for p in plans_told()]
    told += [("procurement", p, None) for p in select_lists_told() + buying_told()]
    for payload, where in monitoring_told():
        told.append(("monitoring", payload, where))
    topics = {
        "needs": NEEDS_EVENTS.name,
        "projects": PROJECTS_EVENTS.name,
        "procurement": PROCUREMENT_EVENTS.name,
    }
    found = []
    for n, (source, payload, where) in enumerate(told):
        topic = topics.get(source) or (
            MONITORING_EVENTS.name
            if isinstance(payload, mon.PerformanceReturnAccepted)
            else MONITORING_ALERTS.name
        )
        found.append((topic, envelope_of(payload, source, n, where)))
    return found


def events() -> list[Event[Any]]:
    return [e for _topic, e in cycle()]
