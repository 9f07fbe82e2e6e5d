"""Contracts under monitoring from the procurement service's events: started, varied and
terminated (the Do stage hands over to the Review stage: Gateshead handbook, Activity
Three step 9 and Activity Four).

Each event becomes a version of the monitored contract through `register_contract`, the
same command the API uses: a variation replaces the KPIs or the end date in a new version
and keeps the earlier ones (PA2023, section 74); a termination records the last day of
delivery, after which no return is expected (PA2023, section 78). A refusal raises, so the
inbox dead-letters the event with the field and the rule as its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from services.monitoring.application.contracts import register_contract
from services.monitoring.application.ports import MonitoringUnitOfWork
from services.monitoring.application.problems import Problem, Unprocessable
from shared.contracts import procurement
from shared.contracts.monitoring import (
    ContractLevel,
    Kpi,
    MonitoredContract,
    Polarity,
    ReportingFrequency,
    ValueType,
)
from shared.envelope import Envelope, Event
from shared.trust import TrustConfig

PERCENT_UNITS = frozenset({"percent", "percentage", "%"})


def figure(value: Decimal) -> int | float:
    """A procurement amount as a monitoring figure: whole numbers stay whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def kpi_of(kpi: procurement.ContractKpi) -> Kpi:
    unit = kpi.unit.strip().lower()
    value_type = (
        ValueType.PERCENTAGE
        if unit in PERCENT_UNITS
        else ValueType.COUNT
        if unit == "count"
        else ValueType.NUMBER
    )
    return Kpi(
        id=kpi.kpi_id,
        name=kpi.name[:200],
        value_type=value_type,
        polarity=Polarity(kpi.polarity.value),
        target=figure(kpi.target),
        amber_tolerance=figure(kpi.amber_tolerance),
        red_tolerance=figure(kpi.red_tolerance),
    )


def level_of(started: procurement.ContractStarted) -> ContractLevel:
    if started.level is not None:
        return ContractLevel(started.level.value)
    return ContractLevel.LOCAL if len(started.localities) == 1 else ContractLevel.TRUST_WIDE


def monitored_contract(started: procurement.ContractStarted) -> MonitoredContract:
    """The contract to monitor: a local contract is watched in its (one) locality."""
    level = level_of(started)
    if level is ContractLevel.LOCAL and len(started.localities) != 1:
        raise Unprocessable([Problem("localities", "a local contract has exactly one locality")])
    return _validated(
        lambda: MonitoredContract(
            contract_id=str(started.contract_id),
            title=started.title[:200],
            provider_id=started.provider_id,
            level=level,
            locality=started.localities[0] if level is ContractLevel.LOCAL else None,
            outcomes=list(started.outcomes),
            kpis=[kpi_of(k) for k in started.kpis],
            reporting_frequency=ReportingFrequency(started.reporting_frequency.value),
            starts_on=started.starts_on,
            ends_on=started.ends_on,
            return_due_days=started.return_due_days,
        )
    )


def varied(contract: MonitoredContract, variation: procurement.ContractVaried) -> MonitoredContract:
    changes: dict[str, Any] = {}
    if variation.ends_on is not None:
        changes["ends_on"] = variation.ends_on
    if variation.kpis is not None:
        changes["kpis"] = [kpi_of(k) for k in variation.kpis]
    body = contract.model_dump() | changes
    return _validated(lambda: MonitoredContract.model_validate(body))


def terminated(
    contract: MonitoredContract, ending: procurement.ContractTerminated
) -> MonitoredContract:
    body = contract.model_dump() | {"terminated_on": ending.terminated_on}
    return _validated(lambda: MonitoredContract.model_validate(body))


def _validated(build: Callable[[], MonitoredContract]) -> MonitoredContract:
    """Build the contract; a rule it breaks becomes a refusal naming the field."""
    try:
        return build()
    except ValidationError as invalid:
        raise Unprocessable(
            [
                Problem(".".join(str(p) for p in e["loc"]) or "contract", e["msg"])
                for e in invalid.errors()
            ]
        ) from None


async def _monitored(uow: MonitoringUnitOfWork, contract_id: str) -> MonitoredContract:
    found = await uow.contracts.get(contract_id)
    if found is None:
        raise Unprocessable(
            [Problem("contract_id", f"contract {contract_id} is not monitored (never started)")]
        )
    return found


async def take_contract_event(
    payload: Any, uow: MonitoringUnitOfWork, trust: TrustConfig, caused_by: Envelope
) -> MonitoredContract | None:
    """Apply one procurement event; other procurement events are not monitoring's concern."""
    actor = f"kafka:{caused_by.source}"
    if isinstance(payload, procurement.ContractStarted):
        contract = monitored_contract(payload)
        held = await uow.contracts.get(contract.contract_id)
        if held is not None and held.model_copy(update={"version": 1}) == contract:
            return None  # already monitored as started (e.g. registered over the API)
        action = "contract registered" if held is None else "contract restated"
    elif isinstance(payload, procurement.ContractVaried):
        contract = varied(await _monitored(uow, str(payload.contract_id)), payload)
        action = f"contract varied: {payload.reason}"
    elif isinstance(payload, procurement.ContractTerminated):
        contract = terminated(await _monitored(uow, str(payload.contract_id)), payload)
        action = f"contract terminated: {payload.reason}"
    else:
        return None
    return await register_contract(
        contract, uow, trust, actor=actor, action=action, caused_by=caused_by
    )


async def take_procurement_events(
    events: Sequence[Event[Any]], uow: MonitoringUnitOfWork, trust: TrustConfig
) -> None:
    for event in events:
        await take_contract_event(event.payload, uow, trust, event.envelope)
