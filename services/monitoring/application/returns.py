"""Performance returns: checked against the contract, stored with their history, assessed.

Providers report use of the service and outcomes achieved against their contract
(Gateshead handbook, Activity Four step 1); a correction supersedes the earlier return and
both are kept, so the figures stand up to audit (Medway, paragraph 2.24).
"""

from __future__ import annotations

from services.monitoring.application.evaluation import Clock, assess, results_of
from services.monitoring.application.ports import AuditEntry, MonitoringUnitOfWork, StoreOutcome
from services.monitoring.application.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    Unprocessable,
)
from services.monitoring.domain.periods import refusal
from shared.contracts.monitoring import (
    MonitoredContract,
    PerformanceReturn,
    PerformanceReturnAccepted,
    ValueType,
)
from shared.envelope import Envelope
from shared.trust import MonitoringRules


def value_problems(contract: MonitoredContract, ret: PerformanceReturn) -> list[Problem]:
    """Unknown KPIs, missing KPIs and values of the wrong type."""
    kpis = {k.id: k for k in contract.kpis}
    found = []
    for kpi_id, value in ret.kpi_values.items():
        kpi = kpis.get(kpi_id)
        where = f"kpi_values.{kpi_id}"
        if kpi is None:
            found.append(Problem(where, f"unknown KPI; the contract's: {', '.join(kpis)}"))
        elif kpi.value_type is ValueType.COUNT and not float(value).is_integer():
            found.append(Problem(where, "a count must be a whole number"))
        elif kpi.value_type is ValueType.COUNT and value < 0:
            found.append(Problem(where, "a count must not be negative"))
        elif kpi.value_type is ValueType.PERCENTAGE and not 0 <= value <= 100:
            found.append(Problem(where, "a percentage must be between 0 and 100"))
    for kpi_id in kpis.keys() - ret.kpi_values.keys():
        found.append(Problem(f"kpi_values.{kpi_id}", "missing: report every KPI of the contract"))
    return found


def check(
    contract: MonitoredContract | None, ret: PerformanceReturn, provider: str | None
) -> MonitoredContract:
    """The contract the return is for, or the refusal naming field and rule."""
    if contract is None:
        raise NotFound([Problem("contract_id", f"no contract {ret.contract_id!r} is monitored")])
    if provider is not None and provider != contract.provider_id:
        raise Forbidden([Problem("contract_id", "a provider submits only for its own contracts")])
    if ret.provider_id != contract.provider_id:
        raise Unprocessable([Problem("provider_id", "is not the contract's provider")])
    problems = value_problems(contract, ret)
    why = refusal(contract, ret.period)
    if why:
        problems.insert(0, Problem("period", why))
    if problems:
        raise Unprocessable(problems)
    return contract


async def submit_return(
    ret: PerformanceReturn,
    uow: MonitoringUnitOfWork,
    rules: MonitoringRules,
    clock: Clock,
    *,
    actor: str,
    provider: str | None,
    via: str,
    caused_by: Envelope | None = None,
) -> StoreOutcome:
    """Accept a return: `provider` is the caller's provider scope (None for Kafka, where the
    record's provider_id must match the contract's)."""
    contract = check(await uow.contracts.get(ret.contract_id), ret, provider)
    await uow.returns.lock(ret.contract_id)
    outcome = await uow.returns.add(ret, via=via)
    if outcome is StoreOutcome.CONFLICT:
        raise Conflict(
            [
                Problem(
                    "revision",
                    f"revision {ret.revision} was already received with other "
                    f"content; submit revision {ret.revision + 1} to correct it",
                )
            ]
        )
    if outcome is StoreOutcome.DUPLICATE:
        return outcome
    status = await assess(contract, ret.period, uow, rules, clock, caused_by=caused_by)
    accepted = PerformanceReturnAccepted(
        contract_id=ret.contract_id,
        provider_id=ret.provider_id,
        period=ret.period,
        revision=ret.revision,
        results=results_of(contract, ret, rules),
        contract_status=status,
    )
    uow.publish(accepted, subject=ret.contract_id, locality=contract.locality, caused_by=caused_by)
    await uow.audit.record(
        AuditEntry(
            actor,
            "return accepted",
            ret.contract_id,
            {"period": ret.period, "revision": ret.revision, "via": via},
        )
    )
    return outcome
