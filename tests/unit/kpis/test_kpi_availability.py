"""Availability, hand-computed (KPIS.md "IT operations"). Values are in seconds; the
ratio equals the ratio in minutes."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from kpi_fixtures import ALWAYS, OFFICE_KR, _clock, compute, kst, month_window, one, table

from servicepact.domain.kpis import CATALOGUE, Aggregate
from servicepact.engine.kpis import KpiContext
from servicepact.engine.kpis.availability import outage_windows

APRIL, MAY = month_window(2026, 4), month_window(2026, 5)
MIN = 60


def outage(
    i: str, start: datetime | None, end: datetime | None, planned: bool, service: str | None = "erp"
) -> dict[str, Any]:
    return {"id": i, "service": service, "start": start, "end": end, "planned": planned}


def test_the_kpis_md_example_a_30_day_month_24x7() -> None:
    # April (30 days) 24×7 = 43,200 min; 60 planned, 30 unplanned
    # → (43,140 − 30) ÷ 43,140 = 99.930 %
    rows = [
        outage("p", kst(2026, 4, 5, 2), kst(2026, 4, 5, 3), True),
        outage("u", kst(2026, 4, 9, 14), kst(2026, 4, 9, 14, 30), False),
    ]
    result = one("availability", table("availability", rows), APRIL, calendar=ALWAYS)
    assert (result.numerator, result.denominator) == (43_110 * MIN, 43_140 * MIN)
    assert result.value == Fraction(43_110, 43_140)
    assert f"{float(result.value) * 100:.3f}" == "99.930"
    assert result.sample_size == 43_140
    assert result.aggregate is Aggregate.RATIO  # exact numerator and denominator


def test_an_outage_spanning_month_end_is_split_between_the_months() -> None:
    # unplanned 30 Apr 23:00 → 1 May 01:00 KST: 60 min in April, 60 min in May (24×7)
    # April 43,200 min → 43,140/43,200; May 31 days = 44,640 min → 44,580/44,640
    rows = [outage("u", kst(2026, 4, 30, 23), kst(2026, 5, 1, 1), False)]
    results = compute("availability", table("availability", rows), [APRIL, MAY], calendar=ALWAYS)
    assert [(r.numerator // MIN, r.denominator // MIN) for r in results] == [
        (43_140, 43_200),
        (44_580, 44_640),
    ]


def test_overlapping_outages_are_merged() -> None:
    # unplanned 10:00-11:00 and 10:30-12:00 → one outage 10:00-12:00 = 120 min (not 150)
    rows = [
        outage("a", kst(2026, 4, 9, 10), kst(2026, 4, 9, 11), False),
        outage("b", kst(2026, 4, 9, 10, 30), kst(2026, 4, 9, 12), False),
    ]
    result = one("availability", table("availability", rows), APRIL, calendar=ALWAYS)
    assert result.denominator // MIN - result.numerator // MIN == 120


def test_a_planned_window_inside_an_unplanned_outage_is_not_also_downtime() -> None:
    # unplanned 10:00-12:00 contains planned 10:30-11:00:
    # agreed = 43,200 − 30 = 43,170 min; downtime = 120 − 30 = 90 min → 43,080/43,170
    rows = [
        outage("u", kst(2026, 4, 9, 10), kst(2026, 4, 9, 12), False),
        outage("p", kst(2026, 4, 9, 10, 30), kst(2026, 4, 9, 11), True),
    ]
    result = one("availability", table("availability", rows), APRIL, calendar=ALWAYS)
    assert (result.numerator // MIN, result.denominator // MIN) == (43_080, 43_170)


def test_unplanned_downtime_counts_only_within_working_time() -> None:
    # office calendar, April 2026: 22 working days (no KR holiday in April) × 9 h = 11,880 min
    # unplanned Thu 9 Apr 17:00 → 20:00 = 60 working min; planned Sat 11 Apr: 0 working min
    rows = [
        outage("u", kst(2026, 4, 9, 17), kst(2026, 4, 9, 20), False),
        outage("p", kst(2026, 4, 11, 9), kst(2026, 4, 11, 12), True),
    ]
    result = one("availability", table("availability", rows), APRIL, calendar=OFFICE_KR)
    assert (result.numerator // MIN, result.denominator // MIN) == (11_820, 11_880)


def test_the_service_parameter_keeps_only_that_services_outages() -> None:
    # the CRM outage (60 min) is ignored for service erp → 100 %
    rows = [outage("c", kst(2026, 4, 9, 10), kst(2026, 4, 9, 11), False, service="crm")]
    result = one(
        "availability",
        table("availability", rows),
        APRIL,
        calendar=ALWAYS,
        params={"service": "erp"},
    )
    assert result.value == 1


MARCH = month_window(2026, 3)


def test_planned_windows_across_both_month_ends_count_in_each_month_only_their_part() -> None:
    # 24×7, service erp. Planned 31 Mar 23:00 → 1 Apr 01:00 (60 min in each month), unplanned
    # 10 Apr 10:00-10:30, planned 30 Apr 23:30 → 1 May 00:30 (30 min in each month). The CRM
    # outage and the outage naming no service are not erp's.
    # March 44,640 min − 60 planned = 44,580 agreed, no downtime;
    # April 43,200 − (60 + 30) = 43,110 agreed, 30 min down → 43,080;
    # May 44,640 − 30 = 44,610 agreed, no downtime.
    rows = [
        outage("a", kst(2026, 3, 31, 23), kst(2026, 4, 1, 1), True),
        outage("b", kst(2026, 4, 10, 10), kst(2026, 4, 10, 10, 30), False),
        outage("c", kst(2026, 4, 30, 23, 30), kst(2026, 5, 1, 0, 30), True),
        outage("d", kst(2026, 4, 15, 10), kst(2026, 4, 15, 12), False, service="crm"),
        outage("e", kst(2026, 4, 20, 10), kst(2026, 4, 20, 11), False, service=None),
    ]
    results = compute(
        "availability",
        table("availability", rows),
        [MARCH, APRIL, MAY],
        calendar=ALWAYS,
        params={"service": "erp"},
    )
    assert [(r.numerator // MIN, r.denominator // MIN) for r in results] == [
        (44_580, 44_580),
        (43_080, 43_110),
        (44_610, 44_610),
    ]


def test_the_drill_down_lists_each_outage_under_the_run_it_was_merged_into() -> None:
    # Rows 0 and 1 overlap (10:00-11:00 and 10:30-12:00): one run; row 2 alone at 14:00-15:00;
    # row 3 ends as it starts (11:15, inside the first run) and row 4 too (16:00, after
    # both runs): empty outages belong to no run.
    rows = [
        outage("a", kst(2026, 4, 9, 10), kst(2026, 4, 9, 11), False),
        outage("b", kst(2026, 4, 9, 10, 30), kst(2026, 4, 9, 12), False),
        outage("c", kst(2026, 4, 9, 14), kst(2026, 4, 9, 15), False),
        outage("d", kst(2026, 4, 9, 11, 15), kst(2026, 4, 9, 11, 15), False),
        outage("e", kst(2026, 4, 9, 16), kst(2026, 4, 9, 16), False),
        # row 5 ends as April begins: it has no run in April, not even an empty one
        outage("f", kst(2026, 3, 31, 23), kst(2026, 4, 1), False),
    ]
    ctx = KpiContext(
        definition=CATALOGUE["availability"],
        params={},
        timezone=ALWAYS.timezone,
        calendar=ALWAYS,
        clock=_clock(ALWAYS),
    )
    [april] = outage_windows(table("availability", rows), ctx, [APRIL])
    assert [(r.rows, r.unplanned_seconds // MIN) for r in april.runs] == [((0, 1), 120), ((2,), 60)]


def test_an_outage_missing_its_start_or_its_end_is_not_counted() -> None:
    # Only the 30-minute outage with both ends counts: April 43,200 min, 30 down → 43,170.
    rows = [
        outage("s", None, kst(2026, 4, 10, 10), False),
        outage("e", kst(2026, 4, 20, 10), None, False),
        outage("u", kst(2026, 4, 9, 14), kst(2026, 4, 9, 14, 30), False),
    ]
    result = one("availability", table("availability", rows), APRIL, calendar=ALWAYS)
    assert (result.numerator // MIN, result.denominator // MIN) == (43_170, 43_200)
