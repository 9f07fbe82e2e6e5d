"""Contracts under monitoring from the procurement service's events, on fakes: a started
contract is monitored with its KPIs, targets, tolerances, frequency, due days, level and
locality; a variation adds a version and keeps the earlier ones; after a termination no
return is expected (and none is alerted as missing); a refusal names the field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.monitoring.application.alerting import check_missing_returns
from services.monitoring.application.problems import Unprocessable
from services.monitoring.application.procurement_events import take_contract_event
from services.monitoring.application.returns import submit_return
from shared.contracts import procurement
from shared.contracts.monitoring import (
    AlertRule,
    Audience,
    ContractLevel,
    MonitoredContract,
    PerformanceReturn,
    Polarity,
    ReportingFrequency,
    ValueType,
)
from shared.contracts.registry import registry
from shared.trust import MonitoringRules, TrustConfig
from tests.monitoring.unit.fakes import FakeUnitOfWork

RULES = MonitoringRules()
CONTRACT = uuid.UUID("5b0c3a57-4f0e-4f55-9d7c-0d2a1c9e7f11")
AT = datetime(2025, 4, 1, 9, tzinfo=UTC)


def kpi(kpi_id: str = "attendance", **overrides: Any) -> procurement.ContractKpi:
    fields: dict[str, Any] = {
        "kpi_id": kpi_id,
        "name": "Session attendance",
        "unit": "percent",
        "target": Decimal("90"),
        "polarity": "higher_is_better",
        "amber_tolerance": Decimal("2"),
        "red_tolerance": Decimal("10.5"),
    }
    return procurement.ContractKpi.model_validate(fields | overrides)


def started(**overrides: Any) -> procurement.ContractStarted:
    fields: dict[str, Any] = {
        "contract_id": CONTRACT,
        "procurement_id": uuid.uuid4(),
        "provider_id": "family-action",
        "title": "Family support, Easington",
        "value": Decimal("120000.00"),
        "localities": ["easington"],
        "outcomes": ["stay_safe"],
        "kpis": [kpi()],
        "reporting_frequency": "monthly",
        "starts_on": date(2025, 4, 1),
        "ends_on": date(2026, 3, 31),
        "funding": [],
        "route": "select_list",
        "started_at": AT,
        "level": "local",
        "return_due_days": 15,
    }
    return procurement.ContractStarted.model_validate(fields | overrides)


def varied(**overrides: Any) -> procurement.ContractVaried:
    fields: dict[str, Any] = {
        "contract_id": CONTRACT,
        "reason": "extended for a year with a waiting-time KPI",
        "varied_by": "officer",
        "varied_at": AT,
    }
    return procurement.ContractVaried.model_validate(fields | overrides)


def terminated(on: date) -> procurement.ContractTerminated:
    return procurement.ContractTerminated(
        contract_id=CONTRACT,
        terminated_on=on,
        reason="decommissioned by the Executive Board",
        terminated_by="executive",
        terminated_at=AT,
    )


async def take(uow: FakeUnitOfWork, trust: TrustConfig, payload: Any) -> Any:
    envelope = registry.envelope(
        payload, source="procurement", subject=f"contract/{CONTRACT}", trust="county-durham"
    )
    return await take_contract_event(payload, uow, trust, envelope)


def a_return(period: str, **values: float) -> PerformanceReturn:
    return PerformanceReturn(
        contract_id=str(CONTRACT),
        provider_id="family-action",
        period=period,
        kpi_values=values or {"attendance": 95},
    )


async def submit(uow: FakeUnitOfWork, ret: PerformanceReturn, today: date) -> None:
    def clock() -> datetime:
        return datetime(today.year, today.month, today.day, tzinfo=UTC)

    await submit_return(ret, uow, RULES, clock, actor="p", provider=None, via="kafka")


async def test_a_started_contract_is_monitored_with_everything_its_returns_are_judged_by(
    trust: TrustConfig,
) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started())
    contract = await uow.contracts.get(str(CONTRACT))
    assert contract is not None
    assert (contract.level, contract.locality) == (ContractLevel.LOCAL, "easington")
    assert (contract.provider_id, contract.outcomes) == ("family-action", ["stay_safe"])
    assert contract.reporting_frequency is ReportingFrequency.MONTHLY
    assert (contract.starts_on, contract.ends_on) == (date(2025, 4, 1), date(2026, 3, 31))
    assert contract.return_due_days == 15
    (monitored_kpi,) = contract.kpis
    assert monitored_kpi.id == "attendance"
    assert monitored_kpi.value_type is ValueType.PERCENTAGE
    assert monitored_kpi.polarity is Polarity.HIGHER_IS_BETTER
    assert (monitored_kpi.target, monitored_kpi.amber_tolerance) == (90, 2)
    assert monitored_kpi.red_tolerance == 10.5
    assert uow.of_type(MonitoredContract) == [contract]
    assert [e.action for e in uow.audit.entries] == ["contract registered"]


async def test_a_specialist_or_multi_locality_contract_is_watched_by_the_jcu(
    trust: TrustConfig,
) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started(level="specialist"))
    specialist = await uow.contracts.get(str(CONTRACT))
    assert specialist is not None and specialist.locality is None
    assert specialist.level is ContractLevel.SPECIALIST
    other = FakeUnitOfWork()
    await take(other, trust, started(level=None, localities=["easington", "derwentside"]))
    wide = await other.contracts.get(str(CONTRACT))
    assert wide is not None and wide.level is ContractLevel.TRUST_WIDE


async def test_the_same_start_taken_twice_is_one_version(trust: TrustConfig) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started())
    assert await take(uow, trust, started()) is None
    assert len(await uow.contracts.versions(str(CONTRACT))) == 1


async def test_a_variation_replaces_kpis_and_dates_in_a_new_version_keeping_the_first(
    trust: TrustConfig,
) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started())
    await submit(uow, a_return("2025-04"), date(2025, 5, 2))
    waiting = kpi("waiting_days", unit="days", polarity="lower_is_better", target=Decimal(14))
    await take(uow, trust, varied(ends_on=date(2027, 3, 31), kpis=[kpi(), waiting]))
    first, second = await uow.contracts.versions(str(CONTRACT))
    assert (first.version, first.ends_on, [k.id for k in first.kpis]) == (
        1,
        date(2026, 3, 31),
        ["attendance"],
    )
    assert (second.version, second.ends_on) == (2, date(2027, 3, 31))
    assert [(k.id, k.value_type) for k in second.kpis] == [
        ("attendance", ValueType.PERCENTAGE),
        ("waiting_days", ValueType.NUMBER),
    ]
    # The next return reports both KPIs; April's, made before the variation, still counts.
    await submit(uow, a_return("2025-05", attendance=95, waiting_days=40), date(2025, 6, 2))
    red = [a for a in uow.alerts.by_id.values() if a.rule is AlertRule.KPI_RED]
    assert [(a.kpi_id, a.period) for a in red] == [("waiting_days", "2025-05")]
    assert uow.audit.entries[-2].action.startswith("contract varied: extended")


async def test_a_variation_that_breaks_a_rule_is_refused_naming_the_field(
    trust: TrustConfig,
) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started())
    with pytest.raises(Unprocessable) as refused:
        await take(uow, trust, varied(ends_on=date(2024, 1, 1)))
    assert "ends_on must not be before starts_on" in str(refused.value)
    assert len(await uow.contracts.versions(str(CONTRACT))) == 1


async def test_a_change_to_a_contract_never_started_is_refused(trust: TrustConfig) -> None:
    with pytest.raises(Unprocessable) as refused:
        await take(FakeUnitOfWork(), trust, terminated(date(2025, 6, 30)))
    assert [p.field for p in refused.value.problems] == ["contract_id"]


async def test_after_termination_no_return_is_expected_or_alerted_as_missing(
    trust: TrustConfig,
) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started())
    await submit(uow, a_return("2025-04"), date(2025, 5, 2))
    await take(uow, trust, terminated(date(2025, 6, 15)))
    contract = await uow.contracts.get(str(CONTRACT))
    assert contract is not None and contract.terminated_on == date(2025, 6, 15)

    def in_2026() -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)

    raised = await check_missing_returns(uow, RULES, in_2026)
    # May and June (the month delivery ended in) are still owed; nothing after is.
    assert sorted(a.period for a in raised) == ["2025-05", "2025-06"]
    assert {a.audience for a in raised} == {Audience.LOCAL_BOARD}
    with pytest.raises(Unprocessable) as refused:
        await submit(uow, a_return("2025-07"), date(2025, 8, 1))
    assert "terminated on 2025-06-15" in str(refused.value)
    await submit(uow, a_return("2025-06"), date(2025, 8, 1))  # a late return still counts


async def test_other_procurement_events_are_not_monitorings_concern(trust: TrustConfig) -> None:
    uow = FakeUnitOfWork()
    closed = procurement.TenderClosed(procurement_id=uuid.uuid4(), bids_received=3, closed_at=AT)
    assert await take(uow, trust, closed) is None
    assert uow.contracts.versions_of == {} and uow.audit.entries == []


async def test_annual_reporting_is_monitored_by_calendar_year(trust: TrustConfig) -> None:
    uow = FakeUnitOfWork()
    await take(uow, trust, started(reporting_frequency="annually", ends_on=date(2027, 3, 31)))

    def in_2027() -> datetime:
        return datetime(2027, 6, 1, tzinfo=UTC)

    raised = await check_missing_returns(uow, RULES, in_2027)
    assert sorted(a.period for a in raised) == ["2025", "2026"]
    await submit(uow, a_return("2025"), date(2026, 1, 5))
    with pytest.raises(Unprocessable):
        await submit(uow, a_return("2025-Q4"), date(2026, 1, 5))
