"""What the dashboards draw from the boards' views: needs as spines against their
benchmark (a withheld value is left out of the chart, never drawn as zero), projects by all
nine stages, alerts named by their contract."""

from __future__ import annotations

from typing import Any

from services.boards.application.views import AlertView, Benchmark, NeedView, ProjectView
from services.boards.entrypoints.pages.figures import (
    alert_item,
    need_spines,
    project_stages,
    words,
)


def a_need(value: float | None, **changes: Any) -> NeedView:
    fields: dict[str, Any] = {
        "need_id": "n1",
        "need_key": "teenage_conceptions/locality/easington",
        "indicator_id": "teenage_conceptions",
        "indicator_name": "Teenage conceptions",
        "outcomes": ["be_healthy"],
        "area": "locality/easington",
        "locality": "easington",
        "breakdown": {},
        "vulnerable_group": False,
        "reason": "worse and worsening",
        "state": "open",
        "period": "2025/26",
        "value": value,
        "lower95": None if value is None else value - 4,
        "upper95": None if value is None else value + 4,
        "value_note": None if value is not None else "withheld: a count below 8",
        "benchmark": Benchmark(comparator="england", area_code=None, value=21.0, period="2025/26"),
        "comparison": "worse",
        "trend": "worsening",
        "identified_at": "2026-04-01T09:00:00Z",
        "resolved_at": None,
    }
    return NeedView(**(fields | changes))


def test_needs_are_spines_against_their_benchmark_and_a_withheld_value_is_left_out() -> None:
    figure = need_spines("Needs", [a_need(38.0), a_need(None, need_id="n2")])
    assert figure is not None
    assert len(figure.table.rows) == 1
    assert figure.table.headers[4] == "England"
    assert "Teenage conceptions, 2025/26: 38 (95% interval 34 to 42); England 21; worse." in (
        figure.svg
    )
    assert need_spines("Needs", [a_need(None)]) is None  # nothing to chart: the page says so


def test_projects_are_counted_at_every_one_of_the_nine_stages() -> None:
    project = ProjectView(
        project_id="p",
        title="t",
        level="locality",
        localities=["easington"],
        outcomes=[],
        stage=3,
        status="active",
        priority_id=None,
        last_gate=None,
        changed_at="2026-04-01T09:00:00Z",
    )
    figure = project_stages([project, project])
    assert [row[1] for row in figure.table.rows] == [0, 0, 2, 0, 0, 0, 0, 0, 0]
    assert figure.table.rows[2][0] == "3 Needs analysis"


def test_an_alert_names_its_contract_when_the_board_knows_it() -> None:
    alert = AlertView(
        alert_id="a1",
        contract_id="c1",
        kpi_id="seen-in-4-weeks",
        period="2026-Q3",
        rule="kpi_red",
        severity="high",
        audience="local_board",
        locality="easington",
        evidence="61% against 80%.",
        recommendation=None,
        state="raised",
        raised_at="2026-04-01T09:00:00Z",
        updated_at="2026-04-01T09:00:00Z",
    )
    known = alert_item(alert, {"c1": "Teenage pregnancy outreach"})
    assert known["headline"] == "KPI red: Teenage pregnancy outreach, seen-in-4-weeks (easington)"
    assert alert_item(alert, {})["headline"].startswith("KPI red: contract c1,")
    assert words("durham-county-council") == "Durham county council"
