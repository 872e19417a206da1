"""Business calendars: working hours per weekday, a time zone, public holidays.

A calendar is data. The contract names it; the engine's business-time kernel
(``engine/business_time.py``) turns it into a table of working intervals. The
hours syntax is ``{"mon-fri": "09:00-12:00,13:00-18:00", "sat": "09:00-13:00"}``
or the literal ``"24x7"``. Intervals lie within one day (``24:00`` may end
one); a night shift is written as two entries, e.g. ``mon: "22:00-24:00"`` and
``tue: "00:00-06:00"``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24x7"
DAY_SECONDS = 86_400

_TIME = re.compile(r"^(?P<h>\d{2}):(?P<m>\d{2})$")

Interval = tuple[int, int]
"""Seconds since local midnight, half-open ``[start, end)``."""


def _parse_time(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    hours, minutes = int(match["h"]), int(match["m"])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return hours * 3600 + minutes * 60


def parse_day_hours(text: str) -> tuple[Interval, ...]:
    """``"09:00-12:00,13:00-18:00"`` → ``((32400, 43200), (46800, 64800))``.

    ``"closed"`` (or an empty string) gives no intervals.
    """
    text = text.strip()
    if text in ("", "closed"):
        return ()
    intervals: list[Interval] = []
    for part in text.split(","):
        bounds = part.split("-")
        if len(bounds) != 2:
            raise ValueError(f"{part.strip()!r} is not an interval HH:MM-HH:MM")
        start, end = _parse_time(bounds[0]), _parse_time(bounds[1])
        if end <= start:
            raise ValueError(
                f"{part.strip()!r} ends before it starts; write a night shift as two days"
            )
        intervals.append((start, end))
    intervals.sort()
    for (_, prev_end), (next_start, _) in pairwise(intervals):
        if next_start < prev_end:
            raise ValueError(f"intervals in {text!r} overlap")
    return tuple(intervals)


def expand_days(key: str) -> tuple[str, ...]:
    """``"mon-fri"`` → the five weekdays; ``"sat"`` → ``("sat",)``; ``"daily"`` → all seven."""
    key = key.strip().lower()
    if key in ("daily", "all"):
        return WEEKDAYS
    if "-" in key:
        first, last = key.split("-", 1)
        if first not in WEEKDAYS or last not in WEEKDAYS:
            raise ValueError(f"{key!r} is not a weekday range like mon-fri")
        i, j = WEEKDAYS.index(first), WEEKDAYS.index(last)
        if j < i:
            raise ValueError(f"{key!r} runs backwards; write e.g. mon-fri")
        return WEEKDAYS[i : j + 1]
    if key not in WEEKDAYS:
        raise ValueError(f"{key!r} is not a weekday ({', '.join(WEEKDAYS)}) or a range")
    return (key,)


@cache
def _country_codes() -> frozenset[str]:
    """The codes ``holidays.list_supported_countries()`` has as keys (aliases such as KOR
    included), read from the package's registry: listing them that way would import every
    country's module, a tenth of a second at each start."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes())


class HolidayRule(BaseModel):
    """Public holidays from the ``holidays`` package, plus added and removed days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, e.g. KR")
    subdivision: str | None = Field(default=None, description="e.g. NY for country US")
    add: tuple[date, ...] = ()
    remove: tuple[date, ...] = ()

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value not in _country_codes():
            raise ValueError(f"{value!r} is not a country the holidays package knows")
        return value

    @model_validator(mode="after")
    def _known_subdivision(self) -> HolidayRule:
        if self.subdivision is None:
            return self
        if self.country is None:
            raise ValueError("subdivision needs a country")
        import holidays

        # the one country's module only: ``list_supported_countries`` imports all 250
        subdivisions = getattr(holidays, self.country).subdivisions
        if self.subdivision not in subdivisions:
            raise ValueError(f"{self.subdivision!r} is not a subdivision of {self.country}")
        return self

    def dates(self, first_year: int, last_year: int) -> frozenset[date]:
        """Every non-working date from ``first_year`` to ``last_year`` inclusive."""
        days: set[date] = set()
        if self.country:
            import holidays

            table = holidays.country_holidays(
                self.country,
                subdiv=self.subdivision,
                years=range(first_year, last_year + 1),
            )
            days.update(table.keys())
        days.update(d for d in self.add if first_year <= d.year <= last_year)
        days.difference_update(self.remove)
        return frozenset(days)


@dataclass(frozen=True)
class HolidayList:
    """A calendar's holidays fixed for a range of years: the dates a stored contract version
    is measured with, whatever the installed ``holidays`` package says later
    (docs/business-time.md, "Holiday lists").

    ``dates`` are every non-working date from 1 January ``first_year`` to 31 December
    ``last_year`` (the country's holidays with ``add`` and without ``remove``), sorted.
    """

    first_year: int
    last_year: int
    dates: tuple[date, ...]

    def __post_init__(self) -> None:
        if self.last_year < self.first_year:
            raise ValueError(f"a holiday list's years run backwards ({self.first_year}..)")
        ordered = tuple(sorted(set(self.dates)))
        if any(not self.first_year <= d.year <= self.last_year for d in ordered):
            raise ValueError("a holiday list holds a date outside its years")
        object.__setattr__(self, "dates", ordered)

    @property
    def text(self) -> str:
        """The canonical text the hash is taken over: the years, then one date a line."""
        lines = [f"years {self.first_year}-{self.last_year}", *(d.isoformat() for d in self.dates)]
        return "\n".join(lines) + "\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def to_json(self) -> dict[str, object]:
        return {
            "first_year": self.first_year,
            "last_year": self.last_year,
            "dates": [d.isoformat() for d in self.dates],
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> HolidayList:
        raw = data["dates"]
        assert isinstance(raw, list)
        return cls(
            first_year=int(str(data["first_year"])),
            last_year=int(str(data["last_year"])),
            dates=tuple(date.fromisoformat(str(d)) for d in raw),
        )


def holiday_lists_hash(lists: Mapping[str, HolidayList]) -> str:
    """One hash over a contract's holiday lists (calendar name and list hash, by name): the
    "calendar hash" a result carries."""
    text = "".join(f"{name}\t{lists[name].sha256}\n" for name in sorted(lists))
    return hashlib.sha256(text.encode()).hexdigest()


def list_difference(
    stored: HolidayList, other: HolidayList
) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """(dates in ``other`` but not ``stored``, dates in ``stored`` but not ``other``), within
    the years both cover."""
    first = max(stored.first_year, other.first_year)
    last = min(stored.last_year, other.last_year)

    def inside(dates: Iterable[date]) -> set[date]:
        return {d for d in dates if first <= d.year <= last}

    mine, theirs = inside(stored.dates), inside(other.dates)
    return tuple(sorted(theirs - mine)), tuple(sorted(mine - theirs))


@cache
def _known_zones() -> frozenset[str]:
    """The IANA zones on this system, read once: listing them walks the tz database on disk
    (about 0.1 s), which validating every stored contract would otherwise repeat."""
    return frozenset(available_timezones())


class Calendar(BaseModel):
    """A named business calendar of a contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    hours: Literal["24x7"] | dict[str, str]
    holidays: HolidayRule | None = None
    # The dates fixed when the contract version was applied (store → ``with_stored``); never
    # part of the contract file, its schema or its hash. When set, the package is not read.
    _stored_holidays: HolidayList | None = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _known_zones():
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, str):
            return value
        seen: dict[str, str] = {}
        for key, spec in value.items():
            for day in expand_days(key):
                if day in seen:
                    raise ValueError(f"{day} is given twice (in {seen[day]!r} and {key!r})")
                seen[day] = key
            parse_day_hours(spec)
        if not value:
            raise ValueError("give at least one day of hours, or 24x7")
        return value

    @property
    def always_open(self) -> bool:
        return self.hours == ALWAYS and self.holidays is None

    @cached_property
    def weekly(self) -> tuple[tuple[Interval, ...], ...]:
        """Working intervals for Monday..Sunday, seconds since local midnight."""
        if self.hours == ALWAYS:
            return tuple(((0, DAY_SECONDS),) for _ in WEEKDAYS)
        assert isinstance(self.hours, dict)
        week: dict[str, tuple[Interval, ...]] = {day: () for day in WEEKDAYS}
        for key, spec in self.hours.items():
            for day in expand_days(key):
                week[day] = parse_day_hours(spec)
        return tuple(week[day] for day in WEEKDAYS)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holiday_dates(self, first_year: int, last_year: int) -> frozenset[date]:
        """Every non-working date of the years ``first_year``..``last_year``.

        A calendar of a stored contract version answers from its stored list; for a year
        outside that list's years only the contract's own ``add`` days (less ``remove``)
        count — the package is never read for it. Otherwise the ``holidays`` package answers.
        """
        if self.holidays is None:
            return frozenset()
        stored = self.stored_holidays
        if stored is None:
            return self.holidays.dates(first_year, last_year)
        days = {d for d in stored.dates if first_year <= d.year <= last_year}
        days.update(
            d
            for d in self.holidays.add
            if first_year <= d.year <= last_year
            and not stored.first_year <= d.year <= stored.last_year
        )
        days.difference_update(self.holidays.remove)
        return frozenset(days)

    def materialise_holidays(self, first_year: int, last_year: int) -> HolidayList | None:
        """This calendar's holidays for those years from its rule (the installed package for a
        country); None for a calendar without holidays."""
        if self.holidays is None:
            return None
        return HolidayList(
            first_year=first_year,
            last_year=last_year,
            dates=tuple(self.holidays.dates(first_year, last_year)),
        )

    @property
    def stored_holidays(self) -> HolidayList | None:
        return self._stored_holidays

    def with_stored(self, stored: HolidayList | None) -> Calendar:
        """This calendar measured with ``stored`` (None: back to the package)."""
        copy = self.model_copy()
        copy._stored_holidays = stored
        return copy

    @property
    def clock_key(self) -> str:
        """What identifies the clock of this calendar: its definition and its holiday list."""
        stored = "" if self.stored_holidays is None else self.stored_holidays.sha256
        return f"{self.model_dump_json()}|{stored}"
