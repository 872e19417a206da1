"""Service availability over ``availability`` outages — KPIS.md "IT operations".

    availability = (agreed service time − unplanned downtime) ÷ agreed service time

* Agreed service time is the working time of the service level's calendar in
  the period minus the planned outages (maintenance windows).
* Unplanned downtime is counted only within working time and only outside
  planned windows (a planned window inside an unplanned outage is already out
  of the agreed time, so it cannot also be downtime).
* Overlapping outages are merged first, so a minute is never counted twice.
* Outage time falls where it happens: an outage spanning the end of a month is
  split between the two months.

Measured to the whole second (times truncated) by the business clock, so the
numerator and denominator are whole seconds; their ratio equals the ratio in
minutes of KPIS.md. The sample size is the agreed service time in whole
minutes, so ``min_sample`` reads "at least N minutes of agreed service".
Without a ``service`` parameter every outage of the (filtered) events counts
against one service.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.kpis import Aggregate
from servicepact.engine.kpis.base import (
    MICROS,
    BoolArray,
    Clock,
    Int64Array,
    KpiAggregate,
    KpiContext,
    Window,
    booleans,
    timestamps_us,
    to_seconds,
)

MINUTE_SECONDS = 60


def merge_intervals(starts: Int64Array, ends: Int64Array) -> tuple[Int64Array, Int64Array]:
    """The union of ``[start, end)`` intervals as sorted, disjoint runs (touching runs join)."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new_run = np.ones(starts.size, dtype=np.bool_)
    new_run[1:] = starts[1:] > reach[:-1]
    first = np.flatnonzero(new_run)
    return starts[first], np.maximum.reduceat(ends, first)


def _working_seconds_in(
    clock: Clock, starts: Int64Array, ends: Int64Array, window: tuple[int, int]
) -> int:
    """Working seconds of the runs, clipped to the window."""
    if starts.size == 0:
        return 0
    low = np.clip(starts, window[0], window[1])
    high = np.clip(ends, window[0], window[1])
    return int(clock.elapsed(low, high).sum())


def availability(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> list[KpiAggregate]:
    """Per window: numerator = agreed − unplanned, denominator = agreed (seconds)."""
    clock = ctx.require_clock()
    service = ctx.params.get("service")
    if service is not None:
        table = table.filter(pc.fill_null(pc.equal(table.column("service"), str(service)), False))
    start_us, start_ok = timestamps_us(table, "start")
    end_us, end_ok = timestamps_us(table, "end")
    planned, _ = booleans(table, "planned")
    ok: BoolArray = start_ok & end_ok
    start, end = to_seconds(start_us[ok]), to_seconds(end_us[ok])
    planned = planned[ok]
    planned_runs = merge_intervals(start[planned], end[planned])
    all_runs = merge_intervals(start, end)
    results = []
    for window_us in windows:
        window = (window_us[0] // MICROS, window_us[1] // MICROS)
        working = int(clock.elapsed(np.array([window[0]]), np.array([window[1]]))[0])
        planned_time = _working_seconds_in(clock, *planned_runs, window)
        outage_time = _working_seconds_in(clock, *all_runs, window)
        agreed = working - planned_time
        unplanned = outage_time - planned_time
        results.append(
            KpiAggregate(
                Aggregate.RATIO,
                numerator=agreed - unplanned,
                denominator=agreed,
                sample_size=agreed // MINUTE_SECONDS,
            )
        )
    return results


COMPUTATIONS = {"availability": availability}
