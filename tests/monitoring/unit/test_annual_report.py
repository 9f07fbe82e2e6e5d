"""The annual performance report for the Executive Board (Durham Children's Trust
framework, section 3, PPDG duty 7): per contract, outcome and provider, over a financial
year, as self-contained HTML with SVG charts and as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from services.monitoring.application.contracts import register_contract
from services.monitoring.application.problems import Forbidden
from services.monitoring.application.reports import annual_report
from services.monitoring.application.returns import submit_return
from services.monitoring.entrypoints.http.report_render import as_csv, as_html
from shared.auth import Principal, Role
from shared.trust import MonitoringRules, TrustConfig
from tests.monitoring.unit.conftest import clock
from tests.monitoring.unit.fakes import FakeUnitOfWork, a_return, local_contract

EXECUTIVE = Principal(
    subject="chair", roles=frozenset({Role.EXECUTIVE_BOARD}), trust="county-durham"
)


async def a_year_of_returns(trust: TrustConfig) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await register_contract(local_contract(), uow, trust, actor="officer")
    for period, attendance in (("2025-04", 95), ("2025-05", 85), ("2025-06", 70)):
        await submit_return(
            a_return(period, attendance),
            uow,
            MonitoringRules(),
            clock,
            actor="p",
            provider="family-action",
            via="http",
        )
    return uow


async def test_the_report_counts_kpi_periods_by_colour_per_contract_outcome_and_provider(
    trust: TrustConfig,
) -> None:
    report = await annual_report(await a_year_of_returns(trust), EXECUTIVE, 2025)
    (line,) = report.contracts
    # attendance green, amber, red; waiting (10 days, target 14) green three times
    assert (line.green, line.amber, line.red, line.periods) == (4, 1, 1, 3)
    assert line.latest == "red"
    assert line.alerts == 1  # the red KPI
    assert report.outcomes["stay_safe"].total == 6
    assert report.providers["family-action"].red == 1
    assert report.label == "2025/26"


async def test_returns_outside_the_financial_year_are_left_out(trust: TrustConfig) -> None:
    report = await annual_report(await a_year_of_returns(trust), EXECUTIVE, 2024)
    assert report.contracts[0].total == 0


async def test_only_trust_wide_roles_read_it(trust: TrustConfig) -> None:
    board = Principal(
        subject="b",
        roles=frozenset({Role.LOCAL_BOARD_MEMBER}),
        locality="easington",
        trust="county-durham",
    )
    with pytest.raises(Forbidden):
        await annual_report(FakeUnitOfWork(), board, 2025)


async def test_html_has_its_charts_inline_and_csv_a_row_per_line(trust: TrustConfig) -> None:
    report = await annual_report(await a_year_of_returns(trust), EXECUTIVE, 2025)
    page = as_html(report)
    assert page.count("<svg") == 3
    assert "<title id=" in page and "Family support, Easington: 4 green, 1 amber, 1 red" in page
    assert "src=" not in page and "http://" not in page.replace('"http://www.w3.org/', "")
    assert "https://" not in page  # nothing fetched from the internet
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert rows[0][:5] == ["section", "name", "green", "amber", "red"]
    assert ["contract", "Family support, Easington", "4", "1", "1", "1", "0"] in rows
