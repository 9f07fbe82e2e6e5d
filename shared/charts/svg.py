"""Building blocks for server-rendered SVG: an accessible document, text, shapes.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(WCAG 2.2 success criterion 1.1.1), with presentation attributes only (no inline style),
so pages can forbid inline styles in their Content-Security-Policy.
"""

from __future__ import annotations

import hashlib
import html
import math

from shared.charts.palette import INK, PAGE, Status

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def key_of(*parts: object) -> str:
    """A stable id prefix for one chart's elements, from what it shows."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:10]
    return f"c{digest}"


def number(value: float, digits: int = 1) -> str:
    """A value as people read it: whole numbers without decimals, thousands separated."""
    if math.isclose(value, round(value)):
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def document(key: str, width: int, height: int, title: str, desc: str, body: str) -> str:
    """An accessible SVG image: named by its title, described by its description."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{key}-title {key}-desc" font-family="{esc(FONT)}" font-size="13">'
        f'<title id="{key}-title">{esc(title)}</title>'
        f'<desc id="{key}-desc">{esc(desc)}</desc>'
        f'<rect width="{width}" height="{height}" fill="{PAGE}"/>{body}</svg>'
    )


def text(
    x: float,
    y: float,
    content: object,
    *,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{weight}>'
        f"{esc(content)}</text>"
    )


def rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> str:
    line = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}"{line}/>'
    )


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{stroke}" stroke-width="{width}"/>'
    )


def marker(x: float, y: float, status: Status, size: float = 6) -> str:
    """A status's shape, filled with its colour and outlined in ink (3:1 on any fill)."""
    outline = f'stroke="{INK}" stroke-width="1.5" fill="{status.fill}"'
    s, b = size, size + 1
    corners = {
        "square": [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)],
        "diamond": [(x, y - b), (x + b, y), (x, y + b), (x - b, y)],
        "triangle": [(x, y - b), (x + b, y + s), (x - b, y + s)],
    }.get(status.shape)
    if corners:
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)
        return f'<polygon points="{points}" {outline}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {outline}/>'


def patterns(key: str) -> str:
    """Overlay patterns so amber (stripes) and red (cross-hatch) differ without colour."""
    stripes = (
        f'<pattern id="{key}-stripes" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="2" height="6" fill="{INK}" '
        f'fill-opacity="0.35"/></pattern>'
    )
    hatch = (
        f'<pattern id="{key}-hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<path d="M0,0 L6,6 M6,0 L0,6" stroke="{PAGE}" stroke-width="1" '
        f'stroke-opacity="0.6"/></pattern>'
    )
    return f"<defs>{stripes}{hatch}</defs>"


def patterned(key: str, x: float, y: float, w: float, h: float, status: Status) -> str:
    """A filled box with the status's pattern over it and an ink outline."""
    box = rect(x, y, w, h, status.fill, INK)
    if status.pattern and w > 0:
        box += rect(x, y, w, h, f"url(#{key}-{status.pattern})")
    return box


def clip(label: str, room: int) -> str:
    """A label shortened with an ellipsis to `room` characters (its chart's table has it
    whole)."""
    room = max(room, 4)
    return label if len(label) <= room else label[: room - 1] + "…"
