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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
from servicepact.engine.kpis.partial import IntervalRuns, merge_intervals

MINUTE_SECONDS = 60


def _working_seconds_in(
    clock: Clock, starts: Int64Array, ends: Int64Array, window: tuple[int, int]
) -> int:
    """Working seconds of the runs, clipped to the window."""
    if starts.size == 0:
        return 0
    low = np.clip(starts, window[0], window[1])
    high = np.clip(ends, window[0], window[1])
    return int(clock.elapsed(low, high).sum())


@dataclass(frozen=True)
class OutageRun:
    """One run of merged outages within a window, with the working seconds it takes there.

    ``unplanned_seconds`` is downtime (working time inside the run and outside planned
    windows); ``planned_seconds`` is working time of planned windows inside the run, which
    is taken out of the agreed service time instead. ``rows`` are the outage events merged
    into the run (positions in the table given).
    """

    start: int  # epoch seconds, clipped to the window
    end: int
    planned_seconds: int
    unplanned_seconds: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class AvailabilityWindow:
    working_seconds: int
    runs: tuple[OutageRun, ...]

    @property
    def planned_seconds(self) -> int:
        return sum(r.planned_seconds for r in self.runs)

    @property
    def unplanned_seconds(self) -> int:
        return sum(r.unplanned_seconds for r in self.runs)

    def aggregate(self) -> KpiAggregate:
        agreed = self.working_seconds - self.planned_seconds
        return KpiAggregate(
            Aggregate.RATIO,
            numerator=agreed - self.unplanned_seconds,
            denominator=agreed,
            sample_size=agreed // MINUTE_SECONDS,
        )


def _service_rows(table: pa.Table, ctx: KpiContext) -> Int64Array:
    service = ctx.params.get("service")
    if service is None:
        return np.arange(table.num_rows, dtype=np.int64)
    hit = pc.fill_null(pc.equal(table.column("service"), str(service)), False)
    return np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.bool_))


@dataclass(frozen=True)
class _Outages:
    """The level's outages with a start and an end, one entry per outage."""

    start: Int64Array  # epoch seconds
    end: Int64Array  # epoch seconds
    planned: BoolArray
    rows: Int64Array  # in the table given


def _outages(table: pa.Table, ctx: KpiContext) -> _Outages:
    """The level's outages with a start and an end, and their rows in the table given."""
    rows = _service_rows(table, ctx)
    table = table.take(rows)
    start_us, start_ok = timestamps_us(table, "start")
    end_us, end_ok = timestamps_us(table, "end")
    planned, _ = booleans(table, "planned")
    ok: BoolArray = start_ok & end_ok
    return _Outages(to_seconds(start_us[ok]), to_seconds(end_us[ok]), planned[ok], rows[ok])


def _runs_in_windows(
    clock: Clock,
    all_runs: tuple[Int64Array, Int64Array],
    planned_runs: tuple[Int64Array, Int64Array],
    windows: Sequence[Window],
    rows_of_run: Callable[[int], tuple[int, ...]] | None = None,
) -> list[AvailabilityWindow]:
    """Per window: its working time and the merged outage runs falling in it."""
    results = []
    for window_us in windows:
        window = (window_us[0] // MICROS, window_us[1] // MICROS)
        working = int(clock.elapsed(np.array([window[0]]), np.array([window[1]]))[0])
        runs: list[OutageRun] = []
        for i, (run_start, run_end) in enumerate(zip(*all_runs, strict=True)):
            low, high = max(int(run_start), window[0]), min(int(run_end), window[1])
            if high <= low:
                continue
            inside = (planned_runs[0] < high) & (planned_runs[1] > low)
            planned_time = _working_seconds_in(
                clock, planned_runs[0][inside], planned_runs[1][inside], (low, high)
            )
            total = _working_seconds_in(clock, np.array([low]), np.array([high]), (low, high))
            runs.append(
                OutageRun(
                    start=low,
                    end=high,
                    planned_seconds=planned_time,
                    unplanned_seconds=total - planned_time,
                    rows=() if rows_of_run is None else rows_of_run(i),
                )
            )
        results.append(AvailabilityWindow(working, tuple(runs)))
    return results


def outage_windows(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> list[AvailabilityWindow]:
    """Per window: its working time and the merged outage runs falling in it (KPIS.md),
    each run with the rows of the outages merged into it (for the drill-down)."""
    clock = ctx.require_clock()
    outages = _outages(table, ctx)
    start, end, planned, rows = outages.start, outages.end, outages.planned, outages.rows
    planned_runs = merge_intervals(start[planned], end[planned])
    all_runs = merge_intervals(start, end)
    # the run of every outage (runs are sorted and disjoint; an empty outage joins none)
    member = np.searchsorted(all_runs[0], start, side="right") - 1
    member = np.where((member >= 0) & (end > start), member, -1)
    return _runs_in_windows(
        clock,
        all_runs,
        planned_runs,
        windows,
        lambda i: tuple(int(r) for r in rows[member == i]),
    )


def availability_partial(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> IntervalRuns:
    """The mergeable state of a chunk of outages: the union of its outages, and of its
    planned ones, as sorted disjoint runs (engine/kpis/partial.py)."""
    outages = _outages(table, ctx)
    start, end, planned = outages.start, outages.end, outages.planned
    every, planned_only = merge_intervals(start, end), merge_intervals(start[planned], end[planned])
    return IntervalRuns(*every, *planned_only)


def availability_finish(
    state: IntervalRuns, ctx: KpiContext, windows: Sequence[Window]
) -> list[KpiAggregate]:
    """Per window, from the runs of every chunk: agreed − unplanned ÷ agreed (seconds)."""
    clock = ctx.require_clock()
    measured = _runs_in_windows(
        clock,
        (state.all_starts, state.all_ends),
        (state.planned_starts, state.planned_ends),
        windows,
    )
    return [w.aggregate() for w in measured]


def availability(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> list[KpiAggregate]:
    """Per window: numerator = agreed − unplanned, denominator = agreed (seconds): the
    state of all outages as one chunk, finished (one definition for every engine)."""
    return availability_finish(availability_partial(table, ctx, windows), ctx, windows)


availability.partial = availability_partial  # type: ignore[attr-defined]
availability.finish = availability_finish  # type: ignore[attr-defined]


COMPUTATIONS = {"availability": availability}
