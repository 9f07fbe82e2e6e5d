"""The annual report as a self-contained HTML page in the platform's layout (server-rendered
SVG charts from shared.charts, nothing fetched from the internet) and as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fastapi.responses import HTMLResponse

from services.monitoring.application.reports import AnnualReport, Tally
from shared.charts import Html, rag_bar
from shared.pages import Pages

PAGES = Pages("services.monitoring.entrypoints.http")


@dataclass(frozen=True)
class Row:
    name: str
    tally: Tally
    details: str
    chart: Html


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    noun: str
    rows: list[Row]
    details: bool = False


def _row(name: str, tally: Tally, details: str = "") -> Row:
    chart = rag_bar(tally.green, tally.amber, tally.red, name=name)
    return Row(name, tally, details, Html(chart))


def sections(report: AnnualReport) -> list[Section]:
    contracts = [
        _row(
            c.name,
            c,
            f"{c.provider_id}; {c.locality or c.level}; latest "
            f"{c.latest.value if c.latest else '-'}",
        )
        for c in report.contracts
    ]
    return [
        Section("per-contract", "Per contract", "Contract", contracts, details=True),
        Section(
            "per-outcome",
            "Per outcome",
            "Outcome",
            [_row(k, t) for k, t in sorted(report.outcomes.items())],
        ),
        Section(
            "per-provider",
            "Per provider",
            "Provider",
            [_row(k, t) for k, t in sorted(report.providers.items())],
        ),
    ]


def context(report: AnnualReport) -> dict[str, object]:
    return {
        "title": f"Annual performance report {report.label}",
        "report": report,
        "sections": sections(report),
        "csv_href": f"{report.year}/csv",
    }


def as_html(report: AnnualReport) -> str:
    """The report as a page in the shared layout (the response adds its CSP headers)."""
    return PAGES.html("annual_report.html", context(report))


def as_response(report: AnnualReport) -> HTMLResponse:
    return PAGES.response("annual_report.html", context(report))


def as_csv(report: AnnualReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "green", "amber", "red", "alerts", "escalations"])
    groups: list[tuple[str, list[Tally]]] = [
        ("contract", list(report.contracts)),
        ("outcome", [report.outcomes[k] for k in sorted(report.outcomes)]),
        ("provider", [report.providers[k] for k in sorted(report.providers)]),
    ]
    for section, tallies in groups:
        for t in tallies:
            writer.writerow([section, t.name, t.green, t.amber, t.red, t.alerts, t.escalations])
    return out.getvalue()
