"""Each kind of declared KPI on four events, against values worked out by hand.

Calendar office: Mon-Fri 09:00-18:00, Asia/Seoul, Korean holidays (none in these days).
Events, all opened in April 2026 (6 April is a Monday):

| id | opened | closed  | business h | wall h | status   | score | items | errors | ok    |
|----|--------|---------|-----------:|-------:|----------|------:|------:|-------:|-------|
| e1 | Mon 09 | Mon 11  | 2          | 2      | approved | 80.5  | 10    | 1      | true  |
| e2 | Mon 17 | Tue 10  | 1 + 1 = 2  | 17     | approved | 90    | 30    | 2      | false |
| e3 | Tue 09 | Tue 18  | 9          | 9      | rejected | —     | 5     | 0      | true  |
| e4 | Wed 10 | (open)  | —          | —      | pending  | 70    | 5     | 0      | —     |
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from contract_texts import office_contract_head
from servicepact.contractfile import parse_contract_text
from servicepact.domain.contracts import Contract
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.periods import month
from servicepact.engine.business_time import BusinessClock
from servicepact.engine.evaluate import ClockCache, evaluate_periods
from servicepact.engine.kpis import KpiContext, computation_for
from servicepact.engine.kpis.base import MICROS

SEOUL = ZoneInfo("Asia/Seoul")

KPIS = {
    "within_4h": """
      kind: ratio
      condition:
        clock: {from: opened_at, to: closed_at, calendar: office}
        within: {hours: 4}
      anchor: deadline
      direction: higher""",
    "within_8h_wall": """
      kind: ratio
      condition:
        clock: {from: opened_at, to: closed_at}
        within: {hours: 8}
      anchor: deadline
      direction: higher""",
    "mean_hours": """
      kind: mean
      measure: {clock: {from: opened_at, to: closed_at, calendar: office}}
      unit: hours
      direction: lower""",
    "median_hours": """
      kind: percentile
      percentile: 50
      measure: {clock: {from: opened_at, to: closed_at, calendar: office}}
      unit: hours
      direction: lower""",
    "longest_wall_hours": """
      kind: max
      measure: {clock: {from: opened_at, to: closed_at}}
      unit: hours
      direction: lower""",
    "approved": """
      kind: count
      condition: {column: status, eq: approved}
      direction: higher""",
    "score_total": """
      kind: sum
      measure: {column: score}
      direction: higher""",
    "error_rate": """
      kind: ratio_of_sums
      numerator: {sum: errors}
      denominator: {sum: items}
      direction: lower""",
    "ok_share_decided": """
      kind: ratio
      scope: {column: status, in: [approved, rejected]}
      condition: {all: [{column: ok, eq: true}, {column: errors, lt: {column: items}}]}
      direction: higher""",
}

EXPECTED: dict[str, tuple[Fraction | None, Any, Any, int]] = {
    # (value, numerator, denominator, sample size)
    "within_4h": (Fraction(2, 4), 2, 4, 4),  # e3 and the open e4 expire in April
    "within_8h_wall": (Fraction(1, 4), 1, 4, 4),  # only e1; e2, e3, e4 expire
    "mean_hours": (Fraction(13, 3), Fraction(13), 3, 3),
    "median_hours": (Fraction(2), 2, None, 3),  # [2, 2, 9]: rank ⌈0.5 × 3⌉ = 2
    "longest_wall_hours": (Fraction(17), 17, None, 3),
    "approved": (Fraction(2), 2, None, 4),
    "score_total": (Fraction(481, 2), Fraction(481, 2), None, 3),  # 80.5 + 90 + 70
    "error_rate": (Fraction(3, 50), 3, 50, 4),
    "ok_share_decided": (Fraction(2, 3), 2, 3, 3),
}


def _contract() -> Contract:
    kpis = "".join(
        f"    - name: {name}\n      title: {name}\n      events: checks\n{body.strip(chr(10))}\n"
        for name, body in KPIS.items()
    )
    levels = "".join(
        f"    - {{id: L{i}, name: {name}, kpi: {name}, source: checks, expected: 0, "
        f"minimum: 0, kind: key}}\n"
        for i, name in enumerate(KPIS)
    )
    text = (
        office_contract_head("hand", "Worked by hand")
        + f"""  event_types:
    - name: checks
      description: Checks
      anchor: opened_at
      columns:
        - {{name: id, type: string, required: true}}
        - {{name: opened_at, type: timestamp, required: true}}
        - {{name: closed_at, type: timestamp}}
        - {{name: status, type: string, required: true}}
        - {{name: score, type: decimal}}
        - {{name: items, type: integer, required: true}}
        - {{name: errors, type: integer, required: true}}
        - {{name: ok, type: boolean}}
  kpis:
{kpis}  service_levels:
{levels}"""
    )
    return parse_contract_text(text).contract


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 4, day, hour, tzinfo=SEOUL)


@pytest.fixture(scope="module")
def checks() -> tuple[Contract, pa.Table]:
    from decimal import Decimal

    contract = _contract()
    schema = arrow_schema(contract.declared_event_types["checks"])
    table = pa.table(
        {
            "id": ["e1", "e2", "e3", "e4"],
            "opened_at": [_at(6, 9), _at(6, 17), _at(7, 9), _at(8, 10)],
            "closed_at": [_at(6, 11), _at(7, 10), _at(7, 18), None],
            "status": ["approved", "approved", "rejected", "pending"],
            "score": [Decimal("80.5"), Decimal(90), None, Decimal(70)],
            "items": [10, 30, 5, 5],
            "errors": [1, 2, 0, 0],
            "ok": [True, False, True, None],
        },
        schema=schema,
    )
    return contract, table


@pytest.mark.parametrize("name", list(KPIS))
def test_each_declared_kind_gives_the_hand_computed_result(
    name: str, checks: tuple[Contract, pa.Table]
) -> None:
    contract, table = checks
    [sl] = [sl for sl in contract.service_levels if sl.kpi == name]
    # each level evaluated on its own, while the test runs
    [result] = evaluate_periods(contract, sl, [month(2026, 4)], table, clock_cache=ClockCache())
    value, numerator, denominator, sample = EXPECTED[name]
    assert (result.value, result.numerator, result.denominator, result.sample_size) == (
        value,
        numerator,
        denominator,
        sample,
    )


def test_each_kind_computed_in_one_pass_over_the_events_gives_the_same_values(
    checks: tuple[Contract, pa.Table],
) -> None:
    # The KPI's computation called on its own, as the catalogue's KPIs are: the events
    # table alone, no source table shared with other levels, April as its only window.
    contract, table = checks
    calendar = contract.calendars["office"]
    ctx_of = {
        "definition": None,
        "params": {},
        "timezone": "Asia/Seoul",
        "calendar": calendar,
        "clock": BusinessClock.build(calendar, 2025, 2027),
    }
    start, end = _at(1, 0), datetime(2026, 5, 1, tzinfo=SEOUL)
    april = (int(start.timestamp()) * MICROS, int(end.timestamp()) * MICROS)
    for sl in contract.service_levels:
        compute = computation_for(sl.kpi, sl.definition)
        ctx = KpiContext(**{**ctx_of, "definition": sl.definition})
        [aggregate] = compute(table, ctx, [april])
        value, _, _, sample = EXPECTED[sl.kpi]
        assert (sl.kpi, aggregate.value, aggregate.sample_size) == (sl.kpi, value, sample)


def test_a_percentile_of_many_events_and_a_zero_second_target() -> None:
    # 200 events in April: items 1..200; the 90th percentile is the ⌈0.9 × 200⌉ = 180th
    # smallest, 180. The first two last exactly one business second (Mon 6 April 09:00:00 →
    # 09:00:01), the others one second more: against a target of 0 s none of them is met —
    # the first two miss it by one second, by priority as uniformly.
    text = (
        office_contract_head("edges", "Edges")
        + """  event_types:
    - name: jobs
      description: Jobs
      anchor: opened_at
      columns:
        - {name: id, type: string, required: true}
        - {name: opened_at, type: timestamp, required: true}
        - {name: closed_at, type: timestamp}
        - {name: priority, type: string, required: true}
        - {name: items, type: integer, required: true}
  kpis:
    - name: p90_items
      title: p90 items
      events: jobs
      kind: percentile
      percentile: 90
      measure: {column: items}
      direction: lower
    - name: at_once
      title: at once
      events: jobs
      kind: ratio
      condition:
        clock: {from: opened_at, to: closed_at, calendar: office}
        within: {seconds: 0}
      direction: higher
    - name: at_once_by_priority
      title: at once by priority
      events: jobs
      kind: ratio
      condition:
        clock: {from: opened_at, to: closed_at, calendar: office}
        within: {by: priority, seconds: {P1: 0}}
      direction: higher
  service_levels:
    - {id: P, name: p90, kpi: p90_items, source: jobs, expected: 0, minimum: 0, kind: key}
    - {id: Z, name: zero, kpi: at_once, source: jobs, expected: 0, minimum: 0, kind: key}
    - {id: B, name: by, kpi: at_once_by_priority, source: jobs, expected: 0, minimum: 0,
       kind: key}
"""
    )
    contract = parse_contract_text(text).contract
    opened = datetime(2026, 4, 6, 9, tzinfo=SEOUL)
    closed = [opened.replace(second=1) if i < 2 else opened.replace(second=2) for i in range(200)]
    table = pa.table(
        {
            "id": [f"j{i}" for i in range(200)],
            "opened_at": [opened] * 200,
            "closed_at": closed,
            "priority": ["P1"] * 200,
            "items": list(range(200, 0, -1)),  # listed in descending order
        },
        schema=arrow_schema(contract.declared_event_types["jobs"]),
    )
    got = {
        sl.id: evaluate_periods(contract, sl, [month(2026, 4)], table, clock_cache=ClockCache())[0]
        for sl in contract.service_levels
    }
    assert (got["P"].value, got["P"].sample_size) == (Fraction(180), 200)
    assert (got["Z"].numerator, got["Z"].denominator) == (0, 200)
    assert (got["B"].numerator, got["B"].denominator) == (0, 200)


def test_an_open_events_wall_deadline_falls_in_the_month_it_expires_in(
    checks: tuple[Contract, pa.Table],
) -> None:
    # within_8h_wall, anchored at the deadline: an open event expires at the first µs past
    # opened + 8 h. "edge", opened 30 April 15:59:59.999998, expires 23:59:59.999999 on
    # 30 April: failed in April. "late", opened 30 April 20:00, expires 1 May 04:00:00.000001:
    # failed in May, not in April.
    contract, _ = checks
    [sl] = [sl for sl in contract.service_levels if sl.kpi == "within_8h_wall"]
    edge = datetime(2026, 4, 30, 15, 59, 59, 999_998, tzinfo=SEOUL)
    late = datetime(2026, 4, 30, 20, tzinfo=SEOUL)
    table = pa.table(
        {
            "id": ["edge", "late"],
            "opened_at": [edge, late],
            "closed_at": [None, None],
            "status": ["pending", "pending"],
            "score": [None, None],
            "items": [1, 1],
            "errors": [0, 0],
            "ok": [None, None],
        },
        schema=arrow_schema(contract.declared_event_types["checks"]),
    )
    april, may = evaluate_periods(
        contract, sl, [month(2026, 4), month(2026, 5)], table, clock_cache=ClockCache()
    )
    assert (april.numerator, april.denominator) == (0, 1)
    assert (may.numerator, may.denominator) == (0, 1)
