"""12-month trend charts as inline SVG, drawn by hand.

Inline SVG needs nothing at run time — no script, no font download, no chart service — and
WeasyPrint draws it in the PDF exactly as a browser shows it in the HTML. A chart is a line
through the months' values, a dot per month in its RAG colour, and dashed lines at the
expected and minimum levels; a month without a result is a gap in the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from servicepact.reports.formatting import value_text
from servicepact.reports.model import Rag, TrendPoint

RAG_COLOURS: dict[Rag, str] = {
    Rag.GREEN: "#2e7d32",
    Rag.AMBER: "#ef8f00",
    Rag.RED: "#c62828",
    Rag.GREY: "#9e9e9e",
}
EXPECTED_COLOUR = "#2e7d32"
MINIMUM_COLOUR = "#c62828"
AXIS_COLOUR = "#b0b0b0"
LINE_COLOUR = "#37474f"
# The axis labels in the pack's own font (the shipped Noto Sans KR in a PDF): one font to embed
# instead of a second, system sans-serif font for a handful of digits.
FONT_FAMILY = "Noto Sans KR, sans-serif"

WIDTH, HEIGHT = 360, 150  # user units; the SVG scales to its box
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 10, 22  # room for the value labels and the month labels
HEADROOM = 0.12  # share of the value range added above and below, so dots are not clipped


def _scale(values: Sequence[float], unit: str) -> tuple[float, float]:
    """The axis range: the values and targets with some headroom, never below 0 for a
    non-negative measure and never above 100 % for a ratio."""
    low, high = min(values), max(values)
    span = (high - low) or (abs(high) or 1.0)
    bottom, top = low - span * HEADROOM, high + span * HEADROOM
    if low >= 0:
        bottom = max(bottom, 0.0)
    if unit == "ratio":
        top = min(top, 1.0)
    if top <= bottom:  # values floats cannot tell apart with headroom (e.g. 5e-324)
        bottom = 0.0 if low >= 0 else low - 1.0
        top = 1.0 if unit == "ratio" else high + 1.0
    return bottom, top


def trend_svg(
    points: Sequence[TrendPoint],
    *,
    expected: float,
    minimum: float,
    unit: str,
    title: str,
) -> str:
    """The chart as an ``<svg>`` element (markup safe to embed: every text is escaped)."""
    measured = [p.value for p in points if p.value is not None]
    low, high = _scale([*measured, expected, minimum], unit)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = max(len(points), 1)
    step = plot_w / count

    def x(index: int) -> float:
        return LEFT + step * (index + 0.5)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    def label(value: float) -> str:
        return escape(value_text(Decimal(repr(value)), unit))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="trend" role="img" aria-label="{escape(title)}" font-family="{FONT_FAMILY}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>',
    ]
    for value, colour in ((expected, EXPECTED_COLOUR), (minimum, MINIMUM_COLOUR)):
        level = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{level:.1f}" x2="{LEFT + plot_w}" y2="{level:.1f}" '
            f'stroke="{colour}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    labelled: list[tuple[float, str]] = []
    for value in (high, expected, minimum, low):
        level = y(value)
        if all(abs(level - seen) >= 9 for seen, _ in labelled):  # no overlapping labels
            labelled.append((level, label(value)))
    for level, text in labelled:
        parts.append(
            f'<text x="{LEFT - 4}" y="{level + 3:.1f}" text-anchor="end" font-size="8" '
            f'fill="#555">{text}</text>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, point in enumerate(points):
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point.value):.1f}")
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            parts.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="{LINE_COLOUR}" '
                'stroke-width="1.5"/>'
            )
    for index, point in enumerate(points):
        month = escape(point.period[-2:])
        parts.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="8" '
            f'fill="#555">{month}</text>'
        )
        if point.value is None:
            continue
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="3.2" '
            f'fill="{RAG_COLOURS[point.rag]}" stroke="#fff" stroke-width="0.8">'
            f"<title>{escape(point.period)}: {escape(point.value_text)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
