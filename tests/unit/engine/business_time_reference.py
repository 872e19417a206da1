"""A slow, obviously correct business-time clock to check the vectorised kernel against.

It walks the calendar day by day in local time with zoneinfo, in plain Python, and
shares no code with ``engine/business_time.py``: local wall times become instants
by building each ``datetime`` from its fields (``24:00`` is the next day's midnight),
under PEP 495 ``fold=0`` like the kernel's rule. Working time is the union of the
day's intervals, so hours that overlap across a daylight-saving gap count once.
Instants are counted from ``start``: spans are cut at ``start`` as they are walked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from servicepact.domain.calendars import Calendar

Span = tuple[int, int]


class ReferenceClock:
    def __init__(self, calendar: Calendar, first_year: int, last_year: int) -> None:
        self.calendar = calendar
        self.first_year = first_year
        self.last_year = last_year
        self.holidays = calendar.holiday_dates(first_year, last_year)
        self._days: dict[date, list[Span]] = {}

    def _instant(self, day: date, seconds: int) -> int:
        if seconds == 86_400:
            day, seconds = day + timedelta(days=1), 0
        hour, rest = divmod(seconds, 3600)
        minute, second = divmod(rest, 60)
        wall = datetime(
            day.year, day.month, day.day, hour, minute, second, tzinfo=self.calendar.zone
        )
        return int(wall.timestamp())

    def day_spans(self, day: date) -> list[Span]:
        """The working spans of one local day, as UTC epoch seconds."""
        if day not in self._days:
            spans: list[Span] = []
            if day not in self.holidays:
                for begin, finish in self.calendar.weekly[day.weekday()]:
                    a, b = self._instant(day, begin), self._instant(day, finish)
                    if b > a:
                        spans.append((a, b))
            self._days[day] = spans
        return self._days[day]

    def _local_day(self, t: int) -> date:
        return datetime.fromtimestamp(t, tz=self.calendar.zone).date()

    def spans_from(self, t: int) -> Iterator[Span]:
        """Working spans that end after ``t``, in order and without overlap, day by day.

        A span that overlaps one already given is cut to its new part, so every working
        instant is given once. Walking past the last year raises.
        """
        day = self._local_day(t) - timedelta(days=1)
        covered = t
        while day.year <= self.last_year:
            for a, b in sorted(self.day_spans(day)):
                a = max(a, covered)
                if b > a:
                    yield (a, b)
                    covered = b
            day += timedelta(days=1)
        raise ValueError("walked past the last year")

    def elapsed(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        total = 0
        for a, b in self.spans_from(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    @staticmethod
    def merge(pauses: Sequence[Span]) -> list[Span]:
        merged: list[Span] = []
        for a, b in sorted(p for p in pauses if p[1] > p[0]):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def elapsed_minus_pauses(self, start: int, end: int, pauses: Sequence[Span]) -> int:
        if end <= start:
            return 0
        clipped = self.merge([(max(a, start), min(b, end)) for a, b in pauses])
        total = self.elapsed(start, end)
        for a, b in clipped:
            total -= self.elapsed(a, b)
        return total

    def deadline(self, start: int, seconds: int, pauses: Sequence[Span] = ()) -> int:
        """Walk forward, spending business seconds outside pauses, until none remain."""
        if seconds == 0:
            return start
        merged = self.merge([(max(a, start), b) for a, b in pauses])
        remaining = seconds
        for a, b in self.spans_from(start):
            # Free pieces of this working span: the span less the pauses.
            pieces = [(a, b)]
            for pa, pb in merged:
                next_pieces: list[Span] = []
                for x, y in pieces:
                    if pb <= x or pa >= y:
                        next_pieces.append((x, y))
                        continue
                    if x < pa:
                        next_pieces.append((x, pa))
                    if pb < y:
                        next_pieces.append((pb, y))
                pieces = next_pieces
            for x, y in pieces:
                if y - x >= remaining:
                    return x + remaining
                remaining -= y - x
        raise AssertionError("unreachable: spans_from raises at the end")
