"""Pauses merged once per source give exactly the clock's own "elapsed minus pauses"."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_fixtures import OFFICE_KR, _clock, kst

from servicepact.engine.kpis.tickets import (
    deadline_with_merged_pauses,
    elapsed_minus_merged_pauses,
    merge_pauses,
)

T0 = int(kst(2026, 3, 2).timestamp())
WEEK = 7 * 24 * 3600

intervals = st.tuples(st.integers(0, WEEK), st.integers(0, 2 * 24 * 3600))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(intervals, st.lists(intervals, max_size=4)), min_size=1, max_size=12))
def test_elapsed_minus_merged_pauses_agrees_with_the_clock(rows: list) -> None:  # type: ignore[type-arg]
    clock = _clock(OFFICE_KR)
    start = np.array([T0 + s for (s, _), _ in rows], dtype=np.int64)
    end = np.array([T0 + s + d for (s, d), _ in rows], dtype=np.int64)
    pause_row, pause_start, pause_end = [], [], []
    for i, (_, pauses) in enumerate(rows):
        for s, d in pauses:
            pause_row.append(i)
            pause_start.append(T0 + s)
            pause_end.append(T0 + s + d)
    pauses = (
        np.array(pause_row, dtype=np.int64),
        np.array(pause_start, dtype=np.int64),
        np.array(pause_end, dtype=np.int64),
    )
    expected = clock.elapsed_minus_pauses(start, end, *pauses)
    assert np.array_equal(
        elapsed_minus_merged_pauses(clock, start, end, merge_pauses(pauses)), expected
    )


def test_merging_joins_overlapping_and_touching_pauses_within_a_row_only() -> None:
    # row 0: [10, 20) and [15, 30) → [10, 30); [30, 40) touches → [10, 40); row 1 keeps [35, 50)
    rows = np.array([0, 0, 0, 1]), np.array([10, 15, 30, 35]), np.array([20, 30, 40, 50])
    merged = merge_pauses(rows)
    assert [a.tolist() for a in merged] == [[0, 1], [10, 35], [40, 50]]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, WEEK), st.integers(0, 30 * 3600), st.lists(intervals, max_size=4)),
        min_size=1,
        max_size=12,
    )
)
def test_deadline_with_merged_pauses_agrees_with_the_clock(rows: list) -> None:  # type: ignore[type-arg]
    clock = _clock(OFFICE_KR)
    start = np.array([T0 + s for s, _, _ in rows], dtype=np.int64)
    target = np.array([t for _, t, _ in rows], dtype=np.int64)
    pause_row, pause_start, pause_end = [], [], []
    for i, (_, _, pauses) in enumerate(rows):
        for s, d in pauses:
            pause_row.append(i)
            pause_start.append(T0 + s)
            pause_end.append(T0 + s + d)
    pauses = (
        np.array(pause_row, dtype=np.int64),
        np.array(pause_start, dtype=np.int64),
        np.array(pause_end, dtype=np.int64),
    )
    expected = clock.deadline_with_pauses(start, target, *pauses)
    mine = deadline_with_merged_pauses(clock, start, target, merge_pauses(pauses))
    assert np.array_equal(mine, expected)
