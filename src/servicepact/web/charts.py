"""Chart data for the pages: plain JSON that ``static/app.js`` hands to Chart.js.

Only presentation: which series to draw and their colours. Ratios are drawn in percent; the
expected and minimum levels are drawn as flat lines so a month's gap to them is visible.
"""

from __future__ import annotations

from typing import Any

from servicepact.domain.business_case import BusinessCaseResult
from servicepact.services.overview import ContractOverview

# RAG colours of domain/results.py ResultStatus.colour, as the stylesheet's palette
PALETTE = {
    "green": "#2e7d4f",
    "amber": "#c77c02",
    "red": "#c0392b",
    "grey": "#8a8f98",
    "blue": "#2f5d9b",
    "ink": "#1f2937",
}


def _scaled(value: Any, ratio: bool) -> float | None:
    if value is None:
        return None
    return round(float(value) * (100 if ratio else 1), 3)


def trend_charts(view: ContractOverview) -> dict[str, dict[str, Any]]:
    """One line chart per service level: the monthly value against expected and minimum."""
    out: dict[str, dict[str, Any]] = {}
    labels = list(view.months)
    for row in view.rows:
        ratio = row.kpi.unit.value == "ratio"
        values = [_scaled(cell.value, ratio) for cell in row.cells]
        points = [
            PALETTE[cell.status.colour] if cell.status is not None else PALETTE["grey"]
            for cell in row.cells
        ]
        out[row.id] = {
            "type": "line",
            "data": {
                "labels": labels,
                "datasets": [
                    {
                        "label": row.id,
                        "data": values,
                        "borderColor": PALETTE["blue"],
                        "pointBackgroundColor": points,
                        "pointRadius": 4,
                        "spanGaps": False,
                        "tension": 0.2,
                    },
                    {
                        "label": "expected",
                        "data": [_scaled(row.expected, ratio)] * len(labels),
                        "borderColor": PALETTE["green"],
                        "borderDash": [6, 4],
                        "pointRadius": 0,
                        "borderWidth": 1,
                    },
                    {
                        "label": "minimum",
                        "data": [_scaled(row.minimum, ratio)] * len(labels),
                        "borderColor": PALETTE["red"],
                        "borderDash": [2, 3],
                        "pointRadius": 0,
                        "borderWidth": 1,
                    },
                ],
            },
            "options": {
                "animation": False,
                "maintainAspectRatio": False,
                "plugins": {"legend": {"display": False}},
                "scales": {"y": {"title": {"display": True, "text": "%" if ratio else ""}}},
            },
        }
    return out


def savings_chart(result: BusinessCaseResult) -> dict[str, Any]:
    """Monthly saving (bars) and cumulative saving (line) of a business case."""
    months = result.months
    return {
        "type": "bar",
        "data": {
            "labels": [m.month for m in months],
            "datasets": [
                {
                    "type": "bar",
                    "label": "saving",
                    "data": [float(m.saving) for m in months],
                    "backgroundColor": [
                        PALETTE["green"] if m.saving >= 0 else PALETTE["red"] for m in months
                    ],
                    "yAxisID": "y",
                },
                {
                    "type": "line",
                    "label": "cumulative",
                    "data": [float(m.cumulative) for m in months],
                    "borderColor": PALETTE["blue"],
                    "pointRadius": 0,
                    "yAxisID": "y",
                },
            ],
        },
        "options": {
            "animation": False,
            "maintainAspectRatio": False,
            "plugins": {"legend": {"position": "bottom"}},
        },
    }
