"""Windows in any order, look-up tables at their limits, and columns read exactly.

The shared machinery every flow KPI goes through (engine/kpis/base.py): which window an
anchor falls in, how a column of events becomes integers, and how a per-event outcome
function becomes a computation over windows. Every expected value is worked out by hand.
"""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from kpi_fixtures import OFFICE_KR, compute, month_window, table

from servicepact.domain.kpis import Aggregate, get_kpi
from servicepact.engine.kpis import base
from servicepact.engine.kpis.base import (
    KpiAggregate,
    KpiContext,
    Outcomes,
    aggregate_outcomes,
    decimals_scaled,
    dictionary_codes,
    per_event_kpi,
    rank_lookup,
    window_index,
    window_lookup,
)

Q = 15 * 60 * 1_000_000  # a quarter-hour in microseconds
LOOKUP_MAX = 4_000_000  # quarter-hours a look-up table may span


def ints(*values: int) -> np.ndarray:  # type: ignore[type-arg]
    return np.array(values, dtype=np.int64)


# --- which window an anchor falls in ------------------------------------------------------


@pytest.mark.parametrize(
    ("windows", "anchors", "expected"),
    [
        # apart: a window's first instant is inside it, its end is not
        ([(0, 10), (20, 30)], (0, 9, 10, 20, 29, 30), [0, 0, -1, 1, 1, -1]),
        # overlapping: an anchor in both belongs to the first window given
        ([(0, 10), (5, 15)], (4, 7, 12), [0, 0, 1]),
        # ending together: 7 is in both, so in the first
        ([(0, 10), (5, 10)], (3, 7), [0, 0]),
        # out of order, each following another but not the one after it in the list
        ([(10, 20), (0, 10), (20, 30)], (5, 15, 25), [1, 0, 2]),
    ],
)
def test_windows_that_do_not_follow_each_other_are_tested_one_by_one(
    windows: list[tuple[int, int]], anchors: tuple[int, ...], expected: list[int]
) -> None:
    assert window_index(ints(*anchors), windows).tolist() == expected


def test_overlapping_windows_give_each_its_events_whatever_the_aggregate() -> None:
    # windows [0, 10) and [5, 10) both hold the anchor 7; [0, 10) also holds 3
    outcomes = Outcomes(anchor=ints(3, 7), numerator=ints(2, 5), denominator=ints(0, 0))
    first, second = aggregate_outcomes(outcomes, [(0, 10), (5, 10)], Aggregate.COUNT)
    assert (first.aggregate, first.value, first.sample_size) == (Aggregate.COUNT, 7, 2)
    assert (second.aggregate, second.value, second.sample_size) == (Aggregate.COUNT, 5, 1)


def test_window_look_up_tables_off_zero_and_refused_shapes() -> None:
    # starting 5 µs after the epoch, bounds 5, 5 + q, 5 + 3q: a table of three quarter-hours
    first, step, table = window_lookup([(5, 5 + Q), (5 + Q, 5 + 3 * Q)])  # type: ignore[misc]
    assert (first, step, table.tolist()) == (5, Q, [0, 1, 1])
    # far from the epoch (3,000,000 quarter-hours in), the span alone decides: 2 quarter-hours
    far = 3_000_000 * Q
    first, _, table = window_lookup([(far, far + Q), (far + Q, far + 2 * Q)])  # type: ignore[misc]
    assert (first, table.tolist()) == (far, [0, 1])
    # an empty window in the middle takes no quarter-hour of the table
    _, _, table = window_lookup([(0, Q), (Q, Q), (Q, 2 * Q)])  # type: ignore[misc]
    assert table.tolist() == [0, 2]
    # a window that ends before it starts has no table (bounds 0, 2q, q)
    assert window_lookup([(0, 2 * Q), (2 * Q, Q)]) is None


def test_window_look_up_tables_span_at_most_four_million_quarter_hours() -> None:
    # exactly the limit: one table entry per quarter-hour
    _, _, table = window_lookup([(0, Q), (Q, LOOKUP_MAX * Q)])  # type: ignore[misc]
    assert (table.size, table[0], table[-1]) == (LOOKUP_MAX, 0, 1)
    # one quarter-hour more: no table
    assert window_lookup([(0, Q), (Q, (LOOKUP_MAX + 1) * Q)]) is None


def test_rank_tables_start_at_the_first_bound() -> None:
    # bounds q, 2q, 4q: at q one bound, at 2q two, at 3q still two
    first, table = rank_lookup(ints(Q, 2 * Q, 4 * Q))  # type: ignore[misc]
    assert (first, table.tolist()) == (Q, [1, 2, 2])
    # bounds 5 and 5 + q (5 µs off the grid from zero, on it from the first bound)
    first, table = rank_lookup(ints(5, 5 + Q))  # type: ignore[misc]
    assert (first, table.tolist()) == (5, [1])
    # at most four million quarter-hours
    _, table = rank_lookup(ints(0, LOOKUP_MAX * Q))  # type: ignore[misc]
    assert (table.size, table[0], table[-1]) == (LOOKUP_MAX, 1, 1)
    assert rank_lookup(ints(0, (LOOKUP_MAX + 1) * Q)) is None


# --- sums ------------------------------------------------------------------------------------


def test_sums_of_small_counts_and_of_large_values_stay_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "_KERNELS", None)  # the numpy path, whatever is installed
    # numerators 2, 0, 1 (not only ones and zeros): Σ = 3
    small = Outcomes(anchor=ints(1, 2, 3), numerator=ints(2, 0, 1), denominator=ints(1, 1, 1))
    [result] = aggregate_outcomes(small, [(0, 10)], Aggregate.RATIO)
    assert (result.numerator, result.denominator) == (3, 3)
    # (2**53 − 1) + 2 = 2**53 + 1, which no double holds: the sum must be integral
    large = Outcomes(anchor=ints(1, 2), numerator=ints(2**53 - 1, 2), denominator=ints(1, 1))
    [result] = aggregate_outcomes(large, [(0, 10)], Aggregate.MEAN)
    assert result.numerator == 2**53 + 1


def test_the_compiled_loops_are_there_exactly_when_numba_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed")
    kernels = base._kernels()
    assert kernels is not None
    assert callable(kernels.sum_by_window)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert base._kernels() is None


# --- a per-event function as a computation over windows ------------------------------------


def _waited_at_most(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Each call anchored when offered, met when its wait is at most ``seconds``."""
    anchor = np.asarray(table.column("at").to_numpy(), dtype=np.int64)
    waited = np.asarray(table.column("wait").to_numpy(), dtype=np.int64)
    met = (waited <= ctx.param("seconds")).astype(np.int64)
    return Outcomes(anchor, met, np.ones(anchor.size, dtype=np.int64))


def test_a_per_event_function_becomes_a_computation_over_windows() -> None:
    compute = per_event_kpi(_waited_at_most)
    events = pa.table({"at": [1, 4, 12, 15], "wait": [20, 21, 3, 20]})
    ctx = KpiContext(definition=get_kpi("answered_within"), params={"seconds": 20}, timezone="UTC")
    # within 20 s: [0, 10) holds 1 (20 s, met) and 4 (21 s, not): 1/2; [10, 20) holds 12 and
    # 15, both met: 2/2
    first, second = compute(events, ctx, [(0, 10), (10, 20)])
    assert first == KpiAggregate(Aggregate.RATIO, 1, 2, 2)
    assert second == KpiAggregate(Aggregate.RATIO, 2, 2, 2)
    assert second.value == Fraction(1)
    # the per-event function stays reachable (the drill-down lists the events)
    assert compute.outcomes is _waited_at_most  # type: ignore[attr-defined]
    assert compute.__doc__ == (
        "Each call anchored when offered, met when its wait is at most ``seconds``."
    )


# --- reading columns -------------------------------------------------------------------------


def test_more_distinct_values_than_a_short_integer_holds_keep_their_codes() -> None:
    # 40,000 distinct ids: codes 0 … 39,999, past the 32,767 a 16-bit code can hold
    ids = [f"id{i}" for i in range(40_000)]
    codes, distinct = dictionary_codes(pa.table({"id": ids}), "id")
    assert (int(codes[32_768]), int(codes[-1]), len(distinct)) == (32_768, 39_999, 40_000)


def test_decimals_of_a_slice_of_the_events_and_beyond_a_double() -> None:
    amounts = [Decimal("1.5"), Decimal("-2.25"), Decimal("9007199254.740993"), None]
    events = pa.table({"d": pa.array(amounts, pa.decimal128(20, 6))})
    values, valid = decimals_scaled(events, "d")
    # in millionths: 1,500,000; −2,250,000; 2**53 + 1 (which a double would round)
    assert values.tolist() == [1_500_000, -2_250_000, 2**53 + 1, 0]
    assert valid.tolist() == [True, True, True, False]
    # the rows 1 and 2 only (a chunk of the events, as when computing chunk by chunk)
    values, valid = decimals_scaled(events.slice(1, 2), "d")
    assert (values.tolist(), valid.tolist()) == ([-2_250_000, 2**53 + 1], [True, True])
    values, valid = decimals_scaled(events.slice(0, 0), "d")
    assert (values.tolist(), valid.tolist()) == ([], [])


def test_a_source_without_any_batch_measures_nothing_even_per_priority() -> None:
    # no record batch at all (a source nothing was loaded into): the priorities have no
    # distinct value, and the level has no sample, not an error
    empty = pa.Table.from_batches([], schema=table("tickets", []).schema)
    [march] = compute(
        "responded_within",
        empty,
        [month_window(2026, 3)],
        params={"hours_by_priority": {"P1": 1, "P2": 4}},
        calendar=OFFICE_KR,
    )
    assert march == KpiAggregate(Aggregate.RATIO, 0, 0, 0)
    assert march.value is None


def test_months_cut_by_the_compiled_loop_count_whole_events() -> None:
    # March holds the anchors at its first and last microsecond, April one in the middle;
    # the counts are shown as "2" and "1" events, never "2.0"
    march, april = month_window(2026, 3), month_window(2026, 4)
    outcomes = Outcomes(
        anchor=ints(march[0], march[1] - 1, april[0] + Q),
        numerator=ints(1, 0, 1),
        denominator=ints(1, 1, 1),
    )
    results = aggregate_outcomes(outcomes, [march, april], Aggregate.RATIO)
    assert results == [
        KpiAggregate(Aggregate.RATIO, 1, 2, 2),
        KpiAggregate(Aggregate.RATIO, 1, 1, 1),
    ]
    assert [str(r.sample_size) for r in results] == ["2", "1"]
