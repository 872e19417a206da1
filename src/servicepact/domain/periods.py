"""Measurement periods: month (default), quarter, contract year.

A period is half-open ``[start, end)`` in local dates of the contract's time
zone; KPIS.md rule 3 reads every anchor in that zone, so a month runs from
local midnight on the 1st to local midnight on the 1st of the next month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from servicepact.domain.contracts import PeriodKind, Term

# The forms a period takes where a client names one (API path and query, web query, CLI flag).
# A month: 2026-03. A result view may also take a quarter (2026-Q3), a calendar year (2026),
# the year to date (2026-YTD) or a contract year (Y1); an endpoint uses the pattern of the
# forms it supports.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
RESULT_PERIOD_PATTERN = r"^(\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|YTD))?|Y[1-9]\d{0,2})$"
# What evaluation measures: a month, a quarter, or a contract year (Y1 is the first).
MEASURED_PERIOD_PATTERN = r"^(\d{4}-(0[1-9]|1[0-2]|Q[1-4])|Y[1-9]\d{0,2})$"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^Y(\d+)$")
_CALENDAR_YEAR = re.compile(r"^(\d{4})$")
_YEAR_TO_DATE = re.compile(r"^(\d{4})-YTD$")
_ANY_QUARTER = re.compile(r"^\d{4}-Q\d+$")
RESULT_PERIOD_FORMS = "2026-03, 2026-Q3, 2026, 2026-YTD or Y1"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive
    kind: PeriodKind
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def bounds_epoch(self, timezone: str) -> tuple[int, int]:
        """The period as UTC epoch seconds ``[start, end)`` for the given local zone."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.start, time(0), tzinfo=zone)
        end = datetime.combine(self.end, time(0), tzinfo=zone)
        return int(start.timestamp()), int(end.timestamp())

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def month(year: int, month_number: int) -> Period:
    start = date(year, month_number, 1)
    return Period(start, _add_months(start, 1), PeriodKind.MONTH, f"{year:04d}-{month_number:02d}")


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * (number - 1) + 1, 1)
    return Period(start, _add_months(start, 3), PeriodKind.QUARTER, f"{year:04d}-Q{number}")


def contract_year(term: Term, number: int) -> Period:
    """Contract year N (1-based) runs from the term start's anniversary, clipped to the term."""
    start = term.start.replace(year=term.start.year + number - 1)
    end = min(term.start.replace(year=term.start.year + number), term.end + timedelta(days=1))
    return Period(start, end, PeriodKind.CONTRACT_YEAR, f"Y{number}")


def contract_year_of(term: Term, day: date) -> int:
    """1 for the first contract year, 2 for the second, ..."""
    years = day.year - term.start.year
    if (day.month, day.day) < (term.start.month, term.start.day):
        years -= 1
    return years + 1


def parse_period(label: str, *, term: Term | None = None) -> Period:
    """``2026-03`` → March 2026; ``2026-Q1``; ``Y2`` (contract year, needs the term)."""
    text = label.strip()
    if m := _MONTH.match(text):
        year, number = int(m[1]), int(m[2])
        if not 1 <= number <= 12:
            raise ValueError(f"{label!r}: month must be 01-12")
        return month(year, number)
    if m := _QUARTER.match(text):
        return quarter(int(m[1]), int(m[2]))
    if m := _YEAR.match(text):
        if term is None:
            raise ValueError(f"{label!r}: a contract year needs the contract's term")
        return contract_year(term, int(m[1]))
    raise ValueError(f"{label!r} is not a period (write 2026-03, 2026-Q1 or Y1)")


def months_between(first: date, last: date) -> list[Period]:
    """Every month from the one containing ``first`` to the one containing ``last``."""
    periods: list[Period] = []
    current = date(first.year, first.month, 1)
    while current <= last:
        periods.append(month(current.year, current.month))
        current = _add_months(current, 1)
    return periods


def period_of(kind: PeriodKind, day: date, term: Term) -> Period:
    if kind is PeriodKind.MONTH:
        return month(day.year, day.month)
    if kind is PeriodKind.QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    return contract_year(term, contract_year_of(term, day))


class ReportForm(StrEnum):
    """The forms of a reporting period (a result view over one or several measured periods)."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"  # a calendar year, 2026
    YEAR_TO_DATE = "year_to_date"  # 2026-YTD: 1 January to the end of the running month
    CONTRACT_YEAR = "contract_year"  # Y1


@dataclass(frozen=True)
class ReportPeriod:
    """A reporting period ``[start, end)``: what a result view shows, made of whole months.

    Service levels are measured per month (or quarter, or contract year); a reporting period
    gathers the measured periods that lie wholly inside it.
    """

    label: str
    start: date
    end: date  # exclusive
    form: ReportForm

    def holds(self, period: Period) -> bool:
        """Whether a measured period lies wholly inside this one."""
        return self.start <= period.start and period.end <= self.end


def parse_report_period(label: str, *, today: date, term: Term | None = None) -> ReportPeriod:
    """A reporting period: ``2026-03``, ``2026-Q3``, ``2026`` (the calendar year), ``2026-YTD``
    (1 January 2026 to the end of the month holding ``today``; the whole year once it is
    over) or ``Y1`` (a contract year, with the term). Anything else is a ``ValueError`` naming
    the forms."""
    text = label.strip()
    if m := _CALENDAR_YEAR.match(text):
        year = int(m[1])
        return ReportPeriod(text, date(year, 1, 1), date(year + 1, 1, 1), ReportForm.YEAR)
    if m := _YEAR_TO_DATE.match(text):
        year = int(m[1])
        if today.year < year:
            raise ValueError(f"{label!r}: {year} has not begun (today is {today.isoformat()})")
        end = date(year + 1, 1, 1) if today.year > year else _add_months(today, 1)
        return ReportPeriod(text, date(year, 1, 1), end, ReportForm.YEAR_TO_DATE)
    if _ANY_QUARTER.match(text) and not _QUARTER.match(text):
        raise ValueError(f"{label!r}: a quarter is Q1, Q2, Q3 or Q4")
    try:
        period = parse_period(text, term=term)
    except ValueError as error:
        if _MONTH.match(text) or _YEAR.match(text):
            raise
        raise ValueError(f"{label!r} is not a period (write {RESULT_PERIOD_FORMS})") from error
    form = {
        PeriodKind.MONTH: ReportForm.MONTH,
        PeriodKind.QUARTER: ReportForm.QUARTER,
        PeriodKind.CONTRACT_YEAR: ReportForm.CONTRACT_YEAR,
    }[period.kind]
    return ReportPeriod(period.label, period.start, period.end, form)


def measured_periods_within(kind: PeriodKind, report: ReportPeriod, term: Term) -> list[Period]:
    """The periods of ``kind`` (a service level's measurement period) lying wholly inside the
    reporting period and overlapping the contract's term, in order."""
    term_end = term.end + timedelta(days=1)
    found: list[Period] = []
    if kind is PeriodKind.CONTRACT_YEAR:
        number = 1
        while (candidate := contract_year(term, number)).start < min(report.end, term_end):
            if report.holds(candidate):
                found.append(candidate)
            number += 1
        return found
    step = 1 if kind is PeriodKind.MONTH else 3
    current = date(report.start.year, report.start.month, 1)
    while current < report.end:
        candidate = period_of(kind, current, term)
        if report.holds(candidate) and candidate.start < term_end and candidate.end > term.start:
            found.append(candidate)
        current = _add_months(current, step)
    return found
