"""A calendar of a stored contract version answers from its stored holiday list, never from the
``holidays`` package (issue 9.1); the list's years bound it, explicit days count beyond them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import holidays
import pytest

from servicepact.domain.calendars import Calendar, HolidayList, list_difference
from servicepact.engine.business_time import BusinessClock

OFFICE = {
    "timezone": "Asia/Seoul",
    "hours": {"mon-fri": "09:00-18:00"},
    "holidays": {"country": "KR", "add": ["2026-12-31", "2027-02-01"], "remove": ["2027-01-01"]},
}
STORED = HolidayList(first_year=2026, last_year=2026, dates=(date(2026, 3, 10),))


@pytest.fixture
def no_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the holidays package was read")

    monkeypatch.setattr(holidays, "country_holidays", refuse)


def test_the_stored_list_answers_and_beyond_its_years_only_the_explicit_days(
    no_package: None,
) -> None:
    calendar = Calendar.model_validate(OFFICE).with_stored(STORED)
    # 2026: the stored list only (its 10 March; the add of 31 Dec is not in it, so not a
    # holiday — the list was fixed at apply time and is the truth for its years);
    # 2027: outside the list, so only `add` less `remove`: 1 February.
    assert calendar.holiday_dates(2026, 2027) == frozenset({date(2026, 3, 10), date(2027, 2, 1)})
    assert calendar.holiday_dates(2027, 2027) == frozenset({date(2027, 2, 1)})


def test_a_clock_of_a_stored_calendar_closes_the_stored_days(no_package: None) -> None:
    calendar = Calendar.model_validate(OFFICE).with_stored(STORED)
    clock = BusinessClock.build(calendar, 2026, 2026)
    tuesday_9 = int(datetime(2026, 3, 10, 0, tzinfo=UTC).timestamp())  # 09:00 in Seoul
    wednesday_9 = int(datetime(2026, 3, 11, 0, tzinfo=UTC).timestamp())
    assert clock.working_seconds(tuesday_9, tuesday_9 + 9 * 3600) == 0  # a stored holiday
    assert clock.working_seconds(wednesday_9, wednesday_9 + 9 * 3600) == 9 * 3600


def test_the_stored_list_is_no_part_of_the_calendar_as_written() -> None:
    plain = Calendar.model_validate(OFFICE)
    stored = plain.with_stored(STORED)
    assert stored.model_dump() == plain.model_dump()
    assert "stored" not in stored.model_dump_json()
    assert stored.clock_key != plain.clock_key  # but its clock is another one
    assert plain.stored_holidays is None
    with pytest.raises(ValueError, match="stored_holidays"):
        Calendar.model_validate({**OFFICE, "stored_holidays": {"dates": []}})


def test_list_difference_counts_only_the_years_both_cover() -> None:
    stored = HolidayList(
        first_year=2025, last_year=2027, dates=(date(2025, 1, 1), date(2026, 5, 1))
    )
    package = HolidayList(
        first_year=2026, last_year=2028, dates=(date(2026, 3, 10), date(2028, 1, 1))
    )
    assert list_difference(stored, package) == ((date(2026, 3, 10),), (date(2026, 5, 1),))


def test_a_list_refuses_a_date_outside_its_years() -> None:
    with pytest.raises(ValueError, match="outside its years"):
        HolidayList(first_year=2026, last_year=2026, dates=(date(2027, 1, 1),))
