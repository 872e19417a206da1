"""Every KPI as partial state per chunk of events → merge → finish (exact).

A KPI over many events can be computed chunk by chunk — on several threads, several
machines, or the executors of a cluster (docs/scale-out.md) — and give exactly the value
of one pass over all events, because each KPI has a *state* that chunks produce on their
own, that merges without loss, and that finishes into the aggregates:

* **sums** — every flow KPI (an event counts once, in the window of its anchor) and the
  backlog (a ticket counts at a window's end or not): per window the event count and the
  exact integer sums of numerator and denominator. Merging adds them; finishing is the
  identity. The state is what the one-pass computation returns on the chunk, so both
  share one definition.
* **sorted runs** — an order statistic (a declared percentile or maximum): per window the
  chunk's values sorted. Merging merges the sorted runs; finishing picks the value at the
  nearest rank ⌈q × n⌉ (the maximum: the last). Exact, never an approximation.
* **interval runs** — availability: the union of the chunk's outages as sorted disjoint
  runs (all outages, and the planned ones), in epoch seconds. Merging unites the runs
  (touching runs join, as in one pass); finishing measures working time inside the
  windows (engine/kpis/availability.py), as the one-pass computation does.

``kpi_partial(compute, chunk, ctx, windows)`` → ``merge_states(a, b)`` (associative and
commutative) → ``kpi_finish(compute, state, ctx, windows)``. A computation says which
state it has through two attributes: ``partial`` and ``finish`` (None: sums).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from servicepact.domain.kpis import Aggregate
from servicepact.engine.kpis.base import (
    Int64Array,
    KpiAggregate,
    KpiComputation,
    KpiContext,
    Window,
)


@dataclass(frozen=True)
class Sums:
    """Per window: the exact aggregate of the chunk's events (counts and integer sums)."""

    aggregates: tuple[KpiAggregate, ...]


@dataclass(frozen=True)
class SortedRuns:
    """Per window: the chunk's values in ascending order (an order statistic's state).

    ``rank`` picks the value: ``max`` or a percentile ``q`` in (0, 1] (nearest rank)."""

    runs: tuple[Int64Array, ...]
    scale: int
    q: Fraction | None  # None: the maximum


@dataclass(frozen=True)
class IntervalRuns:
    """The union of the chunk's outages as sorted disjoint runs ``[start, end)`` (seconds):
    of every outage, and of the planned ones."""

    all_starts: Int64Array
    all_ends: Int64Array
    planned_starts: Int64Array
    planned_ends: Int64Array


KpiState = Sums | SortedRuns | IntervalRuns


def _add(a: KpiAggregate, b: KpiAggregate) -> KpiAggregate:
    if a.aggregate is not b.aggregate or a.scale != b.scale:
        raise ValueError("states of different KPIs cannot be merged")
    return KpiAggregate(
        a.aggregate,
        a.numerator + b.numerator,
        a.denominator + b.denominator,
        a.sample_size + b.sample_size,
        a.scale,
    )


def _merge_sorted(a: Int64Array, b: Int64Array) -> Int64Array:
    """Two ascending runs as one ascending run (a merge: a stable sort of two sorted runs)."""
    if a.size == 0:
        return b
    if b.size == 0:
        return a
    return np.sort(np.concatenate([a, b]), kind="stable")


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


def _unite(
    starts_a: Int64Array, ends_a: Int64Array, starts_b: Int64Array, ends_b: Int64Array
) -> tuple[Int64Array, Int64Array]:
    return merge_intervals(np.concatenate([starts_a, starts_b]), np.concatenate([ends_a, ends_b]))


def merge_states(a: KpiState, b: KpiState) -> KpiState:
    """The state of two chunks together (associative and commutative, exact)."""
    if isinstance(a, Sums) and isinstance(b, Sums):
        if len(a.aggregates) != len(b.aggregates):
            raise ValueError("states over different windows cannot be merged")
        return Sums(tuple(_add(x, y) for x, y in zip(a.aggregates, b.aggregates, strict=True)))
    if isinstance(a, SortedRuns) and isinstance(b, SortedRuns):
        if len(a.runs) != len(b.runs) or a.scale != b.scale or a.q != b.q:
            raise ValueError("states of different order statistics cannot be merged")
        runs = tuple(_merge_sorted(x, y) for x, y in zip(a.runs, b.runs, strict=True))
        return SortedRuns(runs, a.scale, a.q)
    if isinstance(a, IntervalRuns) and isinstance(b, IntervalRuns):
        all_runs = _unite(a.all_starts, a.all_ends, b.all_starts, b.all_ends)
        planned = _unite(a.planned_starts, a.planned_ends, b.planned_starts, b.planned_ends)
        return IntervalRuns(*all_runs, *planned)
    raise ValueError(f"cannot merge a {type(a).__name__} with a {type(b).__name__}")


def merge_all(states: Iterable[KpiState]) -> KpiState:
    merged: KpiState | None = None
    for state in states:
        merged = state if merged is None else merge_states(merged, state)
    if merged is None:
        raise ValueError("no state to merge")
    return merged


def kpi_partial(
    compute: KpiComputation, chunk: pa.Table, ctx: KpiContext, windows: Sequence[Window]
) -> KpiState:
    """The state of one chunk of events."""
    partial = getattr(compute, "partial", None)
    if partial is not None:
        state: KpiState = partial(chunk, ctx, windows)
        return state
    return Sums(tuple(compute(chunk, ctx, windows)))


def kpi_finish(
    compute: KpiComputation, state: KpiState, ctx: KpiContext, windows: Sequence[Window]
) -> list[KpiAggregate]:
    """The aggregates per window from the merged state of every chunk."""
    if isinstance(state, Sums):
        return list(state.aggregates)
    finish = getattr(compute, "finish", None)
    if finish is not None:
        result: list[KpiAggregate] = finish(state, ctx, windows)
        return result
    if isinstance(state, SortedRuns):
        return finish_sorted_runs(state)
    raise ValueError(f"{type(state).__name__} needs the computation's finish")


def sorted_runs(
    anchor: Int64Array,
    values: Int64Array,
    windows: Sequence[Window],
    scale: int,
    q: Fraction | None,
) -> SortedRuns:
    """The order statistic's state of a chunk: each window's values, sorted."""
    from servicepact.engine.kpis.base import window_index

    index = window_index(anchor, windows)
    runs = []
    for i in range(len(windows)):
        runs.append(np.sort(values[index == i], kind="stable").astype(np.int64, copy=False))
    return SortedRuns(tuple(runs), scale, q)


def finish_sorted_runs(state: SortedRuns) -> list[KpiAggregate]:
    """The nearest-rank value (or the maximum) of each window's merged run."""
    results: list[KpiAggregate] = []
    for run in state.runs:
        n = int(run.size)
        if n == 0:
            results.append(KpiAggregate(Aggregate.VALUE, 0, 0, 0, state.scale))
            continue
        if state.q is None:
            picked = int(run[-1])
        else:
            rank = -(-state.q.numerator * n // state.q.denominator)  # ⌈q × n⌉, 1-based
            picked = int(run[rank - 1])
        results.append(KpiAggregate(Aggregate.VALUE, picked, 1, n, state.scale))
    return results


def chunked(table: pa.Table, sizes: Sequence[int]) -> list[pa.Table]:
    """The table cut into consecutive chunks of the given sizes (the rest in a last one;
    at least one chunk, empty for an empty table)."""
    chunks: list[pa.Table] = []
    offset = 0
    for size in sizes:
        chunks.append(table.slice(offset, size))
        offset += size
    if offset < table.num_rows or not chunks:
        chunks.append(table.slice(offset))
    return chunks


__all__: list[Any] = [
    "IntervalRuns",
    "KpiState",
    "SortedRuns",
    "Sums",
    "chunked",
    "finish_sorted_runs",
    "kpi_finish",
    "kpi_partial",
    "merge_all",
    "merge_intervals",
    "merge_states",
    "sorted_runs",
]
