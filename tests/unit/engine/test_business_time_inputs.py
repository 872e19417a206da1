"""What the business clock accepts as input, and how it refuses the rest (by name)."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime

import numpy as np
import pytest

from servicepact.domain.calendars import Calendar, HolidayRule
from servicepact.engine.business_time import BusinessClock, clock_for

OFFICE = Calendar(
    timezone="Asia/Seoul",
    hours={"mon-fri": "09:00-18:00"},
    holidays=HolidayRule(country="KR"),
)


def kst(*parts: int) -> int:
    """Epoch seconds of a Seoul wall time (UTC+9 all year)."""
    return int(datetime(*parts, tzinfo=UTC).timestamp()) - 9 * 3600


@pytest.fixture(scope="module")
def office() -> BusinessClock:
    return BusinessClock.build(OFFICE, 2026, 2026, backend="numpy")


def test_times_may_come_as_datetime64_or_narrower_integers(office: BusinessClock) -> None:
    # Tue 2026-03-10 09:00 to 10:30 KST = 00:00 to 01:30 UTC: 5,400 business seconds.
    start = np.array(["2026-03-10T00:00:00.750"], dtype="datetime64[ms]")  # 0.75 s dropped
    end = np.array(["2026-03-10T01:30:00"], dtype="datetime64[s]")
    assert office.elapsed(start, end).tolist() == [5_400]
    unsigned = np.array([kst(2026, 3, 10, 9)], dtype=np.int64).astype(np.uint64)
    assert office.elapsed(unsigned, np.array([kst(2026, 3, 10, 10)])).tolist() == [3_600]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (np.array([[0]]), "start must be a one-dimensional array of epoch seconds"),
        (
            np.array(["NaT"], dtype="datetime64[s]"),
            "start holds a missing time (NaT); drop or fill it first",
        ),
        (np.array([1.5]), "start must hold whole epoch seconds (int64), got float64"),
    ],
)
def test_malformed_times_are_refused_by_name(
    office: BusinessClock,
    start: np.ndarray,
    message: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        office.elapsed(start, np.array([kst(2026, 3, 10, 10)]))
    assert str(refused.value) == message


def test_building_a_clock_checks_its_years() -> None:
    with pytest.raises(ValueError, match="last_year 2025 is before first_year 2026"):
        BusinessClock.build(OFFICE, 2026, 2025)
    with pytest.raises(ValueError, match="a clock's years must lie between 1900 and 9998"):
        BusinessClock.build(OFFICE, 1899, 2026)
    with pytest.raises(ValueError, match="a clock's years must lie between 1900 and 9998"):
        BusinessClock.build(OFFICE, 2026, 9999)


def test_a_clock_knows_the_span_of_its_table(office: BusinessClock) -> None:
    assert office.valid_from is not None
    assert office.valid_until is not None
    assert office.valid_from <= kst(2026, 1, 1) < kst(2027, 1, 1) <= office.valid_until
    wall = BusinessClock.build(Calendar(timezone="Asia/Seoul", hours="24x7"), 2026, 2026)
    assert (wall.backend, wall.valid_from, wall.valid_until) == ("wall", None, None)


def test_business_seconds_must_be_whole_and_pauses_must_line_up(office: BusinessClock) -> None:
    start = np.array([kst(2026, 3, 10, 9)])
    with pytest.raises(ValueError, match=r"business_seconds must be whole seconds \(integers\)"):
        office.deadline(start, np.array([1.5]))
    assert office.deadline(start, 3_600).tolist() == [kst(2026, 3, 10, 10)]
    end = np.array([kst(2026, 3, 10, 12)])
    with pytest.raises(ValueError, match="pause_row, pause_start and pause_end must have"):
        office.elapsed_minus_pauses(start, end, np.array([0]), np.array([]), np.array([]))
    with pytest.raises(ValueError, match=r"pause_row must index the 1 rows \(0 to 0\)"):
        office.elapsed_minus_pauses(
            start,
            end,
            np.array([1]),
            np.array([kst(2026, 3, 10, 10)]),
            np.array([kst(2026, 3, 10, 11)]),
        )
    # The same pause on row 0: 3 business hours less the paused hour = 7,200 s.
    paused = office.elapsed_minus_pauses(
        start,
        end,
        np.array([0]),
        np.array([kst(2026, 3, 10, 10)]),
        np.array([kst(2026, 3, 10, 11)]),
    )
    assert paused.tolist() == [7_200]


def test_a_clock_for_the_data_reads_its_years_in_the_calendars_zone() -> None:
    # 2025-12-31 15:00 UTC is already 2026-01-01 00:00 in Seoul: the clock starts in 2026,
    # and runs one year past the last time (years_after=1).
    new_year = int(datetime(2025, 12, 31, 15, tzinfo=UTC).timestamp())
    clock = clock_for(OFFICE, np.array([new_year]), np.array([kst(2026, 6, 1, 9)]))
    assert (clock.first_year, clock.last_year) == (2026, 2027)
    assert clock.backend == BusinessClock.build(OFFICE, 2026, 2027).backend  # "auto" both
    assert clock_for(OFFICE, np.array([new_year]), backend="numpy").backend == "numpy"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            np.array([], dtype=np.int64),
            None,
            "no times to choose the clock's years from; use BusinessClock.build",
        ),
        (np.array([[0]]), None, "start must be a one-dimensional array of epoch seconds"),
        (np.array([0]), np.array([[0]]), "end must be a one-dimensional array of epoch seconds"),
    ],
)
def test_a_clock_for_the_data_refuses_what_gives_it_no_years(
    start: np.ndarray,  # type: ignore[type-arg]
    end: np.ndarray | None,  # type: ignore[type-arg]
    message: str,
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        clock_for(OFFICE, start, end)
    assert str(refused.value) == message


def test_a_time_outside_the_clocks_years_is_named_in_utc(office: BusinessClock) -> None:
    later = int(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())
    with pytest.raises(ValueError, match="lies outside the years") as refused:
        office.elapsed(np.array([later]), np.array([later]))
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(
        rf"start 2030-01-02T03:04:05Z lies outside the years this clock was built for "
        rf"\(2026-2026, {stamp} to {stamp}\); build it for a wider range of years",
        str(refused.value),
    )


def test_pauses_of_one_row_never_run_into_the_next_row(office: BusinessClock) -> None:
    # Two tickets, Tue 2026-03-10 09:00-12:00 KST: 10,800 business seconds each.
    # Row 0 paused 10:00-11:00 (the latest pause end), row 1 10:00-10:30 (the same start):
    # 10,800 - 3,600 = 7,200 and 10,800 - 1,800 = 9,000.
    start = np.array([kst(2026, 3, 10, 9)] * 2)
    end = np.array([kst(2026, 3, 10, 12)] * 2)
    got = office.elapsed_minus_pauses(
        start,
        end,
        np.array([0, 1]),
        np.array([kst(2026, 3, 10, 10), kst(2026, 3, 10, 10)]),
        np.array([kst(2026, 3, 10, 11), kst(2026, 3, 10, 10, 30)]),
    )
    assert got.tolist() == [7_200, 9_000]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_clock_without_holidays_covers_its_first_and_last_day_exactly(backend: str) -> None:
    # 2026 starts and ends on a Thursday; no holiday list, so 1 January and 31 December
    # are working days, 09:00-18:00 Seoul time.
    plain = Calendar(timezone="Asia/Seoul", hours={"mon-fri": "09:00-18:00"})
    clock = BusinessClock.build(plain, 2026, 2026, backend=backend)  # type: ignore[arg-type]
    assert (clock.valid_from, clock.valid_until) == (kst(2026, 1, 1), kst(2027, 1, 1))
    start = np.array([kst(2026, 1, 1), kst(2026, 12, 31, 9), kst(2026, 12, 31, 17)])
    end = np.array([kst(2026, 1, 1, 10), kst(2027, 1, 1), kst(2027, 1, 1)])
    assert clock.elapsed(start, end).tolist() == [3_600, 32_400, 3_600]
    assert clock.deadline(start[1:2], 32_400).tolist() == [kst(2026, 12, 31, 18)]


_FLAT = np.array([[0]])  # two-dimensional: refused with the argument's name
_ONE = np.array([0])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_every_argument_is_refused_by_its_own_name(backend: str) -> None:
    clock = BusinessClock.build(OFFICE, 2026, 2026, backend=backend)  # type: ignore[arg-type]
    nine = np.array([kst(2026, 3, 10, 9)])
    calls = {
        "start": [
            lambda: clock.elapsed(_FLAT, nine),
            lambda: clock.deadline(_FLAT, 0),
            lambda: clock.elapsed_minus_pauses(_FLAT, nine, _ONE, nine, nine),
            lambda: clock.deadline_with_pauses(_FLAT, 0, _ONE, nine, nine),
        ],
        "end": [
            lambda: clock.elapsed(nine, _FLAT),
            lambda: clock.elapsed_minus_pauses(nine, _FLAT, _ONE, nine, nine),
        ],
        "t": [lambda: clock.position(_FLAT)],
        "pause_row": [lambda: clock.elapsed_minus_pauses(nine, nine, _FLAT, nine, nine)],
        "pause_start": [lambda: clock.elapsed_minus_pauses(nine, nine, _ONE, _FLAT, nine)],
        "pause_end": [lambda: clock.deadline_with_pauses(nine, 0, _ONE, nine, _FLAT)],
    }
    for name, refused_calls in calls.items():
        message = f"{name} must be a one-dimensional array of epoch seconds"
        for call in refused_calls:
            with pytest.raises(ValueError, match=re.escape(message)) as refused:
                call()
            assert str(refused.value) == message


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_time_outside_the_clock_is_named_by_its_argument(backend: str) -> None:
    clock = BusinessClock.build(OFFICE, 2026, 2026, backend=backend)  # type: ignore[arg-type]
    nine = np.array([kst(2026, 3, 10, 9)])
    before, after = np.array([kst(2025, 12, 31, 23)]), np.array([kst(2027, 1, 1, 1)])
    cases = [
        ("start 2025-12-31T14:00:00Z", lambda: clock.elapsed(before, nine)),
        ("end 2026-12-31T16:00:00Z", lambda: clock.elapsed(nine, after)),
        ("start 2026-12-31T16:00:00Z", lambda: clock.deadline(after, 0)),
        ("start 2025-12-31T14:00:00Z", lambda: clock.deadline_with_pauses(before, 0, [], [], [])),
        ("time 2026-12-31T16:00:00Z", lambda: clock.position(after)),
    ]
    for named, call in cases:
        with pytest.raises(ValueError, match="lies outside the years") as refused:
            call()
        assert str(refused.value).startswith(named + " lies outside the years")


def test_business_seconds_and_pauses_are_refused_in_full_sentences(office: BusinessClock) -> None:
    nine = np.array([kst(2026, 3, 10, 9)])
    cases = [
        ("business_seconds must be whole seconds (integers)", lambda: office.deadline(nine, 1.5)),
        ("business_seconds must not be negative", lambda: office.deadline(nine, -1)),
        (
            "pause_row, pause_start and pause_end must have the same length",
            lambda: office.elapsed_minus_pauses(nine, nine, [0], [], []),
        ),
        (
            "the deadline of row 0 falls after the end of 2026, the last year this clock was "
            "built for; build it for a later last year",
            lambda: office.deadline(nine, 10**9),
        ),
    ]
    for message, call in cases:
        with pytest.raises(ValueError, match=re.escape(message)) as refused:
            call()
        assert str(refused.value) == message


def test_a_clock_keeps_its_calendar_years_and_chosen_backend() -> None:
    auto = "numba" if importlib.util.find_spec("numba") is not None else "numpy"
    for backend, expected in (("auto", auto), ("numba", "numba"), ("numpy", "numpy")):
        clock = BusinessClock.build(OFFICE, 1900, 1900, backend=backend)  # type: ignore[arg-type]
        assert (clock.calendar, clock.first_year, clock.last_year) == (OFFICE, 1900, 1900)
        assert clock.backend == expected
    assert BusinessClock.build(OFFICE, 9998, 9998).backend == auto  # "auto" by default
    assert BusinessClock.build(OFFICE, 9998, 9998).last_year == 9998  # the last year allowed


def test_refusals_of_years_and_backend_say_exactly_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicepact.engine import business_time

    years = "a clock's years must lie between 1900 and 9998"
    with pytest.raises(ValueError, match=years) as refused:
        BusinessClock.build(OFFICE, 1899, 2026)
    assert str(refused.value) == years
    monkeypatch.setattr(business_time, "_numba_kernels", lambda: None)
    numba = "the numba backend needs numba (pip install servicepact[fast])"
    with pytest.raises(ValueError, match=re.escape(numba)) as refused:
        BusinessClock.build(OFFICE, 2026, 2026, backend="numba")
    assert str(refused.value) == numba


def test_a_deadline_with_pauses_names_a_start_outside_the_clocks_years(
    office: BusinessClock,
) -> None:
    later = int(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())
    with pytest.raises(ValueError, match="lies outside the years") as refused:
        office.deadline_with_pauses(
            np.array([later]), 3_600, np.array([0]), np.array([later]), np.array([later + 60])
        )
    assert str(refused.value).startswith(
        "start 2030-01-02T03:04:05Z lies outside the years this clock was built for (2026-2026, "
    )


def test_a_calendar_whose_every_working_day_is_a_holiday_has_no_working_interval() -> None:
    from datetime import date, timedelta

    from servicepact.domain.calendars import HolidayRule
    from servicepact.engine.business_time import working_intervals

    # Mondays only, and each of the 52 Mondays of 2026 (5 January to 28 December) declared off
    mondays = tuple(date(2026, 1, 5) + timedelta(weeks=k) for k in range(52))
    calendar = Calendar(
        timezone="Asia/Seoul", hours={"mon": "09:00-18:00"}, holidays=HolidayRule(add=mondays)
    )
    starts, ends = working_intervals(calendar, 2026, 2026)
    assert (starts.tolist(), ends.tolist()) == ([], [])
    assert (starts.dtype, ends.dtype) == (np.int64, np.int64)  # epoch seconds, as always
