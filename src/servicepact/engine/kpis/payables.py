"""Accounts-payable KPIs over ``invoices_processed`` — KPIS.md "Accounts payable".

Anchors: ``received_at`` for cycle time, first-pass match and duplicates;
``due_date`` (a local date, placed at the last microsecond of its day) for
on-time payment.

Business days: ``invoice_cycle_time`` is the business time from ``received_at``
to ``posted_at`` in the service level's calendar, in seconds, divided by the
length of a *full working day* of that calendar: the longest working day of its
weekly hours (``09:00-18:00`` → 9 h = 32,400 s; a 24×7 calendar → 86,400 s).
So two and a half full days of work read 2.5, whatever the weekends and
holidays in between. Invoices not yet posted are left out of the mean.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from servicepact.domain.calendars import Calendar
from servicepact.engine.kpis.base import (
    KpiContext,
    Measure,
    Outcomes,
    booleans,
    each_once,
    paid_by_local_day_end,
    per_event_kpi,
    timestamps_us,
    to_seconds,
)


def full_working_day_seconds(calendar: Calendar) -> int:
    """The longest working day of the calendar's week, in seconds (the unit of a business day)."""
    return max(sum(end - start for start, end in day) for day in calendar.weekly)


def _invoice_cycle_time(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean business days from received_at to posted_at over posted invoices."""
    clock = ctx.require_clock()
    assert ctx.calendar is not None
    received, has_received = timestamps_us(table, "received_at")
    posted, has_posted = timestamps_us(table, "posted_at")
    counted = has_received & has_posted
    elapsed = clock.elapsed(to_seconds(received[counted]), to_seconds(posted[counted]))
    return Outcomes(
        received[counted],
        elapsed,
        each_once(int(counted.sum())),
        full_working_day_seconds(ctx.calendar),
        counted=counted,
        measured=elapsed,
        measure=Measure.BUSINESS_SECONDS,
    )


def _share_at_receipt(table: pa.Table, column: str) -> Outcomes:
    received, has_received = timestamps_us(table, "received_at")
    flag, _ = booleans(table, column)
    return Outcomes(
        received[has_received],
        flag[has_received].astype(np.int64),
        each_once(int(has_received.sum())),
        counted=has_received,
    )


def _first_pass_match_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Invoices with first_pass_match true ÷ invoices (a missing value is not a match)."""
    return _share_at_receipt(table, "first_pass_match")


def _duplicate_payment_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Invoices with duplicate true ÷ invoices."""
    return _share_at_receipt(table, "duplicate")


def _on_time_payment(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Invoices paid before local midnight ending due_date ÷ invoices due in the period."""
    return paid_by_local_day_end(table, ctx, "due_date")


COMPUTATIONS = {
    "invoice_cycle_time": per_event_kpi(_invoice_cycle_time),
    "first_pass_match_rate": per_event_kpi(_first_pass_match_rate),
    "on_time_payment": per_event_kpi(_on_time_payment),
    "duplicate_payment_rate": per_event_kpi(_duplicate_payment_rate),
}
