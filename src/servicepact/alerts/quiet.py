"""Quiet hours: outside a calendar's working time, alerts wait for the next working moment.

The calendar is the contract's own (its office hours and public holidays), so a
Korean contract's alerts wait over Chuseok while a 24×7 contract's never wait.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from servicepact.domain.calendars import Calendar

# How far ahead to look for working time: a year covers any holiday season.
SEARCH_DAYS = 366


def _holidays(calendar: Calendar, year: int) -> frozenset[object]:
    return frozenset(calendar.holiday_dates(year, year + 1))


def is_working(calendar: Calendar, at: datetime) -> bool:
    local = at.astimezone(calendar.zone)
    if local.date() in _holidays(calendar, local.year):
        return False
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return any(start <= seconds < end for start, end in calendar.weekly[local.weekday()])


def next_working_moment(calendar: Calendar, at: datetime) -> datetime:
    """``at`` itself when it is working time, else the start of the next working interval."""
    if is_working(calendar, at):
        return at
    local = at.astimezone(calendar.zone)
    holidays = _holidays(calendar, local.year)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if day.year != local.year and offset and day.month == 1 and day.day == 1:
            holidays = _holidays(calendar, day.year)
        if day in holidays:
            continue
        for start, _end in calendar.weekly[day.weekday()]:
            hours, rest = divmod(start, 3600)
            moment = datetime.combine(day, time(hours, rest // 60), tzinfo=calendar.zone)
            if moment > local:
                return moment.astimezone(at.tzinfo)
    raise ValueError("the calendar has no working time in the coming year")
