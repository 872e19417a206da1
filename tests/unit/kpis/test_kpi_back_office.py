"""Payroll, accounts payable, logistics and marketing KPIs, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pyarrow as pa
from kpi_fixtures import NEW_YORK, OFFICE_KR, _clock, compute, kst, month_window, one, table

from servicepact.domain.kpis import CATALOGUE
from servicepact.engine.kpis import COMPUTATIONS, KpiContext
from servicepact.engine.kpis.base import MICROS, Measure, Outcomes, paid_by_local_day_end

MARCH, APRIL = month_window(2026, 3), month_window(2026, 4)


# --- payroll -----------------------------------------------------------------------------


def payroll(
    i: str, pay_date: date, paid: datetime | None, error: bool = False
) -> dict[str, object]:
    return {
        "id": i,
        "run": "r1",
        "employee": "e",
        "scheduled_pay_date": pay_date,
        "paid_at": paid,
        "error": error,
    }


def test_payroll_paid_at_235959_local_on_the_day_is_on_time_and_at_midnight_is_late() -> None:
    # due 25 Mar: 23:59:59 KST → on time; 26 Mar 00:00:00 KST → late; unpaid → late → 1/3
    rows = [
        payroll("a", date(2026, 3, 25), kst(2026, 3, 25, 23, 59, 59)),
        payroll("b", date(2026, 3, 25), kst(2026, 3, 26)),
        payroll("c", date(2026, 3, 25), None),
    ]
    result = one("payroll_on_time", table("payroll_items", rows), MARCH)
    assert (result.numerator, result.denominator) == (1, 3)


def test_payroll_items_belong_to_the_month_of_their_scheduled_date_even_if_paid_later() -> None:
    # due 31 Mar, paid 1 Apr → a late March item; April has none
    rows = [payroll("a", date(2026, 3, 31), kst(2026, 4, 1, 9))]
    results = compute("payroll_on_time", table("payroll_items", rows), [MARCH, APRIL])
    assert [(r.numerator, r.denominator) for r in results] == [(0, 1), (0, 0)]


def test_payroll_on_time_in_new_york_uses_the_local_end_of_day() -> None:
    # due 9 Mar (the day after DST starts); paid 23:30 EDT = 03:30 UTC on 10 Mar → on time
    ny = ZoneInfo("America/New_York")
    rows = [payroll("a", date(2026, 3, 9), datetime(2026, 3, 9, 23, 30, tzinfo=ny))]
    result = one(
        "payroll_on_time",
        table("payroll_items", rows),
        month_window(2026, 3, NEW_YORK),
        timezone="America/New_York",
    )
    assert (result.numerator, result.denominator) == (1, 1)


def test_payroll_accuracy_is_one_minus_the_error_share() -> None:
    # 4 items, 1 error → 1 − 1/4 = 3/4
    rows = [payroll(str(i), date(2026, 3, 25), kst(2026, 3, 25, 9), error=i == 0) for i in range(4)]
    result = one("payroll_accuracy", table("payroll_items", rows), MARCH)
    assert (result.numerator, result.denominator) == (3, 4)


# --- accounts payable -----------------------------------------------------------------------


def invoice(i: str, received: datetime, **kw: object) -> dict[str, object]:
    return {"id": i, "received_at": received, "due_date": date(2026, 3, 31), **kw}


def test_invoice_cycle_time_is_in_full_working_days_of_the_calendar() -> None:
    # office day = 9 h. a: Tue 10 Mar 09:00 → Thu 12 Mar 13:30 = 9 + 9 + 4.5 = 22.5 h = 2.5 days
    # b: Fri 13 Mar 17:00 → Mon 16 Mar 09:00 = 1 h = 1/9 day; c: not posted → left out
    # mean = (22.5 + 1) h / 2 / 9 h = 23.5/18 days
    rows = [
        invoice("a", kst(2026, 3, 10, 9), posted_at=kst(2026, 3, 12, 13, 30)),
        invoice("b", kst(2026, 3, 13, 17), posted_at=kst(2026, 3, 16, 9)),
        invoice("c", kst(2026, 3, 13, 17)),
    ]
    result = one("invoice_cycle_time", table("invoices_processed", rows), MARCH, calendar=OFFICE_KR)
    assert result.value == Fraction(47, 36)
    assert result.sample_size == 2


def test_first_pass_match_and_duplicates_are_shares_of_invoices_received() -> None:
    # 4 received in March: match true, true, false, missing → 2/4; duplicates 1/4
    rows = [
        invoice("a", kst(2026, 3, 2), first_pass_match=True),
        invoice("b", kst(2026, 3, 3), first_pass_match=True, duplicate=True),
        invoice("c", kst(2026, 3, 4), first_pass_match=False),
        invoice("d", kst(2026, 3, 5)),
        invoice("e", kst(2026, 4, 5), first_pass_match=True),
    ]
    events = table("invoices_processed", rows)
    match = one("first_pass_match_rate", events, MARCH)
    assert (match.numerator, match.denominator) == (2, 4)
    duplicate = one("duplicate_payment_rate", events, MARCH)
    assert (duplicate.numerator, duplicate.denominator) == (1, 4)


def test_on_time_payment_is_anchored_at_the_due_date() -> None:
    # due 31 Mar: paid 31 Mar 23:59:59 (on time), 1 Apr 00:00 (late); due 1 Apr → April
    rows = [
        invoice("a", kst(2026, 3, 2), paid_at=kst(2026, 3, 31, 23, 59, 59)),
        invoice("b", kst(2026, 3, 2), paid_at=kst(2026, 4, 1)),
        invoice("c", kst(2026, 3, 2), paid_at=kst(2026, 3, 20), due_date=date(2026, 4, 1)),
    ]
    results = compute("on_time_payment", table("invoices_processed", rows), [MARCH, APRIL])
    assert [(r.numerator, r.denominator) for r in results] == [(1, 2), (1, 1)]


# --- logistics ---------------------------------------------------------------------------


def order(
    i: str, promised: date, delivered: datetime | None, ordered: int, shipped: int | None
) -> dict[str, object]:
    return {
        "id": i,
        "promised_at": promised,
        "delivered_at": delivered,
        "qty_ordered": ordered,
        "qty_delivered": shipped,
    }


def test_otif_needs_delivery_by_the_end_of_the_promised_day_and_the_full_quantity() -> None:
    # a: on time, in full ✓; b: on time, short ✗; c: next day 00:00, in full ✗;
    # d: 23:59:59 on the day, more than ordered ✓ → 2/4
    rows = [
        order("a", date(2026, 3, 10), kst(2026, 3, 10, 12), 10, 10),
        order("b", date(2026, 3, 10), kst(2026, 3, 10, 12), 10, 9),
        order("c", date(2026, 3, 10), kst(2026, 3, 11), 10, 10),
        order("d", date(2026, 3, 10), kst(2026, 3, 10, 23, 59, 59), 10, 12),
    ]
    result = one("otif", table("orders", rows), MARCH)
    assert (result.numerator, result.denominator) == (2, 4)


def test_fill_rate_caps_each_order_at_its_quantity() -> None:
    # min(10,10) + min(9,10) + min(12,10) + undelivered 0 of 5 = 29 ÷ (10+10+10+5) = 29/35
    rows = [
        order("a", date(2026, 3, 10), kst(2026, 3, 10), 10, 10),
        order("b", date(2026, 3, 10), kst(2026, 3, 10), 10, 9),
        order("c", date(2026, 3, 10), kst(2026, 3, 10), 10, 12),
        order("d", date(2026, 3, 10), None, 5, None),
    ]
    result = one("fill_rate", table("orders", rows), MARCH)
    assert (result.numerator, result.denominator) == (29, 35)
    assert result.sample_size == 4


def count(i: str, system: int, counted: int) -> dict[str, object]:
    return {
        "id": i,
        "sku": "s",
        "location": "l",
        "counted_at": kst(2026, 3, 10),
        "system_qty": system,
        "counted_qty": counted,
    }


def test_inventory_accuracy_with_a_tolerance_in_units() -> None:
    # differences 0, 2, 3 with tolerance 2 → 2/3; with the default 0 → 1/3
    events = table(
        "inventory_counts", [count("a", 100, 100), count("b", 100, 98), count("c", 100, 103)]
    )
    assert one("inventory_accuracy", events, MARCH, params={"tolerance": 2}).numerator == 2
    assert one("inventory_accuracy", events, MARCH).numerator == 1


def test_inventory_accuracy_with_a_tolerance_in_percent_is_exact_at_the_boundary() -> None:
    # 2.5 % of 200 = 5 units: difference 5 ✓, 6 ✗; 2.5 % of 40 = 1: difference 1 ✓ → 2/3
    events = table(
        "inventory_counts", [count("a", 200, 205), count("b", 200, 194), count("c", 40, 41)]
    )
    result = one("inventory_accuracy", events, MARCH, params={"tolerance_percent": 2.5})
    assert (result.numerator, result.denominator) == (2, 3)


# --- marketing ---------------------------------------------------------------------------


def campaign(
    i: str,
    planned: datetime,
    launched: datetime | None,
    sent: int = 0,
    delivered: int = 0,
    converted: int = 0,
) -> dict[str, object]:
    return {
        "id": i,
        "planned_launch": planned,
        "launched_at": launched,
        "sent": sent,
        "delivered": delivered,
        "converted": converted,
    }


def test_campaign_on_time_allows_the_grace_hours_inclusive() -> None:
    # grace 1.5 h: launched +1:30:00 ✓, +1:30:01 ✗, not launched ✗, early ✓ → 2/4
    planned = kst(2026, 3, 10, 9)
    rows = [
        campaign("a", planned, kst(2026, 3, 10, 10, 30)),
        campaign("b", planned, kst(2026, 3, 10, 10, 30, 1)),
        campaign("c", planned, None),
        campaign("d", planned, kst(2026, 3, 9, 9)),
    ]
    result = one("campaign_on_time", table("campaigns", rows), MARCH, params={"grace_hours": 1.5})
    assert (result.numerator, result.denominator) == (2, 4)
    strict = one("campaign_on_time", table("campaigns", rows), MARCH)
    assert strict.numerator == 1  # only the early launch without grace


def test_delivery_and_conversion_rates_sum_over_campaigns() -> None:
    # delivered (900 + 450) ÷ sent (1000 + 500) = 1350/1500; converted (90 + 10) ÷ 1350
    planned = kst(2026, 3, 10, 9)
    rows = [
        campaign("a", planned, planned, 1000, 900, 90),
        campaign("b", planned, planned, 500, 450, 10),
    ]
    events = table("campaigns", rows)
    delivery = one("delivery_rate", events, MARCH)
    assert (delivery.numerator, delivery.denominator) == (1350, 1500)
    conversion = one("conversion_rate", events, MARCH)
    assert conversion.value == Fraction(100, 1350)


def test_payroll_outcomes_name_each_dated_item_its_deadline_and_when_it_was_paid() -> None:
    # Due 25 Mar: the deadline is 26 Mar 00:00 KST = 25 Mar 15:00 UTC (strictly before).
    # a: paid 23:59:59 KST (on time); b: paid at the deadline (late); c: unpaid (late);
    # d: no scheduled date (not counted).
    rows = [
        payroll("a", date(2026, 3, 25), kst(2026, 3, 25, 23, 59, 59)),
        payroll("b", date(2026, 3, 25), kst(2026, 3, 26)),
        payroll("c", date(2026, 3, 25), None),
        payroll("d", None, kst(2026, 3, 20)),  # type: ignore[arg-type]
    ]
    ctx = KpiContext(definition=CATALOGUE["payroll_on_time"], params={}, timezone="Asia/Seoul")
    got = paid_by_local_day_end(table("payroll_items", rows), ctx, "scheduled_pay_date")
    deadline = int(kst(2026, 3, 26).timestamp()) * MICROS
    assert deadline == int(datetime(2026, 3, 25, 15, tzinfo=UTC).timestamp()) * MICROS
    assert got.anchor.tolist() == [deadline - 1] * 3  # the last microsecond of the day
    assert got.numerator.tolist() == [1, 0, 0]
    assert got.denominator.tolist() == [1, 1, 1]
    assert got.counted is not None
    assert got.counted.tolist() == [True, True, True, False]
    assert got.measured_known is not None
    assert got.measured_known.tolist() == [True, True, False]
    assert got.measured is not None
    assert got.measured[:2].tolist() == [deadline - MICROS, deadline]
    assert got.target is not None
    assert got.target.tolist() == [deadline] * 3
    assert (got.measure, got.target_inclusive) == (Measure.INSTANT_US, False)


def _outcomes(kpi: str, events: pa.Table, params: dict[str, object] | None = None) -> Outcomes:
    ctx = KpiContext(definition=CATALOGUE[kpi], params=params or {}, timezone="Asia/Seoul")
    return COMPUTATIONS[kpi].outcomes(events, ctx)  # type: ignore[attr-defined, no-any-return]


def test_logistics_outcomes_name_each_order_its_deadline_and_each_count_its_tolerance() -> None:
    # Promised 10 Mar: the deadline is 11 Mar 00:00 KST. a: 12:00, in full; b: at the
    # deadline; c: never delivered (5 ordered); d: no promised date (not counted).
    rows = [
        order("a", date(2026, 3, 10), kst(2026, 3, 10, 12), 10, 10),
        order("b", date(2026, 3, 10), kst(2026, 3, 11), 10, 10),
        order("c", date(2026, 3, 10), None, 5, None),
        order("d", None, kst(2026, 3, 9), 4, 4),  # type: ignore[arg-type]
    ]
    events = table("orders", rows)
    deadline = int(kst(2026, 3, 11).timestamp()) * MICROS
    otif = _outcomes("otif", events)
    assert otif.anchor.tolist() == [deadline - 1] * 3
    assert otif.numerator.tolist() == [1, 0, 0]
    assert otif.counted is not None
    assert otif.counted.tolist() == [True, True, True, False]
    assert otif.measured_known is not None
    assert otif.measured_known.tolist() == [True, True, False]
    assert otif.measured is not None
    assert otif.measured[:2].tolist() == [deadline - 12 * 3600 * MICROS, deadline]
    assert otif.target is not None
    assert otif.target.tolist() == [deadline] * 3
    assert (otif.measure, otif.target_inclusive) == (Measure.INSTANT_US, False)
    fill = _outcomes("fill_rate", events)
    assert fill.anchor.tolist() == [deadline - 1] * 3
    assert (fill.numerator.tolist(), fill.denominator.tolist()) == ([10, 10, 0], [10, 10, 5])
    assert fill.counted is not None
    assert fill.counted.tolist() == [True, True, True, False]
    counts = table("inventory_counts", [count("a", 200, 205), count("b", 41, 40)])
    units = _outcomes("inventory_accuracy", counts, {"tolerance": 3})
    assert units.numerator.tolist() == [0, 1]  # differences 5 and 1 against 3 units
    assert units.measured is not None
    assert units.measured.tolist() == [5, 1]
    assert units.target is not None
    assert units.target.tolist() == [3, 3]
    assert units.measure == Measure.UNITS
    assert units.counted is not None
    assert units.counted.tolist() == [True, True]
    # 2.5 % of 200 = 5 units; of 41 = 1.025, shown rounded down as 1
    percent = _outcomes("inventory_accuracy", counts, {"tolerance_percent": "2.5"})
    assert percent.numerator.tolist() == [1, 1]
    assert percent.target is not None
    assert percent.target.tolist() == [5, 1]
    exact = _outcomes("inventory_accuracy", counts)  # no tolerance: the counts must agree
    assert exact.numerator.tolist() == [0, 0]
    assert exact.target is not None
    assert exact.target.tolist() == [0, 0]  # the drill-down shows a tolerance of 0 units


def test_back_office_outcomes_say_which_rows_count_and_what_was_measured() -> None:
    planned = kst(2026, 3, 10, 9)
    at = int(planned.timestamp()) * MICROS
    # grace 0.5 h: the target is 09:30:00. a: 09:30:00 ✓; b: 09:30:01 ✗; c: not launched ✗;
    # d: no planned launch, not counted
    campaigns = table(
        "campaigns",
        [
            campaign("a", planned, kst(2026, 3, 10, 9, 30), 100, 90, 9),
            campaign("b", planned, kst(2026, 3, 10, 9, 30, 1), 50, 40, 4),
            campaign("c", planned, None),
            campaign("d", None, kst(2026, 3, 10, 9), 10, 10, 1),  # type: ignore[arg-type]
        ],
    )
    on_time = _outcomes("campaign_on_time", campaigns, {"grace_hours": 0.5})
    assert (on_time.anchor.tolist(), on_time.numerator.tolist()) == ([at] * 3, [1, 0, 0])
    assert on_time.counted is not None
    assert on_time.counted.tolist() == [True, True, True, False]
    assert on_time.measured is not None
    assert on_time.measured[:2].tolist() == [at + 1800 * MICROS, at + 1801 * MICROS]
    assert on_time.measured_known is not None
    assert on_time.measured_known.tolist() == [True, True, False]
    assert on_time.target is not None
    assert on_time.target.tolist() == [at + 1800 * MICROS] * 3
    assert on_time.measure == Measure.INSTANT_US
    # without grace hours the target is 09:00:00 itself: a and b are late
    assert _outcomes("campaign_on_time", campaigns).numerator.tolist() == [0, 0, 0]
    delivery = _outcomes("delivery_rate", campaigns)
    assert (delivery.numerator.tolist(), delivery.denominator.tolist()) == (
        [90, 40, 0],
        [100, 50, 0],
    )
    assert delivery.counted is not None
    assert delivery.counted.tolist() == [True, True, True, False]
    # invoices: a received, matched; b received, not matched; c never received (not counted)
    invoices = table(
        "invoices_processed",
        [
            invoice("a", kst(2026, 3, 2), first_pass_match=True),
            invoice("b", kst(2026, 3, 3), first_pass_match=False),
            invoice("c", None, first_pass_match=True),  # type: ignore[arg-type]
        ],
    )
    match = _outcomes("first_pass_match_rate", invoices)
    assert match.numerator.tolist() == [1, 0]
    assert match.counted is not None
    assert match.counted.tolist() == [True, True, False]
    # payroll accuracy: the item dated 31 Mar is anchored at its last microsecond, in March;
    # the undated one is not counted
    items = table(
        "payroll_items",
        [
            payroll("a", date(2026, 3, 31), None, error=True),
            payroll("b", None, None),  # type: ignore[arg-type]
        ],
    )
    accuracy = _outcomes("payroll_accuracy", items)
    april_first = int(kst(2026, 4, 1).timestamp()) * MICROS
    assert (accuracy.anchor.tolist(), accuracy.numerator.tolist()) == ([april_first - 1], [0])
    assert accuracy.counted is not None
    assert accuracy.counted.tolist() == [True, False]


def test_invoice_cycle_outcomes_measure_business_seconds_of_posted_invoices() -> None:
    # office day 09:00-18:00. a: Tue 10 Mar 09:00 → Thu 12 Mar 13:30 = 9 + 9 + 4.5 h = 81,000 s;
    # b: Fri 13 Mar 17:00 → Mon 16 Mar 09:00 = 1 h = 3,600 s; c: not posted, not counted
    rows = [
        invoice("a", kst(2026, 3, 10, 9), posted_at=kst(2026, 3, 12, 13, 30)),
        invoice("b", kst(2026, 3, 13, 17), posted_at=kst(2026, 3, 16, 9)),
        invoice("c", kst(2026, 3, 13, 17)),
    ]
    ctx = KpiContext(
        definition=CATALOGUE["invoice_cycle_time"],
        params={},
        timezone="Asia/Seoul",
        calendar=OFFICE_KR,
        clock=_clock(OFFICE_KR),
    )
    got = COMPUTATIONS["invoice_cycle_time"].outcomes(table("invoices_processed", rows), ctx)  # type: ignore[attr-defined]
    assert (got.numerator.tolist(), got.scale) == ([81_000, 3_600], 32_400)
    assert got.counted.tolist() == [True, True, False]
    assert got.measured.tolist() == [81_000, 3_600]
    assert got.measure == Measure.BUSINESS_SECONDS
