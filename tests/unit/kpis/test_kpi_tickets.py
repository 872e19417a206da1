"""Ticket KPIs, hand-computed on an office calendar (Mon-Fri 09:00-18:00 KST, KR holidays).

Calendar facts used below: 2026-03-01 (Sun) and 2026-03-02 (Mon, alternative holiday)
are Korean holidays; 2026-03-10 is a Tuesday, 2026-03-30 a Monday, 2026-03-31 a
Tuesday, 2026-04-01 a Wednesday. Seoul has no daylight saving.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from kpi_fixtures import (
    ALWAYS,
    NEW_YORK,
    OFFICE_KR,
    OFFICE_NY,
    compute,
    kst,
    month_window,
    table,
)

from servicepact.engine.kpis.base import MICROS, KpiContext
from servicepact.engine.kpis.tickets import resolution_hours_percentile

MARCH, APRIL = month_window(2026, 3), month_window(2026, 4)
FOUR_HOURS = {"hours": 4}


def ticket(i: str, created: datetime, **kw: Any) -> dict[str, Any]:
    return {"id": i, "created_at": created, "priority": "P1", **kw}


def pause(start: datetime, end: datetime | None) -> dict[str, Any]:
    return {"start": start, "end": end}


def march_april(kpi: str, rows: list[dict[str, Any]], **kw: Any) -> list[tuple[int, int]]:
    results = compute(kpi, table("tickets", rows), [MARCH, APRIL], calendar=OFFICE_KR, **kw)
    return [(r.numerator, r.denominator) for r in results]


def test_resolved_exactly_at_the_target_second_meets_it_and_one_second_later_fails() -> None:
    # created Tue 09:00; 4 business hours → 13:00:00 met; 13:00:01 is 4 h 1 s → failed
    rows = [
        ticket("on", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13)),
        ticket("late", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13, 0, 1)),
    ]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(1, 2), (0, 0)]


def test_a_ticket_whose_deadline_falls_in_the_next_month_counts_there() -> None:
    # created Tue 31 Mar 16:00: 16-18 = 2 h, Wed 1 Apr 09-11 = 2 h → deadline 1 Apr 11:00
    # resolved 1 Apr 10:30 → met, anchored at the resolution in April
    rows = [ticket("t", kst(2026, 3, 31, 16), resolved_at=kst(2026, 4, 1, 10, 30))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(0, 0), (1, 1)]


def test_a_ticket_open_past_its_deadline_fails_in_the_period_the_deadline_passed() -> None:
    # created Tue 10 Mar 09:00, never resolved → expired 13:00:01 on 10 Mar → March fails
    rows = [ticket("t", kst(2026, 3, 10, 9))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_an_open_ticket_before_its_deadline_at_period_end_is_not_yet_counted() -> None:
    # created Tue 31 Mar 17:00: 1 h on the 31st, 3 h on 1 Apr → expires 1 Apr 12:00:01
    rows = [ticket("t", kst(2026, 3, 31, 17))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(0, 0), (0, 1)]


def test_a_ticket_resolved_late_fails_in_the_month_its_deadline_passed() -> None:
    # created Mon 30 Mar 14:00: 14-18 = 4 h → target reached 18:00, expires Tue 31 Mar
    # 09:00:01; resolved 3 Apr → a March failure (never counted in April)
    rows = [ticket("t", kst(2026, 3, 30, 14), resolved_at=kst(2026, 4, 3, 10))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_a_resolution_before_the_next_working_second_still_meets_a_target_reached_at_close() -> (
    None
):
    # created Mon 30 Mar 14:00, target reached 18:00; resolved 31 Mar 08:59 → still 4 h → met
    rows = [ticket("t", kst(2026, 3, 30, 14), resolved_at=kst(2026, 3, 31, 8, 59))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_pauses_are_subtracted_from_elapsed_time() -> None:
    # Tue 10 Mar 09:00 → 14:30 is 5.5 h; paused 10:00-12:00 → 3.5 h ≤ 4 h → met
    # without the pause the same ticket fails
    paused = ticket(
        "p",
        kst(2026, 3, 10, 9),
        resolved_at=kst(2026, 3, 10, 14, 30),
        pauses=[pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 12))],
    )
    plain = ticket("n", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14, 30))
    assert march_april("resolved_within", [paused], params=FOUR_HOURS) == [(1, 1), (0, 0)]
    assert march_april("resolved_within", [plain], params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_a_pause_extends_the_deadline_into_the_next_month() -> None:
    # open ticket, Tue 31 Mar 09:00, paused 12:00-17:00: 09-12 = 3 h, 17-18 = 1 h →
    # target reached 18:00, expires Wed 1 Apr 09:00:01 → April; unpaused it expires 31 Mar
    paused = ticket(
        "p", kst(2026, 3, 31, 9), pauses=[pause(kst(2026, 3, 31, 12), kst(2026, 3, 31, 17))]
    )
    assert march_april("resolved_within", [paused], params=FOUR_HOURS) == [(0, 0), (0, 1)]
    plain = ticket("n", kst(2026, 3, 31, 9))
    assert march_april("resolved_within", [plain], params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_overlapping_pauses_are_merged_before_subtracting() -> None:
    # pauses 10-12 and 11-13 merge to 10-13 (3 h); 09:00 → 15:30 = 6.5 h − 3 h = 3.5 h → met
    rows = [
        ticket(
            "t",
            kst(2026, 3, 10, 9),
            resolved_at=kst(2026, 3, 10, 15, 30),
            pauses=[
                pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 12)),
                pause(kst(2026, 3, 10, 11), kst(2026, 3, 10, 13)),
            ],
        )
    ]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_korean_holidays_and_weekends_do_not_count() -> None:
    # created Fri 27 Feb 17:00: 1 h; Sat, Sun 1 Mar (holiday), Mon 2 Mar (alternative
    # holiday) skipped; Tue 3 Mar 09-12 = 3 h → 4 h at 12:00; resolved 11:59 → met (March)
    rows = [ticket("t", kst(2026, 2, 27, 17), resolved_at=kst(2026, 3, 3, 11, 59))]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_a_24x7_calendar_measures_wall_time() -> None:
    # 4 h wall clock: 31 Mar 22:00 → 1 Apr 02:00:00 is met (April); 02:00:01 fails
    rows = [
        ticket("a", kst(2026, 3, 31, 22), resolved_at=kst(2026, 4, 1, 2)),
        ticket("b", kst(2026, 3, 31, 22), resolved_at=kst(2026, 4, 1, 2, 0, 1)),
    ]
    results = compute(
        "resolved_within",
        table("tickets", rows),
        [MARCH, APRIL],
        params=FOUR_HOURS,
        calendar=ALWAYS,
    )
    assert [(r.numerator, r.denominator) for r in results] == [(0, 0), (1, 2)]


def test_first_response_uses_first_response_at() -> None:
    # responded after 1 h (met) and never (open 10 Mar: expired 10:00:01 → failed)
    rows = [
        ticket("a", kst(2026, 3, 10, 9), first_response_at=kst(2026, 3, 10, 10)),
        ticket("b", kst(2026, 3, 10, 9)),
    ]
    assert march_april("responded_within", rows, params={"hours": 1}) == [(1, 2), (0, 0)]


def test_hours_by_priority_sets_each_target_and_leaves_other_priorities_out() -> None:
    # P1 4 h: resolved after 5 h → fail; P2 8 h: after 5 h → met; P3: not counted
    rows = [
        ticket("1", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14)),
        ticket("2", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), priority="P2"),
        ticket("3", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), priority="P3"),
    ]
    params = {"hours_by_priority": {"P1": 4, "P2": 8}}
    assert march_april("resolved_within", rows, params=params) == [(1, 2), (0, 0)]


def test_an_ola_clock_starts_at_the_first_handoff_to_the_party() -> None:
    # handed to "service-desk" at 10:00 (and again at 15:00); responded 13:00 → 3 h ≤ 4 h
    # the second ticket never reached the party → not counted
    assignments = [
        {"party": "vendor", "from": kst(2026, 3, 10, 9), "to": kst(2026, 3, 10, 10)},
        {"party": "service-desk", "from": kst(2026, 3, 10, 10), "to": kst(2026, 3, 10, 12)},
        {"party": "service-desk", "from": kst(2026, 3, 10, 15), "to": None},
    ]
    rows = [
        ticket(
            "a",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 13),
            assignments=assignments,
        ),
        ticket("b", kst(2026, 3, 10, 9), first_response_at=kst(2026, 3, 10, 13)),
    ]
    params = {"hours": 4, "clock_from": "handoff", "party": "service-desk"}
    assert march_april("responded_within", rows, params=params) == [(1, 1), (0, 0)]


def test_new_york_calendar_skips_the_weekend_across_the_daylight_saving_change() -> None:
    # Mon-Fri 09:00-17:00 New York; DST starts Sun 8 Mar 2026. Created Fri 6 Mar 16:00 EST,
    # 2 h: Fri 16-17 = 1 h, Mon 9 Mar 09-10 EDT = 1 h → resolved 10:00 EDT meets it exactly
    ny = ZoneInfo("America/New_York")
    rows = [
        ticket(
            "a",
            datetime(2026, 3, 6, 16, tzinfo=ny),
            resolved_at=datetime(2026, 3, 9, 10, tzinfo=ny),
        ),
        ticket(
            "b",
            datetime(2026, 3, 6, 16, tzinfo=ny),
            resolved_at=datetime(2026, 3, 9, 10, 0, 1, tzinfo=ny),
        ),
    ]
    march = month_window(2026, 3, NEW_YORK)
    result = compute(
        "resolved_within", table("tickets", rows), [march], params={"hours": 2}, calendar=OFFICE_NY
    )[0]
    assert (result.numerator, result.denominator) == (1, 2)


def test_mean_time_to_resolve_is_the_exact_mean_of_business_hours_minus_pauses() -> None:
    # a: Tue 10 Mar 09:00 → 14:30 = 5.5 h; b: Tue 31 Mar 17:00 → Wed 1 Apr 10:00 = 2 h (April)
    # c: Tue 10 Mar 09:00 → 12:00 minus pause 10-11 = 2 h → March mean (5.5 + 2) / 2 = 3.75 h
    rows = [
        ticket("a", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14, 30)),
        ticket("b", kst(2026, 3, 31, 17), resolved_at=kst(2026, 4, 1, 10)),
        ticket(
            "c",
            kst(2026, 3, 10, 9),
            resolved_at=kst(2026, 3, 10, 12),
            pauses=[pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 11))],
        ),
        ticket("open", kst(2026, 3, 10, 9)),
    ]
    results = compute(
        "mean_time_to_resolve", table("tickets", rows), [MARCH, APRIL], calendar=OFFICE_KR
    )
    assert [r.value for r in results] == [Fraction(15, 4), Fraction(2)]


def test_percentile_of_resolution_hours_is_the_nearest_rank_value() -> None:
    # resolution hours 1..10 (Tue 10 Mar from 09:00, resolved the same day then the next)
    # p90: rank ⌈0.9 × 10⌉ = 9 → 9 h; p50: rank 5 → 5 h
    rows = []
    for h in range(1, 11):
        resolved = kst(2026, 3, 10, 9 + h) if h <= 9 else kst(2026, 3, 11, 10)
        rows.append(ticket(f"t{h}", kst(2026, 3, 10, 9), resolved_at=resolved))
    events = table("tickets", rows)
    from servicepact.domain.kpis import CATALOGUE
    from servicepact.engine.business_time import BusinessClock

    ctx = KpiContext(
        CATALOGUE["mean_time_to_resolve"],
        {},
        "Asia/Seoul",
        OFFICE_KR,
        BusinessClock.build(OFFICE_KR, 2025, 2027),
    )
    assert resolution_hours_percentile(events, ctx, [MARCH, APRIL], Fraction(9, 10)) == [9, None]
    assert resolution_hours_percentile(events, ctx, [MARCH], Fraction(1, 2)) == [5]
    # an empty window first, then March: p10 is rank 1 → 1 h, p100 rank 10 → 10 h
    assert resolution_hours_percentile(events, ctx, [APRIL, MARCH], Fraction(1, 10)) == [None, 1]
    assert resolution_hours_percentile(events, ctx, [MARCH], Fraction(1)) == [10]
    # the same tickets in reverse order: the nearest rank does not depend on the order
    backwards = table("tickets", rows[::-1])
    for q, hours in ((Fraction(1, 10), 1), (Fraction(3, 10), 3), (Fraction(1, 2), 5)):
        assert resolution_hours_percentile(backwards, ctx, [MARCH], q) == [hours]
    for outside in (Fraction(0), Fraction(11, 10), Fraction(3, 2)):
        with pytest.raises(ValueError, match=r"^a percentile lies in \(0, 1\]$"):
            resolution_hours_percentile(events, ctx, [MARCH], outside)


def test_reopen_rate_counts_tickets_resolved_in_the_period() -> None:
    # resolved in March: 3 (one reopened); resolved in April: 1 reopened; open: not counted
    rows = [
        ticket("a", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9), reopened=True),
        ticket("b", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9), reopened=False),
        ticket("c", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9)),
        ticket("d", kst(2026, 3, 10, 9), resolved_at=kst(2026, 4, 2, 9), reopened=True),
        ticket("e", kst(2026, 3, 10, 9), reopened=True),
    ]
    assert march_april("reopen_rate", rows) == [(1, 3), (1, 1)]


def test_backlog_counts_tickets_open_at_period_end_older_than_the_days() -> None:
    # end of March = 1 Apr 00:00 KST; 30 days before = 2 Mar 00:00 KST
    rows = [
        ticket("old-open", kst(2026, 3, 1, 23, 59, 59)),  # older, open → counted
        ticket("exactly-30-days", kst(2026, 3, 2)),  # exactly 30 days: not older
        ticket("old-resolved", kst(2026, 2, 1), resolved_at=kst(2026, 3, 31, 23, 59, 59)),
        ticket(
            "resolved-at-end", kst(2026, 2, 1), resolved_at=kst(2026, 4, 1)
        ),  # still open at end
        ticket("after", kst(2026, 4, 5)),  # created after the end: not known yet
    ]
    results = compute("backlog_older_than", table("tickets", rows), [MARCH], params={"days": 30})
    assert results[0].value == 2
    assert results[0].sample_size == 4


def test_expiry_anchors_are_whole_seconds() -> None:
    # the anchor of an expired ticket is an exact second in microseconds
    rows = [ticket("t", kst(2026, 3, 10, 9))]
    from servicepact.engine.kpis import tickets

    ctx = KpiContext(
        __import__("servicepact.domain.kpis", fromlist=["CATALOGUE"]).CATALOGUE["resolved_within"],
        FOUR_HOURS,
        "Asia/Seoul",
        OFFICE_KR,
        __import__("servicepact.engine.business_time", fromlist=["x"]).BusinessClock.build(
            OFFICE_KR, 2025, 2027
        ),
    )
    outcomes = tickets._resolved_within(table("tickets", rows), ctx)
    assert int(outcomes.anchor[0]) == int(kst(2026, 3, 10, 13, 0, 1).timestamp()) * MICROS


def test_an_open_pause_keeps_the_clock_stopped_so_the_ticket_does_not_fail() -> None:
    # Tue 10 Mar 09:00, 1 h worked, then waiting on the customer from 10:00 with no end:
    # the target never expires in March or April
    rows = [ticket("t", kst(2026, 3, 10, 9), pauses=[pause(kst(2026, 3, 10, 10), None)])]
    assert march_april("resolved_within", rows, params=FOUR_HOURS) == [(0, 0), (0, 0)]
