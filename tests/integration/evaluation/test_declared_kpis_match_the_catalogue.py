"""Declared KPIs against the catalogue: the vocabulary expresses real KPIs exactly.

Each catalogue KPI below is declared again from the closed vocabulary
(docs/custom-kpis.md) and both are evaluated on the demo's own year of calls and
tickets; every month's numerator, denominator, sample and value must be equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from servicepact.contractfile import parse_contract_text
from servicepact.demo.generate import generate_demo_files
from servicepact.domain.contracts import Contract
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import month
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.store.events.reading import read_events_for_evaluation

SCALE = 0.1

CONTRACT = """
servicepact: 1
contract:
  id: equivalence
  name: Declared against built-in
  client: hanbit
  vendor: nextit
  term: {start: 2026-01-01, end: 2026-12-31}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {mon-fri: "09:00-18:00"}
      holidays: {country: KR, add: [2026-05-01]}
    always: {timezone: Asia/Seoul, hours: "24x7"}
  kpis:
    - name: my_answered_within_20s
      kind: ratio
      title: Calls answered within 20 s
      events: calls
      scope: &not_short
        not:
          all:
            - {column: answered_at, present: false}
            - {column: abandoned_at, present: true}
            - clock: {from: offered_at, to: abandoned_at}
              within: {seconds: 5}
      condition:
        clock: {from: offered_at, to: answered_at}
        within: {seconds: 20}
      direction: higher
    - name: my_abandonment_rate
      kind: ratio
      title: Abandonment rate
      events: calls
      scope: *not_short
      condition:
        all:
          - {column: answered_at, present: false}
          - {column: abandoned_at, present: true}
      direction: lower
    - name: my_speed_of_answer
      kind: mean
      title: Average speed of answer
      events: calls
      measure: {clock: {from: offered_at, to: answered_at}}
      unit: seconds
      direction: lower
    - name: my_csat_top2
      kind: ratio
      title: CSAT top-2-box
      events: calls
      scope: {column: csat, present: true}
      condition: {column: csat, ge: 4}
      direction: higher
    - name: my_responded_within
      kind: ratio
      title: Responded within target per priority
      events: tickets
      condition:
        clock: {from: created_at, to: first_response_at, calendar: office, pauses: pauses}
        within: {by: priority, hours: {P1: 0.25, P2: 1, P3: 4, P4: 8}}
      anchor: deadline
      direction: higher
    - name: my_resolved_within_24x7
      kind: ratio
      title: P1/P2 resolved within target, 24x7
      events: tickets
      condition:
        clock: {from: created_at, to: resolved_at, calendar: always, pauses: pauses}
        within: {by: priority, hours: {P1: 4, P2: 8}}
      anchor: deadline
      direction: higher
    - name: my_resolved_within_office
      kind: ratio
      title: P3 resolved within 16 business hours
      events: tickets
      scope: {column: priority, eq: P3}
      condition:
        clock: {from: created_at, to: resolved_at, calendar: office, pauses: pauses}
        within: {hours: 16}
      anchor: deadline
      direction: higher
    - name: my_mean_time_to_resolve
      kind: mean
      title: Mean time to resolve
      events: tickets
      measure: {clock: {from: created_at, to: resolved_at, calendar: office, pauses: pauses}}
      unit: hours
      direction: lower
    - name: my_reopen_rate
      kind: ratio
      title: Reopen rate
      events: tickets
      scope: {column: resolved_at, present: true}
      condition: {column: reopened, eq: true}
      anchor: resolved_at
      direction: lower
  service_levels:
"""

PAIRS: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str | None]] = [
    # (declared, built-in, source, built-in params, filter for both, calendar)
    ("my_answered_within_20s", "answered_within", "calls", {"seconds": 20}, {}, None),
    ("my_abandonment_rate", "abandonment_rate", "calls", {}, {}, None),
    ("my_speed_of_answer", "average_speed_of_answer", "calls", {}, {}, None),
    ("my_csat_top2", "csat_top2", "calls", {}, {}, None),
    (
        "my_responded_within",
        "responded_within",
        "tickets",
        {"hours_by_priority": {"P1": 0.25, "P2": 1, "P3": 4, "P4": 8}},
        {},
        "office",
    ),
    (
        "my_resolved_within_24x7",
        "resolved_within",
        "tickets",
        {"hours_by_priority": {"P1": 4, "P2": 8}},
        {},
        "always",
    ),
    (
        "my_resolved_within_office",
        "resolved_within",
        "tickets",
        {"hours": 16},
        {"priority": "P3"},
        "office",
    ),
    ("my_mean_time_to_resolve", "mean_time_to_resolve", "tickets", {}, {}, "office"),
    ("my_reopen_rate", "reopen_rate", "tickets", {}, {}, None),
]


def _contract() -> Contract:
    import json

    lines = [CONTRACT]
    for index, (declared, built_in, source, params, filters, calendar) in enumerate(PAIRS):
        for kind, kpi in (("d", declared), ("b", built_in)):
            level: dict[str, Any] = {
                "id": f"{kind}{index}",
                "name": kpi,
                "kpi": kpi,
                "source": source,
                "expected": 0 if "rate" in kpi or "speed" in kpi or "mean" in kpi else 0.5,
                "minimum": 0 if "rate" in kpi or "speed" in kpi or "mean" in kpi else 0.4,
                "kind": "key",
            }
            if kind == "b" and params:
                level["params"] = params
            if filters and kind == "b":  # the declared one has it as its scope
                level["filter"] = filters
            if calendar and kind == "b":
                level["calendar"] = calendar
            lines.append(f"    - {json.dumps(level)}\n")
    return parse_contract_text("".join(lines)).contract


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    files = generate_demo_files(tmp_path_factory.mktemp("demo"), scale=SCALE)
    wanted = {("hanbit-cc-2026", "calls"), ("hanbit-itops-2026", "tickets")}
    contract = _contract()
    found: dict[str, pa.Table] = {}
    for demo_file in files:
        key = (demo_file.contract_id, demo_file.source)
        if key in wanted and not demo_file.correction and demo_file.source not in found:
            found[demo_file.source] = read_events_for_evaluation(
                Path(demo_file.path),
                BUILT_IN[demo_file.source],
                data_protection=contract.data_protection,
                pseudonym_key=b"k" * 32,
                timezone="Asia/Seoul",
            )
    assert set(found) == {"calls", "tickets"}
    return found


def test_each_declared_kpi_gives_the_catalogue_kpi_result_in_every_month(
    tables: dict[str, pa.Table],
) -> None:
    contract = _contract()
    months = [month(2026, m) for m in range(1, 13)]
    results = evaluate_contract(contract, tables, months, clock_cache=ClockCache())
    by_level = {(r.service_level_id, r.period): r for r in results}
    compared = 0
    for index, (declared, built_in, *_rest) in enumerate(PAIRS):
        for period in months:
            ours = by_level[(f"d{index}", period.label)]
            theirs = by_level[(f"b{index}", period.label)]
            assert theirs.sample_size > 0, f"{built_in} {period.label}: no demo events to compare"
            assert (ours.numerator, ours.denominator, ours.sample_size, ours.value) == (
                theirs.numerator,
                theirs.denominator,
                theirs.sample_size,
                theirs.value,
            ), f"{declared} differs from {built_in} in {period.label}"
            compared += 1
    assert compared == len(PAIRS) * 12


def test_the_drill_down_of_each_declared_kpi_adds_up_to_its_result(
    tables: dict[str, pa.Table],
) -> None:
    # the per-event outcomes of a declared KPI are what its result sums (engine/drilldown.py)
    from fractions import Fraction

    from servicepact.domain.kpis import Aggregate
    from servicepact.engine.drilldown import drill_down

    contract = _contract()
    march = month(2026, 3)
    cache = ClockCache()
    results = evaluate_contract(contract, tables, [march], clock_cache=cache)
    checked = 0
    for result in results:
        sl = contract.service_level(result.service_level_id)
        drill = drill_down(contract, sl, march, tables[sl.source], clock_cache=cache)
        totals = drill.totals()
        assert totals["sample_size"] == result.sample_size, sl.id
        if sl.definition.aggregate is Aggregate.MEAN:
            assert Fraction(totals["numerator"], drill.scale) == result.numerator, sl.id
        else:
            assert totals["numerator"] == result.numerator, sl.id
        assert totals["denominator"] == result.denominator, sl.id
        assert result.sample_size > 0
        checked += 1
    assert checked == 2 * len(PAIRS)
