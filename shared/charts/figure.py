"""A chart with its text alternative: the SVG, a caption, and the same figures as a table.

The table is the chart's equivalent for people who cannot see it, or who would rather read
numbers (WCAG 2.2 success criteria 1.1.1 and 1.3.1); it sits in a disclosure under the
chart so sighted readers can open it, and screen readers reach it in reading order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.svg import esc, number

Cell = str | int | float | None


def cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return number(value)
    return value


class Html(str):
    """Markup a Jinja2 template prints as it is (already escaped where it needs to be)."""

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Table:
    """Rows of a data table; the first column names the row (a row header)."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]

    def html(self) -> str:
        head = "".join(f'<th scope="col">{esc(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<th scope="row">{esc(cell(v))}</th>' if i == 0 else f"<td>{esc(cell(v))}</td>"
                for i, v in enumerate(row)
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="data-table"><caption>{esc(self.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


@dataclass(frozen=True)
class Figure:
    """A chart and its data. Jinja2 templates print it as markup (`__html__`)."""

    svg: str
    table: Table

    def html(self) -> str:
        return (
            f'<figure class="chart-figure">{self.svg}'
            f"<figcaption>{esc(self.table.caption)}</figcaption>"
            f'<details class="chart-data"><summary>Show the data for '
            f"“{esc(self.table.caption)}”</summary>{self.table.html()}</details></figure>"
        )

    def __html__(self) -> str:
        return self.html()
