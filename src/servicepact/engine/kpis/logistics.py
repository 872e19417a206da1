"""Logistics KPIs over ``orders`` and ``inventory_counts`` — KPIS.md "Logistics".

Anchors: ``promised_at`` (a local date, placed at the last microsecond of its
day) for orders; ``counted_at`` for inventory counts.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from servicepact.engine.kpis.base import (
    KpiContext,
    Measure,
    Outcomes,
    each_once,
    exact_fraction,
    integers,
    local_day_end_us,
    per_event_kpi,
    timestamps_us,
)


def _otif(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Orders delivered before local midnight ending promised_at, with qty_delivered ≥
    qty_ordered ÷ orders promised in the period."""
    day_end, has_date = local_day_end_us(table, "promised_at", ctx.timezone)
    delivered_at, delivered = timestamps_us(table, "delivered_at")
    ordered, _ = integers(table, "qty_ordered")
    shipped, shipped_known = integers(table, "qty_delivered")
    on_time = delivered & (delivered_at < day_end)
    in_full = shipped_known & (shipped >= ordered)
    ok = (on_time & in_full)[has_date].astype(np.int64)
    return Outcomes(
        day_end[has_date] - 1,
        ok,
        each_once(int(has_date.sum())),
        counted=has_date,
        measured=delivered_at[has_date],
        measured_known=delivered[has_date],
        target=day_end[has_date],
        measure=Measure.INSTANT_US,
        target_inclusive=False,
    )


def _fill_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Σ min(qty_delivered, qty_ordered) ÷ Σ qty_ordered (a missing delivery is 0 units)."""
    day_end, has_date = local_day_end_us(table, "promised_at", ctx.timezone)
    ordered, _ = integers(table, "qty_ordered")
    shipped, _ = integers(table, "qty_delivered")
    filled = np.minimum(shipped, ordered)
    return Outcomes(day_end[has_date] - 1, filled[has_date], ordered[has_date], counted=has_date)


def _inventory_accuracy(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Counts with |system_qty − counted_qty| within tolerance ÷ counts.

    ``tolerance`` is in units; ``tolerance_percent`` is a percent of system_qty,
    compared exactly in integers: |difference| × 100 ≤ percent × system_qty.
    """
    counted_at, has_time = timestamps_us(table, "counted_at")
    system, _ = integers(table, "system_qty")
    counted, _ = integers(table, "counted_qty")
    difference = np.abs(system - counted)
    percent = ctx.params.get("tolerance_percent")
    if percent is not None:
        share = exact_fraction(percent)
        within = difference * 100 * share.denominator <= share.numerator * system
    else:
        within = difference <= int(ctx.param("tolerance") or 0)
    if percent is not None:
        # the tolerance in units, exact only as a fraction: shown rounded down
        tolerance = (system * share.numerator) // (100 * share.denominator)
    else:
        tolerance = np.full(table.num_rows, int(ctx.param("tolerance") or 0), dtype=np.int64)
    return Outcomes(
        counted_at[has_time],
        within[has_time].astype(np.int64),
        each_once(int(has_time.sum())),
        counted=has_time,
        measured=difference[has_time],
        target=tolerance[has_time],
        measure=Measure.UNITS,
    )


COMPUTATIONS = {
    "otif": per_event_kpi(_otif),
    "fill_rate": per_event_kpi(_fill_rate),
    "inventory_accuracy": per_event_kpi(_inventory_accuracy),
}
