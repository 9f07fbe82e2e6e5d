"""Bar charts for the JCU and the Executive Board: projects by stage of the commissioning
cycle, and pooled or aligned budgets as contributed, committed and remaining (Gateshead
joint commissioning matrix; Durham Children's Trust framework, section 5, pooled budgets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.charts.figure import Figure, Table
from shared.charts.palette import BLUE, INK, PAGE
from shared.charts.svg import document, key_of, number, patterns, rect, text

LABEL, BAR, ROW = 200, 300, 30


def stage_bars(caption: str, stages: Sequence[tuple[str, int]], noun: str = "projects") -> Figure:
    """One bar per stage, in the order given, with its count written at the bar's end."""
    key = key_of("stages", caption, tuple(stages), noun)
    most = max((n for _, n in stages), default=0) or 1
    parts = []
    for i, (stage, count) in enumerate(stages):
        y = ROW * i + 4
        w = BAR * count / most
        parts += [
            text(LABEL - 8, y + 17, stage, anchor="end"),
            rect(LABEL, y + 2, w, ROW - 8, BLUE, INK if count else None),
            text(LABEL + w + 6, y + 17, f"{count}"),
        ]
    desc = ", ".join(f"{stage}: {count}" for stage, count in stages) or f"No {noun}."
    width, height = LABEL + BAR + 60, ROW * len(stages) + 8
    table = Table(caption, ["Stage", noun.capitalize()], [[s, n] for s, n in stages])
    return Figure(document(key, width, height, caption, desc, "".join(parts)), table)


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
