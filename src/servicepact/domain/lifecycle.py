"""A contract's lifecycle: renewal, notice and termination, and what they mean on a given day.

The contract file's ``lifecycle`` section (docs/contract-file.md, "Lifecycle") says whether the
term renews by itself, for how many months and how often, how much notice stops it, and —
once it happened — when and why the contract was terminated. The functions here answer, for a
day on the contract's calendar: which term period runs, when the next renewal starts, the last
day notice can still be given (the notice deadline), and the contract's status. Values in,
values out: no clock, no I/O.

The date rules, stated once:

- **A period of N months** starting on day S ends the day before the day numbered S.day in
  the N-th month after S's month; when that month has no such day, it ends on that month's
  last day (the corresponding-day rule of civil-law calendars). So 1 February + 1 month ends
  28 (or 29) February, 31 January + 1 month ends 28 February, 1 March 2027 + 12 months ends
  29 February 2028.
- **Renewals are chained**: renewal k starts the day after renewal k-1 (or the term) ends.
- **The notice deadline** belongs to a period that an automatic renewal follows: notice given
  by then ends the contract on the period's last day instead of renewing it. A period after
  which the contract ends anyway (no automatic renewal, or the last one allowed) has no
  deadline; the contract expires on its last day.
- **Notice in calendar days**: notice given on the deadline leaves exactly N days of the
  period after it: deadline = end − N days (end 31 December, 90 days → 2 October).
- **Notice in business days**: the deadline is the latest working day of the named calendar
  (a weekday with working hours that is not a holiday) after which at least N working days
  of the period remain, up to and including its last day.
- **Termination**: ``termination.date`` is the contract's last day. Nothing is measured for a
  month that starts after it; a terminated contract raises no notice alert.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A renewal period or notice longer than these is a typing error, not a contract.
MAX_RENEWAL_MONTHS = 120
MAX_RENEWALS = 100
MAX_NOTICE_DAYS = 730
DEFAULT_ALERT_DAYS_BEFORE = 30
# Periods walked at most when looking for the next deadline (unbounded renewals).
_MAX_WALK = 2_000


class NoticeCount(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"


class Renewal(BaseModel):
    """Whether and how the term renews by itself when no notice is given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    automatic: bool = False
    period_months: int | None = Field(default=None, ge=1, le=MAX_RENEWAL_MONTHS)
    max_renewals: int | None = Field(default=None, ge=1, le=MAX_RENEWALS)

    @model_validator(mode="after")
    def _coherent(self) -> Renewal:
        from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

        errors: list[InitErrorDetails] = []

        def fail(name: str, message: str) -> None:
            errors.append(
                InitErrorDetails(type=PydanticCustomError("rule", message), loc=(name,), input=None)
            )

        if self.automatic and self.period_months is None:
            fail("period_months", "an automatic renewal needs its length in months")
        if not self.automatic:
            if self.period_months is not None:
                fail("period_months", "applies only to an automatic renewal (automatic: true)")
            if self.max_renewals is not None:
                fail("max_renewals", "applies only to an automatic renewal (automatic: true)")
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


class Notice(BaseModel):
    """How much notice ends the contract at the end of a term period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=MAX_NOTICE_DAYS)
    count: NoticeCount
    calendar: str | None = None
    alert_days_before: int = Field(default=DEFAULT_ALERT_DAYS_BEFORE, ge=0, le=365)

    @model_validator(mode="after")
    def _coherent(self) -> Notice:
        if self.count is NoticeCount.BUSINESS_DAYS and self.calendar is None:
            from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "rule", "business days are counted on a calendar: name one"
                        ),
                        loc=("calendar",),
                        input=None,
                    )
                ],
            )
        return self


class Termination(BaseModel):
    """A contract that was terminated: its last day and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    reason: str = Field(min_length=1, max_length=500)


class Lifecycle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    renewal: Renewal = Field(default_factory=Renewal)
    notice: Notice | None = None
    termination: Termination | None = None


class LifecycleStatus(StrEnum):
    NOT_STARTED = "not_started"
    ACTIVE = "active"
    IN_NOTICE_WINDOW = "in_notice_window"
    TERMINATED = "terminated"
    EXPIRED = "expired"


@dataclass(frozen=True)
class TermPeriod:
    """The original term (number 0) or renewal ``number``: first and last day."""

    number: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class LifecycleState:
    """What the lifecycle means on ``today`` (a day on the contract's calendar)."""

    today: dt.date
    status: LifecycleStatus
    period: TermPeriod | None  # the period running today; None before the start or after the end
    last_day: dt.date | None  # the last day the contract can run; None: it renews without limit
    next_renewal: dt.date | None  # the first day of the next automatic renewal
    notice_deadline: dt.date | None  # the next last day to give notice
    ends_on_notice: dt.date | None  # the day the contract ends if notice is given by then
    days_to_deadline: int | None
    termination: Termination | None

    def to_json(self) -> dict[str, object]:
        """The state as plain JSON values (dates as YYYY-MM-DD), for the CLI and the API."""

        def day(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "today": self.today.isoformat(),
            "status": self.status.value,
            "period": None
            if self.period is None
            else {
                "number": self.period.number,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "last_day": day(self.last_day),
            "next_renewal": day(self.next_renewal),
            "notice_deadline": day(self.notice_deadline),
            "ends_on_notice": day(self.ends_on_notice),
            "days_to_deadline": self.days_to_deadline,
            "termination": None
            if self.termination is None
            else {"date": self.termination.date.isoformat(), "reason": self.termination.reason},
        }


WorkingDay = Callable[[dt.date], bool]


def working_days(
    is_open: Callable[[int], bool], holidays_of: Callable[[int], frozenset[dt.date]]
) -> WorkingDay:
    """A working-day test from a weekday test (0 = Monday) and the holidays of each year."""
    years: dict[int, frozenset[dt.date]] = {}

    def working(day: dt.date) -> bool:
        if not is_open(day.weekday()):
            return False
        if day.year not in years:
            years[day.year] = holidays_of(day.year)
        return day not in years[day.year]

    return working


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` months that starts on ``start``.

    The day before the corresponding day of the last month, or that month's last day when it
    has no corresponding day: 2027-02-01 + 1 → 2027-02-28; 2027-01-31 + 1 → 2027-02-28;
    2027-03-01 + 12 → 2028-02-29; 2028-02-29 + 12 → 2029-02-28.
    """
    if months < 1:
        raise ValueError("a period lasts at least one month")
    years, index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, index + 1
    last = monthrange(year, month)[1]
    if start.day <= last:
        return dt.date(year, month, start.day) - dt.timedelta(days=1)
    return dt.date(year, month, last)


def term_periods(start: dt.date, end: dt.date, renewal: Renewal) -> Iterator[TermPeriod]:
    """The term, then each automatic renewal in turn (endless when renewals are unlimited)."""
    period = TermPeriod(0, start, end)
    yield period
    if not renewal.automatic or renewal.period_months is None:
        return
    number = 0
    while renewal.max_renewals is None or number < renewal.max_renewals:
        number += 1
        try:
            first = period.end + dt.timedelta(days=1)
            period = TermPeriod(number, first, period_end(first, renewal.period_months))
        except (OverflowError, ValueError):  # past year 9999
            return
        yield period


def last_possible_day(start: dt.date, end: dt.date, renewal: Renewal) -> dt.date | None:
    """The last day of the last renewal, the term's end without renewal, None when unlimited."""
    if not renewal.automatic:
        return end
    if renewal.max_renewals is None:
        return None
    last = end
    for period in term_periods(start, end, renewal):
        last = period.end
    return last


def notice_deadline(end: dt.date, notice: Notice, working_day: WorkingDay | None = None) -> dt.date:
    """The last day notice can be given to end the contract on ``end`` (see the module doc)."""
    if notice.count is NoticeCount.CALENDAR_DAYS:
        return end - dt.timedelta(days=notice.days)
    if working_day is None:
        raise ValueError("business days need the calendar's working days")
    day, counted = end, 0
    while counted < notice.days:
        if working_day(day):
            counted += 1
        day -= dt.timedelta(days=1)
    # ``day`` is the day before the N-th working day counted back: step back to a working day.
    while not working_day(day):
        day -= dt.timedelta(days=1)
    return day


def lifecycle_state(
    start: dt.date,
    end: dt.date,
    lifecycle: Lifecycle | None,
    today: dt.date,
    working_day: WorkingDay | None = None,
) -> LifecycleState:
    """Status, running period, next renewal and next notice deadline on ``today``.

    ``start``/``end``: the contract's term. ``working_day``: the notice calendar's working days
    (needed for notice in business days).
    """
    life = lifecycle or Lifecycle()
    termination = life.termination
    if termination is not None:
        last: dt.date | None = termination.date
    else:
        last = last_possible_day(start, end, life.renewal)

    current: TermPeriod | None = None
    upcoming: list[TermPeriod] = []  # the current period and those after it, as far as needed
    for walked, period in enumerate(term_periods(start, end, life.renewal)):
        if last is not None and period.start > last:
            break
        if period.end >= today:
            if current is None and period.start <= today and (last is None or today <= last):
                current = period
            upcoming.append(period)
            if _far_enough(period, today, life.notice) or walked > _MAX_WALK:
                break

    if termination is not None and today > termination.date:
        status = LifecycleStatus.TERMINATED
    elif today < start:
        status = LifecycleStatus.NOT_STARTED
    elif last is not None and today > last:
        status = LifecycleStatus.EXPIRED
    else:
        status = LifecycleStatus.ACTIVE

    deadline = ends_on = None
    if life.notice is not None and termination is None and status is not LifecycleStatus.EXPIRED:
        for period in upcoming:
            if not _renews_after(period, life.renewal):
                break  # the contract ends with this period anyway: no notice is needed
            candidate = notice_deadline(period.end, life.notice, working_day)
            if candidate >= today:
                deadline, ends_on = candidate, period.end
                break
    days_left = None if deadline is None else (deadline - today).days
    if (
        status is LifecycleStatus.ACTIVE
        and days_left is not None
        and life.notice is not None
        and days_left <= life.notice.alert_days_before
    ):
        status = LifecycleStatus.IN_NOTICE_WINDOW

    next_renewal = None
    if termination is None and status is LifecycleStatus.NOT_STARTED:
        next_renewal = next((p.start for p in upcoming if p.number > 0), None)
    elif termination is None and status in (
        LifecycleStatus.ACTIVE,
        LifecycleStatus.IN_NOTICE_WINDOW,
    ):
        running = current.number if current is not None else -1
        next_renewal = next((p.start for p in upcoming if p.number > running), None)
    return LifecycleState(
        today=today,
        status=status,
        period=current,
        last_day=last,
        next_renewal=next_renewal,
        notice_deadline=deadline,
        ends_on_notice=ends_on,
        days_to_deadline=days_left,
        termination=termination,
    )


def _renews_after(period: TermPeriod, renewal: Renewal) -> bool:
    """Whether an automatic renewal follows ``period`` when no notice is given."""
    if not renewal.automatic:
        return False
    return renewal.max_renewals is None or period.number < renewal.max_renewals


def _far_enough(period: TermPeriod, today: dt.date, notice: Notice | None) -> bool:
    """True once a renewal starts so late that its deadline surely lies after ``today``.

    A business-day deadline lies at most a few times the notice before the end (weekends and
    holidays); seven times the days plus a year is a bound no calendar reaches.
    """
    reach = 0 if notice is None else notice.days * 7 + 366
    return period.number > 0 and (period.start - today).days > reach
