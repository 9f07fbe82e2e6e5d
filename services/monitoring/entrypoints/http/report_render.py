"""The annual report as a self-contained HTML page (server-rendered SVG charts, no assets
from the internet) and as CSV."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from services.monitoring.application.reports import AnnualReport, Tally

COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
)


def bar(tally: Tally, width: int = 300) -> str:
    """A stacked bar of green, amber and red KPI-periods, labelled for screen readers."""
    if not tally.total:
        return "<span>no returns</span>"
    x = 0.0
    parts = []
    for colour, fill in COLOURS.items():
        share = getattr(tally, colour) / tally.total * width
        parts.append(f'<rect x="{x:.1f}" y="0" width="{share:.1f}" height="16" fill="{fill}"/>')
        x += share
    label = f"{tally.green} green, {tally.amber} amber, {tally.red} red"
    return (
        f'<svg role="img" aria-label="{label}" width="{width}" height="16" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{"".join(parts)}</svg>'
    )


def _table(title: str, rows: Sequence[tuple[str, Tally, str]]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{t.green}</td><td>{t.amber}</td><td>{t.red}</td>"
        f"<td>{t.alerts}</td><td>{t.escalations}</td><td>{html.escape(extra)}</td>"
        f"<td>{bar(t)}</td></tr>"
        for name, t, extra in rows
    )
    head = (
        "<tr><th></th><th>green</th><th>amber</th><th>red</th><th>alerts</th>"
        "<th>escalations</th><th></th><th>KPI-periods</th></tr>"
    )
    return f"<h2>{html.escape(title)}</h2><table>{head}{body}</table>"


def as_html(report: AnnualReport) -> str:
    contracts = [
        (
            c.name,
            c,
            f"{c.provider_id}; {c.locality or c.level}; latest "
            f"{c.latest.value if c.latest else '-'}",
        )
        for c in report.contracts
    ]
    sections = [
        _table("Per contract", contracts),
        _table("Per outcome", [(k, t, "") for k, t in sorted(report.outcomes.items())]),
        _table("Per provider", [(k, t, "") for k, t in sorted(report.providers.items())]),
    ]
    title = f"Annual performance report {report.label}"
    return (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style><h1>{title}</h1>{''.join(sections)}</html>"
    )


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
