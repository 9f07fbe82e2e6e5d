"""Registering a contract for monitoring, and varying it (the same command).

A contract arrives by API, or from the procurement service's contract started, varied and
terminated events (`procurement_events.py`), which map onto the same command.
"""

from __future__ import annotations

from services.monitoring.application.ports import AuditEntry, MonitoringUnitOfWork
from services.monitoring.application.problems import Problem, Unprocessable
from shared.contracts.monitoring import MonitoredContract
from shared.envelope import Envelope
from shared.trust import TrustConfig


def refusals(contract: MonitoredContract, trust: TrustConfig) -> list[Problem]:
    found = []
    if contract.locality is not None and contract.locality not in trust.locality_ids:
        found.append(Problem("locality", f"unknown locality {contract.locality!r}"))
    for index, outcome in enumerate(contract.outcomes):
        if outcome not in trust.outcome_ids:
            found.append(Problem(f"outcomes.{index}", f"unknown outcome {outcome!r}"))
    for index, kpi in enumerate(contract.kpis):
        if kpi.outcome is not None and kpi.outcome not in trust.outcome_ids:
            found.append(Problem(f"kpis.{index}.outcome", f"unknown outcome {kpi.outcome!r}"))
    return found


async def register_contract(
    contract: MonitoredContract,
    uow: MonitoringUnitOfWork,
    trust: TrustConfig,
    *,
    actor: str,
    action: str | None = None,
    caused_by: Envelope | None = None,
) -> MonitoredContract:
    """Store the contract as a new version (a variation if it is already monitored; every
    version is kept) and publish it."""
    problems = refusals(contract, trust)
    if problems:
        raise Unprocessable(problems)
    existing = await uow.contracts.get(contract.contract_id)
    version = existing.version + 1 if existing else 1
    stored = contract.model_copy(update={"version": version})
    await uow.contracts.save(stored)
    uow.publish(stored, subject=stored.contract_id, locality=stored.locality, caused_by=caused_by)
    action = action or ("contract varied" if existing else "contract registered")
    await uow.audit.record(AuditEntry(actor, action, stored.contract_id, {"version": version}))
    return stored
