"""Every KPI as partial state per chunk → merge → finish equals the one-pass result, exactly.

The scale-out engine (engine/spark.py) computes each partition of the events on its own
and merges the partial states on the driver (engine/kpis/partial.py). These properties
hold that decomposition to the one-pass computation the local engine runs: for random
event tables of every built-in event type (missing values, pauses, outages that overlap
across chunks, decimals) and random chunkings, every KPI of the catalogue — and declared
percentiles, maxima, deadlines, sums and ratios of sums — gives the same aggregates (exact
integers, so the same Fractions); and whole service levels (filters, exclusions,
completeness, statuses, inputs hashes) give the same results.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_fixtures import OFFICE_KR, _clock, month_window

from contract_texts import office_contract_head
from servicepact.contractfile import parse_contract_text
from servicepact.domain.contracts import Contract
from servicepact.domain.event_schemas import BATCH_COLUMN, INTERVAL, arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.kpis import CATALOGUE, Aggregate
from servicepact.domain.periods import month
from servicepact.engine.evaluate import (
    ClockCache,
    evaluate_periods,
    finish_periods,
    level_jobs,
    partial_periods,
)
from servicepact.engine.kpis import COMPUTATIONS, KpiAggregate, KpiContext
from servicepact.engine.kpis.base import MICROS
from servicepact.engine.kpis.partial import (
    IntervalRuns,
    SortedRuns,
    Sums,
    chunked,
    finish_sorted_runs,
    kpi_finish,
    kpi_partial,
    merge_all,
    merge_intervals,
    merge_states,
    sorted_runs,
)

START = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
SPAN = 120 * 86_400  # March to June, and a little beyond
WINDOWS = [month_window(2026, m) for m in range(3, 7)]
PARAMS: dict[str, dict[str, Any]] = {
    "answered_within": {"seconds": 20},
    "responded_within": {"hours_by_priority": {"P1": 1, "P2": 4, "P3": 8}},
    "resolved_within": {"hours": 8},
    "backlog_older_than": {"days": 3},
}
WORDS = {"priority": ["P1", "P2", "P3", "P4"], "service": ["web", "mail"]}


def random_events(event_type_name: str, rows: int, seed: int, types: Any = None) -> pa.Table:
    """Random rows of an event type: every column filled from its type, some values
    missing; instants spread over March-June 2026 with microseconds."""
    rng = np.random.default_rng(seed)
    event_type = (types or BUILT_IN)[event_type_name]
    schema = arrow_schema(event_type)
    base = START + rng.integers(0, SPAN, rows)
    arrays = []
    for field in schema:
        missing = (rng.random(rows) < 0.08) if field.nullable else np.zeros(rows, np.bool_)
        kind = field.type
        if field.name == "id":
            array = pa.array([f"E{seed}-{i}" for i in range(rows)])
        elif pa.types.is_timestamp(kind):
            # near the row's base instant, so durations between columns are plausible
            seconds = base + rng.integers(-2 * 3600, 3 * 86_400, rows)
            micros = seconds * MICROS + rng.integers(0, MICROS, rows)
            array = pa.array(micros, pa.int64(), mask=missing).cast(kind)
        elif pa.types.is_date32(kind):
            days = (base + rng.integers(-86_400, 3 * 86_400, rows)) // 86_400
            array = pa.array(days.astype(np.int32), pa.int32(), mask=missing).cast(kind)
        elif pa.types.is_boolean(kind):
            array = pa.array(rng.random(rows) < 0.6, mask=missing)
        elif pa.types.is_integer(kind):
            array = pa.array(rng.integers(0, 120, rows), pa.int64(), mask=missing).cast(kind)
        elif pa.types.is_decimal(kind):
            cents = rng.integers(0, 100_000, rows)
            values = [
                None if m else Decimal(int(c)) / 100 for c, m in zip(cents, missing, strict=True)
            ]
            array = pa.array(values, kind)
        elif pa.types.is_list(kind) and kind.value_type == INTERVAL:
            counts = rng.choice([0, 0, 1, 2], rows)
            offsets = np.zeros(rows + 1, dtype=np.int32)
            np.cumsum(counts, out=offsets[1:])
            owner = np.repeat(np.arange(rows), counts)
            p_start = base[owner] + rng.integers(-3600, 86_400, owner.size)
            p_end = p_start + rng.integers(0, 86_400, owner.size)
            intervals = pa.StructArray.from_arrays(
                [
                    pa.array(p_start * MICROS, pa.int64()).cast(INTERVAL[0].type),
                    pa.array(p_end * MICROS, pa.int64()).cast(INTERVAL[1].type),
                ],
                fields=list(INTERVAL),
            )
            array = pa.ListArray.from_arrays(pa.array(offsets), intervals)
        elif pa.types.is_list(kind):
            array = pa.nulls(rows, kind)
        else:
            words = WORDS.get(field.name, ["a", "b", "c"])
            array = pa.array(np.array(words)[rng.integers(0, len(words), rows)], mask=missing)
        arrays.append(array.cast(kind))
    return pa.Table.from_arrays(arrays, schema=schema)


def _context(kpi: str) -> KpiContext:
    definition = CATALOGUE[kpi]
    calendar = OFFICE_KR if definition.uses_calendar or kpi in PARAMS else None
    return KpiContext(
        definition=definition,
        params=dict(PARAMS.get(kpi, {})),
        timezone="Asia/Seoul",
        calendar=calendar,
        clock=_clock(calendar) if calendar is not None else None,
    )


def _cuts(draw_sizes: list[int], rows: int) -> list[int]:
    """Chunk sizes from drawn numbers, covering the table (empty chunks included)."""
    sizes, total = [], 0
    for size in draw_sizes:
        size = min(size, rows - total)
        sizes.append(size)
        total += size
    return sizes


@pytest.mark.parametrize("kpi", sorted(COMPUTATIONS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(0, 160),
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(0, 80), min_size=0, max_size=6),
)
def test_partial_merge_finish_equals_one_pass_for_every_catalogue_kpi(
    kpi: str, rows: int, seed: int, sizes: list[int]
) -> None:
    events = random_events(CATALOGUE[kpi].event_type, rows, seed)
    compute = COMPUTATIONS[kpi]
    one_pass = compute(events, _context(kpi), WINDOWS)
    chunks = chunked(events, _cuts(sizes, rows))
    states = [kpi_partial(compute, chunk, _context(kpi), WINDOWS) for chunk in chunks]
    merged = kpi_finish(compute, merge_all(states), _context(kpi), WINDOWS)
    assert merged == one_pass
    assert [a.value for a in merged] == [a.value for a in one_pass]  # the same Fractions
    # merging is order-free: the chunks in reverse give the same
    reverse = kpi_finish(compute, merge_all(states[::-1]), _context(kpi), WINDOWS)
    assert reverse == one_pass


DECLARED = {
    "median_hours": """
      kind: percentile
      percentile: 50
      measure: {clock: {from: opened_at, to: closed_at, calendar: office}}
      unit: hours
      direction: lower""",
    "p90_wall_hours": """
      kind: percentile
      percentile: 90
      measure: {clock: {from: opened_at, to: closed_at}}
      unit: hours
      direction: lower""",
    "longest_wall_hours": """
      kind: max
      measure: {clock: {from: opened_at, to: closed_at}}
      unit: hours
      direction: lower""",
    "within_4h": """
      kind: ratio
      condition:
        clock: {from: opened_at, to: closed_at, calendar: office}
        within: {hours: 4}
      anchor: deadline
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
}


def _declared_contract() -> Contract:
    kpis = "".join(
        f"    - name: {name}\n      title: {name}\n      events: checks\n{body.strip(chr(10))}\n"
        for name, body in DECLARED.items()
    )
    levels = "".join(
        f"    - {{id: D{i}, name: {name}, kpi: {name}, source: checks, expected: 0, "
        f"minimum: 0, kind: key}}\n"
        for i, name in enumerate(DECLARED)
    )
    text = (
        office_contract_head("declared", "Declared")
        + f"""  event_types:
    - name: checks
      description: Checks
      anchor: opened_at
      columns:
        - {{name: id, type: string, required: true}}
        - {{name: opened_at, type: timestamp, required: true}}
        - {{name: closed_at, type: timestamp}}
        - {{name: score, type: decimal}}
        - {{name: items, type: integer, required: true}}
        - {{name: errors, type: integer, required: true}}
  kpis:
{kpis}  service_levels:
{levels}"""
    )
    return parse_contract_text(text).contract


def _tickets_contract() -> Contract:
    text = """servicepact: 1
contract:
  id: chunks
  name: Chunks
  client: c
  vendor: v
  term: {start: 2026-01-01, end: 2026-12-31}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {mon-fri: "09:00-18:00"}
      holidays: {country: KR}
  expected_daily_volume: {tickets: 2}
  service_levels:
    - {id: A, name: a, kpi: responded_within, source: tickets, calendar: office, kind: key,
       expected: "0.9", minimum: "0.8", params: {hours_by_priority: {P1: 1, P2: 4, P3: 8}}}
    - {id: B, name: b, kpi: resolved_within, source: tickets, calendar: office, kind: key,
       expected: "0.9", minimum: "0.8", filter: {priority: [P1, P2]}, params: {hours: 8}}
    - {id: C, name: c, kpi: mean_time_to_resolve, source: tickets, calendar: office,
       kind: key, expected: 10, minimum: 20}
    - {id: D, name: d, kpi: backlog_older_than, source: tickets, kind: key, expected: 10,
       minimum: 20, params: {days: 3}}
    - {id: E, name: e, kpi: reopen_rate, source: tickets, kind: key, expected: "0.05",
       minimum: "0.08"}
    - {id: F, name: f, kpi: availability, source: availability, calendar: office, kind: key,
       expected: "0.99", minimum: "0.95"}
"""
    return parse_contract_text(text).contract


CONTRACTS = {"tickets": _tickets_contract(), "declared": _declared_contract()}
MONTHS = [month(2026, m) for m in range(3, 7)]


def _with_batches(events: pa.Table, seed: int) -> pa.Table:
    """Each row tagged with one of three batches (the inputs hash names them)."""
    rng = np.random.default_rng(seed)
    names = np.array(["b1", "b2", "b3"])[rng.integers(0, 3, events.num_rows)]
    return events.append_column(BATCH_COLUMN, pa.array(names, pa.string()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(sorted(CONTRACTS)),
    rows=st.integers(0, 150),
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(0, 70), min_size=0, max_size=5),
    excluded=st.lists(st.integers(0, 149), max_size=6),
    running=st.booleans(),
)
def test_service_levels_chunked_give_the_one_pass_results(
    which: str, rows: int, seed: int, sizes: list[int], excluded: list[int], running: bool
) -> None:
    contract = CONTRACTS[which]
    types = {**BUILT_IN, **contract.declared_event_types}
    now = datetime(2026, 5, 17, 4, tzinfo=UTC) if running else datetime(2027, 1, 2, tzinfo=UTC)
    for sl, periods in level_jobs(contract, MONTHS):
        events = _with_batches(random_events(sl.source, rows, seed, types), seed)
        exclusions = [
            Exclusion.model_validate(
                {
                    "id": "X1",
                    "contract_id": contract.id,
                    "source": sl.source,
                    "event_ids": sorted({f"E{seed}-{i}" for i in excluded}),
                    "reason": "force_majeure",
                    "status": "approved",
                    "requested_by": "client",
                    "requested_at": "2026-07-01T00:00:00Z",
                    "decided_by": "client",
                    "decided_at": "2026-07-02T00:00:00Z",
                }
            )
        ] if excluded else []  # fmt: skip
        one_pass = evaluate_periods(
            contract, sl, periods, events, clock_cache=ClockCache(), exclusions=exclusions, now=now
        )
        cache = ClockCache()
        states = [
            partial_periods(
                contract, sl, periods, chunk, clock_cache=cache, exclusions=exclusions, now=now
            )
            for chunk in chunked(events, _cuts(sizes, rows))
        ]
        merged = states[0]
        for state in states[1:]:
            merged = merged.merge(state)
        chunked_results = finish_periods(
            contract, sl, periods, merged, clock_cache=cache, exclusions=exclusions, now=now
        )
        assert chunked_results == one_pass


# --- the states by hand ----------------------------------------------------------------------


def test_sums_add_counts_numerators_and_denominators() -> None:
    a = Sums((KpiAggregate(Aggregate.RATIO, 3, 4, 4), KpiAggregate(Aggregate.RATIO, 0, 0, 0)))
    b = Sums((KpiAggregate(Aggregate.RATIO, 1, 6, 6), KpiAggregate(Aggregate.RATIO, 2, 2, 2)))
    merged = merge_states(a, b)
    assert isinstance(merged, Sums)
    assert merged.aggregates[0] == KpiAggregate(Aggregate.RATIO, 4, 10, 10)
    assert merged.aggregates[0].value == Fraction(2, 5)
    assert merged.aggregates[1].value == Fraction(1)


def test_sorted_runs_merge_and_pick_the_nearest_rank() -> None:
    # chunk A holds 1, 5, 9 and chunk B 2, 3: merged 1 2 3 5 9; the median's rank is
    # ⌈0.5 × 5⌉ = 3 → 3; the 90th percentile's ⌈0.9 × 5⌉ = 5 → 9 (a wrong merge, e.g.
    # the median of the medians 5 and 2.5, gives neither)
    runs_a = (np.array([1, 5, 9], dtype=np.int64),)
    runs_b = (np.array([2, 3], dtype=np.int64),)
    median = merge_states(
        SortedRuns(runs_a, 1, Fraction(1, 2)), SortedRuns(runs_b, 1, Fraction(1, 2))
    )
    assert isinstance(median, SortedRuns)
    assert median.runs[0].tolist() == [1, 2, 3, 5, 9]
    assert finish_sorted_runs(median)[0] == KpiAggregate(Aggregate.VALUE, 3, 1, 5, 1)
    p90 = merge_states(
        SortedRuns(runs_a, 1, Fraction(9, 10)), SortedRuns(runs_b, 1, Fraction(9, 10))
    )
    assert finish_sorted_runs(p90)[0].numerator == 9
    most = merge_states(SortedRuns(runs_b, 1, None), SortedRuns(runs_a, 1, None))
    assert finish_sorted_runs(most)[0].numerator == 9
    with pytest.raises(ValueError, match="different order statistics"):
        merge_states(SortedRuns(runs_a, 1, None), SortedRuns(runs_b, 1, Fraction(1, 2)))


def test_outages_split_across_chunks_unite_into_one_run() -> None:
    # chunk A: outage [0, 10); chunk B: [5, 20) and the touching [20, 25), planned [6, 8):
    # one run [0, 25), so the overlap [5, 10) is down once, not twice
    empty = np.zeros(0, dtype=np.int64)
    a = IntervalRuns(np.array([0]), np.array([10]), empty, empty)
    b = IntervalRuns(np.array([5, 20]), np.array([20, 25]), np.array([6]), np.array([8]))
    merged = merge_states(a, b)
    assert isinstance(merged, IntervalRuns)
    assert (merged.all_starts.tolist(), merged.all_ends.tolist()) == ([0], [25])
    assert (merged.planned_starts.tolist(), merged.planned_ends.tolist()) == ([6], [8])
    with pytest.raises(ValueError, match="cannot merge"):
        merge_states(a, Sums(()))


def test_sorted_runs_of_a_chunk_keep_each_window_its_values_scale_and_rank() -> None:
    # anchors 1, 12, 3, 15, 30 with values 7, 4, 2, 9, 5 over [0, 10) and [10, 20):
    # window 0 holds 7 and 2, window 1 holds 4 and 9; the anchor 30 is in neither
    state = sorted_runs(
        np.array([1, 12, 3, 15, 30]),
        np.array([7, 4, 2, 9, 5]),
        [(0, 10), (10, 20)],
        3600,
        Fraction(1, 2),
    )
    assert [run.tolist() for run in state.runs] == [[2, 7], [4, 9]]
    assert (state.scale, state.q) == (3600, Fraction(1, 2))


def test_an_order_statistic_over_an_empty_window_has_no_value() -> None:
    # window 0: no value; window 1: 4 and 9 in hours kept in seconds (scale 3600), the
    # median's rank ⌈0.5 × 2⌉ = 1 → 4 s, i.e. 4/3600 h
    state = SortedRuns((np.zeros(0, dtype=np.int64), np.array([4, 9])), 3600, Fraction(1, 2))
    empty, median = finish_sorted_runs(state)
    assert empty == KpiAggregate(Aggregate.VALUE, 0, 0, 0, 3600)
    assert empty.value is None
    assert median == KpiAggregate(Aggregate.VALUE, 4, 1, 2, 3600)
    assert median.value == Fraction(4, 3600)


def test_a_run_of_one_value_merges_into_the_other() -> None:
    # [5] with [1, 9] and [1, 9] with [5]: 1 5 9 either way; the maximum is 9, the median 5
    one, two = np.array([5]), np.array([1, 9])
    for a, b in ((one, two), (two, one)):
        merged = merge_states(
            SortedRuns((a,), 1, Fraction(1, 2)), SortedRuns((b,), 1, Fraction(1, 2))
        )
        assert isinstance(merged, SortedRuns)
        assert merged.runs[0].tolist() == [1, 5, 9]


def test_empty_outages_are_dropped_before_uniting() -> None:
    # [5, 5) lasts nothing; [0, 3) stays: one run
    starts, ends = merge_intervals(np.array([5, 0]), np.array([5, 3]))
    assert (starts.tolist(), ends.tolist()) == ([0], [3])


def test_chunks_that_cover_the_table_exactly_leave_no_empty_chunk_behind() -> None:
    events = pa.table({"id": ["a", "b", "c"]})
    assert [c.column("id").to_pylist() for c in chunked(events, [1, 2])] == [["a"], ["b", "c"]]
    assert [c.column("id").to_pylist() for c in chunked(events, [1])] == [["a"], ["b", "c"]]
    assert [c.num_rows for c in chunked(events.slice(0, 0), [])] == [0]


R = (np.array([1]),)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (
            Sums((KpiAggregate(Aggregate.RATIO, 1, 2, 2),)),
            Sums((KpiAggregate(Aggregate.MEAN, 1, 2, 2),)),
            "states of different KPIs cannot be merged",
        ),
        (
            Sums((KpiAggregate(Aggregate.MEAN, 1, 2, 2, 1),)),
            Sums((KpiAggregate(Aggregate.MEAN, 1, 2, 2, 60),)),
            "states of different KPIs cannot be merged",
        ),
        (
            Sums((KpiAggregate(Aggregate.RATIO, 1, 2, 2),)),
            Sums(()),
            "states over different windows cannot be merged",
        ),
        (
            SortedRuns(R, 1, None),
            SortedRuns(R, 60, None),
            "states of different order statistics cannot be merged",
        ),
        (
            SortedRuns(R, 1, None),
            SortedRuns(R + R, 1, None),
            "states of different order statistics cannot be merged",
        ),
        (SortedRuns(R, 1, None), Sums(()), "cannot merge a SortedRuns with a Sums"),
        (Sums(()), SortedRuns(R, 1, None), "cannot merge a Sums with a SortedRuns"),
    ],
)
def test_states_of_different_kpis_or_windows_are_not_merged(a: Any, b: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        merge_states(a, b)


def test_merging_nothing_and_finishing_without_a_finish_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^no state to merge$"):
        merge_all([])
    outages = IntervalRuns(*(np.zeros(0, dtype=np.int64),) * 4)
    with pytest.raises(ValueError, match=r"^IntervalRuns needs the computation's finish$"):
        kpi_finish(COMPUTATIONS["answered_within"], outages, _context("answered_within"), WINDOWS)
