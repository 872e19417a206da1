"""Properties of the business-time clock (Hypothesis), and agreement with the slow
day-by-day reference clock on 100,000 random cases."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.domain.calendars import Calendar, HolidayRule
from servicepact.engine.business_time import BusinessClock, pauses_from_lists

sys.path.insert(0, str(Path(__file__).parent))
from business_time_reference import ReferenceClock

CALENDARS: dict[str, Calendar] = {
    "kr-office": Calendar(
        timezone="Asia/Seoul",
        hours={"mon-fri": "09:00-18:00"},
        holidays=HolidayRule(country="KR", add=(date(2026, 11, 25),), remove=(date(2026, 10, 9),)),
    ),
    "kr-split": Calendar(
        timezone="Asia/Seoul",
        hours={"mon-fri": "09:00-12:00,13:00-18:00", "sat": "09:00-13:00"},
        holidays=HolidayRule(country="KR"),
    ),
    "new-york": Calendar(
        timezone="America/New_York",
        # Sunday's odd hours straddle both daylight-saving changes (Sundays in 2026).
        hours={"mon-fri": "09:00-17:00", "sat": "00:00-24:00", "sun": "01:00-02:45,03:00-04:00"},
        holidays=HolidayRule(country="US", subdivision="NY"),
    ),
    "24x7-kr-holidays": Calendar(
        timezone="Asia/Seoul", hours="24x7", holidays=HolidayRule(country="KR")
    ),
    "24x7": Calendar(timezone="Asia/Seoul", hours="24x7"),
}

H = 3600
DAY = 86_400


def _backends() -> list[str]:
    try:
        import numba  # noqa: F401
    except ImportError:
        return ["numpy"]
    return ["numpy", "numba"]


@cache
def clock(name: str, backend: str) -> BusinessClock:
    return BusinessClock.build(CALENDARS[name], 2026, 2027, backend=backend)  # type: ignore[arg-type]


# 2 January 00:00 Z lies inside 2026 in every calendar's zone (New York's year starts
# at 05:00 Z on 1 January).
LO = int(datetime.fromisoformat("2026-01-02T00:00Z").timestamp())
SEOUL_2026 = int(datetime.fromisoformat("2026-01-01T00:00+09:00").timestamp())
# Instants are drawn from 2026 so that deadlines of up to ~ 60 business hours stay in 2027.
HI = int(datetime.fromisoformat("2026-12-31T00:00+09:00").timestamp())
instants = st.integers(min_value=LO, max_value=HI)
calendars = st.sampled_from(sorted(CALENDARS))
backends = st.sampled_from(_backends())
pauses = st.lists(
    st.tuples(st.integers(-2 * DAY, 6 * DAY), st.integers(-H, 3 * DAY)), max_size=5
)  # (offset from the row's start, length); a negative length is a reversed pause


def one(value: int) -> np.ndarray:
    return np.array([value], dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(calendars, backends, instants, instants, instants)
def test_elapsed_is_additive(name: str, backend: str, a: int, b: int, c: int) -> None:
    a, b, c = sorted((a, b, c))
    k = clock(name, backend)
    assert k.working_seconds(a, c) == k.working_seconds(a, b) + k.working_seconds(b, c)


@settings(max_examples=150, deadline=None)
@given(calendars, backends, instants, st.integers(-DAY, 40 * DAY))
def test_elapsed_lies_between_zero_and_wall_time(
    name: str, backend: str, start: int, length: int
) -> None:
    end = max(start + length, LO)
    got = clock(name, backend).working_seconds(start, end)
    assert 0 <= got <= max(end - start, 0)
    if end <= start:
        assert got == 0


@settings(max_examples=200, deadline=None)
@given(backends, st.integers(0, 363), st.integers(18 * H, 33 * H), st.integers(18 * H, 33 * H))
def test_elapsed_is_zero_wholly_outside_hours(backend: str, day: int, x: int, y: int) -> None:
    # In the Seoul office calendar 18:00 to 09:00 the next morning is always closed.
    midnight = SEOUL_2026 + day * DAY
    a, b = sorted((midnight + x, midnight + y))
    assert clock("kr-office", backend).working_seconds(a, b) == 0


@settings(max_examples=150, deadline=None)
@given(calendars, backends, instants, st.integers(0, 60 * H))
def test_the_deadline_is_the_earliest_instant_with_the_business_time(
    name: str, backend: str, start: int, seconds: int
) -> None:
    k = clock(name, backend)
    due = int(k.deadline(one(start), seconds)[0])
    assert due >= start
    assert k.working_seconds(start, due) == seconds
    if due > start:
        assert k.working_seconds(start, due - 1) < seconds


@settings(max_examples=150, deadline=None)
@given(calendars, backends, instants, st.integers(-DAY, 20 * DAY), pauses)
def test_pauses_never_increase_elapsed(
    name: str, backend: str, start: int, length: int, offsets: list[tuple[int, int]]
) -> None:
    end = max(start + length, LO)
    k = clock(name, backend)
    rows, p_start, p_end = pauses_from_lists([[(start + o, start + o + n) for o, n in offsets]])
    paused = int(k.elapsed_minus_pauses(one(start), one(end), rows, p_start, p_end)[0])
    assert 0 <= paused <= k.working_seconds(start, end)


@settings(max_examples=150, deadline=None)
@given(calendars, backends, instants, st.integers(0, 40 * H), pauses)
def test_a_paused_deadline_is_the_earliest_instant_with_the_unpaused_business_time(
    name: str, backend: str, start: int, seconds: int, offsets: list[tuple[int, int]]
) -> None:
    k = clock(name, backend)
    rows, p_start, p_end = pauses_from_lists([[(start + o, start + o + n) for o, n in offsets]])
    due = int(k.deadline_with_pauses(one(start), seconds, rows, p_start, p_end)[0])

    def measured(until: int) -> int:
        return int(k.elapsed_minus_pauses(one(start), one(until), rows, p_start, p_end)[0])

    assert due >= int(k.deadline(one(start), seconds)[0])
    assert measured(due) == seconds
    if due > start:
        assert measured(due - 1) < seconds


def _random_cases(
    rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
    """Starts over 2026, lengths mostly under two days, some long, some reversed."""
    starts = rng.integers(LO, HI, size)
    lengths = np.where(
        rng.random(size) < 0.9, rng.integers(-H, 2 * DAY, size), rng.integers(-DAY, 30 * DAY, size)
    )
    ends = np.maximum(starts + lengths, LO)
    seconds = rng.integers(0, 50 * H, size)
    pause_lists: list[list[tuple[int, int]]] = []
    for start in starts[: size // 5].tolist():
        count = int(rng.integers(0, 4))
        offsets = rng.integers(-DAY, 3 * DAY, count).tolist()
        spans = rng.integers(-H, DAY, count).tolist()
        pause_lists.append(
            [(start + o, start + o + n) for o, n in zip(offsets, spans, strict=True)]
        )
    return starts, ends, seconds, pause_lists


@pytest.mark.slow
@pytest.mark.parametrize("name", ["24x7", "kr-office", "kr-split", "new-york"])
def test_the_kernel_agrees_with_the_day_by_day_reference(name: str) -> None:
    # 4 calendars × 25,000 intervals = 100,000 cases, plus 5,000 paused intervals and
    # 2,500 deadlines each; every installed backend must give the reference's answer.
    rng = np.random.default_rng(sum(map(ord, name)))
    starts, ends, seconds, pause_lists = _random_cases(rng, 25_000)
    reference = ReferenceClock(CALENDARS[name], 2026, 2027)
    expected = [
        reference.elapsed(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    paused_rows = len(pause_lists)
    expected_paused = [
        reference.elapsed_minus_pauses(a, b, p)
        for a, b, p in zip(starts.tolist(), ends.tolist(), pause_lists, strict=False)
    ]
    deadline_rows = 2_500
    expected_due = [
        reference.deadline(a, n, p)
        for a, n, p in zip(
            starts[:deadline_rows].tolist(), seconds.tolist(), pause_lists, strict=False
        )
    ]
    expected_plain_due = [
        reference.deadline(a, n)
        for a, n in zip(starts[:deadline_rows].tolist(), seconds.tolist(), strict=False)
    ]
    rows, p_start, p_end = pauses_from_lists(pause_lists)
    for backend in _backends():
        k = clock(name, backend)
        assert k.elapsed(starts, ends).tolist() == expected
        got_paused = k.elapsed_minus_pauses(
            starts[:paused_rows], ends[:paused_rows], rows, p_start, p_end
        )
        assert got_paused.tolist() == expected_paused
        due_rows = rows < deadline_rows
        got_due = k.deadline_with_pauses(
            starts[:deadline_rows],
            seconds[:deadline_rows],
            rows[due_rows],
            p_start[due_rows],
            p_end[due_rows],
        )
        assert got_due.tolist() == expected_due
        assert k.deadline(starts[:deadline_rows], seconds[:deadline_rows]).tolist() == (
            expected_plain_due
        )


def test_the_numpy_and_numba_kernels_agree_on_many_rows() -> None:
    if len(_backends()) < 2:
        pytest.skip("numba is not installed; only the numpy kernel exists")
    rng = np.random.default_rng(7)
    starts, ends, seconds, _ = _random_cases(rng, 200_000)
    for name in ("kr-office", "new-york"):
        fast, plain = clock(name, "numba"), clock(name, "numpy")
        assert np.array_equal(fast.elapsed(starts, ends), plain.elapsed(starts, ends))
        assert np.array_equal(fast.deadline(starts, seconds), plain.deadline(starts, seconds))
        assert np.array_equal(fast.position(starts), plain.position(starts))


def test_the_reference_walks_local_days_in_the_calendar_zone() -> None:
    # Guard that the reference itself is right on one hand-computed case:
    # Seoul office Fri 2026-11-27 17:00 → Mon 2026-11-30 10:00 is 1 h + 1 h.
    reference = ReferenceClock(CALENDARS["kr-office"], 2026, 2027)
    friday = int(datetime.fromisoformat("2026-11-27T17:00+09:00").timestamp())
    monday = friday + int(timedelta(days=2, hours=17).total_seconds())
    assert reference.elapsed(friday, monday) == 2 * H
