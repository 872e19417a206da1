"""Declared conditions, clock targets and anchors, event by event, against hand-worked lists.

Calendar office: Mon-Fri 09:00-18:00, Asia/Seoul, Korean holidays (none in these days).
Six events; v1-v5 are opened in April 2026 (6 April is a Monday), v6 on 31 March:

| id | opened    | done       | business h | wall h | team  | home | note | grade | ceiling |
|----|-----------|------------|-----------:|-------:|-------|------|------|------:|--------:|
| v1 | Mon 6 09  | Mon 6 11   | 2          | 2      | red   | red  | late | 3     | 5       |
| v2 | Mon 6 17  | Tue 7 10   | 1 + 1 = 2  | 17     | blue  | red  | ok   | 5     | 5       |
| v3 | Tue 7 09  | Tue 7 18   | 9 − 2 held | 9      | red   | blue | late | 7     | 4       |
| v4 | Wed 8 10  | (open)     | —          | —      | green | —    | —    | —     | 6       |
| v5 | Thu 9 09  | Fri 10 05  | 9          | 20     | —     | blue | ok   | 5     | —       |
| v6 | Tue 31/3 10 | Tue 31/3 12 | 2        | 2      | blue  | blue | ok   | 0     | 1       |

| id | price | cost      | urgent | flagged | tier   | due        | served     |
|----|------:|----------:|--------|---------|--------|------------|------------|
| v1 | 10.5  | 10.5      | true   | true    | gold   | 2026-04-10 | 2026-04-09 |
| v2 | 7.25  | 8         | false  | true    | silver | 2026-04-12 | 2026-04-12 |
| v3 | 2.5   | —         | true   | false   | bronze | 2026-05-01 | 2026-04-20 |
| v4 | —     | 1         | true   | —       | —      | —          | —          |
| v5 | 100   | 99.999999 | false  | false   | gold   | 2026-04-30 | 2026-04-10 |
| v6 | 0     | 0         | false  | true    | silver | 2026-04-01 | 2026-03-31 |

v3 is held 10:00-12:00 on Tuesday (its ``holds``), which only a clock with pauses subtracts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
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
from servicepact.engine.drilldown import drill_down
from servicepact.engine.evaluate import ClockCache, evaluate_periods

SEOUL = ZoneInfo("Asia/Seoul")
APRIL = month(2026, 4)
CLOCKS = ClockCache()

# A ratio per condition: which of the April events v1-v5 meet it (the others fail).
CONDITIONS: dict[str, tuple[str, set[str]]] = {
    # integers against a constant; v4 has no grade and never compares
    "grade_lt": ("{column: grade, lt: 5}", {"v1"}),
    "grade_le": ("{column: grade, le: 5}", {"v1", "v2", "v5"}),
    "grade_gt": ("{column: grade, gt: 5}", {"v3"}),
    "grade_ge": ("{column: grade, ge: 5}", {"v2", "v3", "v5"}),
    "grade_eq": ("{column: grade, eq: 5}", {"v2", "v5"}),
    "grade_ne": ("{column: grade, ne: 5}", {"v1", "v3"}),
    "grade_ge_zero": ("{column: grade, ge: 0}", {"v1", "v2", "v3", "v5"}),
    "grade_lt_fraction": ("{column: grade, lt: 4.5}", {"v1"}),  # 3 < 4.5 < 5
    "grade_gt_fraction": ("{column: grade, gt: 4.5}", {"v2", "v3", "v5"}),
    # decimals against a constant, exactly
    "price_gt": ("{column: price, gt: 7.25}", {"v1", "v5"}),
    "price_le": ("{column: price, le: 7.25}", {"v2", "v3"}),
    "price_eq": ("{column: price, eq: 10.5}", {"v1"}),
    "price_ge_zero": ("{column: price, ge: 0}", {"v1", "v2", "v3", "v5"}),
    "cost_lt": ("{column: cost, lt: 99.999999}", {"v1", "v2", "v4"}),
    "cost_lt_whole": ("{column: cost, lt: 100}", {"v1", "v2", "v4", "v5"}),
    # text: equal or not, and lists; a missing value is in no list and equals nothing
    "team_eq": ("{column: team, eq: red}", {"v1", "v3"}),
    "team_ne": ("{column: team, ne: red}", {"v2", "v4"}),
    "team_in": ("{column: team, in: [red, green, purple]}", {"v1", "v3", "v4"}),
    "note_eq": ("{column: note, eq: ok}", {"v2", "v5"}),
    "note_in": ("{column: note, in: [late]}", {"v1", "v3"}),
    "grade_in": ("{column: grade, in: [0, 3, 7]}", {"v1", "v3"}),  # v4's missing ≠ 0
    # booleans
    "urgent_true": ("{column: urgent, eq: true}", {"v1", "v3", "v4"}),
    "urgent_not_true": ("{column: urgent, ne: true}", {"v2", "v5"}),
    "urgent_false": ("{column: urgent, eq: false}", {"v2", "v5"}),
    # timestamps and dates against a constant
    "done_before": ('{column: done_at, lt: "2026-04-07T10:00:00+09:00"}', {"v1"}),
    "done_by": ('{column: done_at, le: "2026-04-07T10:00:00+09:00"}', {"v1", "v2"}),
    "done_after_utc": ('{column: done_at, gt: "2026-04-09T20:00:00Z"}', set()),  # v5 at 20:00Z
    "due_by": ('{column: due, le: "2026-04-12"}', {"v1", "v2"}),
    "due_after": ('{column: due, gt: "2026-04-12"}', {"v3", "v5"}),
    "due_on": ('{column: due, eq: "2026-04-10"}', {"v1"}),
    # column against column
    "grade_lt_ceiling": ("{column: grade, lt: {column: ceiling}}", {"v1"}),
    "grade_le_ceiling": ("{column: grade, le: {column: ceiling}}", {"v1", "v2"}),
    "grade_gt_ceiling": ("{column: grade, gt: {column: ceiling}}", {"v3"}),
    "grade_lt_price": ("{column: grade, lt: {column: price}}", {"v1", "v2", "v5"}),
    "price_lt_grade": ("{column: price, lt: {column: grade}}", {"v3"}),
    "price_ge_cost": ("{column: price, ge: {column: cost}}", {"v1", "v5"}),
    "price_gt_cost": ("{column: price, gt: {column: cost}}", {"v5"}),
    "team_is_home": ("{column: team, eq: {column: home}}", {"v1"}),
    "team_is_not_home": ("{column: team, ne: {column: home}}", {"v2", "v3"}),
    "urgent_is_flagged": ("{column: urgent, eq: {column: flagged}}", {"v1", "v5"}),
    "urgent_is_not_flagged": ("{column: urgent, ne: {column: flagged}}", {"v2", "v3"}),
    "served_by_due": ("{column: served, le: {column: due}}", {"v1", "v2", "v3", "v5"}),
    "served_before_due": ("{column: served, lt: {column: due}}", {"v1", "v3", "v5"}),
    "done_after_opened": ("{column: done_at, gt: {column: at}}", {"v1", "v2", "v3", "v5"}),
    "done_not_after_opened": ("{column: done_at, le: {column: at}}", set()),
    # presence and combinations
    "cost_present": ("{column: cost, present: true}", {"v1", "v2", "v4", "v5"}),
    "cost_missing": ("{column: cost, present: false}", {"v3"}),
    "all_of": (
        "{all: [{column: team, eq: red}, {column: urgent, eq: true}, {column: grade, gt: 3}]}",
        {"v3"},
    ),
    "any_of": ("{any: [{column: team, eq: green}, {column: grade, eq: 3}]}", {"v1", "v4"}),
    "not_red": ("{not: {column: team, eq: red}}", {"v2", "v4", "v5"}),  # the missing team too
    # clock targets, placed by the event's own anchor (opened_at)
    "business_2h": (
        "{clock: {from: at, to: done_at, calendar: office}, within: {hours: 2}}",
        {"v1", "v2"},
    ),
    # 7199.5 s is taken as 7200 whole business seconds (half up): 2 h meets it
    "business_rounded": (
        "{clock: {from: at, to: done_at, calendar: office}, within: {seconds: 7199.5}}",
        {"v1", "v2"},
    ),
    # and 7199.4 s as 7199: 2 h is over it
    "business_rounded_down": (
        "{clock: {from: at, to: done_at, calendar: office}, within: {seconds: 7199.4}}",
        set(),
    ),
    "business_held_7h": (
        "{clock: {from: at, to: done_at, calendar: office, pauses: holds}, within: {hours: 7}}",
        {"v1", "v2", "v3"},
    ),
    "wall_2h": ("{clock: {from: at, to: done_at}, within: {hours: 2}}", {"v1"}),
    # wall time is exact: 2 h is over a target of 7199.5 s
    "wall_exact": ("{clock: {from: at, to: done_at}, within: {seconds: 7199.5}}", set()),
    "wall_in_minutes": (
        "{clock: {from: at, to: done_at}, within: {minutes: 1020}}",
        {"v1", "v2", "v3"},
    ),
}

# Clock targets per value of a column: events whose value has no target are not counted.
# (name: condition, anchor, scope, met, failed) — all April events.
TARGETS: dict[str, tuple[str, str | None, str | None, set[str], set[str]]] = {
    # gold 3 h, silver 1 h: v1 2 h ≤ 3 met; v2 2 h > 1 and v5 9 h > 3 failed; v3 (bronze)
    # and v4 (no tier) have no target
    "business_by_tier": (
        "{clock: {from: at, to: done_at, calendar: office}, "
        "within: {by: tier, hours: {gold: 3, silver: 1}}}",
        None,
        None,
        {"v1"},
        {"v2", "v5"},
    ),
    # gold 2 h, silver 17 h of wall time: v1 2 h and v2 17 h met, v5 20 h failed
    "wall_by_tier": (
        "{clock: {from: at, to: done_at}, within: {by: tier, hours: {gold: 2, silver: 17}}}",
        None,
        None,
        {"v1", "v2"},
        {"v5"},
    ),
    # anchored at the deadline: the same outcomes; v2's 1 h target runs out at 18:00
    # closing, so it expires at Tuesday's opening, still April; v6 (silver, March) failed
    # at 11:00:01 on 31 March, outside April
    "business_by_tier_deadline": (
        "{clock: {from: at, to: done_at, calendar: office}, "
        "within: {by: tier, hours: {gold: 3, silver: 1}}}",
        "deadline",
        None,
        {"v1"},
        {"v2", "v5"},
    ),
    # v6 (silver, 2 h ≤ 17 h) is met on 31 March: not in April
    "wall_by_tier_deadline": (
        "{clock: {from: at, to: done_at}, within: {by: tier, hours: {gold: 2, silver: 17}}}",
        "deadline",
        None,
        {"v1", "v2"},
        {"v5"},
    ),
    # red and blue teams (v1, v2, v3; v6 is March's): 4 business hours; v3 takes 9, so
    # it expires at 13:00:01 on 7 April
    "business_scoped_deadline": (
        "{clock: {from: at, to: done_at, calendar: office}, within: {hours: 4}}",
        "deadline",
        "{column: team, in: [red, blue]}",
        {"v1", "v2"},
        {"v3"},
    ),
    # the red team (v1, v3): 8 wall hours; v3 takes 9, so it expires at 17:00 on 7 April
    "wall_scoped_deadline": (
        "{clock: {from: at, to: done_at}, within: {hours: 8}}",
        "deadline",
        "{column: team, eq: red}",
        {"v1"},
        {"v3"},
    ),
    # a target of 0 s for bronze only: v3 is counted, and fails
    "wall_zero_for_bronze": (
        "{clock: {from: at, to: done_at}, within: {by: tier, seconds: {bronze: 0}}}",
        None,
        None,
        set(),
        {"v3"},
    ),
    # the open v4 (green), opened 8 April 10:00, against 22 days 14 h less 1 µs of wall
    # time: it expires at the first µs past that, 1 May 00:00:00 exactly, so not in April
    "wall_expires_in_may": (
        '{clock: {from: at, to: done_at}, within: {seconds: "1951199.999999"}}',
        "deadline",
        "{column: team, eq: green}",
        set(),
        set(),
    ),
    # the open v4 (green, 4 h) expires at 14:00:01 on 8 April: failed in April
    "business_open_expires": (
        "{clock: {from: at, to: done_at, calendar: office}, within: {hours: 4}}",
        "deadline",
        "{column: team, eq: green}",
        set(),
        {"v4"},
    ),
}

OTHER_KPIS = {
    # events by their due date (local midnight): v1, v2, v5 (30 April) and v6 (1 April);
    # v3 is due 1 May, v4 has no due date
    "due_in_month": "kind: count\n      anchor: due\n      direction: higher",
    # grades of the urgent events: v1 3 + v3 7 (v4 has no grade)
    "urgent_grades": (
        "kind: sum\n      measure: {column: grade}\n      condition: {column: urgent, eq: true}\n"
        "      direction: higher"
    ),
    # Σ price of the urgent ÷ Σ grade: (10.5 + 2.5) ÷ (3 + 5 + 7 + 5) = 13/20
    "urgent_price_per_grade": (
        "kind: ratio_of_sums\n      numerator: {sum: price, where: {column: urgent, eq: true}}\n"
        "      denominator: {sum: grade}\n      direction: higher"
    ),
    # the same on the red team (v1, v3): 13 ÷ (3 + 7) = 13/10
    "red_price_per_grade": (
        "kind: ratio_of_sums\n      scope: {column: team, eq: red}\n"
        "      numerator: {sum: price, where: {column: urgent, eq: true}}\n"
        "      denominator: {sum: grade}\n      direction: higher"
    ),
    # business hours with v3's hold taken off: (2 + 2 + 7 + 9) / 4 = 5
    "mean_held_hours": (
        "kind: mean\n      measure: {clock: {from: at, to: done_at, calendar: office, "
        "pauses: holds}}\n      unit: hours\n      direction: lower"
    ),
    # wall minutes: (120 + 1020 + 540 + 1200) / 4 = 720
    "mean_wall_minutes": (
        "kind: mean\n      measure: {clock: {from: at, to: done_at}}\n      unit: minutes\n"
        "      direction: lower"
    ),
    # a count of the events meeting a target per tier (v1, see business_by_tier): every
    # April event is in its sample, those without a target too
    "met_by_tier_count": (
        "kind: count\n      condition: {clock: {from: at, to: done_at, calendar: office}, "
        "within: {by: tier, hours: {gold: 3, silver: 1}}}\n      direction: higher"
    ),
    # the mean price: (10.5 + 7.25 + 2.5 + 100) / 4 = 30.0625
    "mean_price": "kind: mean\n      measure: {column: price}\n      direction: higher",
}


def _kpi(name: str, body: str) -> str:
    return f"    - name: {name}\n      title: {name}\n      events: visits\n      {body}\n"


def _ratio(condition: str, anchor: str | None = None, scope: str | None = None) -> str:
    body = f"kind: ratio\n      condition: {condition}\n      direction: higher"
    if anchor is not None:
        body += f"\n      anchor: {anchor}"
    if scope is not None:
        body += f"\n      scope: {scope}"
    return body


def _contract(kpis: dict[str, str], filtered: tuple[str, ...] = ()) -> Contract:
    levels = [
        f"    - {{id: {name}, name: {name}, kpi: {name}, source: visits, expected: 0, "
        f"minimum: 0, kind: key}}\n"
        for name in kpis
    ]
    # the same KPIs on the red team only (a level's filter selects events first)
    levels += [
        f"    - {{id: red_{name}, name: red {name}, kpi: {name}, source: visits, expected: 0, "
        f"minimum: 0, kind: key, filter: {{team: red}}}}\n"
        for name in filtered
    ]
    text = (
        office_contract_head("conditions", "Conditions by hand")
        + f"""  event_types:
    - name: visits
      description: Visits
      anchor: at
      columns:
        - {{name: id, type: string, required: true}}
        - {{name: at, type: timestamp, required: true}}
        - {{name: done_at, type: timestamp}}
        - {{name: holds, type: intervals}}
        - {{name: due, type: date}}
        - {{name: served, type: date}}
        - {{name: team, type: string}}
        - {{name: home, type: string}}
        - {{name: note, type: text}}
        - {{name: grade, type: integer}}
        - {{name: ceiling, type: integer}}
        - {{name: price, type: decimal}}
        - {{name: cost, type: decimal}}
        - {{name: urgent, type: boolean}}
        - {{name: flagged, type: boolean}}
        - {{name: tier, type: string}}
  kpis:
{"".join(_kpi(name, body) for name, body in kpis.items())}  service_levels:
{"".join(levels)}"""
    )
    return parse_contract_text(text).contract


def _at(month_number: int, day: int, hour: int) -> datetime:
    return datetime(2026, month_number, day, hour, tzinfo=SEOUL)


def _day(text: str | None) -> Any:
    from datetime import date

    return None if text is None else date.fromisoformat(text)


def _events(contract: Contract) -> pa.Table:
    schema = arrow_schema(contract.declared_event_types["visits"])
    held = [{"start": _at(4, 7, 10), "end": _at(4, 7, 12)}]
    return pa.table(
        {
            "id": ["v1", "v2", "v3", "v4", "v5", "v6"],
            "at": [
                _at(4, 6, 9),
                _at(4, 6, 17),
                _at(4, 7, 9),
                _at(4, 8, 10),
                _at(4, 9, 9),
                _at(3, 31, 10),
            ],
            "done_at": [
                _at(4, 6, 11),
                _at(4, 7, 10),
                _at(4, 7, 18),
                None,
                _at(4, 10, 5),
                _at(3, 31, 12),
            ],
            "holds": [None, None, held, None, None, None],
            "due": [
                _day(d)
                for d in (
                    "2026-04-10",
                    "2026-04-12",
                    "2026-05-01",
                    None,
                    "2026-04-30",
                    "2026-04-01",
                )
            ],
            "served": [
                _day(d)
                for d in (
                    "2026-04-09",
                    "2026-04-12",
                    "2026-04-20",
                    None,
                    "2026-04-10",
                    "2026-03-31",
                )
            ],
            "team": ["red", "blue", "red", "green", None, "blue"],
            "home": ["red", "red", "blue", None, "blue", "blue"],
            "note": ["late", "ok", "late", None, "ok", "ok"],
            "grade": [3, 5, 7, None, 5, 0],
            "ceiling": [5, 5, 4, 6, None, 1],
            "price": [
                Decimal("10.5"),
                Decimal("7.25"),
                Decimal("2.5"),
                None,
                Decimal(100),
                Decimal(0),
            ],
            "cost": [
                Decimal("10.5"),
                Decimal(8),
                None,
                Decimal(1),
                Decimal("99.999999"),
                Decimal(0),
            ],
            "urgent": [True, False, True, True, False, False],
            "flagged": [True, True, False, None, False, True],
            "tier": ["gold", "silver", "bronze", None, "gold", "silver"],
        },
        schema=schema,
    )


World = dict[str, tuple[Contract, pa.Table]]


@pytest.fixture(scope="module")
def world() -> World:
    """Per level: its contract and the events (two contracts, as one contract declares at
    most 64 KPIs). Each test evaluates its own level, so that what it asserts is computed
    while it runs."""
    conditions = {name: _ratio(condition) for name, (condition, _) in CONDITIONS.items()}
    others = {name: _ratio(c, anchor, scope) for name, (c, anchor, scope, *_) in TARGETS.items()}
    others |= OTHER_KPIS
    found: World = {}
    for contract in (
        _contract(conditions, ("grade_ge",)),
        _contract(others, ("business_scoped_deadline", "due_in_month")),
    ):
        table = _events(contract)
        found |= {sl.id: (contract, table) for sl in contract.service_levels}
    return found


def _result(world: World, level: str) -> Any:
    """The April result of a level."""
    contract, table = world[level]
    sl = contract.service_level(level)
    [result] = evaluate_periods(contract, sl, [APRIL], table, clock_cache=CLOCKS)
    return result


def _listed(world: World, level: str) -> dict[str, set[str]]:
    """The April drill-down of a level: the ids of its met and of its failed events."""
    contract, table = world[level]
    drill = drill_down(contract, contract.service_level(level), APRIL, table, clock_cache=CLOCKS)
    return {
        outcome: {item["id"] for item in drill.page(outcome=outcome)}
        for outcome in ("met", "failed")
    }


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_each_condition_meets_the_events_worked_out_by_hand(name: str, world: World) -> None:
    met = CONDITIONS[name][1]
    april = {"v1", "v2", "v3", "v4", "v5"}
    result = _result(world, name)
    assert (result.numerator, result.denominator) == (len(met), 5)
    assert _listed(world, name) == {"met": met, "failed": april - met}


@pytest.mark.parametrize("name", list(TARGETS))
def test_clock_targets_count_only_the_events_they_have_a_target_for(
    name: str, world: World
) -> None:
    *_, met, failed = TARGETS[name]
    result = _result(world, name)
    assert (result.numerator, result.denominator) == (len(met), len(met | failed))
    assert _listed(world, name) == {"met": met, "failed": failed}


@pytest.mark.parametrize(
    ("level", "value", "numerator", "denominator", "sample"),
    [
        ("due_in_month", Fraction(4), 4, None, 4),
        ("urgent_grades", Fraction(10), 10, None, 2),
        # (summed in millionths, as the decimal price is; v4 counts, adding nothing)
        ("urgent_price_per_grade", Fraction(13, 20), 13_000_000, 20_000_000, 5),
        ("red_price_per_grade", Fraction(13, 10), 13_000_000, 10_000_000, 2),
        ("mean_held_hours", Fraction(5), 20, 4, 4),
        ("mean_wall_minutes", Fraction(720), 2880, 4, 4),
        ("mean_price", Fraction(481, 16), Fraction(481, 4), 4, 4),
        ("met_by_tier_count", Fraction(1), 1, None, 5),
        # a level's filter first: the red team is v1 and v3 (grades 3 and 7 ≥ 5: v3) …
        ("red_grade_ge", Fraction(1, 2), 1, 2, 2),
        # … v1 meets 4 business hours, v3 takes 9 …
        ("red_business_scoped_deadline", Fraction(1, 2), 1, 2, 2),
        # … and v1 is due in April, v3 in May
        ("red_due_in_month", Fraction(1), 1, None, 1),
    ],
)
def test_anchors_sums_means_and_filtered_levels_give_the_hand_computed_result(
    level: str,
    value: Fraction,
    numerator: Any,
    denominator: Any,
    sample: int,
    world: World,
) -> None:
    result = _result(world, level)
    assert (result.value, result.numerator, result.denominator, result.sample_size) == (
        value,
        numerator,
        denominator,
        sample,
    )


@pytest.mark.parametrize(
    ("level", "met", "failed"),
    [
        ("red_grade_ge", {"v3"}, {"v1"}),
        ("red_business_scoped_deadline", {"v1"}, {"v3"}),
    ],
)
def test_a_filtered_level_lists_only_its_own_events(
    level: str, met: set[str], failed: set[str], world: World
) -> None:
    assert _listed(world, level) == {"met": met, "failed": failed}


@pytest.mark.parametrize(
    ("level", "listed"),
    [
        ("urgent_grades", {"v1", "v3"}),  # urgent and graded
        ("urgent_price_per_grade", {"v1", "v2", "v3", "v4", "v5"}),  # every April event
        ("red_price_per_grade", {"v1", "v3"}),  # its scope
        ("mean_price", {"v1", "v2", "v3", "v5"}),  # priced
        ("mean_wall_minutes", {"v1", "v2", "v3", "v5"}),  # done
        ("due_in_month", {"v1", "v2", "v5", "v6"}),  # due in April
        ("met_by_tier_count", {"v1", "v2", "v3", "v4", "v5"}),
    ],
)
def test_the_drill_down_of_each_kind_lists_the_events_it_counted(
    level: str, listed: set[str], world: World
) -> None:
    found = _listed(world, level)
    assert found["met"] | found["failed"] == listed
