"""RAG charts for contract monitoring (Gateshead handbook, Activity Four: red, amber and
green against agreed thresholds): a stacked bar of KPI-periods, and a grid of statuses by
contract and period. Each status is drawn with its word or a pattern as well as its colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.charts.figure import Figure, Table
from shared.charts.palette import INK, RAG, rag_status
from shared.charts.svg import clip, document, key_of, patterned, patterns, rect, text


def rag_summary(green: int, amber: int, red: int) -> str:
    return f"{green} green, {amber} amber, {red} red"


def rag_bar(green: int, amber: int, red: int, *, width: int = 240, name: str = "") -> str:
    """A stacked bar of green, amber and red counts (an SVG image named by its counts)."""
    total = green + amber + red
    summary = rag_summary(green, amber, red)
    key = key_of("rag-bar", name, green, amber, red, width)
    title = f"{name}: {summary}" if name else summary
    if not total:
        body = rect(0.5, 0.5, width - 1, 17, "#ffffff", INK) + text(6, 13, "no returns")
        return document(key, width, 18, title, "No returns in the period.", body)
    x, parts = 0.0, [patterns(key)]
    for colour, count in (("green", green), ("amber", amber), ("red", red)):
        share = count / total * width
        if share:
            parts.append(patterned(key, x, 0.5, share, 17, RAG[colour]))
        x += share
    desc = f"Stacked bar of {total} KPI-periods: {summary}."
    return document(key, width, 18, title, desc, "".join(parts))


def rag_grid(
    caption: str,
    columns: Sequence[str],
    rows: Mapping[str, Mapping[str, str | None]],
    *,
    label_width: int = 220,
    cell_width: int = 64,
) -> Figure:
    """Statuses by row (contract, KPI) and column (period): each cell coloured, patterned
    and labelled with its word; a missing status reads "No data"."""
    key = key_of("rag-grid", caption, tuple(columns), tuple(rows.items()))
    height = 28 * (len(rows) + 1) + 4
    width = label_width + cell_width * len(columns) + 4
    parts = [patterns(key)]
    for j, column in enumerate(columns):
        parts.append(text(label_width + cell_width * (j + 0.5), 18, column, anchor="middle"))
    for i, (label, statuses) in enumerate(rows.items()):
        y = 28 * (i + 1)
        parts.append(text(4, y + 17, clip(label, label_width // 7)))
        for j, column in enumerate(columns):
            status = rag_status(statuses.get(column))
            x = label_width + cell_width * j
            parts.append(patterned(key, x + 2, y + 2, cell_width - 4, 24, status))
            word = status.word if status.word != "No data" else "–"
            parts.append(_label(x + cell_width / 2, y + 18, word, status.ink, status.fill))
    counts = {s: sum(1 for r in rows.values() for v in r.values() if v == s) for s in RAG}
    desc = (
        f"{len(rows)} rows by {len(columns)} periods: {counts['green']} green, "
        f"{counts['amber']} amber, {counts['red']} red."
    )
    table = Table(
        caption,
        ["", *columns],
        [[label, *(rag_status(r.get(c)).word for c in columns)] for label, r in rows.items()],
    )
    return Figure(document(key, width, height, caption, desc, "".join(parts)), table)


def _label(x: float, y: float, word: str, ink: str, fill: str) -> str:
    """A cell's word on a solid backing, so the pattern never lowers its contrast."""
    backing = rect(x - 24, y - 12, 48, 16, fill)
    return backing + text(x, y, word, anchor="middle", fill=ink, bold=True)
