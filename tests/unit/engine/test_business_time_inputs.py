"""What the business clock accepts as input, and how it refuses the rest (by name)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from servicepact.domain.calendars import Calendar, HolidayRule
from servicepact.engine.business_time import BusinessClock

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
