"""Colours for charts, chosen for contrast on a white page (WCAG 2.2 AA: 4.5:1 for text,
3:1 for the parts of a graphic needed to understand it, success criteria 1.4.3 and 1.4.11).

Colour never carries meaning alone (success criterion 1.4.1): every status also has a word,
and a shape or a pattern, drawn beside or inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE = "#ffffff"
INK = "#0b0c0c"
MUTED = "#484f53"
GRID = "#6f777b"
RANGE_OUTER = "#dee0e2"
RANGE_INNER = "#a9acae"
LINE = "#1d5b99"
BAND = "#c7dbee"
GREEN = "#00703c"
AMBER = "#ffdd00"
RED = "#a8101d"
BLUE = "#1d5b99"
LIGHT_BLUE = "#9ec3e6"
NEUTRAL = "#ffffff"


@dataclass(frozen=True)
class Status:
    """How one status is drawn: fill, the ink for text on that fill, a word, a shape."""

    word: str
    fill: str
    ink: str
    shape: str  # circle | diamond | square | triangle
    pattern: str | None = None  # an overlay pattern id suffix: "stripes" | "hatch"


RAG = {
    "green": Status("Green", GREEN, PAGE, "circle"),
    "amber": Status("Amber", AMBER, INK, "triangle", "stripes"),
    "red": Status("Red", RED, PAGE, "square", "hatch"),
    "none": Status("No data", NEUTRAL, INK, "circle"),
}
"""RAG statuses (contract monitoring, Gateshead handbook, Activity Four)."""

COMPARISON = {
    "better": Status("Better", GREEN, PAGE, "circle"),
    "similar": Status("Similar", AMBER, INK, "diamond"),
    "worse": Status("Worse", RED, PAGE, "square"),
    "higher": Status("Higher", BLUE, PAGE, "triangle"),
    "lower": Status("Lower", LIGHT_BLUE, INK, "triangle"),
    "not compared": Status("Not compared", NEUTRAL, INK, "circle"),
}
"""Benchmark comparisons, as national profiles (Fingertips) colour them; the 99.8% variants
("worse (99.8%)") are drawn as their 95% kin and keep their own word."""


def comparison_status(comparison: str) -> Status:
    """The drawing for a comparison word such as "worse (99.8%)" or "withheld"."""
    base = comparison.split(" (", 1)[0].strip().lower()
    known = COMPARISON.get(base)
    if known is None:
        return Status(comparison.capitalize() or "Not compared", NEUTRAL, INK, "circle")
    if base != comparison:
        return Status(comparison.capitalize(), known.fill, known.ink, known.shape)
    return known


def rag_status(colour: str | None) -> Status:
    return RAG.get((colour or "none").lower(), RAG["none"])


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour (WCAG 2.2, definition of relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """Contrast ratio between two colours, 1 to 21 (WCAG 2.2, definition of contrast ratio)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
