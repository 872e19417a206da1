"""The lifecycle's date arithmetic, each expected date counted by hand on a calendar.

Month ends and leap years are where month arithmetic goes wrong; business-day notice is
counted back over weekends and the holidays given.
"""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.domain.lifecycle import (
    Lifecycle,
    LifecycleStatus,
    Notice,
    Renewal,
    Termination,
    last_possible_day,
    lifecycle_state,
    notice_deadline,
    period_end,
    term_periods,
    working_days,
)

D = date


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2027, 2, 1), 1, D(2027, 2, 28)),  # February of a common year
        (D(2028, 2, 1), 1, D(2028, 2, 29)),  # February of a leap year
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # no 31 February: the month's last day
        (D(2028, 1, 30), 1, D(2028, 2, 29)),  # no 30 February in a leap year either
        (D(2027, 1, 29), 1, D(2027, 2, 28)),  # no 29 February 2027
        (D(2028, 1, 29), 1, D(2028, 2, 28)),  # 29 February 2028 exists: the day before it
        (D(2027, 3, 1), 12, D(2028, 2, 29)),  # a year that ends on a leap day
        (D(2028, 2, 29), 12, D(2029, 2, 28)),  # a year from a leap day
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # across the year end to a short month
        (D(2026, 1, 1), 12, D(2026, 12, 31)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
    ],
)
def test_a_period_of_months_ends_the_day_before_the_corresponding_day(
    start: date, months: int, end: date
) -> None:
    assert period_end(start, months) == end


def test_monthly_renewals_of_a_term_ending_31_january_follow_each_month_end() -> None:
    renewal = Renewal(automatic=True, period_months=1, max_renewals=4)
    periods = list(term_periods(D(2027, 2, 1), D(2028, 1, 31), renewal))
    assert [(p.number, p.start, p.end) for p in periods] == [
        (0, D(2027, 2, 1), D(2028, 1, 31)),
        (1, D(2028, 2, 1), D(2028, 2, 29)),  # 2028 is a leap year
        (2, D(2028, 3, 1), D(2028, 3, 31)),
        (3, D(2028, 4, 1), D(2028, 4, 30)),
        (4, D(2028, 5, 1), D(2028, 5, 31)),
    ]
    assert last_possible_day(D(2027, 2, 1), D(2028, 1, 31), renewal) == D(2028, 5, 31)


def test_renewals_are_chained_from_the_day_after_the_previous_end() -> None:
    # term ends 30 January: renewal 1 runs 31 Jan – 28 Feb (no 31 Feb), renewal 2 1 – 31 Mar
    renewal = Renewal(automatic=True, period_months=1, max_renewals=2)
    periods = list(term_periods(D(2026, 1, 1), D(2027, 1, 30), renewal))
    assert [(p.start, p.end) for p in periods[1:]] == [
        (D(2027, 1, 31), D(2027, 2, 28)),
        (D(2027, 3, 1), D(2027, 3, 31)),
    ]


def test_without_automatic_renewal_the_term_end_is_the_last_day() -> None:
    assert last_possible_day(D(2026, 1, 1), D(2028, 12, 31), Renewal()) == D(2028, 12, 31)
    unlimited = Renewal(automatic=True, period_months=12)
    assert last_possible_day(D(2026, 1, 1), D(2028, 12, 31), unlimited) is None


def test_calendar_day_notice_leaves_exactly_the_notice_days_after_the_deadline() -> None:
    notice = Notice(days=90, count="calendar_days")
    # 3 Oct – 31 Dec: 29 + 30 + 31 = 90 days after 2 October
    assert notice_deadline(D(2028, 12, 31), notice) == D(2028, 10, 2)
    # leap February: 29 Feb 2028 − 30 days = 30 January
    assert notice_deadline(D(2028, 2, 29), Notice(days=30, count="calendar_days")) == D(2028, 1, 30)


def test_business_day_notice_counts_working_days_and_skips_holidays() -> None:
    holidays = {D(2027, 1, 25)}  # a Monday off
    working = working_days(lambda weekday: weekday < 5, lambda year: frozenset(holidays))
    notice = Notice(days=10, count="business_days", calendar="office")
    # back from Sunday 31 Jan 2027: 29, 28, 27, 26 (4), 25 is a holiday, 22, 21, 20, 19, 18
    # (9), 15 (10); the deadline is the working day before the 10th: Thursday 14 January
    assert notice_deadline(D(2027, 1, 31), notice, working) == D(2027, 1, 14)
    # without the holiday the 10th working day back is Monday 18; the deadline Friday 15
    plain = working_days(lambda weekday: weekday < 5, lambda year: frozenset())
    assert notice_deadline(D(2027, 1, 31), notice, plain) == D(2027, 1, 15)


def _life(**notice: object) -> Lifecycle:
    return Lifecycle(
        renewal=Renewal(automatic=True, period_months=12, max_renewals=2),
        notice=Notice(**{"days": 90, "count": "calendar_days", **notice}),  # type: ignore[arg-type]
    )


TERM = (D(2026, 1, 1), D(2028, 12, 31))


def test_status_moves_from_active_to_notice_window_on_the_lead_day() -> None:
    life = _life(alert_days_before=30)
    # deadline 2 October 2028; 30 days before it is 2 September
    before = lifecycle_state(*TERM, life, D(2028, 9, 1))
    assert before.status is LifecycleStatus.ACTIVE
    assert (before.notice_deadline, before.days_to_deadline) == (D(2028, 10, 2), 31)
    assert before.next_renewal == D(2029, 1, 1)
    assert before.ends_on_notice == D(2028, 12, 31)
    window = lifecycle_state(*TERM, life, D(2028, 9, 2))
    assert (window.status, window.days_to_deadline) == (LifecycleStatus.IN_NOTICE_WINDOW, 30)
    last_day = lifecycle_state(*TERM, life, D(2028, 10, 2))
    assert (last_day.status, last_day.days_to_deadline) == (LifecycleStatus.IN_NOTICE_WINDOW, 0)


def test_after_the_deadline_the_next_renewals_deadline_is_the_one_ahead() -> None:
    state = lifecycle_state(*TERM, _life(), D(2028, 10, 3))
    assert state.status is LifecycleStatus.ACTIVE
    # renewal 1 runs 2029-01-01 – 2029-12-31; its deadline is 2 October 2029
    assert (state.notice_deadline, state.ends_on_notice) == (D(2029, 10, 2), D(2029, 12, 31))
    assert state.next_renewal == D(2029, 1, 1)


def test_the_last_allowed_period_has_no_deadline_and_then_expires() -> None:
    # renewal 2 (the last) runs 2030-01-01 – 2030-12-31: it ends the contract anyway
    last = lifecycle_state(*TERM, _life(), D(2030, 6, 1))
    assert last.period is not None
    assert last.period.number == 2
    assert (last.status, last.notice_deadline, last.next_renewal) == (
        LifecycleStatus.ACTIVE,
        None,
        None,
    )
    assert last.last_day == D(2030, 12, 31)
    gone = lifecycle_state(*TERM, _life(), D(2031, 1, 1))
    assert (gone.status, gone.period) == (LifecycleStatus.EXPIRED, None)


def test_a_contract_without_lifecycle_expires_after_its_term() -> None:
    assert lifecycle_state(*TERM, None, D(2025, 12, 31)).status is LifecycleStatus.NOT_STARTED
    assert lifecycle_state(*TERM, None, D(2028, 12, 31)).status is LifecycleStatus.ACTIVE
    assert lifecycle_state(*TERM, None, D(2029, 1, 1)).status is LifecycleStatus.EXPIRED


def test_monthly_renewals_with_long_notice_find_the_deadline_of_a_later_renewal() -> None:
    # term ends 31 Jan 2027, monthly renewals, 45 days' notice: on 20 Jan the term's own
    # deadline (17 Dec) is gone; renewal 1 ends 28 Feb → deadline 14 Jan, gone too; renewal
    # 2 ends 31 Mar → deadline 14 Feb (31 Mar − 45 days), the next one ahead.
    life = Lifecycle(
        renewal=Renewal(automatic=True, period_months=1),
        notice=Notice(days=45, count="calendar_days"),
    )
    state = lifecycle_state(D(2026, 2, 1), D(2027, 1, 31), life, D(2027, 1, 20))
    assert (state.notice_deadline, state.ends_on_notice) == (D(2027, 2, 14), D(2027, 3, 31))
    assert state.days_to_deadline == 25
    assert state.status is LifecycleStatus.IN_NOTICE_WINDOW
    assert state.next_renewal == D(2027, 2, 1)


def test_termination_ends_the_contract_on_its_date() -> None:
    life = Lifecycle(
        renewal=Renewal(automatic=True, period_months=12),
        notice=Notice(days=90, count="calendar_days"),
        termination=Termination(date=D(2027, 6, 30), reason="vendor insolvency"),
    )
    running = lifecycle_state(*TERM, life, D(2027, 6, 30))
    assert running.status is LifecycleStatus.ACTIVE
    assert (running.last_day, running.notice_deadline, running.next_renewal) == (
        D(2027, 6, 30),
        None,
        None,
    )
    ended = lifecycle_state(*TERM, life, D(2027, 7, 1))
    assert ended.status is LifecycleStatus.TERMINATED
    assert ended.period is None
    assert ended.termination is not None
    assert ended.termination.reason == "vendor insolvency"


def test_a_renewal_needs_its_length_and_a_business_notice_needs_a_calendar() -> None:
    with pytest.raises(ValueError, match="period_months"):
        Renewal(automatic=True)
    with pytest.raises(ValueError, match="applies only to an automatic renewal"):
        Renewal(automatic=False, max_renewals=2)
    with pytest.raises(ValueError, match="name one"):
        Notice(days=10, count="business_days")
