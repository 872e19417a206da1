"""Hand-computed business-time cases; each expected value shows its arithmetic.

Every case runs on the numpy kernel and, when numba is installed, on the compiled
one, which must give the same answer.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

import numpy as np
import pytest

from servicepact.domain.calendars import Calendar, HolidayRule
from servicepact.engine.business_time import BusinessClock, clock_for, pauses_from_lists

H = 3600
M = 60

CALENDARS: dict[str, Calendar] = {
    # Seoul office, Monday to Friday 09:00-18:00 (9 h a day), Korean public holidays.
    "kr": Calendar(
        timezone="Asia/Seoul", hours={"mon-fri": "09:00-18:00"}, holidays=HolidayRule(country="KR")
    ),
    # The same office closing at 17:00 (8 h a day).
    "kr8": Calendar(
        timezone="Asia/Seoul", hours={"mon-fri": "09:00-17:00"}, holidays=HolidayRule(country="KR")
    ),
    # Split shift with a lunch break: 3 h + 5 h = 8 h a day.
    "split": Calendar(
        timezone="Asia/Seoul",
        hours={"mon-fri": "09:00-12:00,13:00-18:00"},
        holidays=HolidayRule(country="KR"),
    ),
    # Korean holidays plus an added Wednesday 2026-11-25, less Hangul Day (Fri 2026-10-09).
    "kr-edited": Calendar(
        timezone="Asia/Seoul",
        hours={"mon-fri": "09:00-18:00"},
        holidays=HolidayRule(country="KR", add=(date(2026, 11, 25),), remove=(date(2026, 10, 9),)),
    ),
    # New York, every day 09:00-17:00, no holidays: shows daylight saving alone.
    "ny-daily": Calendar(timezone="America/New_York", hours={"daily": "09:00-17:00"}),
    # New York office with New York's public holidays.
    "ny": Calendar(
        timezone="America/New_York",
        hours={"mon-fri": "09:00-17:00"},
        holidays=HolidayRule(country="US", subdivision="NY"),
    ),
    # New York, the whole local day every day (a table, not the wall-time fast path).
    "ny-allday": Calendar(
        timezone="America/New_York", hours={"daily": "00:00-24:00"}, holidays=HolidayRule()
    ),
    # New York, Sundays 01:00-03:00 only: the hours that straddle the change itself.
    "ny-change-hours": Calendar(timezone="America/New_York", hours={"sun": "01:00-03:00"}),
    # Night shift crossing midnight, written as two days (calendars.py).
    "night": Calendar(
        timezone="Asia/Seoul",
        hours={
            "mon": "22:00-24:00",
            "tue-fri": "00:00-06:00,22:00-24:00",
            "sat": "00:00-06:00",
        },
    ),
    "24x7": Calendar(timezone="Asia/Seoul", hours="24x7"),
    "24x7-kr": Calendar(timezone="Asia/Seoul", hours="24x7", holidays=HolidayRule(country="KR")),
}


def _backends() -> list[str]:
    try:
        import numba  # noqa: F401
    except ImportError:
        return ["numpy"]
    return ["numpy", "numba"]


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@cache
def clock(name: str, backend: str) -> BusinessClock:
    return BusinessClock.build(CALENDARS[name], 2026, 2027, backend=backend)  # type: ignore[arg-type]


def at(text: str) -> int:
    """ISO 8601 with an offset → epoch seconds."""
    return int(datetime.fromisoformat(text).timestamp())


ELAPSED = [
    pytest.param(
        "kr",
        "2026-11-23T10:00+09:00",
        "2026-11-23T15:30+09:00",
        5 * H + 30 * M,
        id="within one working day it is wall time",
    ),  # Mon 10:00-15:30 = 5 h 30
    pytest.param(
        "kr",
        "2026-11-23T16:00+09:00",
        "2026-11-24T11:00+09:00",
        4 * H,
        id="crossing a night counts the evening and the morning",
    ),  # 2 h Mon + 2 h Tue
    pytest.param(
        "kr",
        "2026-11-23T07:00+09:00",
        "2026-11-23T10:00+09:00",
        1 * H,
        id="a start before opening counts from opening",
    ),  # 09:00-10:00
    pytest.param(
        "kr",
        "2026-11-23T17:00+09:00",
        "2026-11-23T23:00+09:00",
        1 * H,
        id="an end after closing counts to closing",
    ),  # 17:00-18:00
    pytest.param(
        "kr",
        "2026-11-23T19:00+09:00",
        "2026-11-24T08:00+09:00",
        0,
        id="start and end in the same closed night give zero",
    ),
    pytest.param(
        "kr", "2026-11-27T17:00+09:00", "2026-11-30T10:00+09:00", 2 * H, id="a weekend adds nothing"
    ),  # Fri 17-18 (1 h) + Mon 09-10 (1 h)
    pytest.param(
        "kr",
        "2026-11-28T10:00+09:00",
        "2026-11-29T16:00+09:00",
        0,
        id="an interval wholly on a weekend gives zero",
    ),  # Sat 10:00 → Sun 16:00
    pytest.param(
        "kr",
        "2026-11-23T00:00+09:00",
        "2026-11-30T00:00+09:00",
        45 * H,
        id="a full week is five working days",
    ),  # 5 × 9 h
    pytest.param(
        "kr",
        "2026-09-23T17:00+09:00",
        "2026-09-28T10:00+09:00",
        2 * H,
        id="chuseok and the weekend after it are closed",
    ),
    # Wed 17-18 (1 h); Thu 24, Fri 25 (Chuseok eve, Chuseok), Sat 26, Sun 27 closed; Mon 09-10 (1 h)
    pytest.param(
        "kr",
        "2026-10-02T17:00+09:00",
        "2026-10-06T10:00+09:00",
        2 * H,
        id="the substitute holiday for national foundation day is closed",
    ),
    # Fri 17-18 (1 h); Sat 3 Oct (holiday), Sun, Mon 5 Oct (substitute) closed; Tue 09-10 (1 h)
    pytest.param(
        "kr",
        "2026-12-31T17:00+09:00",
        "2027-01-02T12:00+09:00",
        1 * H,
        id="the year end counts only new years eve",
    ),  # Thu 17-18; Fri 1 Jan holiday; Sat
    pytest.param(
        "kr",
        "2026-12-31T09:00+09:00",
        "2027-01-04T18:00+09:00",
        18 * H,
        id="across the year end two working days remain",
    ),  # Thu 9 h + Mon 4 Jan 9 h
    pytest.param(
        "kr",
        "2026-11-23T10:00+09:00",
        "2026-11-23T10:00+09:00",
        0,
        id="a zero length interval gives zero",
    ),
    pytest.param(
        "kr",
        "2026-11-24T10:00+09:00",
        "2026-11-23T10:00+09:00",
        0,
        id="a reversed interval gives zero",
    ),
    pytest.param(
        "kr",
        "2026-11-23T00:00Z",
        "2026-11-23T09:00Z",
        9 * H,
        id="utc input is read in the calendar's zone",
    ),  # 09:00-18:00 KST = 00:00-09:00 Z
    pytest.param(
        "kr-edited",
        "2026-11-24T17:00+09:00",
        "2026-11-26T10:00+09:00",
        2 * H,
        id="an added holiday is closed",
    ),  # Tue 17-18; Wed 25 added holiday; Thu 09-10
    pytest.param(
        "kr",
        "2026-11-24T17:00+09:00",
        "2026-11-26T10:00+09:00",
        11 * H,
        id="without the added holiday the day works",
    ),  # 1 h + 9 h + 1 h
    pytest.param(
        "kr-edited",
        "2026-10-08T17:00+09:00",
        "2026-10-12T10:00+09:00",
        11 * H,
        id="a removed holiday works normally",
    ),  # Thu 1 h + Fri 9 Oct 9 h + Mon 1 h
    pytest.param(
        "kr",
        "2026-10-08T17:00+09:00",
        "2026-10-12T10:00+09:00",
        2 * H,
        id="hangul day is closed unless removed",
    ),  # Thu 1 h + Mon 1 h
    pytest.param(
        "split",
        "2026-11-23T11:00+09:00",
        "2026-11-23T14:00+09:00",
        2 * H,
        id="a split shift skips lunch",
    ),  # 11-12 (1 h) + 13-14 (1 h)
    pytest.param(
        "split",
        "2026-11-23T12:30+09:00",
        "2026-11-23T13:30+09:00",
        30 * M,
        id="a start at lunch counts from the afternoon shift",
    ),  # 13:00-13:30
    pytest.param(
        "split",
        "2026-11-23T12:10+09:00",
        "2026-11-23T12:50+09:00",
        0,
        id="an interval wholly at lunch gives zero",
    ),
    pytest.param(
        "split",
        "2026-11-23T00:00+09:00",
        "2026-11-24T00:00+09:00",
        8 * H,
        id="a split shift day is eight hours",
    ),  # 3 h + 5 h
    pytest.param(
        "ny-daily",
        "2026-03-08T00:00-05:00",
        "2026-03-09T00:00-04:00",
        8 * H,
        id="new york office hours on the spring change day are eight hours",
    ),
    # 09:00 EDT = 13:00 Z to 17:00 EDT = 21:00 Z
    pytest.param(
        "ny-daily",
        "2026-03-07T16:00-05:00",
        "2026-03-08T10:00-04:00",
        2 * H,
        id="across the spring change night two hours count",
    ),
    # Sat 16-17 EST (1 h) + Sun 09-10 EDT (1 h); the wall time between is 17 h (21:00 Z → 14:00 Z)
    pytest.param(
        "ny-daily",
        "2026-10-31T16:00-04:00",
        "2026-11-01T10:00-05:00",
        2 * H,
        id="across the autumn change night two hours count",
    ),
    # Sat 16-17 EDT (1 h) + Sun 09-10 EST (1 h); wall time between is 19 h (20:00 Z → 15:00 Z)
    pytest.param(
        "ny-allday",
        "2026-03-08T00:00-05:00",
        "2026-03-09T00:00-04:00",
        23 * H,
        id="the whole spring change day is twenty three hours",
    ),  # 05:00 Z → 04:00 Z
    pytest.param(
        "ny-allday",
        "2026-11-01T00:00-04:00",
        "2026-11-02T00:00-05:00",
        25 * H,
        id="the whole autumn change day is twenty five hours",
    ),  # 04:00 Z → 05:00 Z
    pytest.param(
        "ny-change-hours",
        "2026-03-08T00:00-05:00",
        "2026-03-09T00:00-04:00",
        1 * H,
        id="wall hours one to three on the spring change day are one real hour",
    ),
    # 01:00 EST = 06:00 Z; 03:00 EDT = 07:00 Z (02:00-03:00 does not exist)
    pytest.param(
        "ny-change-hours",
        "2026-11-01T00:00-04:00",
        "2026-11-02T00:00-05:00",
        3 * H,
        id="wall hours one to three on the autumn change day are three real hours",
    ),
    # 01:00 EDT (first occurrence, fold=0) = 05:00 Z; 03:00 EST = 08:00 Z
    pytest.param(
        "ny",
        "2026-11-25T16:00-05:00",
        "2026-11-27T10:00-05:00",
        2 * H,
        id="thanksgiving is closed in new york",
    ),  # Wed 16-17 + Thu closed + Fri 09-10
    pytest.param(
        "night",
        "2026-11-23T23:00+09:00",
        "2026-11-24T05:00+09:00",
        6 * H,
        id="a night shift runs through midnight",
    ),  # Mon 23-24 (1 h) + Tue 00-05 (5 h)
    pytest.param(
        "night",
        "2026-11-24T06:00+09:00",
        "2026-11-24T22:00+09:00",
        0,
        id="a night shift is closed during the day",
    ),
    pytest.param(
        "24x7",
        "2026-09-24T00:00+09:00",
        "2026-09-26T00:00+09:00",
        48 * H,
        id="a 24x7 calendar without holidays is wall time even on chuseok",
    ),
    pytest.param(
        "24x7-kr",
        "2026-09-23T12:00+09:00",
        "2026-09-28T00:00+09:00",
        36 * H,
        id="a 24x7 calendar with holidays closes whole holidays",
    ),
    # Wed 12-24 (12 h); Thu, Fri, Sat holidays; Sun 27 (24 h): weekends work in 24x7
]


@pytest.mark.parametrize(("calendar", "start", "end", "expected"), ELAPSED)
def test_elapsed_business_seconds_match_the_hand_computed_value(
    backend: str, calendar: str, start: str, end: str, expected: int
) -> None:
    got = clock(calendar, backend).elapsed(np.array([at(start)]), np.array([at(end)]))
    assert got.dtype == np.int64
    assert got.tolist() == [expected]


def test_all_cases_at_once_give_the_same_answers_as_one_by_one(backend: str) -> None:
    kr = [p.values for p in ELAPSED if p.values[0] == "kr"]
    starts = np.array([at(str(v[1])) for v in kr])
    ends = np.array([at(str(v[2])) for v in kr])
    assert clock("kr", backend).elapsed(starts, ends).tolist() == [v[3] for v in kr]


def test_working_seconds_is_the_scalar_form(backend: str) -> None:
    # Mon 16:00 → Tue 11:00 = 2 h + 2 h
    kr = clock("kr", backend)
    assert kr.working_seconds(at("2026-11-23T16:00+09:00"), at("2026-11-24T11:00+09:00")) == 4 * H


PAUSED = [
    pytest.param(
        "2026-11-23T10:00+09:00",
        "2026-11-23T15:00+09:00",
        [("2026-11-23T11:00+09:00", "2026-11-23T12:00+09:00")],
        4 * H,
        id="a pause in working time is subtracted",
    ),  # 5 h - 1 h
    pytest.param(
        "2026-11-23T16:00+09:00",
        "2026-11-24T12:00+09:00",
        [("2026-11-23T17:00+09:00", "2026-11-24T10:00+09:00")],
        3 * H,
        id="a pause over closed hours subtracts only its working part",
    ),
    # 2 h Mon + 3 h Tue = 5 h; pause covers Mon 17-18 (1 h) + Tue 09-10 (1 h) → 5 - 2 = 3 h
    pytest.param(
        "2026-11-23T09:00+09:00",
        "2026-11-23T18:00+09:00",
        [
            ("2026-11-23T10:00+09:00", "2026-11-23T12:00+09:00"),
            ("2026-11-23T11:00+09:00", "2026-11-23T13:00+09:00"),
        ],
        6 * H,
        id="overlapping pauses are merged before subtracting",
    ),
    # union 10:00-13:00 = 3 h (not 2 h + 2 h = 4 h) → 9 - 3 = 6 h
    pytest.param(
        "2026-11-23T16:00+09:00",
        "2026-11-24T12:00+09:00",
        [("2026-11-23T19:00+09:00", "2026-11-24T08:00+09:00")],
        5 * H,
        id="a pause wholly in closed hours changes nothing",
    ),  # 2 h + 3 h
    pytest.param(
        "2026-11-23T10:00+09:00",
        "2026-11-23T12:00+09:00",
        [("2026-11-23T08:00+09:00", "2026-11-23T11:00+09:00")],
        1 * H,
        id="a pause is clipped to the measured interval",
    ),  # 2 h - (10-11) 1 h
    pytest.param(
        "2026-11-23T10:00+09:00",
        "2026-11-23T12:00+09:00",
        [("2026-11-23T11:30+09:00", "2026-11-23T11:00+09:00")],
        2 * H,
        id="a reversed pause is empty",
    ),
    pytest.param(
        "2026-11-23T09:00+09:00",
        "2026-11-23T18:00+09:00",
        [
            ("2026-11-23T10:00+09:00", "2026-11-23T14:00+09:00"),
            ("2026-11-23T11:00+09:00", "2026-11-23T12:00+09:00"),
            ("2026-11-23T10:00+09:00", "2026-11-23T14:00+09:00"),
        ],
        5 * H,
        id="nested and repeated pauses count once",
    ),  # 9 h - (10-14) 4 h
    pytest.param(
        "2026-11-23T09:00+09:00",
        "2026-11-23T18:00+09:00",
        [
            ("2026-11-23T10:00+09:00", "2026-11-23T11:00+09:00"),
            ("2026-11-23T11:00+09:00", "2026-11-23T12:00+09:00"),
        ],
        7 * H,
        id="touching pauses join",
    ),  # 9 h - 2 h
    pytest.param(
        "2026-11-24T10:00+09:00",
        "2026-11-23T10:00+09:00",
        [("2026-11-23T11:00+09:00", "2026-11-23T12:00+09:00")],
        0,
        id="a reversed interval with pauses gives zero",
    ),
]


@pytest.mark.parametrize(("start", "end", "pauses", "expected"), PAUSED)
def test_elapsed_minus_pauses_matches_the_hand_computed_value(
    backend: str, start: str, end: str, pauses: list[tuple[str, str]], expected: int
) -> None:
    rows, p_start, p_end = pauses_from_lists([[(at(a), at(b)) for a, b in pauses]])
    got = clock("kr", backend).elapsed_minus_pauses(
        np.array([at(start)]), np.array([at(end)]), rows, p_start, p_end
    )
    assert got.tolist() == [expected]


def test_pauses_of_many_rows_may_come_in_any_order(backend: str) -> None:
    # Row 0: Mon 09-18 (9 h) less 10-11 → 8 h.  Row 1: Mon 09-18 less 12-14 → 7 h.
    # Row 2: no pauses → 9 h.
    day_start, day_end = at("2026-11-23T09:00+09:00"), at("2026-11-23T18:00+09:00")
    starts = np.array([day_start] * 3)
    ends = np.array([day_end] * 3)
    pause_row = np.array([1, 0, 1])
    pause_start = np.array([at("2026-11-23T13:00+09:00"), day_start + H, day_start + 3 * H])
    pause_end = np.array([at("2026-11-23T14:00+09:00"), day_start + 2 * H, day_start + 4 * H])
    got = clock("kr", backend).elapsed_minus_pauses(starts, ends, pause_row, pause_start, pause_end)
    assert got.tolist() == [8 * H, 7 * H, 9 * H]


DEADLINES = [
    pytest.param(
        "kr8",
        "2026-11-27T16:00+09:00",
        4 * H,
        "2026-11-30T12:00+09:00",
        id="four hours from friday four pm are due monday noon",
    ),
    # 09:00-17:00: Fri 16-17 (1 h), weekend, Mon 09-12 (3 h)
    pytest.param(
        "kr",
        "2026-09-23T16:00+09:00",
        4 * H,
        "2026-09-28T11:00+09:00",
        id="a deadline from chuseok eve skips the holidays",
    ),
    # Wed 16-18 (2 h); Thu-Sun closed; Mon 09-11 (2 h)
    pytest.param(
        "kr",
        "2026-11-23T09:00+09:00",
        9 * H,
        "2026-11-23T18:00+09:00",
        id="a deadline at closing is closing time not the next morning",
    ),
    pytest.param(
        "kr",
        "2026-11-23T20:00+09:00",
        1 * H,
        "2026-11-24T10:00+09:00",
        id="a deadline from closed hours starts at the next opening",
    ),
    pytest.param(
        "kr",
        "2026-11-28T10:00+09:00",
        0,
        "2026-11-28T10:00+09:00",
        id="zero business seconds are due at the start even when closed",
    ),
    pytest.param(
        "kr",
        "2026-12-31T17:00+09:00",
        2 * H,
        "2027-01-04T10:00+09:00",
        id="a deadline across the year end skips new years day and the weekend",
    ),
    # Thu 31 Dec 17-18 (1 h); Fri 1 Jan holiday; Sat, Sun; Mon 4 Jan 09-10 (1 h)
    pytest.param(
        "split",
        "2026-11-23T11:00+09:00",
        2 * H,
        "2026-11-23T14:00+09:00",
        id="a deadline in a split shift skips lunch",
    ),  # 11-12 (1 h) + 13-14 (1 h)
    pytest.param(
        "ny",
        "2026-03-06T16:00-05:00",
        2 * H,
        "2026-03-09T10:00-04:00",
        id="a new york deadline across the spring change",
    ),
    # Fri 16-17 EST (1 h); Mon 09-10 EDT (1 h) = 14:00 Z
    pytest.param(
        "kr-edited",
        "2026-11-24T17:00+09:00",
        2 * H,
        "2026-11-26T10:00+09:00",
        id="a deadline skips an added holiday",
    ),  # Tue 17-18; Wed closed; Thu 09-10
    pytest.param(
        "24x7",
        "2026-09-24T10:00+09:00",
        50 * H,
        "2026-09-26T12:00+09:00",
        id="a 24x7 deadline is wall time",
    ),  # 10:00 + 50 h = two days and 2 h later
]


@pytest.mark.parametrize(("calendar", "start", "seconds", "expected"), DEADLINES)
def test_deadline_matches_the_hand_computed_instant(
    backend: str, calendar: str, start: str, seconds: int, expected: str
) -> None:
    got = clock(calendar, backend).deadline(np.array([at(start)]), seconds)
    assert got.tolist() == [at(expected)]


PAUSED_DEADLINES = [
    pytest.param(
        "2026-11-23T16:00+09:00",
        4 * H,
        [("2026-11-23T17:00+09:00", "2026-11-24T10:00+09:00")],
        "2026-11-24T13:00+09:00",
        id="a pause over the night moves the deadline past its end",
    ),
    # Mon 16-17 (1 h), paused to Tue 10:00, then 10-13 (3 h)
    pytest.param(
        "2026-11-23T09:00+09:00",
        1 * H,
        [("2026-11-23T09:00+09:00", "2026-11-23T11:00+09:00")],
        "2026-11-23T12:00+09:00",
        id="a pause at the start delays the clock",
    ),  # paused 09-11, then 11-12
    pytest.param(
        "2026-11-23T09:00+09:00",
        1 * H,
        [("2026-11-23T15:00+09:00", "2026-11-23T16:00+09:00")],
        "2026-11-23T10:00+09:00",
        id="a pause after the deadline does not move it",
    ),
    pytest.param(
        "2026-11-23T09:00+09:00",
        2 * H,
        [
            ("2026-11-23T10:00+09:00", "2026-11-23T12:00+09:00"),
            ("2026-11-23T11:00+09:00", "2026-11-23T13:00+09:00"),
        ],
        "2026-11-23T14:00+09:00",
        id="overlapping pauses delay a deadline once",
    ),
    # 09-10 (1 h); paused 10-13 (union); 13-14 (1 h)
    pytest.param(
        "2026-11-23T09:00+09:00",
        1 * H,
        [("2026-11-23T07:00+09:00", "2026-11-23T09:30+09:00")],
        "2026-11-23T10:30+09:00",
        id="only the part of a pause after the start counts",
    ),  # paused 09-09:30
    pytest.param(
        "2026-11-23T09:00+09:00",
        1 * H,
        [("2026-11-23T10:00+09:00", "2026-11-23T11:00+09:00")],
        "2026-11-23T10:00+09:00",
        id="a pause starting at the deadline does not move it",
    ),
]


@pytest.mark.parametrize(("start", "seconds", "pauses", "expected"), PAUSED_DEADLINES)
def test_deadline_with_pauses_matches_the_hand_computed_instant(
    backend: str, start: str, seconds: int, pauses: list[tuple[str, str]], expected: str
) -> None:
    rows, p_start, p_end = pauses_from_lists([[(at(a), at(b)) for a, b in pauses]])
    got = clock("kr", backend).deadline_with_pauses(
        np.array([at(start)]), seconds, rows, p_start, p_end
    )
    assert got.tolist() == [at(expected)]


def test_a_time_before_the_first_year_is_refused(backend: str) -> None:
    with pytest.raises(ValueError, match=r"outside the years this clock was built for \(2026-2027"):
        clock("kr", backend).elapsed(
            np.array([at("2025-12-31T23:59+09:00")]), np.array([at("2026-01-05T10:00+09:00")])
        )


def test_a_time_after_the_last_year_is_refused(backend: str) -> None:
    with pytest.raises(ValueError, match="outside the years"):
        clock("kr", backend).elapsed(
            np.array([at("2027-12-30T10:00+09:00")]), np.array([at("2028-01-03T10:00+09:00")])
        )


def test_a_deadline_past_the_last_year_is_refused(backend: str) -> None:
    # 2027-12-31 is a Friday; 10 h from 17:00 needs working days of 2028.
    with pytest.raises(ValueError, match="row 0 falls after the end of 2027"):
        clock("kr", backend).deadline(np.array([at("2027-12-31T17:00+09:00")]), 10 * H)


def test_negative_business_seconds_are_refused(backend: str) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        clock("kr", backend).deadline(np.array([at("2026-11-23T09:00+09:00")]), -1)


def test_a_24x7_calendar_without_holidays_is_wall_time_in_any_year() -> None:
    wall = BusinessClock.build(CALENDARS["24x7"], 2026, 2026)
    assert wall.backend == "wall"
    # 1999-12-31 23:00 Z → 2000-01-01 01:00 Z = 2 h, far outside 2026
    assert wall.working_seconds(at("1999-12-31T23:00Z"), at("2000-01-01T01:00Z")) == 2 * H


def test_hours_straddling_the_spring_gap_count_each_instant_once(backend: str) -> None:
    # Sunday 2026-03-08 in New York, clocks jump from 02:00 EST to 03:00 EDT.
    # 01:00-02:45: 01:00 EST = 06:00 Z; 02:45 does not exist, read as EST = 07:45 Z.
    # 03:00-04:00: 03:00 EDT = 07:00 Z; 04:00 EDT = 08:00 Z.
    # The union 06:00-08:00 Z is 2 h, not 1 h 45 + 1 h = 2 h 45.
    calendar = Calendar(timezone="America/New_York", hours={"sun": "01:00-02:45,03:00-04:00"})
    ny = BusinessClock.build(calendar, 2026, 2026, backend=backend)  # type: ignore[arg-type]
    day = ny.working_seconds(at("2026-03-08T00:00-05:00"), at("2026-03-09T00:00-04:00"))
    assert day == 2 * H


def test_clock_for_picks_the_years_of_the_data_in_local_time() -> None:
    # 2026-12-31T20:00Z is already 2027-01-01 05:00 in Seoul: the clock must reach 2027,
    # and one more year for deadlines.
    made = clock_for(
        CALENDARS["kr"], np.array([at("2026-03-02T00:00Z")]), np.array([at("2026-12-31T20:00Z")])
    )
    assert (made.first_year, made.last_year) == (2026, 2028)


def test_without_numba_the_numpy_kernel_answers_and_asking_for_numba_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicepact.engine import business_time

    monkeypatch.setattr(business_time, "_numba_kernels", lambda: None)
    assert BusinessClock.build(CALENDARS["kr"], 2026, 2026).backend == "numpy"
    with pytest.raises(ValueError, match="needs numba"):
        BusinessClock.build(CALENDARS["kr"], 2026, 2026, backend="numba")


def test_empty_columns_give_empty_answers(backend: str) -> None:
    kr = clock("kr", backend)
    empty = np.zeros(0, dtype=np.int64)
    assert kr.elapsed(empty, empty).tolist() == []
    assert kr.deadline(empty, 3600).tolist() == []
    assert kr.elapsed_minus_pauses(empty, empty, empty, empty, empty).tolist() == []


def test_datetime64_columns_are_read_as_epoch_seconds(backend: str) -> None:
    # 2026-11-23 00:00:00.900 Z is 09:00:00.9 in Seoul, floored to 09:00:00; to 02:00 Z
    # (11:00) that is 2 h.
    start = np.array(["2026-11-23T00:00:00.900"], dtype="datetime64[ms]")
    end = np.array(["2026-11-23T02:00:00"], dtype="datetime64[s]")
    assert clock("kr", backend).elapsed(start, end).tolist() == [2 * H]


def test_a_missing_time_is_refused_not_guessed(backend: str) -> None:
    start = np.array(["NaT"], dtype="datetime64[s]")
    end = np.array(["2026-11-23T02:00:00"], dtype="datetime64[s]")
    with pytest.raises(ValueError, match="missing time"):
        clock("kr", backend).elapsed(start, end)


def test_columns_of_different_lengths_are_refused(backend: str) -> None:
    with pytest.raises(ValueError, match="start has 2 values but end has 1"):
        clock("kr", backend).elapsed(np.array([1, 2]) + LO_2026, np.array([3]) + LO_2026)


def test_a_pause_of_a_row_that_does_not_exist_is_refused(backend: str) -> None:
    one = np.array([at("2026-11-23T09:00+09:00")])
    with pytest.raises(ValueError, match="pause_row must index the 1 rows"):
        clock("kr", backend).elapsed_minus_pauses(one, one + H, np.array([1]), one, one + H)


def test_business_seconds_given_per_row_must_match_the_rows(backend: str) -> None:
    one = np.array([at("2026-11-23T09:00+09:00")])
    with pytest.raises(ValueError, match="2 values for 1 starts"):
        clock("kr", backend).deadline(one, np.array([H, H]))


def test_clock_for_needs_some_data_to_choose_years() -> None:
    with pytest.raises(ValueError, match="no times to choose"):
        clock_for(CALENDARS["kr"], np.zeros(0, dtype=np.int64))


LO_2026 = at("2026-01-05T00:00+09:00")
