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
    Measure,
    Outcomes,
    booleans,
    flow,
    local_day_end_us,
    ones,
    timestamps_us,
)


def _payroll_accuracy(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """1 − items with error ÷ items, kept exact as (items without error) ÷ items."""
    day_end, has_date = local_day_end_us(table, "scheduled_pay_date", ctx.timezone)
    error, _ = booleans(table, "error")
    correct = (~error)[has_date].astype(np.int64)
    return Outcomes(day_end[has_date] - 1, correct, ones(int(has_date.sum())), counted=has_date)


def _payroll_on_time(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Items paid before local midnight ending scheduled_pay_date ÷ items.

    23:59:59.999999 local on the day is on time; 00:00:00 the next day is late.
    """
    day_end, has_date = local_day_end_us(table, "scheduled_pay_date", ctx.timezone)
    paid_at, paid = timestamps_us(table, "paid_at")
    on_time = paid & (paid_at < day_end)
    return Outcomes(
        day_end[has_date] - 1,
        on_time[has_date].astype(np.int64),
        ones(int(has_date.sum())),
        counted=has_date,
        measured=paid_at[has_date],
        measured_known=paid[has_date],
        target=day_end[has_date],
        measure=Measure.INSTANT_US,
        target_inclusive=False,
    )


COMPUTATIONS = {
    "payroll_accuracy": flow(_payroll_accuracy),
    "payroll_on_time": flow(_payroll_on_time),
}
