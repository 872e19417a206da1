"""Payroll KPIs over ``payroll_items`` — KPIS.md "Payroll".

Anchor: ``scheduled_pay_date``, a local date. A date-anchored item is placed at
the last microsecond of its local day, so it falls in the period holding that
date and, in a running period, counts once its day is over (an item due today
is not yet late).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from servicepact.engine.kpis.base import (
    KpiContext,
    Outcomes,
    booleans,
    each_once,
    local_day_end_us,
    paid_by_local_day_end,
    per_event_kpi,
)


def _payroll_accuracy(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """1 − items with error ÷ items, kept exact as (items without error) ÷ items."""
    day_end, has_date = local_day_end_us(table, "scheduled_pay_date", ctx.timezone)
    error, _ = booleans(table, "error")
    correct = (~error)[has_date].astype(np.int64)
    return Outcomes(
        day_end[has_date] - 1, correct, each_once(int(has_date.sum())), counted=has_date
    )


def _payroll_on_time(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Items paid before local midnight ending scheduled_pay_date ÷ items.

    23:59:59.999999 local on the day is on time; 00:00:00 the next day is late.
    """
    return paid_by_local_day_end(table, ctx, "scheduled_pay_date")


COMPUTATIONS = {
    "payroll_accuracy": per_event_kpi(_payroll_accuracy),
    "payroll_on_time": per_event_kpi(_payroll_on_time),
}
