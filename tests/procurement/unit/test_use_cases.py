"""The procurement use cases on fakes: routing recorded, sealing, refusals that leave
nothing behind, and commitments against a fund (Durham framework, section 3; Medway,
paragraphs 2.20-2.22)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.procurement.application import awards, contracts, providers, requests, tenders
from services.procurement.application.common import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ProcurementConfig,
    procurement_config,
)
from services.procurement.application.requests import ProcurementRequest
from services.procurement.domain.contract import Frequency, Fund, Funding, Kpi, Polarity
from services.procurement.domain.procurement import Criteria
from services.procurement.domain.providers import Evidence, Provider, QualityStandard, Sector
from shared.auth.policy import Principal, Role
from shared.contracts.procurement import ProcurementOpened
from shared.trust import load_trust_config
from tests.procurement.unit.fakes import FakeDatabase, FakeVault, fake_unit_of_work

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
OFFICER = Principal(subject="olive", roles=frozenset({Role.COMMISSIONING_OFFICER}), trust="t")
JCU = Principal(subject="jess", roles=frozenset({Role.JCU}), trust="t")
BOARD = Principal(
    subject="bella", roles=frozenset({Role.LOCAL_BOARD_MEMBER}), locality="easington", trust="t"
)


def provider_principal(provider_id: str) -> Principal:
    return Principal(
        subject=provider_id, roles=frozenset({Role.PROVIDER}), provider_id=provider_id, trust="t"
    )


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def config() -> ProcurementConfig:
    return procurement_config(load_trust_config(), "ocds-unregistered")


def request(value: str, **extra: object) -> ProcurementRequest:
    fields: dict[str, object] = {
        "request_id": uuid.uuid4(),
        "title": "Parenting",
        "locality": "easington",
        "priority": "parenting",
        "value": Decimal(value),
        "specialist": False,
        "outcomes": ("be_healthy",),
    } | extra
    return ProcurementRequest(**fields)  # type: ignore[arg-type]


def qualified(provider_id: str, until: date = date(2028, 1, 1)) -> Provider:
    evidence = {s: Evidence(s, "ref", until) for s in QualityStandard}
    return Provider(provider_id, provider_id, Sector.VOLUNTARY, evidence)


async def test_a_request_is_routed_the_rule_recorded_and_a_replay_changes_nothing(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    uows, asked = fake_unit_of_work(db), request("45000")
    async with uows() as uow:
        first, new = await requests.open_procurement(uow, config, OFFICER, asked, Clock())
    async with uows() as uow:
        again, new_again = await requests.open_procurement(uow, config, OFFICER, asked, Clock())

    assert (new, new_again) == (True, False) and again == first
    assert first.route.value == "select_list"
    assert [e.action for e in db.audit] == ["procurement.routed"]
    assert db.audit[0].reason == first.routing.rule
    assert [e.route_rule for e in db.events(ProcurementOpened)] == [first.routing.rule]


async def test_a_request_id_reused_for_another_request_is_refused_not_answered(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    uows, asked = fake_unit_of_work(db), request("1000")
    async with uows() as uow:
        await requests.open_procurement(uow, config, OFFICER, asked, Clock())
    other = request("90000", request_id=asked.request_id, locality="derwentside", title="B")
    async with uows() as uow:
        with pytest.raises(Conflict, match="already made with other content"):
            await requests.open_procurement(uow, config, OFFICER, other, Clock())

    assert len(db.events(ProcurementOpened)) == 1


async def test_only_commissioners_request_and_unknown_outcomes_are_named(
    config: ProcurementConfig,
) -> None:
    db = FakeDatabase()
    async with fake_unit_of_work(db)() as uow:
        with pytest.raises(Forbidden):
            await requests.open_procurement(uow, config, BOARD, request("1000"), Clock())
        with pytest.raises(Problem) as refused:
            await requests.open_procurement(
                uow, config, OFFICER, request("1000", outcomes=("happiness",)), Clock()
            )
    assert refused.value.field == "outcomes" and "happiness" in refused.value.rule
    assert db.procurements == {} and db.published == []


async def test_bids_stay_sealed_until_close_and_a_listed_competition_is_invisible_to_others(
    config: ProcurementConfig,
) -> None:
    db, clock, vault = FakeDatabase(), Clock(), FakeVault()
    uows = fake_unit_of_work(db)
    async with uows() as uow:
        for p in ("listed", "unlisted"):
            await uow.providers.save(qualified(p))
        await uow.commit()
    async with uows() as uow:
        await providers.admit(uow, config, BOARD, ("easington", "parenting"), "listed", clock)
    async with uows() as uow:
        opened, _ = await requests.open_procurement(uow, config, OFFICER, request("45000"), clock)
    pid = opened.procurement_id
    async with uows() as uow:
        await tenders.publish_tender(
            uow, config, OFFICER, pid, NOW + timedelta(days=7), Criteria(60, 40), vault, clock
        )
    async with uows() as uow:
        await tenders.submit_bid(
            uow, config, provider_principal("listed"), pid, (Decimal(40_000), "plan"), vault, clock
        )
    async with uows() as uow:
        with pytest.raises(NotFound):
            await tenders.submit_bid(
                uow, config, provider_principal("unlisted"), pid, (Decimal(1), "x"), vault, clock
            )
        with pytest.raises(Conflict, match="sealed until the tender closes"):
            await tenders.opened_bids(uow, config, OFFICER, pid, vault)
    assert b"40000" not in db.bids[0].sealed and b"plan" not in db.bids[0].sealed
    clock.now += timedelta(days=7)
    async with uows() as uow:
        with pytest.raises(Conflict, match="late bid refused"):
            await tenders.submit_bid(
                uow, config, provider_principal("listed"), pid, (Decimal(1), "x"), vault, clock
            )
        await tenders.close_tender(uow, config, OFFICER, pid, vault, clock)
    async with uows() as uow:
        bids = await tenders.opened_bids(uow, config, OFFICER, pid, vault)
    assert [(b.provider_id, b.price, b.proposal) for b in bids] == [
        ("listed", Decimal("40000.00"), "plan")
    ]


def spec(amount: str) -> contracts.Specification:
    kpi = Kpi("k", "K", "percent", Decimal(80), Polarity.HIGHER_IS_BETTER, Decimal(5), Decimal(10))
    return contracts.Specification(
        kpis=(kpi,),
        reporting_frequency=Frequency.QUARTERLY,
        starts_on=date(2027, 4, 1),
        ends_on=date(2028, 3, 31),
        funding=(Funding("pool", Decimal(amount)),),
    )


async def test_an_over_commitment_is_refused_and_leaves_the_fund_untouched(
    config: ProcurementConfig,
) -> None:
    db, clock, vault = FakeDatabase(), Clock(), FakeVault()
    uows = fake_unit_of_work(db)
    async with uows() as uow:
        await uow.providers.save(qualified("barnardos"))
        await contracts.create_fund(
            uow, OFFICER, Fund("pool", "Pool", {"council": Decimal(50_000)}, Decimal(0)), clock
        )
    pids = []
    for _ in range(2):
        async with uows() as uow:
            opened, _ = await requests.open_procurement(
                uow, config, OFFICER, request("90000", specialist=True), clock
            )
        async with uows() as uow:
            direct = awards.DirectAward("barnardos", Decimal(30_000))
            await awards.award(
                uow, config, JCU, opened.procurement_id, ("sole provider", direct), vault, clock
            )
        pids.append(opened.procurement_id)
    async with uows() as uow:
        await contracts.start_contract(uow, config, OFFICER, pids[0], spec("30000"), clock)
    async with uows() as uow:
        with pytest.raises(Problem, match=r"£20000(\.00)? uncommitted; £30000(\.00)? refused"):
            await contracts.start_contract(uow, config, OFFICER, pids[1], spec("30000"), clock)

    assert db.funds["pool"].committed == Decimal(30_000)
    assert len(db.contracts) == 1
