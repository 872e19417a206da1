"""The small pieces every KPI is built from, each with values worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest

from servicepact.domain.calendars import Calendar
from servicepact.domain.errors import InvalidInput
from servicepact.domain.kpis import Aggregate, get_kpi
from servicepact.engine.business_time import BusinessClock
from servicepact.engine.kpis import base
from servicepact.engine.kpis.base import (
    KpiAggregate,
    KpiContext,
    Outcomes,
    aggregate_outcomes,
    decimals_scaled,
    dictionary_codes,
    local_date_of,
    local_midnight_us,
    rank_lookup,
    timestamps_us,
    whole_seconds,
    window_index,
    window_lookup,
)

QUARTER_HOUR = 15 * 60 * 1_000_000


def ints(*values: int) -> np.ndarray:  # type: ignore[type-arg]
    return np.array(values, dtype=np.int64)


def test_a_ratio_a_mean_and_a_count_read_their_sums_exactly() -> None:
    ratio = KpiAggregate(Aggregate.RATIO, numerator=19, denominator=20, sample_size=20)
    assert (ratio.value, ratio.exact_numerator) == (Fraction(19, 20), 19)
    # A mean in seconds stored in microseconds: Σ 3,500,000 µs over 2 events → 1.75 s.
    mean = KpiAggregate(
        Aggregate.MEAN, numerator=3_500_000, denominator=2, sample_size=2, scale=1_000_000
    )
    assert (mean.value, mean.exact_numerator) == (Fraction(7, 4), Fraction(7, 2))
    count = KpiAggregate(Aggregate.COUNT, numerator=7, denominator=0, sample_size=7)
    assert count.value == 7
    empty = KpiAggregate(Aggregate.RATIO, numerator=0, denominator=0, sample_size=0)
    assert empty.value is None


def test_windows_on_odd_bounds_are_found_by_search_and_apart_one_by_one() -> None:
    anchors = ints(-1, 0, 999, 1000, 2499, 2500)
    # Following each other, but not on quarter-hours: binary search.
    assert window_index(anchors, [(0, 1000), (1000, 2500)]).tolist() == [-1, 0, 0, 1, 1, -1]
    assert window_lookup([(0, 1000), (1000, 2500)]) is None
    # With a gap: each window tested in turn.
    assert window_index(ints(5, 15, 25, 30), [(0, 10), (20, 30)]).tolist() == [0, -1, 1, -1]
    assert window_lookup([(0, 10), (20, 30)]) is None
    assert window_index(anchors, []).tolist() == [-1] * 6
    assert window_lookup([]) is None


def test_windows_on_quarter_hours_use_a_look_up_table() -> None:
    q = QUARTER_HOUR
    first, step, table = window_lookup([(0, 2 * q), (2 * q, 3 * q)])  # type: ignore[misc]
    assert (first, step, table.tolist()) == (0, q, [0, 0, 1])
    anchors = ints(-1, 0, 2 * q - 1, 2 * q, 3 * q - 1, 3 * q)
    assert window_index(anchors, [(0, 2 * q), (2 * q, 3 * q)]).tolist() == [-1, 0, 0, 1, 1, -1]


def test_ascending_bounds_on_quarter_hours_are_counted_by_a_table() -> None:
    q = QUARTER_HOUR
    # bounds at 0, 0, q and 3q: grid points 0, q, 2q have 2, 3, 3 bounds at or before them
    first, table = rank_lookup(ints(0, 0, q, 3 * q))  # type: ignore[misc]
    assert (first, table.tolist()) == (0, [2, 3, 3])
    # an instant past the table has all four bounds at or before it (the kernel's rule)
    assert rank_lookup(ints(q, 2 * q + 1)) is None  # off the grid
    assert rank_lookup(ints(2 * q, q)) is None  # descending
    assert rank_lookup(ints()) is None


def test_overlapping_windows_each_count_their_own_events() -> None:
    outcomes = Outcomes(anchor=ints(1, 5, 9), numerator=ints(1, 0, 1), denominator=ints(1, 1, 1))
    first, second = aggregate_outcomes(outcomes, [(0, 6), (4, 10)], Aggregate.RATIO)
    assert (first.numerator, first.denominator, first.sample_size) == (1, 2, 2)  # events 1, 5
    assert (second.numerator, second.denominator, second.sample_size) == (1, 2, 2)  # 5, 9
    assert aggregate_outcomes(outcomes, [], Aggregate.RATIO) == []


def test_sums_too_large_for_a_float_are_still_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2**52 + 1 twice: a float sum would lose the ones; the exact sum is 2**53 + 2.
    monkeypatch.setattr(base, "_KERNELS", None)  # the numpy path, whatever is installed
    big = 2**52 + 1
    outcomes = Outcomes(
        anchor=ints(1, 2, 3), numerator=ints(big, big, 0), denominator=ints(1, 1, 1)
    )
    [result] = aggregate_outcomes(outcomes, [(0, 10)], Aggregate.MEAN)
    assert (result.numerator, result.denominator) == (2**53 + 2, 3)
    # No events at all in a window: zeros, not an error.
    none = Outcomes(anchor=ints(), numerator=ints(), denominator=ints())
    [zero] = aggregate_outcomes(none, [(0, 10)], Aggregate.RATIO)
    assert (zero.numerator, zero.denominator, zero.sample_size) == (0, 0, 0)


def test_the_compiled_sums_step_aside_for_values_near_the_int64_limit() -> None:
    huge = 2**61
    outcomes = Outcomes(anchor=ints(0, 1), numerator=ints(huge, huge), denominator=ints(1, 1))
    assert base._compiled_sums(outcomes, [(0, QUARTER_HOUR)]) is None
    [result] = aggregate_outcomes(outcomes, [(0, QUARTER_HOUR)], Aggregate.MEAN)
    assert result.numerator == 2**62


def test_reading_columns_of_other_units_and_encodings() -> None:
    ms = pa.array([1_000, None], pa.timestamp("ms", tz="UTC"))
    values, valid = timestamps_us(pa.table({"at": ms}), "at")
    assert (values.tolist(), valid.tolist()) == ([1_000_000, 0], [True, False])
    with pytest.raises(InvalidInput) as missing:
        timestamps_us(pa.table({"at": ms}), "when")
    assert missing.value.problems[0].where == "when"
    categories = pa.array(["b", "a", None, "b"]).dictionary_encode()
    codes, distinct = dictionary_codes(pa.table({"c": categories}), "c")
    assert (codes.tolist(), distinct) == ([0, 1, -1, 0], ["b", "a"])
    no_chunks = pa.table({"c": pa.chunked_array([], pa.string())})
    codes, distinct = dictionary_codes(no_chunks, "c")
    assert (codes.tolist(), distinct) == ([], [])


def test_a_decimal_beyond_64_bits_is_refused_not_wrapped() -> None:
    fits = pa.array([Decimal("12.345678"), None], pa.decimal128(18, 6))
    values, valid = decimals_scaled(pa.table({"d": fits}), "d")
    assert (values.tolist(), valid.tolist()) == ([12_345_678, 0], [True, False])
    too_big = pa.array([Decimal(2**64)], pa.decimal128(38, 0))
    with pytest.raises(ValueError, match="d: a decimal is too large to sum exactly in 64 bits"):
        decimals_scaled(pa.table({"d": too_big}), "d")


def test_local_midnight_and_local_date_in_seoul() -> None:
    # Seoul is UTC+9 all year: 2026-03-10 00:00 KST = 2026-03-09 15:00 UTC.
    midnight = local_midnight_us(date(2026, 3, 10), "Asia/Seoul")
    assert midnight == int(datetime(2026, 3, 9, 15, tzinfo=UTC).timestamp()) * 1_000_000
    assert local_date_of(midnight, "Asia/Seoul") == date(2026, 3, 10)
    assert local_date_of(midnight - 1, "Asia/Seoul") == date(2026, 3, 9)


def test_target_hours_become_whole_seconds_rounded_half_up() -> None:
    assert whole_seconds(4) == 14_400
    assert whole_seconds("0.5") == 1_800
    assert whole_seconds("0.0001") == 0  # 0.36 s → 0
    assert whole_seconds("0.000139") == 1  # 0.5004 s → 1
    assert whole_seconds(Fraction(1, 7200)) == 1  # exactly half a second → 1
    assert whole_seconds(Fraction(3, 7200)) == 2  # 1.5 s → 2


def test_a_business_time_kpi_without_a_calendar_is_refused() -> None:
    ctx = KpiContext(definition=get_kpi("resolved_within"), params={"hours": 4}, timezone="UTC")
    with pytest.raises(InvalidInput) as refused:
        ctx.require_clock()
    assert refused.value.problems[0].message == (
        "resolved_within measures business time: name a calendar"
    )
    assert refused.value.problems[0].where == "calendar"
    # a clock alone, without its calendar, is refused the same way
    clock_only = replace(
        ctx, clock=BusinessClock.build(Calendar(timezone="Asia/Seoul", hours="24x7"), 2026, 2026)
    )
    with pytest.raises(InvalidInput, match="name a calendar"):
        clock_only.require_clock()
    assert ctx.param("hours") == 4
    assert ctx.param("party") is None  # declared, no default
    assert ctx.param("nonsense") is None


def test_a_missing_column_is_named_with_a_full_sentence() -> None:
    with pytest.raises(InvalidInput) as refused:
        base.timestamps_us(pa.table({"id": ["t1"]}), "resolved_at")
    [problem] = refused.value.problems
    assert (problem.where, problem.message) == ("resolved_at", "the events have no such column")
