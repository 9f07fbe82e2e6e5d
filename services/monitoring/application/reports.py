"""The annual performance report for the Executive Board: per contract, per outcome and per
provider over a financial year (Durham Children's Trust framework, section 3, Planning,
Performance and Delivery Group duty 7; formal review from December, Gateshead handbook,
Activity Four)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from services.monitoring.application.ports import MonitoringUnitOfWork
from services.monitoring.application.problems import Forbidden, Problem
from services.monitoring.domain.periods import bounds
from services.monitoring.domain.rag import contract_status, rag
from shared.auth import Principal
from shared.contracts.monitoring import AlertRule, MonitoredContract, Rag


@dataclass
class Tally:
    """KPI-periods by colour, and the alerts raised."""

    name: str
    green: int = 0
    amber: int = 0
    red: int = 0
    alerts: int = 0
    escalations: int = 0

    def count(self, colour: Rag) -> None:
        setattr(self, colour.value, getattr(self, colour.value) + 1)

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red


@dataclass
class ContractLine(Tally):
    provider_id: str = ""
    level: str = ""
    locality: str | None = None
    periods: int = 0
    latest: Rag | None = None


@dataclass
class AnnualReport:
    year: int
    contracts: list[ContractLine] = field(default_factory=list)
    outcomes: dict[str, Tally] = field(default_factory=dict)
    providers: dict[str, Tally] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"


def in_year(period: str, year: int) -> bool:
    """Financial year: April `year` to March `year + 1`."""
    first, _ = bounds(period)
    return (first.year, first.month) >= (year, 4) and (first.year, first.month) <= (year + 1, 3)


async def annual_report(uow: MonitoringUnitOfWork, principal: Principal, year: int) -> AnnualReport:
    if not principal.is_trust_wide:
        raise Forbidden([Problem("roles", "the annual report is for trust-wide roles")])
    report = AnnualReport(year)
    for contract in sorted(await uow.contracts.all_current(), key=lambda c: c.contract_id):
        await _add_contract(uow, report, contract)
    return report


async def _add_contract(
    uow: MonitoringUnitOfWork, report: AnnualReport, contract: MonitoredContract
) -> None:
    returns = [
        r for r in await uow.returns.current(contract.contract_id) if in_year(r.period, report.year)
    ]
    alerts = [
        a
        for a in await uow.alerts.find(contract_id=contract.contract_id)
        if in_year(a.period, report.year)
    ]
    line = ContractLine(
        contract.title,
        provider_id=contract.provider_id,
        level=contract.level.value,
        locality=contract.locality,
        periods=len(returns),
    )
    provider = report.providers.setdefault(contract.provider_id, Tally(contract.provider_id))
    tallies: list[Tally] = [line, provider]
    for kpi in contract.kpis:
        outcomes = [kpi.outcome] if kpi.outcome else contract.outcomes or ["(no outcome)"]
        kpi_tallies = tallies + [report.outcomes.setdefault(o, Tally(o)) for o in outcomes]
        for r in returns:
            if kpi.id not in r.kpi_values:  # a KPI added by a later variation
                continue
            colour = rag(kpi, float(r.kpi_values[kpi.id]))
            for tally in kpi_tallies:
                tally.count(colour)
    if returns:
        last = returns[-1]
        line.latest = contract_status(
            rag(k, float(last.kpi_values[k.id])) for k in contract.kpis if k.id in last.kpi_values
        )
    escalations = Counter(a.rule is AlertRule.RED_AFTER_PLAN for a in alerts)
    for tally in (line, provider):
        tally.alerts += len(alerts)
        tally.escalations += escalations[True]
    report.contracts.append(line)
