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
    _clock,
    compute,
    kst,
    month_window,
    table,
)

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.kpis import CATALOGUE, Aggregate
from servicepact.engine.kpis import tickets as ticket_kpis
from servicepact.engine.kpis.base import MICROS, KpiAggregate, KpiContext, TargetSeconds
from servicepact.engine.kpis.tickets import backlog_threshold_us, resolution_hours_percentile

MARCH, APRIL = month_window(2026, 3), month_window(2026, 4)
FOUR_HOURS = {"hours": 4}


def ticket(i: str, created: datetime, **kw: Any) -> dict[str, Any]:
    return {"id": i, "created_at": created, "priority": "P1", **kw}


def pause(start: datetime, end: datetime | None) -> dict[str, Any]:
    return {"start": start, "end": end}


# Left out by the filter of the "filtered" paths; counted, it would change every result
# below: a P1 ticket of Tue 10 Mar, paused 09:00-12:00, responded and resolved at 12:30
# (0.5 business hours), reopened.
DECOY = ticket(
    "decoy",
    kst(2026, 3, 10, 9),
    first_response_at=kst(2026, 3, 10, 12, 30),
    resolved_at=kst(2026, 3, 10, 12, 30),
    reopened=True,
    pauses=[pause(kst(2026, 3, 10, 9), kst(2026, 3, 10, 12))],
)


@pytest.fixture(
    params=["compiled", "numpy", "numpy clock", "filtered", "numpy filtered", "numpy source"]
)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every way the engine computes a ticket KPI gives the hand-computed result: the
    compiled passes, the numpy path (no compiled loops), a numpy business clock (which the
    compiled passes cannot read), and a filtered service level reading its rows out of a
    source table that holds one more ticket (DECOY), with and without compiled loops, and
    an unfiltered one reading the source table itself without compiled loops."""
    if "numpy" in request.param and request.param != "numpy clock":
        monkeypatch.setattr(ticket_kpis, "_KERNELS", None)
    if request.param == "numpy clock":
        return {"backend": "numpy"}
    if request.param == "numpy source":
        return {"as_source": True}
    return {"decoy": DECOY} if "filtered" in request.param else {}


def march_april(
    kpi: str, rows: list[dict[str, Any]], path: dict[str, Any], **kw: Any
) -> list[tuple[int, int]]:
    events = table("tickets", rows)
    results = compute(kpi, events, [MARCH, APRIL], calendar=OFFICE_KR, **path, **kw)
    return [(r.numerator, r.denominator) for r in results]


def test_resolved_exactly_at_the_target_second_meets_it_and_one_second_later_fails(
    path: dict[str, Any],
) -> None:
    # created Tue 09:00; 4 business hours → 13:00:00 met; 13:00:01 is 4 h 1 s → failed
    rows = [
        ticket("on", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13)),
        ticket("late", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13, 0, 1)),
    ]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(1, 2), (0, 0)]


def test_a_ticket_whose_deadline_falls_in_the_next_month_counts_there(path: dict[str, Any]) -> None:
    # created Tue 31 Mar 16:00: 16-18 = 2 h, Wed 1 Apr 09-11 = 2 h → deadline 1 Apr 11:00
    # resolved 1 Apr 10:30 → met, anchored at the resolution in April
    rows = [ticket("t", kst(2026, 3, 31, 16), resolved_at=kst(2026, 4, 1, 10, 30))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 0), (1, 1)]


def test_a_ticket_open_past_its_deadline_fails_in_the_period_the_deadline_passed(
    path: dict[str, Any],
) -> None:
    # created Tue 10 Mar 09:00, never resolved → expired 13:00:01 on 10 Mar → March fails
    rows = [ticket("t", kst(2026, 3, 10, 9))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_an_open_ticket_before_its_deadline_at_period_end_is_not_yet_counted(
    path: dict[str, Any],
) -> None:
    # created Tue 31 Mar 17:00: 1 h on the 31st, 3 h on 1 Apr → expires 1 Apr 12:00:01
    rows = [ticket("t", kst(2026, 3, 31, 17))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 0), (0, 1)]


def test_a_ticket_resolved_late_fails_in_the_month_its_deadline_passed(
    path: dict[str, Any],
) -> None:
    # created Mon 30 Mar 14:00: 14-18 = 4 h → target reached 18:00, expires Tue 31 Mar
    # 09:00:01; resolved 3 Apr → a March failure (never counted in April)
    rows = [ticket("t", kst(2026, 3, 30, 14), resolved_at=kst(2026, 4, 3, 10))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_a_resolution_before_the_next_working_second_still_meets_a_target_reached_at_close(
    path: dict[str, Any],
) -> None:
    # created Mon 30 Mar 14:00, target reached 18:00; resolved 31 Mar 08:59 → still 4 h → met
    rows = [ticket("t", kst(2026, 3, 30, 14), resolved_at=kst(2026, 3, 31, 8, 59))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_pauses_are_subtracted_from_elapsed_time(path: dict[str, Any]) -> None:
    # Tue 10 Mar 09:00 → 14:30 is 5.5 h; paused 10:00-12:00 → 3.5 h ≤ 4 h → met
    # without the pause the same ticket fails
    paused = ticket(
        "p",
        kst(2026, 3, 10, 9),
        resolved_at=kst(2026, 3, 10, 14, 30),
        pauses=[pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 12))],
    )
    plain = ticket("n", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14, 30))
    assert march_april("resolved_within", [paused], path, params=FOUR_HOURS) == [(1, 1), (0, 0)]
    assert march_april("resolved_within", [plain], path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_a_pause_extends_the_deadline_into_the_next_month(path: dict[str, Any]) -> None:
    # open ticket, Tue 31 Mar 09:00, paused 12:00-17:00: 09-12 = 3 h, 17-18 = 1 h →
    # target reached 18:00, expires Wed 1 Apr 09:00:01 → April; unpaused it expires 31 Mar
    paused = ticket(
        "p", kst(2026, 3, 31, 9), pauses=[pause(kst(2026, 3, 31, 12), kst(2026, 3, 31, 17))]
    )
    assert march_april("resolved_within", [paused], path, params=FOUR_HOURS) == [(0, 0), (0, 1)]
    plain = ticket("n", kst(2026, 3, 31, 9))
    assert march_april("resolved_within", [plain], path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_overlapping_pauses_are_merged_before_subtracting(path: dict[str, Any]) -> None:
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
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_korean_holidays_and_weekends_do_not_count(path: dict[str, Any]) -> None:
    # created Fri 27 Feb 17:00: 1 h; Sat, Sun 1 Mar (holiday), Mon 2 Mar (alternative
    # holiday) skipped; Tue 3 Mar 09-12 = 3 h → 4 h at 12:00; resolved 11:59 → met (March)
    rows = [ticket("t", kst(2026, 2, 27, 17), resolved_at=kst(2026, 3, 3, 11, 59))]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(1, 1), (0, 0)]


def test_a_24x7_calendar_measures_wall_time(path: dict[str, Any]) -> None:
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
        **path,
    )
    assert [(r.numerator, r.denominator) for r in results] == [(0, 0), (1, 2)]


def test_first_response_uses_first_response_at(path: dict[str, Any]) -> None:
    # responded after 1 h (met) and never (open 10 Mar: expired 10:00:01 → failed)
    rows = [
        ticket("a", kst(2026, 3, 10, 9), first_response_at=kst(2026, 3, 10, 10)),
        ticket("b", kst(2026, 3, 10, 9)),
    ]
    assert march_april("responded_within", rows, path, params={"hours": 1}) == [(1, 2), (0, 0)]


def test_hours_by_priority_sets_each_target_and_leaves_other_priorities_out(
    path: dict[str, Any],
) -> None:
    # P1 4 h: resolved after 5 h → fail; P2 8 h: after 5 h → met; P3: not counted
    rows = [
        ticket("1", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14)),
        ticket("2", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), priority="P2"),
        ticket("3", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), priority="P3"),
    ]
    params = {"hours_by_priority": {"P1": 4, "P2": 8}}
    assert march_april("resolved_within", rows, path, params=params) == [(1, 2), (0, 0)]


def test_an_ola_clock_starts_at_the_first_handoff_to_the_party(path: dict[str, Any]) -> None:
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
    assert march_april("responded_within", rows, path, params=params) == [(1, 1), (0, 0)]


def test_new_york_calendar_skips_the_weekend_across_the_daylight_saving_change(
    path: dict[str, Any],
) -> None:
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
        "resolved_within",
        table("tickets", rows),
        [march],
        params={"hours": 2},
        calendar=OFFICE_NY,
        **path,
    )[0]
    assert (result.numerator, result.denominator) == (1, 2)


def test_mean_time_to_resolve_is_the_exact_mean_of_business_hours_minus_pauses(
    path: dict[str, Any],
) -> None:
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
        "mean_time_to_resolve", table("tickets", rows), [MARCH, APRIL], calendar=OFFICE_KR, **path
    )
    assert [r.value for r in results] == [Fraction(15, 4), Fraction(2)]
    # kept exact: the sum of business seconds over the count, read in hours
    assert results == [
        KpiAggregate(Aggregate.MEAN, (5 * 3600 + 1800) + 2 * 3600, 2, 2, 3600),
        KpiAggregate(Aggregate.MEAN, 2 * 3600, 1, 1, 3600),
    ]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_percentile_of_resolution_hours_is_the_nearest_rank_value(
    compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not compiled:
        monkeypatch.setattr(ticket_kpis, "_KERNELS", None)
    # resolution hours 1..10 (Tue 10 Mar from 09:00, resolved the same day then the next)
    # p90: rank ⌈0.9 × 10⌉ = 9 → 9 h; p50: rank 5 → 5 h
    rows = []
    for h in range(1, 11):
        resolved = kst(2026, 3, 10, 9 + h) if h <= 9 else kst(2026, 3, 11, 10)
        rows.append(ticket(f"t{h}", kst(2026, 3, 10, 9), resolved_at=resolved))
    events = table("tickets", rows)
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
    # 200 tickets resolved 1..200 minutes after creation, in a scrambled order: the
    # median (rank 100) is 100 minutes, p99 (rank 198) 198 minutes
    scrambled = [
        ticket(f"m{k}", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 9 + k // 60, k % 60))
        for k in (1 + (i * 37) % 200 for i in range(200))
    ]
    many = table("tickets", scrambled)
    fresh = KpiContext(ctx.definition, {}, "Asia/Seoul", OFFICE_KR, ctx.clock)  # another table
    assert resolution_hours_percentile(many, fresh, [MARCH], Fraction(1, 2)) == [Fraction(100, 60)]
    assert resolution_hours_percentile(many, fresh, [MARCH], Fraction(99, 100)) == [
        Fraction(198, 60)
    ]
    for outside in (Fraction(0), Fraction(11, 10), Fraction(3, 2)):
        with pytest.raises(ValueError, match=r"^a percentile lies in \(0, 1\]$"):
            resolution_hours_percentile(events, ctx, [MARCH], outside)


def test_reopen_rate_counts_tickets_resolved_in_the_period(path: dict[str, Any]) -> None:
    # resolved in March: 3 (one reopened); resolved in April: 1 reopened; open: not counted
    rows = [
        ticket("a", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9), reopened=True),
        ticket("b", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9), reopened=False),
        ticket("c", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 11, 9)),
        ticket("d", kst(2026, 3, 10, 9), resolved_at=kst(2026, 4, 2, 9), reopened=True),
        ticket("e", kst(2026, 3, 10, 9), reopened=True),
    ]
    results = compute("reopen_rate", table("tickets", rows), [MARCH, APRIL], **path)
    assert results == [
        KpiAggregate(Aggregate.RATIO, 1, 3, 3),
        KpiAggregate(Aggregate.RATIO, 1, 1, 1),
    ]


def test_backlog_counts_tickets_open_at_period_end_older_than_the_days(
    path: dict[str, Any],
) -> None:
    # end of March = 1 Apr 00:00 KST; 30 days before = 2 Mar 00:00 KST
    rows = [
        ticket("old-open", kst(2026, 3, 1, 23, 59, 59)),  # older, open → counted
        ticket("exactly-30-days", kst(2026, 3, 2)),  # exactly 30 days: not older
        ticket("old-resolved", kst(2026, 2, 1), resolved_at=kst(2026, 3, 31, 23, 59, 59)),
        ticket(
            "resolved-at-end", kst(2026, 2, 1), resolved_at=kst(2026, 4, 1)
        ),  # still open at end
        ticket("after", kst(2026, 4, 5)),  # created after the end: not known yet
        ticket("at-end", kst(2026, 4, 1)),  # created at the end itself: not known yet
    ]
    results = compute(
        "backlog_older_than", table("tickets", rows), [MARCH], params={"days": 30}, **path
    )
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


def test_an_open_pause_keeps_the_clock_stopped_so_the_ticket_does_not_fail(
    path: dict[str, Any],
) -> None:
    # Tue 10 Mar 09:00, 1 h worked, then waiting on the customer from 10:00 with no end:
    # the target never expires in March or April
    rows = [ticket("t", kst(2026, 3, 10, 9), pauses=[pause(kst(2026, 3, 10, 10), None)])]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 0), (0, 0)]


def test_a_clock_target_needs_hours_or_hours_by_priority(path: dict[str, Any]) -> None:
    rows = [ticket("t", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 10))]
    with pytest.raises(InvalidInput) as caught:
        march_april("resolved_within", rows, path, params={})
    assert list(caught.value.problems) == [
        Problem("params.hours", "give hours or hours_by_priority")
    ]


HOUR = 3600
# created Tue 10 Mar 09:00; business time to resolution: P1 4 h, P2 5 h, P3 1 s, none 4 h
DECLARED_ROWS = [
    ticket("p1", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13)),
    ticket("p2", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), priority="P2"),
    ticket("p3", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 9, 0, 1), priority="P3"),
    ticket("none", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 13), priority=None),
]


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        # 4 h for all: p1 (4 h) and none (4 h) and p3 (1 s) met, p2 (5 h) failed
        (TargetSeconds(uniform=4 * HOUR), (3, 4)),
        # no seconds declared: a target of 0 s, which 1 s already misses → all failed
        (TargetSeconds(), (0, 4)),
        # per priority: P1 4 h met, P3 0 s missed by its 1 s; P2 and no priority not counted
        (TargetSeconds(per_value={"P1": 4 * HOUR, "P3": 0}), (1, 2)),
        # P2 5 h met exactly, P3 1 s met exactly
        (TargetSeconds(per_value={"P2": 5 * HOUR, "P3": 1}), (2, 2)),
        # P2 3,600 s: its 5 h fail (the declared figure is seconds, not hours)
        (TargetSeconds(per_value={"P2": HOUR}), (0, 1)),
    ],
    ids=["uniform", "zero", "per-priority", "exact", "seconds"],
)
def test_declared_targets_in_seconds_replace_the_hours_params(
    targets: TargetSeconds, expected: tuple[int, int], path: dict[str, Any]
) -> None:
    results = march_april("resolved_within", DECLARED_ROWS, path, params={}, targets=targets)
    assert results == [expected, (0, 0)]


def test_a_priority_with_zero_hours_is_counted_and_met_only_at_once(path: dict[str, Any]) -> None:
    # P1 4 h: resolved after 4 h → met; P3 0 h: resolved after 1 s → failed;
    # P2 and the ticket without a priority have no target → not counted
    params = {"hours_by_priority": {"P1": 4, "P3": 0}}
    results = march_april("resolved_within", DECLARED_ROWS, path, params=params)
    assert results == [(1, 2), (0, 0)]


def test_an_ola_clock_takes_the_earliest_usable_handoff_to_the_party(path: dict[str, Any]) -> None:
    # 4 h to respond, from the first hand-off to "desk" (Tue 10 Mar):
    # a: one hand-off at 10:00, responded 13:30 → 3.5 h → met
    # b: hand-offs to desk at 11:00 and 10:00 (listed in that order), one without a party
    #    at 09:00 and one without a time: from 10:00 to 14:30 → 4.5 h → failed
    # c: one without a party at 09:00, then desk at 10:00; responded 13:30 → 3.5 h → met
    # d: only ever with the vendor → not counted
    def handoff(party: str | None, start: datetime | None) -> dict[str, Any]:
        return {"party": party, "from": start, "to": None}

    rows = [
        ticket(
            "a",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 13, 30),
            assignments=[handoff("desk", kst(2026, 3, 10, 10))],
        ),
        ticket(
            "b",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 14, 30),
            assignments=[
                handoff("desk", kst(2026, 3, 10, 11)),
                handoff(None, kst(2026, 3, 10, 9)),
                handoff("desk", kst(2026, 3, 10, 10)),
                handoff("desk", None),
            ],
        ),
        ticket(
            "c",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 13, 30),
            assignments=[handoff(None, kst(2026, 3, 10, 9)), handoff("desk", kst(2026, 3, 10, 10))],
        ),
        ticket(
            "d",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 9, 30),
            assignments=[handoff("vendor", kst(2026, 3, 10, 9))],
        ),
    ]
    params = {"hours": 4, "clock_from": "handoff", "party": "desk"}
    assert march_april("responded_within", rows, path, params=params) == [(2, 3), (0, 0)]
    # a single hand-off in the whole table is found all the same
    assert march_april("responded_within", rows[:1], path, params=params) == [(1, 1), (0, 0)]


@pytest.mark.parametrize(
    ("pauses", "expected"),
    [
        # a pause without a start is ignored: 09:00 → 14:00 minus 10:00-10:30 = 4.5 h → failed
        (
            [
                pause(None, kst(2026, 3, 10, 12)),
                pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 10, 30)),
            ],  # type: ignore[arg-type]
            (0, 1),
        ),
        # 09:00 → 14:00 minus 10:00-11:00 = 4 h → met
        ([pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 11))], (1, 1)),
    ],
    ids=["without-start", "closed"],
)
def test_pauses_without_a_start_do_not_count(
    pauses: list[dict[str, Any]], expected: tuple[int, int], path: dict[str, Any]
) -> None:
    rows = [ticket("t", kst(2026, 3, 10, 9), resolved_at=kst(2026, 3, 10, 14), pauses=pauses)]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [expected, (0, 0)]


def test_an_open_pause_stops_only_its_own_ticket(path: dict[str, Any]) -> None:
    # x: Tue 10 Mar 09:00 → 14:30 minus its closed pause 10:00-11:00 = 4.5 h → failed;
    # y: waiting on the customer from 10:00 with no end → never expires
    rows = [
        ticket(
            "x",
            kst(2026, 3, 10, 9),
            resolved_at=kst(2026, 3, 10, 14, 30),
            pauses=[pause(kst(2026, 3, 10, 10), kst(2026, 3, 10, 11))],
        ),
        ticket("y", kst(2026, 3, 10, 9), pauses=[pause(kst(2026, 3, 10, 10), None)]),
    ]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_a_pause_starting_once_the_target_expired_does_not_move_the_expiry(
    path: dict[str, Any],
) -> None:
    # open, Tue 31 Mar 09:00, 4 h: expired at 13:00:01 (March); a pause from that very second
    # to Wed 1 Apr 12:00 comes too late to move it into April
    rows = [
        ticket(
            "t",
            kst(2026, 3, 31, 9),
            pauses=[pause(kst(2026, 3, 31, 13, 0, 1), kst(2026, 4, 1, 12))],
        )
    ]
    assert march_april("resolved_within", rows, path, params=FOUR_HOURS) == [(0, 1), (0, 0)]


def test_an_open_pause_reaching_past_the_clocks_years_after_the_expiry_is_no_error(
    path: dict[str, Any],
) -> None:
    # the clocks know 2025-2028; open ticket, Tue 5 Dec 2028 09:00, 4 h: expired 13:00:01,
    # so its pause from 14:00 with no end (taken to last 400 days, past the clock) changes
    # nothing: a December failure
    rows = [ticket("t", kst(2028, 12, 5, 9), pauses=[pause(kst(2028, 12, 5, 14), None)])]
    december = month_window(2028, 12)
    results = compute(
        "resolved_within",
        table("tickets", rows),
        [december],
        params=FOUR_HOURS,
        calendar=OFFICE_KR,
        **path,
    )
    assert [(r.numerator, r.denominator) for r in results] == [(0, 1)]


@pytest.mark.parametrize("kpi", ["responded_within", "resolved_within", "mean_time_to_resolve"])
def test_a_ticket_outside_the_clocks_years_is_refused(kpi: str, path: dict[str, Any]) -> None:
    # the clocks know 2025-2028: a ticket of 2030 cannot be measured, whatever its position
    rows = [
        ticket(
            "late",
            kst(2030, 3, 12, 9),
            first_response_at=kst(2030, 3, 12, 10),
            resolved_at=kst(2030, 3, 12, 10),
        ),
        ticket(
            "t",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 10),
            resolved_at=kst(2026, 3, 10, 10),
        ),
    ]
    with pytest.raises(ValueError, match="outside the years this clock was built for"):
        march_april(kpi, rows, path, params=FOUR_HOURS)


def test_backlog_days_are_local_calendar_days_across_daylight_saving(
    path: dict[str, Any],
) -> None:
    # New York's March ends 1 Apr 00:00 EDT; 30 local days before is 2 Mar 00:00 EST
    # (05:00 UTC), not 24 × 30 hours before (2 Mar 04:00 UTC)
    rows = [
        ticket("old", datetime(2026, 3, 1, 23, 30, tzinfo=NEW_YORK)),  # 04:30 UTC → counted
        ticket("exactly", datetime(2026, 3, 2, tzinfo=NEW_YORK)),  # not older
    ]
    march = month_window(2026, 3, NEW_YORK)
    results = compute(
        "backlog_older_than",
        table("tickets", rows),
        [march],
        params={"days": 30},
        timezone="America/New_York",
        **path,
    )
    assert [(r.value, r.sample_size) for r in results] == [(1, 2)]


def test_the_backlog_threshold_keeps_the_ends_fraction_of_a_second() -> None:
    end = int(kst(2026, 4, 1).timestamp()) * MICROS + 500_000  # a running period's "now"
    expected = int(kst(2026, 3, 2).timestamp()) * MICROS + 500_000
    assert backlog_threshold_us(end, 30, "Asia/Seoul") == expected


def test_ola_service_levels_sharing_the_memo_keep_each_partys_clock() -> None:
    # one ticket, Tue 10 Mar 09:00, handed to desk at 10:00 and to l2 at 12:00, responded
    # 13:30; target 3 h: from desk 3.5 h → failed, from l2 1.5 h → met, whichever runs first
    rows = [
        ticket(
            "t",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 13, 30),
            assignments=[
                {"party": "desk", "from": kst(2026, 3, 10, 10), "to": kst(2026, 3, 10, 12)},
                {"party": "l2", "from": kst(2026, 3, 10, 12), "to": None},
            ],
        )
    ]
    events = table("tickets", rows)
    from servicepact.engine.kpis import COMPUTATIONS

    memo: dict[tuple[Any, ...], Any] = {}

    def verdict(party: str) -> tuple[int, int]:
        params = {"hours": 3, "clock_from": "handoff", "party": party}
        ctx = KpiContext(
            CATALOGUE["responded_within"],
            params,
            "Asia/Seoul",
            OFFICE_KR,
            _clock(OFFICE_KR),
            memo=memo,
            source_table=events,
        )
        result = COMPUTATIONS["responded_within"](events, ctx, [MARCH])[0]
        return result.numerator, result.denominator

    assert [verdict("desk"), verdict("l2"), verdict("desk")] == [(0, 1), (1, 1), (0, 1)]


@pytest.mark.parametrize(
    ("kpi", "met_column", "outcomes_of", "expected"),
    [
        # Tue 10 Mar 09:00, responded 10:00 (1 h) and resolved 14:00 (5 h), 4 h target
        ("responded_within", "first_response_at", ticket_kpis._responded_within, (1, 1)),
        ("resolved_within", "resolved_at", ticket_kpis._resolved_within, (0, 1)),
    ],
)
def test_a_within_computation_measures_up_to_its_own_column(
    kpi: str,
    met_column: str,
    outcomes_of: Any,
    expected: tuple[int, int],
    path: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicepact.engine.kpis import COMPUTATIONS

    built = ticket_kpis._within_computation(met_column, outcomes_of)
    monkeypatch.setitem(COMPUTATIONS, kpi, built)
    rows = [
        ticket(
            "t",
            kst(2026, 3, 10, 9),
            first_response_at=kst(2026, 3, 10, 10),
            resolved_at=kst(2026, 3, 10, 14),
        )
    ]
    assert march_april(kpi, rows, path, params=FOUR_HOURS) == [expected, (0, 0)]
    # what evaluation and the drill-down read off it: the per-ticket outcomes (and their
    # description), the step-by-step path, and that it reads the rows through the context
    assert built.outcomes is outcomes_of
    assert built.__doc__ == outcomes_of.__doc__
    assert built.met_column == met_column
    assert built.reads_rows_through_context is True
    ctx = KpiContext(CATALOGUE[kpi], FOUR_HOURS, "Asia/Seoul", OFFICE_KR, _clock(OFFICE_KR))
    plain = built.plain(table("tickets", rows), ctx, [MARCH])[0]
    assert (plain.numerator, plain.denominator) == expected


def test_selection_aware_computations_say_so_and_name_their_outcomes() -> None:
    def outcomes(table: Any, ctx: Any) -> Any:
        """Per-ticket outcomes."""

    def with_outcomes(table: Any, ctx: Any, windows: Any) -> Any: ...

    def without_outcomes(table: Any, ctx: Any, windows: Any) -> Any:
        """Its own description."""

    marked = ticket_kpis._selection_aware(with_outcomes, outcomes)
    assert marked is with_outcomes
    assert (marked.reads_rows_through_context, marked.outcomes, marked.__doc__) == (
        True,
        outcomes,
        "Per-ticket outcomes.",
    )
    alone = ticket_kpis._selection_aware(without_outcomes)
    assert alone.reads_rows_through_context is True
    assert not hasattr(alone, "outcomes")
    assert alone.__doc__ == "Its own description."
