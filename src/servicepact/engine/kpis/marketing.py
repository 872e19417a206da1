"""Marketing KPIs over ``campaigns`` — KPIS.md "Marketing". Anchor: ``planned_launch``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from servicepact.engine.kpis.base import (
    HOUR_SECONDS,
    MICROS,
    KpiContext,
    Measure,
    Outcomes,
    each_once,
    exact_fraction,
    integers,
    per_event_kpi,
    timestamps_us,
)


def _campaign_on_time(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Campaigns with launched_at ≤ planned_launch + grace_hours ÷ campaigns (not launched: late).

    The grace is converted exactly to microseconds (0.5 h = 1,800,000,000 µs;
    any remainder below a microsecond is dropped).
    """
    planned, has_plan = timestamps_us(table, "planned_launch")
    launched, has_launch = timestamps_us(table, "launched_at")
    grace = exact_fraction(ctx.param("grace_hours") or 0) * HOUR_SECONDS * MICROS
    on_time = has_launch & (launched <= planned + int(grace))
    return Outcomes(
        planned[has_plan],
        on_time[has_plan].astype(np.int64),
        each_once(int(has_plan.sum())),
        counted=has_plan,
        measured=launched[has_plan],
        measured_known=has_launch[has_plan],
        target=(planned + int(grace))[has_plan],
        measure=Measure.INSTANT_US,
    )


def _sum_ratio(table: pa.Table, numerator: str, denominator: str) -> Outcomes:
    planned, has_plan = timestamps_us(table, "planned_launch")
    top, _ = integers(table, numerator)
    bottom, _ = integers(table, denominator)
    return Outcomes(planned[has_plan], top[has_plan], bottom[has_plan], counted=has_plan)


def _delivery_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Σ delivered ÷ Σ sent (missing counts are 0)."""
    return _sum_ratio(table, "delivered", "sent")


def _conversion_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Σ converted ÷ Σ delivered (missing counts are 0)."""
    return _sum_ratio(table, "converted", "delivered")


COMPUTATIONS = {
    "campaign_on_time": per_event_kpi(_campaign_on_time),
    "delivery_rate": per_event_kpi(_delivery_rate),
    "conversion_rate": per_event_kpi(_conversion_rate),
}
