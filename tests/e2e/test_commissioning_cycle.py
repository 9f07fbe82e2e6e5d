"""The whole commissioning cycle on `commissioning up`, through each service's public API
and Kafka only (Gateshead's nine-step framework; Durham Children's Trust framework,
section 3):

1. an agency's indicator values reveal a need in Easington, and in no other locality;
2. a commissioning project takes it from assessment through its gates, citing the need
   the needs service published;
3. its stage-6 decision opens a select-list procurement, which runs to a started contract
   (sealed bids, close, evaluation, award, contract), and the project records both;
4. the provider's return goes red;
5. the alert reaches Easington's board (topic, signed webhook, SSE and API), and not
   Derwentside's;
6. each board's projection shows the story: Easington's board its need, project,
   contract and alert; Derwentside's none of them; the JCU the whole pipeline; the
   Executive Board the escalation-free scorecard and spend.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.procurement.domain.providers import QualityStandard
from shared.auth import Role
from shared.topics import (
    INDICATOR_VALUES,
    MONITORING_ALERTS,
    NEEDS_EVENTS,
    PROCUREMENT_EVENTS,
    PROJECTS_EVENTS,
)
from tests.e2e.boards_story import each_board_sees_its_part_of_the_story
from tests.e2e.cycle import Cycle, sleep_until_past, trust_without_standstill
from tests.e2e.platform import platform_up
from tests.monitoring.integration.support import (
    Receiver,
    Stream,
    background,
    read_stream,
    receivers_app,
    served,
)
from tests.needs.integration.support import NHS, record, value
from tests.ports import service_ports
from tests.projects.integration.test_lifecycle import JCU, LEAD, Walk, start, walk_plan

pytestmark = pytest.mark.e2e

LOCALITY, ELSEWHERE = "easington", "derwentside"
YEARS = ("2020", "2021", "2022", "2023", "2024")
RISING = (40, 48, 56, 66, 76)  # Easington's teenage conceptions per 2,000 young women
PROVIDERS = {"home-start": ("40000.00", 80), "family-action": ("42000.00", 70)}
KPI = {
    "kpi_id": "families_completing",
    "name": "Families completing the programme",
    "unit": "percent",
    "target": "80",
    "polarity": "higher_is_better",
    "amber_tolerance": "5",
    "red_tolerance": "10",
}


def test_a_need_in_one_locality_becomes_a_contract_whose_red_return_alerts_only_its_board(
    tmp_path: Path,
) -> None:
    data_dir = Path("/tmp") / f"commissioning-cycle-{os.getpid()}"
    env = {"COMMISSIONING_TRUST_CONFIG": str(trust_without_standstill(tmp_path))}
    try:
        with platform_up(data_dir, service_ports(), env=env) as platform:
            asyncio.run(the_cycle(Cycle(platform)))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


async def the_cycle(cycle: Cycle) -> None:
    async with cycle:
        need = await a_need_is_revealed(cycle)
        walk = await a_project_takes_it_through_its_gates(cycle, need)
        contract = await the_procurement_runs_to_a_contract(cycle, walk)
        await the_project_records_the_contract_and_completes(cycle, walk, contract)
        await the_red_return_alerts_only_its_board(cycle, contract)
        await each_board_sees_its_part_of_the_story(
            cycle, walk, contract, need["payload"]["need_id"]
        )


async def a_need_is_revealed(cycle: Cycle) -> dict[str, Any]:
    """1. The NHS publishes five years of teenage conceptions to its own inbound topic:
    Easington worse than England and worsening; Derwentside at England's rate."""
    values = []
    for year, rising in zip(YEARS, RISING, strict=True):
        values.append(value("teenage_conceptions", "england", "E92000001", year, value=20.0))
        for locality, count in ((LOCALITY, rising), (ELSEWHERE, 40)):
            values.append(
                value(
                    "teenage_conceptions",
                    "locality",
                    locality,
                    year,
                    numerator=count,
                    denominator=2000,
                )
            )
    topic = cycle.kafka.topic(INDICATOR_VALUES.for_agency(NHS))
    await cycle.publish(topic, [record(v) for v in values], key=b"agency")
    need = await cycle.event(NEEDS_EVENTS.name, "NeedIdentified")
    assert need["payload"]["need_key"] == "teenage_conceptions/locality/easington"
    assert need["payload"]["reason"] == "worse_and_worsening"
    identified = [
        e for e in await cycle.events(NEEDS_EVENTS.name) if e["type"] == "needs.NeedIdentified.v1"
    ]
    assert [e["payload"]["locality"] for e in identified] == [LOCALITY]
    return need


async def a_project_takes_it_through_its_gates(cycle: Cycle, need: dict[str, Any]) -> Walk:
    """2. Stages 1-6 over the projects API; stage 3 cites the need the needs service
    published, which the projects service took from needs.events.v1."""
    walk = await start(cycle.projects())
    await walk.evidence(outcome_baseline="Conceptions under 18 rising for 4 years.")
    assert (await walk.decide(1, LEAD)).status_code == 200
    await walk.evidence(group_outcomes="Young women in Easington at twice England's rate.")
    assert (await walk.decide(2, LEAD)).status_code == 200
    await walk.evidence(
        needs_analysis={
            "summary": "Worse than England and worsening (needs service).",
            "cited_needs": [need["payload"]["need_id"]],
            "views_of_children": "Young people's reference group: drop-in clinics.",
            "views_of_families": "Parents' forum: support starts too late.",
            "views_of_professionals": "School nurses: waiting lists of six weeks.",
        }
    )

    async def cited_need_known() -> bool:
        return bool((await walk.gate())["ready"])

    await cycle.until(cited_need_known)
    assert (await walk.decide(3, LEAD)).status_code == 200
    await walk_plan(walk)
    await walk.evidence(
        commissioning={
            "decision": "design_new",
            "service_description": "Parenting support for young parents in Easington",
            "route": "select_list",
            "estimated_value": "45000.00",
            "specification_summary": "Weekly groups and home visits.",
            "kpis": [{"kpi": "Families completing", "outcome": "be_healthy", "target": "80%"}],
        }
    )
    assert (await walk.decide(6, JCU)).status_code == 200
    requested = await cycle.event(PROJECTS_EVENTS.name, "ProcurementRequested")
    assert requested["payload"]["project_id"] == walk.id
    return walk


async def the_procurement_runs_to_a_contract(cycle: Cycle, walk: Walk) -> dict[str, Any]:
    """3. The request opens a select-list mini-competition (under Durham's £50,000);
    Easington's board admits two providers; sealed bids, close, scores, award, contract."""
    opened = await cycle.event(PROCUREMENT_EVENTS.name, "ProcurementOpened", project_id=walk.id)
    assert opened["payload"]["route"] == "select_list"
    pid = opened["payload"]["procurement_id"]
    officer = cycle.token("olive", Role.COMMISSIONING_OFFICER)
    for provider_id in PROVIDERS:
        await register(cycle, provider_id, officer)
        path = f"/select-lists/{LOCALITY}/be_healthy/providers"
        body = {"provider_id": provider_id}
        await cycle.call("procurement", "POST", path, cycle.board(LOCALITY), body, 204)
    fund = {
        "fund_id": "easington-parenting",
        "name": "Easington parenting pooled fund",
        "contributions": {"durham-county-council": "30000", "nhs-county-durham": "20000"},
    }
    await cycle.call("procurement", "POST", "/funds", officer, fund, 201)
    deadline = (datetime.now(UTC) + timedelta(seconds=6)).isoformat()
    tender = {"deadline": deadline, "quality_weight": 60, "price_weight": 40}
    await cycle.call("procurement", "POST", f"/procurements/{pid}/tender", officer, tender)
    for provider_id, (price, _) in PROVIDERS.items():
        bid = {"price": price, "proposal": f"{provider_id}: weekly groups"}
        path = f"/procurements/{pid}/bids"
        await cycle.call("procurement", "POST", path, cycle.provider(provider_id), bid, 201)
    await sleep_until_past(deadline)
    await cycle.call("procurement", "POST", f"/procurements/{pid}/close", officer)
    await evaluate_and_award(cycle, pid, officer)
    today = date.today()
    terms = {
        "kpis": [KPI],
        "reporting_frequency": "monthly",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=730)).isoformat(),
        "funding": [{"fund_id": "easington-parenting", "amount": "40000.00"}],
    }
    started = await cycle.call(
        "procurement", "POST", f"/procurements/{pid}/contract", officer, terms, 201
    )
    assert started["provider_id"] == "home-start"  # best quality, lowest price
    event = await cycle.event(
        PROCUREMENT_EVENTS.name, "ContractStarted", contract_id=started["contract_id"]
    )
    assert event["payload"]["project_id"] == walk.id
    return dict(event["payload"])


async def register(cycle: Cycle, provider_id: str, officer: dict[str, str]) -> None:
    evidence = [
        {"standard": s.value, "reference": f"{s.value}-2026", "expires_on": "2099-01-01"}
        for s in QualityStandard
    ]
    body = {"provider_id": provider_id, "name": provider_id, "sector": "voluntary"}
    path = f"/providers/{provider_id}"
    await cycle.call("procurement", "PUT", path, officer, body | {"evidence": evidence})


async def evaluate_and_award(cycle: Cycle, pid: str, officer: dict[str, str]) -> None:
    """The panel declares, opens the bids (only now readable), scores, and awards."""
    base = f"/procurements/{pid}"
    declared = {"conflicted": False}
    await cycle.call("procurement", "POST", f"{base}/declarations", officer, declared, 204)
    for bid in await cycle.call("procurement", "GET", f"{base}/bids/opened", officer):
        quality = PROVIDERS[bid["provider_id"]][1]
        score = {"bid_id": bid["bid_id"], "quality": str(quality), "rationale": "method"}
        await cycle.call("procurement", "POST", f"{base}/scores", officer, score, 204)
    award = {"rationale": "highest total score"}
    await cycle.call("procurement", "POST", f"{base}/award", officer, award)


async def the_project_records_the_contract_and_completes(
    cycle: Cycle, walk: Walk, contract: dict[str, Any]
) -> None:
    """The award and the start come back to the project from procurement's events; its
    stage-9 monitoring takes the contract's KPIs; the JCU closes the cycle."""

    jcu = cycle.token("jess", *JCU)

    async def recorded() -> bool:
        project = await cycle.call("projects", "GET", f"/projects/{walk.id}", jcu)
        walk.version = project["version"]
        return bool(project["contract_awards"] and project["contract_starts"])

    await cycle.until(recorded)
    project = await cycle.call("projects", "GET", f"/projects/{walk.id}", jcu)
    [start_] = project["contract_starts"]
    assert start_["contract_id"] == contract["contract_id"]
    await walk.evidence(contributions=[{"agency": "nhs-county-durham", "amount": "20000"}])
    assert (await walk.decide(7, JCU)).status_code == 200
    await walk.evidence(market_analysis="Two local providers", workforce_plan="Train 4 staff")
    assert (await walk.decide(8, LEAD)).status_code == 200
    criteria = start_["performance_criteria"]
    await walk.evidence(monitoring={"officer": "A. Officer", "performance_criteria": criteria})
    done = await walk.decide(9, JCU)
    assert done.status_code == 200 and done.json()["status"] == "completed"


async def the_red_return_alerts_only_its_board(cycle: Cycle, contract: dict[str, Any]) -> None:
    """4-5. The provider's return goes red; each locality's board listens by webhook and
    SSE; only Easington's hears, and only Easington's sees it in the API."""
    await monitor(cycle, contract)
    receivers = {LOCALITY: Receiver(), ELSEWHERE: Receiver()}
    streams = {LOCALITY: Stream(), ELSEWHERE: Stream()}
    monitoring = cycle.clients["monitoring"]
    async with served(receivers_app(receivers)) as hooks:
        for locality, receiver in receivers.items():
            body = {"url": f"{hooks}/{locality}"}
            answer = await monitoring.post(
                "/monitoring/webhooks", json=body, headers=cycle.board(locality)
            )
            assert answer.status_code == 201, answer.text
            receiver.secret = answer.json()["secret"]
        url = cycle.url("monitoring")
        readers = [read_stream(url, cycle.board(n), s) for n, s in streams.items()]
        async with background(*readers):
            red = {
                "contract_id": contract["contract_id"],
                "provider_id": contract["provider_id"],
                "period": date.today().strftime("%Y-%m"),
                "kpi_values": {KPI["kpi_id"]: 50},
            }
            headers = cycle.provider(contract["provider_id"])
            await cycle.call("monitoring", "POST", "/monitoring/returns", headers, red, 201)

            async def heard() -> bool:
                return bool(receivers[LOCALITY].received and streams[LOCALITY].events)

            await cycle.until(heard)
            await asyncio.sleep(2)  # time for a stray delivery to the other board to land
    alert = await cycle.event(MONITORING_ALERTS.name, "AlertRaised")
    assert alert["payload"]["rule"] == "kpi_red"
    assert alert["locality"] == LOCALITY
    seen = await cycle.call("monitoring", "GET", "/monitoring/alerts", cycle.board(LOCALITY))
    assert [a["rule"] for a in seen] == ["kpi_red"]
    assert await cycle.call("monitoring", "GET", "/monitoring/alerts", cycle.board(ELSEWHERE)) == []
    assert len(receivers[LOCALITY].received) == 1 and receivers[LOCALITY].rejected == 0
    assert receivers[ELSEWHERE].received == {} and streams[ELSEWHERE].events == []


async def monitor(cycle: Cycle, contract: dict[str, Any]) -> None:
    """Monitoring learns the contract from procurement's ContractStarted, never by hand:
    the locality's board sees it, with its KPI, and the other locality's does not."""
    path = f"/monitoring/contracts/{contract['contract_id']}/versions"

    async def known() -> bool:
        answer = await cycle.clients["monitoring"].get(path, headers=cycle.board(LOCALITY))
        return answer.status_code == 200

    await cycle.until(known)
    [version] = await cycle.call("monitoring", "GET", path, cycle.board(LOCALITY))
    assert [k["id"] for k in version["kpis"]] == [KPI["kpi_id"]]
    await cycle.call("monitoring", "GET", path, cycle.board(ELSEWHERE), expect=404)
