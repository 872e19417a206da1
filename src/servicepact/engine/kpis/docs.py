"""Generate docs/kpis.md from the catalogue, with a worked example per KPI.

    python -m servicepact.engine.kpis.docs > docs/kpis.md

Each example is *computed* by the KPI library when the page is generated and
checked against the value the example states, so the page cannot drift from
the code: a test regenerates it and fails when docs/kpis.md is stale.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from servicepact.domain.calendars import Calendar
from servicepact.domain.display import format_value
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.kpis import CATALOGUE, KpiDefinition
from servicepact.engine.business_time import BusinessClock
from servicepact.engine.kpis import COMPUTATIONS, KpiContext
from servicepact.engine.kpis.base import MICROS

SEOUL = ZoneInfo("Asia/Seoul")
ALWAYS = Calendar(timezone="Asia/Seoul", hours="24x7")
OFFICE = Calendar.model_validate(
    {"timezone": "Asia/Seoul", "hours": {"mon-fri": "09:00-18:00"}, "holidays": {"country": "KR"}}
)
_CALENDARS = {"always": ALWAYS, "office": OFFICE}


def _t(text: str) -> datetime:
    """``"03-10 09:00:20"`` → that instant in March 2026, Seoul time."""
    day, clock = text.split(" ")
    month, dom = (int(x) for x in day.split("-"))
    parts = [int(x) for x in clock.split(":")] + [0, 0]
    return datetime(2026, month, dom, parts[0], parts[1], parts[2], tzinfo=SEOUL)


@dataclass(frozen=True)
class Example:
    rows: list[dict[str, Any]]
    expected: Fraction
    arithmetic: str
    params: dict[str, Any] = field(default_factory=dict)
    calendar: str | None = None


def _call(
    i: int, answer: str | None = None, abandon: str | None = None, **kw: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": f"c{i}", "offered_at": _t("03-10 09:00:00")}
    if answer:
        row["answered_at"] = _t(f"03-10 {answer}")
    if abandon:
        row["abandoned_at"] = _t(f"03-10 {abandon}")
    row.update(kw)
    return row


EXAMPLES: dict[str, Example] = {
    "answered_within": Example(
        [
            _call(1, "09:00:12"),
            _call(2, "09:00:20"),
            _call(3, "09:00:45"),
            _call(4, abandon="09:00:04"),
        ],
        Fraction(2, 3),
        "c4 abandoned after 4 s is a short abandon (≤ 5 s) and leaves the denominator; "
        "c1 and c2 answered within 20 s → 2 ÷ (4 − 1) = 2/3",
        {"seconds": 20},
    ),
    "average_speed_of_answer": Example(
        [_call(1, "09:00:12"), _call(2, "09:00:20"), _call(3, abandon="09:00:30")],
        Fraction(16),
        "answered calls waited 12 s and 20 s → (12 + 20) ÷ 2 = 16 s; "
        "the abandoned call is not in it",
    ),
    "abandonment_rate": Example(
        [_call(1, "09:00:12"), _call(2, abandon="09:00:05"), _call(3, abandon="09:00:40")],
        Fraction(1, 2),
        "c2 (5 s) is a short abandon; c3 abandoned → 1 ÷ (3 − 1) = 1/2",
    ),
    "average_handle_time": Example(
        [
            _call(1, "09:00:12", talk_seconds=300, hold_seconds=60, wrap_seconds=30),
            _call(2, "09:00:20", talk_seconds=200, wrap_seconds=10),
        ],
        Fraction(300),
        "(300 + 60 + 30) + (200 + 0 + 10) = 600 s over 2 answered calls = 300 s",
    ),
    "first_contact_resolution": Example(
        [
            _call(1, "09:00:12", resolved_first_contact=True),
            _call(2, "09:00:20", resolved_first_contact=False),
            _call(3, "09:00:20"),
        ],
        Fraction(1, 2),
        "c3 has no value and is left out → 1 ÷ 2",
    ),
    "csat_average": Example(
        [_call(1, "09:00:12", csat=5), _call(2, "09:00:20", csat=4), _call(3, "09:00:20", csat=2)],
        Fraction(11, 3),
        "(5 + 4 + 2) ÷ 3 = 11/3 ≈ 3.67",
    ),
    "csat_top2": Example(
        [_call(1, "09:00:12", csat=5), _call(2, "09:00:20", csat=4), _call(3, "09:00:20", csat=2)],
        Fraction(2, 3),
        "scores 4 and 5 are the top two boxes → 2 ÷ 3",
    ),
    "quality_score": Example(
        [
            _call(1, "09:00:12", qa_score=Decimal("90.5")),
            _call(2, "09:00:20", qa_score=Decimal("80")),
        ],
        Fraction(341, 4),
        "(90.5 + 80) ÷ 2 = 85.25",
    ),
    "responded_within": Example(
        [
            {
                "id": "t1",
                "created_at": _t("03-10 09:00"),
                "first_response_at": _t("03-10 09:45"),
                "priority": "P1",
            },
            {
                "id": "t2",
                "created_at": _t("03-13 17:30"),
                "first_response_at": _t("03-16 09:40"),
                "priority": "P1",
            },
        ],
        Fraction(1, 2),
        "office hours Mon-Fri 09:00-18:00; t1: 45 min ≤ 1 h → met; t2: Fri 17:30-18:00 (30 min) + "
        "Mon 09:00-09:40 (40 min) = 70 min > 1 h → failed at its expiry, Mon 09:30:01 → 1/2",
        {"hours": 1},
        "office",
    ),
    "resolved_within": Example(
        [
            {
                "id": "t1",
                "created_at": _t("03-10 09:00"),
                "resolved_at": _t("03-10 14:30"),
                "priority": "P1",
                "pauses": [{"start": _t("03-10 10:00"), "end": _t("03-10 12:00")}],
            },
            {"id": "t2", "created_at": _t("03-31 16:00"), "priority": "P1"},
            {
                "id": "t3",
                "created_at": _t("03-10 09:00"),
                "priority": "P2",
                "resolved_at": _t("03-11 09:00"),
            },
        ],
        Fraction(1, 2),
        "P1 4 h, P2 8 h. t1: 5.5 h minus a 2 h pause = 3.5 h → met; t2 still open, its target "
        "expires on 1 Apr 11:00:01 → not counted in March; t3: 9 h (Tue 09-18) + 0 h = 9 h "
        "> 8 h → failed (expired Tue 17:00:01) → 1/2",
        {"hours_by_priority": {"P1": 4, "P2": 8}},
        "office",
    ),
    "mean_time_to_resolve": Example(
        [
            {"id": "t1", "created_at": _t("03-10 09:00"), "resolved_at": _t("03-10 14:30")},
            {"id": "t2", "created_at": _t("03-13 17:00"), "resolved_at": _t("03-16 10:00")},
        ],
        Fraction(15, 4),
        "t1: 5.5 business hours; t2: Fri 17-18 (1 h) + Mon 09-10 (1 h) = 2 h → "
        "(5.5 + 2) ÷ 2 = 3.75 h",
        calendar="office",
    ),
    "backlog_older_than": Example(
        [
            {"id": "t1", "created_at": _t("03-01 10:00")},
            {"id": "t2", "created_at": _t("03-20 10:00")},
            {"id": "t3", "created_at": _t("03-01 10:00"), "resolved_at": _t("03-25 10:00")},
        ],
        Fraction(1),
        "at the end of March (1 Apr 00:00), 14 days earlier is 18 Mar 00:00; t1 is open and "
        "older → counted; t2 is open but younger; t3 was resolved → 1",
        {"days": 14},
    ),
    "reopen_rate": Example(
        [
            {
                "id": "t1",
                "created_at": _t("03-02 10:00"),
                "resolved_at": _t("03-03 10:00"),
                "reopened": True,
            },
            {
                "id": "t2",
                "created_at": _t("03-02 10:00"),
                "resolved_at": _t("03-04 10:00"),
                "reopened": False,
            },
            {"id": "t3", "created_at": _t("03-02 10:00")},
        ],
        Fraction(1, 2),
        "two tickets resolved in March, one reopened → 1/2; t3 is not resolved",
    ),
    "availability": Example(
        [
            {
                "id": "o1",
                "service": "erp",
                "start": _t("03-05 02:00"),
                "end": _t("03-05 03:00"),
                "planned": True,
            },
            {
                "id": "o2",
                "service": "erp",
                "start": _t("03-09 14:00"),
                "end": _t("03-09 14:30"),
                "planned": False,
            },
        ],
        Fraction(44_550, 44_580),
        "24×7: March has 44,640 min; planned 60 min → agreed 44,580 min; unplanned 30 min → "
        "(44,580 − 30) ÷ 44,580 = 99.93 % (numerator and denominator are kept in seconds)",
        calendar="always",
    ),
    "payroll_accuracy": Example(
        [
            {
                "id": f"p{i}",
                "run": "2026-03",
                "employee": "e",
                "scheduled_pay_date": date(2026, 3, 25),
                "error": i == 0,
            }
            for i in range(4)
        ],
        Fraction(3, 4),
        "4 items, 1 with an error → 1 − 1/4 = 3/4",
    ),
    "payroll_on_time": Example(
        [
            {
                "id": "p1",
                "run": "r",
                "employee": "e",
                "scheduled_pay_date": date(2026, 3, 25),
                "error": False,
                "paid_at": _t("03-25 23:59:59"),
            },
            {
                "id": "p2",
                "run": "r",
                "employee": "e",
                "scheduled_pay_date": date(2026, 3, 25),
                "error": False,
                "paid_at": _t("03-26 00:00:00"),
            },
        ],
        Fraction(1, 2),
        "paid 23:59:59 on the day is on time; 00:00:00 the next day is late → 1/2",
    ),
    "invoice_cycle_time": Example(
        [
            {
                "id": "i1",
                "received_at": _t("03-10 09:00"),
                "posted_at": _t("03-12 13:30"),
                "due_date": date(2026, 4, 10),
            },
            {
                "id": "i2",
                "received_at": _t("03-13 17:00"),
                "posted_at": _t("03-16 09:00"),
                "due_date": date(2026, 4, 10),
            },
        ],
        Fraction(47, 36),
        "a full working day is 9 h; i1: 9 + 9 + 4.5 = 22.5 h = 2.5 days; i2: 1 h = 1/9 day → "
        "(22.5 + 1) ÷ 2 ÷ 9 = 47/36 ≈ 1.31 business days",
        calendar="office",
    ),
    "first_pass_match_rate": Example(
        [
            {
                "id": "i1",
                "received_at": _t("03-10 09:00"),
                "due_date": date(2026, 4, 10),
                "first_pass_match": True,
            },
            {
                "id": "i2",
                "received_at": _t("03-11 09:00"),
                "due_date": date(2026, 4, 10),
                "first_pass_match": False,
            },
            {"id": "i3", "received_at": _t("03-12 09:00"), "due_date": date(2026, 4, 10)},
        ],
        Fraction(1, 3),
        "one of three invoices matched first time (a missing value is not a match) → 1/3",
    ),
    "on_time_payment": Example(
        [
            {
                "id": "i1",
                "received_at": _t("03-01 09:00"),
                "due_date": date(2026, 3, 20),
                "paid_at": _t("03-20 18:00"),
            },
            {
                "id": "i2",
                "received_at": _t("03-01 09:00"),
                "due_date": date(2026, 3, 20),
                "paid_at": _t("03-21 09:00"),
            },
        ],
        Fraction(1, 2),
        "due 20 Mar: paid that evening (on time) and the next morning (late) → 1/2",
    ),
    "duplicate_payment_rate": Example(
        [
            {
                "id": "i1",
                "received_at": _t("03-10 09:00"),
                "due_date": date(2026, 4, 10),
                "duplicate": True,
            },
            {
                "id": "i2",
                "received_at": _t("03-11 09:00"),
                "due_date": date(2026, 4, 10),
                "duplicate": False,
            },
        ],
        Fraction(1, 2),
        "one of two invoices was a duplicate → 1/2",
    ),
    "otif": Example(
        [
            {
                "id": "o1",
                "promised_at": date(2026, 3, 10),
                "delivered_at": _t("03-10 15:00"),
                "qty_ordered": 10,
                "qty_delivered": 10,
            },
            {
                "id": "o2",
                "promised_at": date(2026, 3, 10),
                "delivered_at": _t("03-10 15:00"),
                "qty_ordered": 10,
                "qty_delivered": 8,
            },
            {
                "id": "o3",
                "promised_at": date(2026, 3, 10),
                "delivered_at": _t("03-11 08:00"),
                "qty_ordered": 10,
                "qty_delivered": 10,
            },
        ],
        Fraction(1, 3),
        "o1 on time and in full; o2 short; o3 a day late → 1/3",
    ),
    "fill_rate": Example(
        [
            {"id": "o1", "promised_at": date(2026, 3, 10), "qty_ordered": 10, "qty_delivered": 12},
            {"id": "o2", "promised_at": date(2026, 3, 10), "qty_ordered": 10, "qty_delivered": 8},
        ],
        Fraction(18, 20),
        "min(12, 10) + min(8, 10) = 18 of 20 units → 90.00 %",
    ),
    "inventory_accuracy": Example(
        [
            {
                "id": "k1",
                "sku": "a",
                "location": "w1",
                "counted_at": _t("03-10 09:00"),
                "system_qty": 200,
                "counted_qty": 205,
            },
            {
                "id": "k2",
                "sku": "b",
                "location": "w1",
                "counted_at": _t("03-10 09:00"),
                "system_qty": 200,
                "counted_qty": 194,
            },
        ],
        Fraction(1, 2),
        "tolerance 2.5 % of 200 = 5 units: a difference of 5 is within, 6 is not → 1/2",
        {"tolerance_percent": 2.5},
    ),
    "campaign_on_time": Example(
        [
            {"id": "m1", "planned_launch": _t("03-10 09:00"), "launched_at": _t("03-10 10:30")},
            {"id": "m2", "planned_launch": _t("03-10 09:00"), "launched_at": _t("03-10 10:31")},
        ],
        Fraction(1, 2),
        "grace 1.5 h: launched at +1:30 is on time, +1:31 is late → 1/2",
        {"grace_hours": 1.5},
    ),
    "delivery_rate": Example(
        [
            {"id": "m1", "planned_launch": _t("03-10 09:00"), "sent": 1000, "delivered": 900},
            {"id": "m2", "planned_launch": _t("03-12 09:00"), "sent": 500, "delivered": 450},
        ],
        Fraction(1350, 1500),
        "(900 + 450) ÷ (1000 + 500) = 90.00 %",
    ),
    "conversion_rate": Example(
        [
            {"id": "m1", "planned_launch": _t("03-10 09:00"), "delivered": 900, "converted": 90},
            {"id": "m2", "planned_launch": _t("03-12 09:00"), "delivered": 100, "converted": 30},
        ],
        Fraction(120, 1000),
        "(90 + 30) ÷ (900 + 100) = 12.00 %",
    ),
}

MARCH = (
    int(datetime(2026, 3, 1, tzinfo=SEOUL).timestamp()) * MICROS,
    int(datetime(2026, 4, 1, tzinfo=SEOUL).timestamp()) * MICROS,
)


_CLOCKS: dict[str, BusinessClock] = {}


def _clock(name: str) -> BusinessClock:
    if name not in _CLOCKS:
        _CLOCKS[name] = BusinessClock.build(_CALENDARS[name], 2026, 2026)
    return _CLOCKS[name]


def run_example(kpi: KpiDefinition, example: Example) -> Fraction | None:
    schema = arrow_schema(BUILT_IN[kpi.event_type])
    table = pa.Table.from_pydict(
        {f.name: [row.get(f.name) for row in example.rows] for f in schema}, schema=schema
    )
    calendar = _CALENDARS[example.calendar] if example.calendar else None
    ctx = KpiContext(
        definition=kpi,
        params=example.params,
        timezone="Asia/Seoul",
        calendar=calendar,
        clock=_clock(example.calendar) if example.calendar else None,
    )
    return COMPUTATIONS[kpi.name](table, ctx, [MARCH])[0].value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%m-%d %H:%M:%S")
    if isinstance(value, list):
        return "; ".join(
            f"{_cell(v['start'])}–{_cell(v['end'])}" if "start" in v else str(v) for v in value
        )
    return str(value)


def _rows_table(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows)
    return lines


def render() -> str:
    out = [
        "# KPI reference",
        "",
        "<!-- generated by `python -m servicepact.engine.kpis.docs > docs/kpis.md`; "
        "do not edit by hand -->",
        "",
        "Every KPI of the catalogue (`domain/kpis.py`) with its event type, parameters, unit, "
        "direction, anchor and exact formula; the rules shared by all (exact comparison, "
        "status, anchors, clocks, exclusions, filters) are in KPIS.md. Each worked example is "
        "computed by the engine when this page is generated (times are March 2026 in Seoul; "
        "the office calendar is Mon-Fri 09:00-18:00 with Korean holidays).",
        "",
        "Conventions of the engine (engine/kpis/):",
        "",
        "- Ratios keep integer numerators and denominators; means keep an exact integer sum "
        "(µs, seconds or millionths) and a count. The value is an exact fraction.",
        "- A date anchor (scheduled_pay_date, due_date, promised_at) falls on the last "
        "microsecond of its local day: in the period holding the date, and in a running period "
        'only once the day is over. "By the end of the day" means before local midnight.',
        "- Ticket clocks count whole seconds; a ticket's target *expires* at the first instant its "
        "business time exceeds the target, `deadline_with_pauses(start, target + 1 s)`. A ticket "
        "met in time is anchored at the moment it was met, every other one at its expiry.",
        "- A business day (invoice cycle time) is the longest working day of the calendar's week "
        "(09:00-18:00 → 9 h; 24×7 → 24 h).",
        "- Availability is measured in whole seconds; the ratio equals the ratio in minutes.",
        "",
    ]
    by_family: dict[str, list[KpiDefinition]] = {}
    for kpi in CATALOGUE.values():
        by_family.setdefault(kpi.family, []).append(kpi)
    for family, kpis in by_family.items():
        out += [f"## {family[0].upper()}{family[1:]}", ""]
        for kpi in kpis:
            out += [f"### `{kpi.name}` — {kpi.title}", ""]
            out += [
                f"- Event type: `{kpi.event_type}`",
                f"- Unit: {kpi.unit.value}; {kpi.direction.value} is better; aggregate: "
                f"{kpi.aggregate.value}",
                f"- Formula: {kpi.formula}",
                f"- Anchor (which period an event belongs to): {kpi.anchor}",
                f"- Needs a calendar: {'yes' if kpi.uses_calendar else 'no'}",
            ]
            if kpi.params:
                out.append("- Parameters:")
                for p in kpi.params:
                    extra = (
                        " (required)"
                        if p.required
                        else (f" (default {p.default})" if p.default is not None else "")
                    )
                    out.append(f"  - `{p.name}` ({p.type.__name__}){extra}: {p.description}")
            example = EXAMPLES[kpi.name]
            value = run_example(kpi, example)
            if value != example.expected:
                raise AssertionError(
                    f"{kpi.name}: the example computes {value}, not {example.expected}"
                )
            setting = ", ".join(f"{k}: {v}" for k, v in example.params.items()) or "defaults"
            calendar = f"; calendar {example.calendar}" if example.calendar else ""
            out += ["", f"Worked example ({setting}{calendar}):", ""]
            out += _rows_table(example.rows)
            shown = format_value(value, kpi.unit)
            out += [
                "",
                f"{example.arithmetic}. Engine result: **{shown}** "
                f"(exactly {value.numerator}/{value.denominator}).",
                "",
            ]
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
