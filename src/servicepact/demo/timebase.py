"""Local time for the demo generator: days, holidays, business-minute clocks.

The generator works in *local wall-clock seconds* (Asia/Seoul, which has had no
daylight-saving time since 1988, so local time is always UTC+09:00) counted
from local midnight on 1 January of the demo year. That keeps every shape
(hour of day, weekday, month) a cheap integer operation in numpy and makes the
written timestamps exact: ``format_timestamps`` appends the fixed offset.

``BusinessClock`` answers "when does a task that needs N business minutes,
started at T, finish?" for a weekly working pattern minus holidays. It is a
cumulative count of working minutes, so the answer is one ``searchsorted``
for a whole column. The engine measures with its own, exact, clock; this one
only shapes the synthetic data so the measured results come out as intended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
import numpy as np
import numpy.typing as npt

UTC_OFFSET = "+09:00"
"""Asia/Seoul: UTC+9 all year (no DST since 1988), so a fixed offset is exact."""

DAY = 86_400
HOUR = 3_600
MINUTE = 60

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DemoYear:
    """The days of the demo year and the Korean public holidays in it."""

    year: int
    days: tuple[date, ...] = field(init=False)
    kr_holidays: frozenset[date] = field(init=False)

    def __post_init__(self) -> None:
        first = date(self.year, 1, 1)
        count = (date(self.year + 1, 1, 1) - first).days
        object.__setattr__(self, "days", tuple(first + timedelta(d) for d in range(count)))
        table = holidays.country_holidays("KR", years=range(self.year, self.year + 2))
        object.__setattr__(self, "kr_holidays", frozenset(table.keys()))

    @property
    def epoch(self) -> np.datetime64:
        return np.datetime64(f"{self.year:04d}-01-01T00:00:00", "s")

    def weekday(self) -> IntArray:
        """0 = Monday … 6 = Sunday, one per day of the year."""
        return np.array([d.weekday() for d in self.days], dtype=np.int64)

    def month(self) -> IntArray:
        """1 … 12, one per day of the year."""
        return np.array([d.month for d in self.days], dtype=np.int64)

    def holiday(self) -> BoolArray:
        return np.array([d in self.kr_holidays for d in self.days], dtype=np.bool_)

    def day_start(self) -> IntArray:
        """Local seconds of each day's midnight."""
        return np.arange(len(self.days), dtype=np.int64) * DAY

    def seconds_of(self, day: date) -> int:
        return (day - date(self.year, 1, 1)).days * DAY

    def month_of_seconds(self, seconds: IntArray) -> IntArray:
        """Month number (1-12, 13 for beyond the year) of local-second values."""
        day_index = np.clip(seconds // DAY, 0, len(self.days))
        months = np.append(self.month(), 13)
        return np.asarray(months[day_index], dtype=np.int64)


class BusinessClock:
    """Working minutes of a weekly pattern minus holidays, as a cumulative count."""

    def __init__(
        self,
        year: DemoYear,
        weekly: dict[int, tuple[tuple[int, int], ...]],
        *,
        horizon_days: int = 500,
    ) -> None:
        """``weekly`` maps weekday (0 = Monday) to working intervals in minutes since midnight.

        The horizon runs past the year's end so that tasks started in December
        can finish in the next year.
        """
        minutes_per_day = 24 * 60
        working = np.zeros(horizon_days * minutes_per_day, dtype=np.int64)
        first = date(year.year, 1, 1)
        for offset in range(horizon_days):
            day = first + timedelta(offset)
            if day in year.kr_holidays:
                continue
            for start, end in weekly.get(day.weekday(), ()):
                base = offset * minutes_per_day
                working[base + start : base + end] = 1
        self.cumulative: IntArray = np.concatenate(([0], np.cumsum(working)))
        self.horizon_seconds = horizon_days * DAY

    def add(self, start_seconds: IntArray, business_minutes: IntArray) -> IntArray:
        """The local second at which ``business_minutes`` of working time have passed."""
        start_minute = np.clip(start_seconds // MINUTE, 0, len(self.cumulative) - 1)
        target = self.cumulative[start_minute] + np.maximum(business_minutes, 0)
        end_minute = np.searchsorted(self.cumulative, target, side="left")
        end_minute = np.clip(end_minute, 0, len(self.cumulative) - 1)
        # Keep the seconds within the minute so that timestamps do not all end in :00.
        end = end_minute * MINUTE + start_seconds % MINUTE
        return np.asarray(np.maximum(end, start_seconds), dtype=np.int64)

    def between(self, start_seconds: IntArray, end_seconds: IntArray) -> IntArray:
        """Working minutes between two local seconds."""
        last = len(self.cumulative) - 1
        a = np.clip(start_seconds // MINUTE, 0, last)
        b = np.clip(end_seconds // MINUTE, 0, last)
        return np.asarray(self.cumulative[b] - self.cumulative[a], dtype=np.int64)


def office_hours(
    start_hour: int, end_hour: int, *, days: range = range(5), lunch: bool = False
) -> dict[int, tuple[tuple[int, int], ...]]:
    """Mon-Fri (by default) working intervals in minutes, optionally without 12:00-13:00."""
    intervals: tuple[tuple[int, int], ...]
    if lunch:
        intervals = ((start_hour * 60, 12 * 60), (13 * 60, end_hour * 60))
    else:
        intervals = ((start_hour * 60, end_hour * 60),)
    return {weekday: intervals for weekday in days}


def format_timestamps(
    year: DemoYear, seconds: IntArray, present: BoolArray | None = None
) -> list[str]:
    """ISO 8601 local timestamps with the +09:00 offset; empty where not ``present``."""
    stamps = np.datetime_as_string(year.epoch + seconds.astype("timedelta64[s]"), unit="s")
    text = np.char.add(stamps, UTC_OFFSET)
    if present is not None:
        text = np.where(present, text, "")
    return [str(value) for value in text.tolist()]


def format_dates(year: DemoYear, seconds: IntArray) -> list[str]:
    """ISO dates (local) of local-second values."""
    stamps = np.datetime_as_string(year.epoch + seconds.astype("timedelta64[s]"), unit="D")
    return [str(value) for value in stamps.tolist()]
