"""Bar charts for the JCU and the Executive Board: projects by stage of the commissioning
cycle, and pooled or aligned budgets as contributed, committed and remaining (Gateshead
joint commissioning matrix; Durham Children's Trust framework, section 5, pooled budgets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.figure import Figure, Table
from shared.charts.palette import BLUE, INK, PAGE
from shared.charts.svg import clip, document, key_of, number, patterns, rect, text

LABEL, BAR, ROW = 200, 300, 30


def value_bars(
    caption: str,
    rows: Sequence[tuple[str, float]],
    *,
    header: str = "Stage",
    noun: str = "projects",
    prefix: str = "",
    suffix: str = "",
) -> Figure:
    """One bar per row, in the order given, with its figure written at the bar's end; a
    label too long for its column is shortened (the table beneath has it whole)."""
    key = key_of("bars", caption, tuple(rows), header, noun, prefix, suffix)
    most = max((n for _, n in rows), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(rows):
        y = ROW * i + 4
        w = BAR * max(value, 0) / most
        parts += [
            text(LABEL - 8, y + 17, clip(label, (LABEL - 12) // 7), anchor="end"),
            rect(LABEL, y + 2, w, ROW - 8, BLUE, INK if value else None),
            text(LABEL + w + 6, y + 17, f"{prefix}{number(value, 0)}{suffix}"),
        ]
    desc = (
        ", ".join(f"{label}: {prefix}{number(v, 0)}{suffix}" for label, v in rows) or f"No {noun}."
    )
    width, height = LABEL + BAR + 110, ROW * len(rows) + 8
    table = Table(caption, [header, noun.capitalize()], [[label, v] for label, v in rows])
    return Figure(document(key, width, height, caption, desc, "".join(parts)), table)


def stage_bars(caption: str, stages: Sequence[tuple[str, int]], noun: str = "projects") -> Figure:
    """How many projects (or procurements) stand at each stage of the cycle."""
    return value_bars(caption, stages, header="Stage", noun=noun)


@dataclass(frozen=True)
class Budget:
    """A pooled or aligned budget: what partners put in and how much is committed to
    contracts. Remaining is what is left; an overcommitment is shown as such, never hidden."""

    name: str
    contributed: float
    committed: float

    @property
    def remaining(self) -> float:
        return self.contributed - self.committed


def budget_bars(caption: str, budgets: Sequence[Budget]) -> Figure:
    """Each budget's contribution as a bar: committed (solid) then remaining (striped), an
    overcommitment in black past the end; the figures in words beside it."""
    key = key_of("budgets", caption, tuple(budgets))
    most = max((max(b.contributed, b.committed) for b in budgets), default=0) or 1
    parts = [patterns(key)]
    for i, b in enumerate(budgets):
        y = ROW * 2 * i + 4
        bar_x = 4
        committed = BAR * min(b.committed, b.contributed) / most
        whole = BAR * b.contributed / most
        parts += [
            text(4, y + 14, b.name, bold=True),
            rect(bar_x, y + 20, whole, 20, PAGE, INK),
            rect(bar_x, y + 20, committed, 20, BLUE, INK),
            rect(bar_x + committed, y + 20, whole - committed, 20, f"url(#{key}-stripes)"),
            text(bar_x + BAR * max(b.contributed, b.committed) / most + 8, y + 35, _words(b)),
        ]
        if b.committed > b.contributed:
            over = BAR * (b.committed - b.contributed) / most
            parts.append(rect(bar_x + whole, y + 20, over, 20, INK))
    desc = "; ".join(f"{b.name}: {_words(b)}" for b in budgets) or "No budgets."
    table = Table(
        caption,
        ["Budget", "Contributed (£)", "Committed (£)", "Remaining (£)"],
        [[b.name, b.contributed, b.committed, b.remaining] for b in budgets],
    )
    height = ROW * 2 * len(budgets) + 8
    width = BAR + 440  # the bar, then its figures in words
    return Figure(document(key, width, height, caption, desc, "".join(parts)), table)


def _words(b: Budget) -> str:
    left = (
        f"£{number(b.remaining, 0)} left"
        if b.remaining >= 0
        else (f"overcommitted by £{number(-b.remaining, 0)}")
    )
    return f"£{number(b.committed, 0)} of £{number(b.contributed, 0)} committed, {left}"
