"""Ticket KPIs (support cases, IT incidents, HR cases) — KPIS.md "Tickets".

The response and resolution targets follow KPIS.md rule 3 exactly:

* The clock runs from ``created_at`` (or, with ``clock_from: handoff``, from the
  earliest ``from`` of the ticket's assignments to ``party``: an operational-level
  agreement) in the service level's calendar, minus the ticket's pauses (merged;
  only their overlap with working time counts).
* A ticket *meets* the target when that business time, up to ``first_response_at``
  / ``resolved_at``, is at most the target. Times are read to the whole second
  (truncated), the business clock's resolution.
* Its *expiry* is the first instant the business time exceeds the target:
  ``deadline_with_pauses(start, target + 1 s)``. A ticket met in time is anchored
  at the moment it was met; every other ticket — resolved late, or still open — at
  its expiry. Each ticket therefore counts exactly once: a late one fails in the
  period its target expired, an open one fails once it expired, and an open one
  whose target has not yet expired at the period end is not yet counted.
  (Expiry rather than "the instant the target is reached" matters when the target
  is reached at the close of business: a resolution before the next working second
  still meets it, so the failure is only certain then.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.kpis import Aggregate
from servicepact.engine.business_time import BusinessClock
from servicepact.engine.kpis.base import (
    _KERNELS,
    HOUR_SECONDS,
    LOOKUP_STEP_US,
    MICROS,
    BoolArray,
    Clock,
    Int64Array,
    KpiAggregate,
    KpiComputation,
    KpiContext,
    Measure,
    Outcomes,
    TargetSeconds,
    Window,
    aggregate_outcomes,
    booleans,
    dictionary_codes,
    each_once,
    memoized,
    per_event_kpi,
    rank_lookup,
    shared,
    shared_timestamps_us,
    to_seconds,
    whole_seconds,
    window_index,
    window_lookup,
)
from servicepact.engine.kpis.partial import merge_intervals

# An open pause (no end yet) is taken to last this long past the latest known time:
# far beyond any deadline a clock is built for, so the clock stays stopped.
_OPEN_PAUSE_SECONDS = 400 * 86_400


def _struct_list(table: pa.Table, name: str) -> tuple[Int64Array, pa.StructArray] | None:
    if name not in table.column_names:
        return None
    column = table.column(name)
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array) == 0 or array.null_count == len(array):
        return None
    parents = np.asarray(pc.list_parent_indices(array).to_numpy(zero_copy_only=False), np.int64)
    return parents, pc.list_flatten(array)


def pauses_seconds(
    table: pa.Table, column: str | None = "pauses"
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """A pauses column as ``(row, start, end)`` epoch-second arrays for the clock."""
    empty = np.zeros(0, dtype=np.int64)
    flat = None if column is None else _struct_list(table, column)
    if flat is None:
        return empty, empty, empty
    rows, structs = flat
    starts = pc.cast(structs.field("start"), pa.int64())
    ends = pc.cast(structs.field("end"), pa.int64())
    start_valid = np.asarray(pc.is_valid(starts).to_numpy(zero_copy_only=False), np.bool_)
    start_us = pc.fill_null(starts, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    end_valid = np.asarray(pc.is_valid(ends).to_numpy(zero_copy_only=False), np.bool_)
    end_us = pc.fill_null(ends, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    keep = start_valid
    start_s, end_s = to_seconds(start_us[keep]), to_seconds(end_us[keep])
    end_known = end_valid[keep]
    if not end_known.all():
        latest = int(start_s.max()) if start_s.size else 0
        if end_known.any():
            latest = max(latest, int(end_s[end_known].max()))
        end_s = np.where(end_known, end_s, latest + _OPEN_PAUSE_SECONDS)
    return rows[keep], start_s, end_s


def _handoff_seconds(table: pa.Table, party: str) -> tuple[Int64Array, BoolArray]:
    """Per ticket, the earliest hand-off (assignment ``from``) to ``party``, in seconds."""
    n = table.num_rows
    start = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=np.bool_)
    flat = _struct_list(table, "assignments")
    if flat is None:
        return start, found
    rows, structs = flat
    to_party = pc.fill_null(pc.equal(structs.field("party"), party), False)
    froms = pc.cast(structs.field("from"), pa.int64())
    usable = pc.and_(to_party, pc.is_valid(froms))
    mask = np.asarray(usable.to_numpy(zero_copy_only=False), np.bool_)
    rows = rows[mask]
    values = to_seconds(pc.fill_null(froms, 0).to_numpy(zero_copy_only=False).astype(np.int64))[
        mask
    ]
    if rows.size == 0:
        return start, found
    order = np.lexsort((values, rows))
    rows, values = rows[order], values[order]
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    start[rows[first]] = values[first]
    found[rows[first]] = True
    return start, found


def _targets(table: pa.Table, ctx: KpiContext) -> tuple[Int64Array, BoolArray]:
    """Target business seconds per ticket; ``hours_by_priority`` leaves other priorities out."""
    n = table.num_rows
    if ctx.targets is not None:
        return _declared_targets(table, ctx, ctx.targets)
    by_priority = ctx.params.get("hours_by_priority")
    if not by_priority:
        hours = ctx.params.get("hours")
        if hours is None:
            raise InvalidInput([Problem("params.hours", "give hours or hours_by_priority")])
        return np.full(n, whole_seconds(hours), dtype=np.int64), np.ones(n, dtype=np.bool_)
    seconds = {str(k): whole_seconds(v) for k, v in by_priority.items()}
    codes, values = _priority_codes(table, ctx)
    # one slot per distinct priority, and a last one (-1: missing) that is never counted
    per_code = np.array([seconds.get(str(v), -1) for v in values] + [-1], dtype=np.int64)
    targets = per_code[codes]
    return np.maximum(targets, 0), targets >= 0


def _declared_targets(
    table: pa.Table, ctx: KpiContext, targets: TargetSeconds
) -> tuple[Int64Array, BoolArray]:
    n = table.num_rows
    if targets.per_value is None:
        seconds = targets.uniform if targets.uniform is not None else 0
        return np.full(n, seconds, dtype=np.int64), np.ones(n, dtype=np.bool_)
    codes, values = _priority_codes(table, ctx)
    per_code = np.array([targets.per_value.get(str(v), -1) for v in values] + [-1], dtype=np.int64)
    chosen = per_code[codes]
    return np.maximum(chosen, 0), chosen >= 0


def _priority_codes(
    table: pa.Table, ctx: KpiContext
) -> tuple[npt.NDArray[np.signedinteger[Any]], list[object]]:
    """Codes of the column that picks the target (``priority`` for tickets)."""
    by = ctx.clock_columns.by
    source = ctx.source_table
    if source is None:
        return dictionary_codes(table, by)
    codes, values = memoized(ctx.memo, ("codes", by), lambda: dictionary_codes(source, by))
    return (codes if ctx.selection is None else codes[ctx.selection]), values


def _start_seconds(table: pa.Table, ctx: KpiContext) -> tuple[Int64Array, BoolArray]:
    if ctx.params.get("clock_from", "created") == "handoff":
        return _handoff_seconds(table, str(ctx.params["party"]))
    created, valid = shared_timestamps_us(ctx, table, ctx.clock_columns.start)
    return to_seconds(created), valid


def _subset_pauses(
    pauses: tuple[Int64Array, Int64Array, Int64Array], keep: BoolArray
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Pauses of the kept rows, renumbered to the kept rows' positions."""
    rows, p_start, p_end = pauses
    new_index = np.cumsum(keep) - 1
    mine = keep[rows] if rows.size else np.zeros(0, dtype=np.bool_)
    return new_index[rows[mine]], p_start[mine], p_end[mine]


def merge_pauses(
    pauses: tuple[Int64Array, Int64Array, Int64Array],
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Each row's pauses as disjoint runs (KPIS.md rule 4: pauses are merged first).

    Shifting row r by r × width puts every row's pauses in its own stretch of the
    number line, so one merge of intervals merges within rows and never across them.
    """
    rows, p_start, p_end = pauses
    keep = p_end > p_start
    rows, p_start, p_end = rows[keep], p_start[keep], p_end[keep]
    if rows.size == 0:
        return rows, p_start, p_end
    base = int(p_start.min())
    width = int(p_end.max()) - base + 1
    keyed_start, keyed_end = merge_intervals(
        rows * width + (p_start - base), rows * width + (p_end - base)
    )
    run_rows = keyed_start // width
    return run_rows, keyed_start - run_rows * width + base, keyed_end - run_rows * width + base


def _source_pauses(ctx: KpiContext, source: pa.Table) -> tuple[Int64Array, Int64Array, Int64Array]:
    """The source table's pauses, merged per ticket, once per source (memo)."""
    column = ctx.clock_columns.pauses
    pauses: tuple[Int64Array, Int64Array, Int64Array] = memoized(
        ctx.memo, ("pauses", column), lambda: merge_pauses(pauses_seconds(source, column))
    )
    return pauses


def elapsed_minus_merged_pauses(
    clock: Clock,
    start: Int64Array,
    end: Int64Array,
    runs: tuple[Int64Array, Int64Array, Int64Array],
) -> Int64Array:
    """Business time of ``[start, end)`` minus the working time of already-merged pause runs
    clipped to it: the clock's ``elapsed_minus_pauses`` for pauses merged once per source."""
    base = clock.elapsed(start, end)
    rows, run_start, run_end = runs
    if rows.size == 0:
        return base
    paused = clock.elapsed(np.maximum(run_start, start[rows]), np.minimum(run_end, end[rows]))
    # per-ticket sums of business seconds: exact in float64 (far below 2**53)
    totals = np.bincount(rows, weights=paused, minlength=start.size).astype(np.int64)
    result: Int64Array = base - totals
    return result


def _selected_pauses(
    table: pa.Table, ctx: KpiContext, counted: BoolArray
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Pauses of the counted rows, numbered by their position among them."""
    source = ctx.source_table
    if source is None:
        pauses_now = pauses_seconds(table, ctx.clock_columns.pauses)
        return _subset_pauses(merge_pauses(pauses_now), counted)
    pauses = _source_pauses(ctx, source)
    if ctx.selection is None:
        return _subset_pauses(pauses, counted)
    # The selection is ascending, so source order is the selected rows' order.
    keep = np.zeros(source.num_rows, dtype=np.bool_)
    keep[ctx.selection[counted]] = True
    return _subset_pauses(pauses, keep)


def _fused_elapsed(
    source: pa.Table, whole: KpiContext, clock: Clock, end_column: str
) -> tuple[Int64Array, BoolArray] | None:
    """business_elapsed's arrays from one compiled pass, or None where it does not apply
    (no numba, a numpy clock, hand-off clocks, a time outside the clock)."""
    if _KERNELS is None or not hasattr(_KERNELS, "elapsed_minus_runs"):
        return None
    if whole.params.get("clock_from", "created") != "created":
        return None
    arrays = _clock_arrays(clock)
    if arrays is None:
        return None
    start_us, has_start = shared_timestamps_us(whole, source, whole.clock_columns.start)
    end_us, has_end = shared_timestamps_us(whole, source, end_column)
    both = has_start & has_end
    first_measured = int(both.argmax()) if both.size else 0
    if not both.size or not both[first_measured]:
        return None  # nothing to measure: the numpy path's answer is cheap
    known = int(start_us[first_measured] // MICROS)
    run_offsets, run_start, run_end = _run_offsets(whole, source)
    out = np.empty(source.num_rows, dtype=np.int64)
    ok = np.empty(source.num_rows, dtype=np.bool_)
    bad = _KERNELS.elapsed_minus_runs(
        start_us, has_start, end_us, has_end, known, run_offsets, run_start, run_end,
        *arrays[:10], out, ok,
    )  # fmt: skip
    return None if bad >= 0 else (out, ok)


def business_elapsed(
    table: pa.Table, ctx: KpiContext, end_column: str
) -> tuple[Int64Array, BoolArray]:
    """Business seconds from the clock start to ``end_column`` minus pauses, per ticket.

    Computed on the service level's whole source table once and shared (memo) by
    every service level using the same calendar and clock start, then cut to the
    rows this one selects.
    """
    clock = ctx.require_clock()
    source = ctx.source_table if ctx.source_table is not None else table

    def compute() -> tuple[Int64Array, BoolArray]:
        whole = replace(ctx, selection=None)
        fused = _fused_elapsed(source, whole, clock, end_column)
        if fused is not None:
            return fused
        start, has_start = _start_seconds(source, whole)
        end_us, has_end = shared_timestamps_us(whole, source, end_column)
        ok = has_start & has_end
        if not ok.any():
            return np.zeros(source.num_rows, dtype=np.int64), ok
        # Rows without both ends get an empty interval at a time the clock knows.
        known = int(start[ok][0])
        end = np.where(ok, to_seconds(end_us), known)
        start = np.where(ok, start, known)
        elapsed = elapsed_minus_merged_pauses(clock, start, end, _source_pauses(whole, source))
        return elapsed, ok

    columns = ctx.clock_columns
    key = (
        "elapsed",
        end_column,
        ctx.params.get("clock_from", "created"),
        ctx.params.get("party"),
        columns.start,
        columns.pauses,
    )
    elapsed, ok = ctx.remember(key, compute)
    if ctx.selection is not None:
        return elapsed[ctx.selection], ok[ctx.selection]
    return elapsed, ok


def _within(table: pa.Table, ctx: KpiContext, met_column: str) -> Outcomes:
    clock: Clock = ctx.require_clock()
    start, has_start = _start_seconds(table, ctx)
    target, has_target = _targets(table, ctx)
    met_us, met_known = shared_timestamps_us(ctx, table, met_column)
    elapsed, _ = business_elapsed(table, ctx, met_column)
    counted = has_start & has_target
    pauses = _selected_pauses(table, ctx, counted)
    start, target = start[counted], target[counted]
    expiry = _expiries(clock, start, target + 1, pauses)
    met = met_known[counted] & (elapsed[counted] <= target)
    anchor = np.where(met, met_us[counted], expiry * MICROS)
    return Outcomes(
        anchor,
        met.astype(np.int64),
        each_once(int(counted.sum())),
        counted=counted,
        measured=elapsed[counted],
        measured_known=met_known[counted],
        target=target,
        measure=Measure.BUSINESS_SECONDS,
    )


def _expiries(
    clock: Clock,
    start: Int64Array,
    business_seconds: Int64Array,
    pauses: tuple[Int64Array, Int64Array, Int64Array],
) -> Int64Array:
    """Deadlines; rows without pauses take the clock's plain (faster) path."""
    rows, p_start, p_end = pauses
    if rows.size == 0:
        return clock.deadline(start, business_seconds)
    paused = np.zeros(start.size, dtype=np.bool_)
    paused[rows] = True
    expiry = clock.deadline(start, business_seconds)  # right for every row without pauses
    position = np.cumsum(paused) - 1
    expiry[paused] = deadline_with_merged_pauses(
        clock, start[paused], business_seconds[paused], (position[rows], p_start, p_end)
    )
    return expiry


def deadline_with_merged_pauses(
    clock: Clock,
    start: Int64Array,
    business_seconds: Int64Array,
    runs: tuple[Int64Array, Int64Array, Int64Array],
) -> Int64Array:
    """The earliest instant where business time from ``start`` outside the pause runs reaches
    ``business_seconds`` — the clock's ``deadline_with_pauses`` for runs already merged and
    sorted (by row, then start), computed with the plain deadline.

    Why it is exact: before the deadline without pauses ``d``, less than the target has
    passed; a run starting before ``d`` stops the clock for its business time, so the
    deadline becomes ``deadline(start, target + that time)``, later than the run's end.
    Runs are taken in order (the k-th run of every row at once); a run starting at or
    after the current deadline cannot move it, and neither can any later one.
    """
    rows, run_start, run_end = runs
    deadline = clock.deadline(start, business_seconds)
    if rows.size == 0:
        return deadline
    run_start = np.maximum(run_start, start[rows])
    limit = getattr(clock, "valid_until", None)
    if limit is not None:
        # A run past the clock's last instant (an open pause) cannot be measured, and
        # needs not be: a deadline that far away is not reached by any period.
        run_start, run_end = np.minimum(run_start, limit), np.minimum(run_end, limit)
    paused = clock.elapsed(run_start, run_end)  # 0 for runs wholly before the start
    rank = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
    extra = np.zeros(start.size, dtype=np.int64)
    for k in range(int(rank.max()) + 1):
        kth = np.flatnonzero(rank == k)
        row = rows[kth]
        moves = (run_start[kth] < deadline[row]) & (paused[kth] > 0)
        if not moves.any():
            continue
        row = row[moves]
        extra[row] += paused[kth[moves]]
        deadline[row] = clock.deadline(start[row], business_seconds[row] + extra[row])
    return deadline


def _clock_arrays(clock: Clock) -> tuple[Any, ...] | None:
    """The clock's table as the compiled loops take it (wall flag first), or None when the
    clock is not a compiled one (the numpy backend, or another implementation)."""
    if not isinstance(clock, BusinessClock) or clock.backend == "numpy":
        return None
    table = clock._table  # the compiled loops read the clock's own arrays
    if table is None:  # wall time (24x7 without holidays): the arrays are never read
        empty = np.zeros(1, dtype=np.int64)
        return (True, 0, 0, 0, empty, empty, empty, empty, empty, 0, empty, 0, empty)
    return (
        False, table.lo, table.hi, table.shift, table.first, table.next_start, table.starts,
        table.lengths, table.cum, table.passes, table.cum_end, table.due_shift, table.due_first,
    )  # fmt: skip


def _run_offsets(ctx: KpiContext, source: pa.Table) -> tuple[Int64Array, Int64Array, Int64Array]:
    """The source's merged pause runs with, per row, where its runs begin (CSR offsets)."""

    def compute() -> tuple[Int64Array, Int64Array, Int64Array]:
        rows, run_start, run_end = _source_pauses(ctx, source)
        # runs per paused row, summed in place (no full-length count array beside it)
        offsets = np.zeros(source.num_rows + 1, dtype=np.int64)
        paused, runs = np.unique(rows, return_counts=True)
        offsets[paused + 1] = runs
        np.cumsum(offsets, out=offsets)
        return (
            offsets,
            np.ascontiguousarray(run_start, dtype=np.int64),
            np.ascontiguousarray(run_end, dtype=np.int64),
        )

    runs: tuple[Int64Array, Int64Array, Int64Array] = memoized(
        ctx.memo, ("pause offsets", ctx.clock_columns.pauses), compute
    )
    return runs


def _fused_within(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window], met_column: str
) -> list[KpiAggregate] | None:
    """``per_event_kpi(_within)`` in one compiled pass per ticket, or None where it does not apply
    (no numba, a numpy clock, hand-off clocks, windows the look-up cannot cut, or a time
    outside the clock: the numpy path then gives the answer, or the clock's error).

    Same results by construction: the loop follows _within, _expiries and
    deadline_with_merged_pauses step for step (tests/unit/kpis/test_kpi_fused_paths.py
    compares them on random tickets)."""
    if _KERNELS is None or not hasattr(_KERNELS, "within_sums"):
        return None
    if ctx.params.get("clock_from", "created") != "created":
        return None
    clock = ctx.require_clock()
    arrays = _clock_arrays(clock)
    look_up = window_lookup(windows)
    if arrays is None or look_up is None:
        return None
    declared = ctx.targets
    by_priority = ctx.params.get("hours_by_priority") if declared is None else declared.per_value
    source = ctx.source_table if ctx.source_table is not None else table
    # Without a source table the arrays are this table's own: a fresh memo keeps them apart.
    memo = ctx.memo if ctx.source_table is not None else {}
    whole = replace(ctx, selection=None, source_table=source, memo=memo)
    if by_priority:
        seconds = {str(k): whole_seconds(v) for k, v in by_priority.items()}
        if declared is not None and declared.per_value is not None:
            seconds = dict(declared.per_value)
        codes, values = _priority_codes(source, whole)
        per_code = np.array([seconds.get(str(v), -1) for v in values] + [-1], dtype=np.int64)
        uniform = -1
    else:
        hours = ctx.params.get("hours")
        if declared is not None:
            uniform = declared.uniform if declared.uniform is not None else 0
        elif hours is None:
            raise InvalidInput([Problem("params.hours", "give hours or hours_by_priority")])
        else:
            uniform = whole_seconds(hours)
        if uniform < 0:
            return None
        codes, per_code = np.zeros(1, dtype=np.int16), np.full(1, -1, dtype=np.int64)
    start_us, start_ok = shared_timestamps_us(whole, source, whole.clock_columns.start)
    met_us, met_known = shared_timestamps_us(whole, source, met_column)
    run_offsets, run_start, run_end = _run_offsets(whole, source)
    selection = ctx.selection
    win_first, win_step, win_table = look_up
    n = len(windows)
    counts, nums, dens = (np.zeros(n, dtype=np.int64) for _ in range(3))
    bad = _KERNELS.within_sums(
        selection if selection is not None else np.zeros(0, dtype=np.int64),
        selection is not None, start_us, start_ok, codes, per_code, uniform,
        met_us, met_known, run_offsets, run_start, run_end, *arrays,
        win_first, win_step, win_table, counts, nums, dens,
    )  # fmt: skip
    if bad >= 0:
        return None
    aggregate = ctx.definition.aggregate
    return [KpiAggregate(aggregate, int(nums[i]), int(dens[i]), int(counts[i])) for i in range(n)]


def _within_computation(met_column: str, outcomes_of: Any) -> KpiComputation:
    """The fused compiled pass where it applies, else the per-ticket outcomes cut by window."""
    plain = per_event_kpi(outcomes_of)

    def compute(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> list[KpiAggregate]:
        fused = _fused_within(table, ctx, windows, met_column)
        if fused is not None:
            return fused
        source = ctx.source_table
        if ctx.selection is not None and source is not None and source is table:
            # Given the source (see reads_rows_through_context): the numpy path wants the
            # selected rows themselves. Pauses are read from the source, so not copied.
            columns = [c for c in source.column_names if c != "pauses"]
            return plain(source.select(columns).take(ctx.selection), ctx, windows)
        return plain(table, ctx, windows)

    compute.outcomes = outcomes_of  # type: ignore[attr-defined]
    compute.plain = plain  # type: ignore[attr-defined]
    compute.met_column = met_column  # type: ignore[attr-defined]
    compute.reads_rows_through_context = True  # type: ignore[attr-defined]
    compute.__doc__ = outcomes_of.__doc__
    return compute


def _responded_within(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Tickets first responded to within the target, anchored at response or expiry."""
    return _within(table, ctx, "first_response_at")


def _resolved_within(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Tickets resolved within the target, anchored at resolution or expiry."""
    return _within(table, ctx, "resolved_at")


def _mean_time_to_resolve(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean business hours created → resolved, minus pauses, over tickets resolved in the period."""
    resolved_us, resolved = shared_timestamps_us(ctx, table, "resolved_at")
    elapsed, ok = business_elapsed(table, ctx, "resolved_at")
    counted = resolved & ok
    return Outcomes(
        resolved_us[counted],
        elapsed[counted],
        each_once(int(counted.sum())),
        HOUR_SECONDS,
        counted=counted,
        measured=elapsed[counted],
        measure=Measure.BUSINESS_SECONDS,
    )


def _reopen_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Tickets resolved in the period later reopened ÷ tickets resolved in the period."""
    resolved_us, resolved = shared_timestamps_us(ctx, table, "resolved_at")
    reopened, _ = shared(ctx, table, "reopened", booleans)
    return Outcomes(
        resolved_us[resolved],
        reopened[resolved].astype(np.int64),
        each_once(int(resolved.sum())),
        counted=resolved,
    )


def backlog_threshold_us(end_us: int, days: int, timezone: str) -> int:
    """The instant ``days`` local calendar days before ``end_us`` (same local wall time)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(end_us // MICROS, tz=UTC).astimezone(zone)
    earlier = (local.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=zone)
    return int(earlier.timestamp()) * MICROS + end_us % MICROS


def backlog_older_than(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> list[KpiAggregate]:
    """Tickets open at each window's end (created before it, not resolved before it) and
    created more than ``days`` local calendar days before it.

    Sample size: the tickets created before the window's end (the known population),
    so a period with data and no old tickets is a measured 0, not missing data.
    A ticket reopened and resolved again carries its last resolution, so it counts
    as open until then.
    """
    days = int(ctx.params["days"])
    if _KERNELS is not None and hasattr(_KERNELS, "backlog_counts") and windows:
        return _compiled_backlog(_KERNELS, table, ctx, windows, days)
    created, has_created = shared_timestamps_us(ctx, table, "created_at")
    resolved, has_resolved = shared_timestamps_us(ctx, table, "resolved_at")
    results = []
    for _, end in windows:
        known, old = backlog_rows(
            created, has_created, resolved, has_resolved, end, days, ctx.timezone
        )
        results.append(
            KpiAggregate(Aggregate.COUNT, int(old.sum()), 0, sample_size=int(known.sum()))
        )
    return results


def _compiled_backlog(
    kernels: Any, table: pa.Table, ctx: KpiContext, windows: Sequence[Window], days: int
) -> list[KpiAggregate]:
    """backlog_older_than in one compiled pass over the tickets for every window end,
    instead of five full-length masks per window; the same comparisons, so the same counts.
    Ascending ends and thresholds count two runs of windows per ticket, found in the
    bounds' quarter-hour tables where they have them (else by binary search)."""
    source = ctx.source_table if ctx.source_table is not None else table
    memo = ctx.memo if ctx.source_table is not None else {}
    whole = replace(ctx, selection=None, source_table=source, memo=memo)
    created, has_created = shared_timestamps_us(whole, source, "created_at")
    resolved, has_resolved = shared_timestamps_us(whole, source, "resolved_at")
    ends = np.array([end for _, end in windows], dtype=np.int64)
    thresholds = np.array(
        [backlog_threshold_us(end, days, ctx.timezone) for _, end in windows], dtype=np.int64
    )
    # one slot more than windows: the sorted kernels count in differences
    olds = np.zeros(len(windows) + 1, dtype=np.int64)
    knowns = np.zeros(len(windows) + 1, dtype=np.int64)
    selection = ctx.selection
    rows = (
        selection if selection is not None else np.zeros(0, dtype=np.int64),
        selection is not None, created, has_created, resolved, has_resolved,
    )  # fmt: skip
    ascending = bool(np.all(np.diff(ends) >= 0) and np.all(np.diff(thresholds) >= 0))
    end_ranks = rank_lookup(ends) if ascending else None
    threshold_ranks = rank_lookup(thresholds) if ascending else None
    if end_ranks is not None and threshold_ranks is not None:
        kernels.backlog_counts_ranked(
            *rows, *end_ranks, *threshold_ranks, LOOKUP_STEP_US, olds, knowns
        )
    else:
        kernel = kernels.backlog_counts_sorted if ascending else kernels.backlog_counts
        kernel(*rows, ends, thresholds, olds, knowns)
    return [
        KpiAggregate(Aggregate.COUNT, int(olds[i]), 0, sample_size=int(knowns[i]))
        for i in range(len(windows))
    ]


def backlog_rows(
    created: Int64Array,
    has_created: BoolArray,
    resolved: Int64Array,
    has_resolved: BoolArray,
    end: int,
    days: int,
    timezone: str,
) -> tuple[BoolArray, BoolArray]:
    """(known, old): tickets created before ``end``, and those of them still open at ``end``
    and created more than ``days`` local calendar days before it (the backlog's count)."""
    threshold = backlog_threshold_us(end, days, timezone)
    known = has_created & (created < end)
    still_open = known & (~has_resolved | (resolved >= end))
    old = still_open & (created < threshold)
    return known, old


def _grouped_by_window(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> tuple[Int64Array, Int64Array] | None:
    """The business seconds to resolve of mean time to resolve's tickets, grouped by the
    window of their resolution, with the groups' bounds: two compiled passes (count,
    then place), or None where the compiled loops or the window look-up do not apply."""
    look_up = window_lookup(windows)
    if _KERNELS is None or not hasattr(_KERNELS, "group_by_window") or look_up is None:
        return None
    source = ctx.source_table if ctx.source_table is not None else table
    memo = ctx.memo if ctx.source_table is not None else {}
    whole = replace(ctx, selection=None, source_table=source, memo=memo)
    resolved_us, resolved = shared_timestamps_us(whole, source, "resolved_at")
    elapsed, ok = business_elapsed(source, whole, "resolved_at")
    selection = ctx.selection
    chosen = selection if selection is not None else np.zeros(0, dtype=np.int64)
    bounds = np.zeros(len(windows) + 1, dtype=np.int64)
    arguments = (chosen, selection is not None, resolved_us, resolved, elapsed, ok, *look_up)
    _KERNELS.group_by_window(*arguments, bounds, np.zeros(0, dtype=np.int64))
    np.cumsum(bounds, out=bounds)
    grouped = np.empty(int(bounds[-1]), dtype=np.int64)
    if grouped.size:
        cursor = bounds[:-1].copy()
        _KERNELS.group_by_window(*arguments, cursor, grouped)
    return grouped, bounds


def resolution_hours_percentile(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window], q: Fraction
) -> list[Fraction | None]:
    """The exact ``q`` percentile (nearest rank) of business hours to resolve, per window.

    Over the same tickets as mean time to resolve (anchored at ``resolved_at``):
    with the n values sorted, the value at rank ⌈q × n⌉ (1-based), in hours.
    """
    if not 0 < q <= 1:
        raise ValueError("a percentile lies in (0, 1]")
    grouping = _grouped_by_window(table, ctx, windows)
    if grouping is None:
        outcomes = _mean_time_to_resolve(table, ctx)
        index = window_index(outcomes.anchor, windows)
        inside = index >= 0
        # One stable sort by window (a linear radix sort on 16-bit keys) instead of a mask
        # per window; sorting does not change the nearest-rank value of a window's values.
        keys = index[inside].astype(np.int16 if len(windows) < 2**15 else np.int64)
        order = np.argsort(keys, kind="stable")
        grouped = outcomes.numerator[inside][order]
        bounds = np.searchsorted(keys[order], np.arange(len(windows) + 1), side="left")
    else:
        grouped, bounds = grouping
    results: list[Fraction | None] = []
    for i in range(len(windows)):
        values = grouped[bounds[i] : bounds[i + 1]]
        if values.size == 0:
            results.append(None)
            continue
        rank = -(-q.numerator * values.size // q.denominator)  # ceil(q × n)
        kth = np.partition(values, rank - 1)[rank - 1]
        results.append(Fraction(int(kth), HOUR_SECONDS))
    return results


def _fused_flow(
    ctx: KpiContext,
    source: pa.Table,
    windows: Sequence[Window],
    anchor: tuple[Int64Array, BoolArray],
    values: tuple[npt.NDArray[np.signedinteger[Any]], BoolArray],
    scale: int,
) -> list[KpiAggregate] | None:
    """Counts and sums per window straight from the source's shared arrays (one compiled
    pass, no cut copies), or None where the compiled loop or the look-up do not apply."""
    look_up = window_lookup(windows)
    if _KERNELS is None or not hasattr(_KERNELS, "flow_sums") or look_up is None:
        return None
    numbers = values[0]
    # int64 sums stay exact while |value| × events < 2**62 (as in base._compiled_sums);
    # the largest magnitude from the extremes, without an absolute copy of the array
    if numbers.size:
        largest = max(abs(int(numbers.max())), abs(int(numbers.min())))
        if largest * numbers.size >= 2**62:
            return None
    n = len(windows)
    counts, nums, dens = (np.zeros(n, dtype=np.int64) for _ in range(3))
    selection = ctx.selection
    _KERNELS.flow_sums(
        selection if selection is not None else np.zeros(0, dtype=np.int64),
        selection is not None, anchor[0], anchor[1], numbers, values[1], *look_up,
        counts, nums, dens,
    )  # fmt: skip
    aggregate = ctx.definition.aggregate
    return [
        KpiAggregate(aggregate, int(nums[i]), int(dens[i]), int(counts[i]), scale) for i in range(n)
    ]


def _source_context(table: pa.Table, ctx: KpiContext) -> tuple[pa.Table, KpiContext]:
    """The source table and a context over all of its rows (a fresh memo without one)."""
    source = ctx.source_table if ctx.source_table is not None else table
    memo = ctx.memo if ctx.source_table is not None else {}
    return source, replace(ctx, selection=None, source_table=source, memo=memo)


def _mean_time_to_resolve_windows(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> list[KpiAggregate]:
    source, whole = _source_context(table, ctx)
    fused = None
    if ctx.clock is not None and ctx.calendar is not None:
        fused = _fused_flow(
            ctx,
            source,
            windows,
            shared_timestamps_us(whole, source, "resolved_at"),
            business_elapsed(source, whole, "resolved_at"),
            HOUR_SECONDS,
        )
    if fused is not None:
        return fused
    return aggregate_outcomes(_mean_time_to_resolve(table, ctx), windows, ctx.definition.aggregate)


def _reopen_rate_windows(
    table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> list[KpiAggregate]:
    source, whole = _source_context(table, ctx)
    resolved = shared_timestamps_us(whole, source, "resolved_at")
    reopened: npt.NDArray[np.int8] = memoized(
        whole.memo, ("reopened as integers",), lambda: booleans(source, "reopened")[0].view(np.int8)
    )
    fused = _fused_flow(ctx, source, windows, resolved, (reopened, resolved[1]), 1)
    if fused is not None:
        return fused
    return aggregate_outcomes(_reopen_rate(table, ctx), windows, ctx.definition.aggregate)


def _selection_aware(compute: Any, outcomes_of: Any | None = None) -> KpiComputation:
    """Mark a computation that reads its rows through ``ctx.source_table`` and
    ``ctx.selection`` only, so evaluation need not copy the selected rows for it."""
    compute.reads_rows_through_context = True
    if outcomes_of is not None:
        compute.outcomes = outcomes_of
        compute.__doc__ = outcomes_of.__doc__
    result: KpiComputation = compute
    return result


COMPUTATIONS = {
    "responded_within": _within_computation("first_response_at", _responded_within),
    "resolved_within": _within_computation("resolved_at", _resolved_within),
    "mean_time_to_resolve": _selection_aware(_mean_time_to_resolve_windows, _mean_time_to_resolve),
    "backlog_older_than": _selection_aware(backlog_older_than),
    "reopen_rate": _selection_aware(_reopen_rate_windows, _reopen_rate),
}
