"""A declared ratio KPI with a business-time clock against the built-in one, on 10 M tickets.

    .venv/bin/python benchmarks/declared_kpis.py                 # 10 M tickets, 12 months
    .venv/bin/python benchmarks/declared_kpis.py --rows 1000000  # a quicker look

The same seeded tickets (created during 2026 in Seoul, resolved from minutes to
weeks later, priorities P1-P4, one in ten with a waiting-on-customer pause) are
measured by two service levels of one contract:

* the catalogue's ``resolved_within`` with ``hours_by_priority`` on the office
  calendar (Mon-Fri 09:00-18:00, Korean holidays);
* a KPI the contract declares: ``kind: ratio``, condition ``clock: {from: created_at,
  to: resolved_at, calendar: office, pauses: pauses}`` within ``{by: priority, hours:
  {...}}``, ``anchor: deadline``.

Each is evaluated for the twelve months of 2026 in a fresh evaluation (its own
memo and clock cache, so neither reuses the other's arrays), best of ``--repeat``
runs; the script checks the two give identical results and prints both times and
their ratio. One core: the thread variables are set before numpy loads.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from servicepact.contractfile import parse_contract_text  # noqa: E402
from servicepact.domain.contracts import Contract  # noqa: E402
from servicepact.domain.event_schemas import INTERVAL, arrow_schema  # noqa: E402
from servicepact.domain.event_types import BUILT_IN  # noqa: E402
from servicepact.domain.periods import month  # noqa: E402
from servicepact.engine.evaluate import ClockCache, EvaluationMemo, evaluate_periods  # noqa: E402

TARGETS = {"P1": 4, "P2": 8, "P3": 16, "P4": 40}

CONTRACT = f"""
servicepact: 1
contract:
  id: bench
  name: Declared against built-in
  client: c
  vendor: v
  term: {{start: 2026-01-01, end: 2026-12-31}}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {{mon-fri: "09:00-18:00"}}
      holidays: {{country: KR}}
  kpis:
    - name: resolved_in_time
      kind: ratio
      title: Resolved within target per priority
      events: tickets
      condition:
        clock: {{from: created_at, to: resolved_at, calendar: office, pauses: pauses}}
        within: {{by: priority, hours: {TARGETS}}}
      anchor: deadline
      direction: higher
  service_levels:
    - {{id: BUILT-IN, name: built-in, kpi: resolved_within, source: tickets, calendar: office,
       params: {{hours_by_priority: {TARGETS}}}, expected: 0.9, minimum: 0.8, kind: key}}
    - {{id: DECLARED, name: declared, kpi: resolved_in_time, source: tickets,
       expected: 0.9, minimum: 0.8, kind: key}}
"""


def tickets(rows: int, seed: int = 2026) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = 1_767_193_200  # 2026-01-01 00:00 Seoul, epoch seconds
    created = start + rng.integers(0, 365 * 86_400, rows)
    open_for = np.minimum(rng.lognormal(np.log(6 * 3600), 1.2, rows), 60 * 86_400).astype(np.int64)
    resolved = created + open_for
    unresolved = rng.random(rows) < 0.02
    priority = rng.choice(np.array(["P1", "P2", "P3", "P4"]), rows, p=[0.05, 0.15, 0.4, 0.4])
    paused = np.flatnonzero(rng.random(rows) < 0.1)
    pause_start = created[paused] + rng.integers(600, 4 * 3600, paused.size)
    pause_end = pause_start + rng.integers(600, 8 * 3600, paused.size)
    offsets = np.zeros(rows + 1, dtype=np.int32)
    counts = np.zeros(rows, dtype=np.int32)
    counts[paused] = 1
    np.cumsum(counts, out=offsets[1:])
    structs = pa.StructArray.from_arrays(
        [
            pa.array(pause_start * 1_000_000, pa.timestamp("us", tz="UTC")),
            pa.array(pause_end * 1_000_000, pa.timestamp("us", tz="UTC")),
        ],
        fields=list(INTERVAL),
    )
    pauses = pa.ListArray.from_arrays(pa.array(offsets), structs)
    schema = arrow_schema(BUILT_IN["tickets"])
    columns = {
        "id": pa.array(np.char.add("T", np.arange(rows).astype(str))),
        "created_at": pa.array(created * 1_000_000, pa.timestamp("us", tz="UTC")),
        "resolved_at": pa.array(
            np.where(unresolved, 0, resolved * 1_000_000),
            pa.timestamp("us", tz="UTC"),
            mask=unresolved,
        ),
        "priority": pa.array(priority),
        "pauses": pauses.cast(schema.field("pauses").type),
    }
    return pa.table(
        {f.name: columns.get(f.name, pa.nulls(rows, f.type)) for f in schema}, schema=schema
    )


def timed(
    contract: Contract, level: str, table: pa.Table, repeat: int
) -> tuple[float, list[tuple[Any, ...]]]:
    sl = contract.service_level(level)
    months = [month(2026, m) for m in range(1, 13)]
    best, results = float("inf"), []
    for _ in range(repeat):
        began = time.perf_counter()
        results = evaluate_periods(
            contract,
            sl,
            months,
            table,
            clock_cache=ClockCache(),
            memo=EvaluationMemo(),
            contract_hash="bench",
            batch_ids=(),
        )
        best = min(best, time.perf_counter() - began)
    return best, [(r.numerator, r.denominator, r.sample_size) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    contract = parse_contract_text(CONTRACT).contract
    began = time.perf_counter()
    table = tickets(args.rows)
    print(f"{args.rows:,} tickets generated in {time.perf_counter() - began:.1f} s")
    warm = table.slice(0, 10_000)  # compiles the kernels once, outside the timings
    timed(contract, "BUILT-IN", warm, 1)
    timed(contract, "DECLARED", warm, 1)
    # Interleaved, so neither profits from running second (caches, the allocator).
    built_in = declared = float("inf")
    expected: list[tuple[Any, ...]] = []
    got: list[tuple[Any, ...]] = []
    for _ in range(args.repeat):
        seconds, expected = timed(contract, "BUILT-IN", table, 1)
        built_in = min(built_in, seconds)
        seconds, got = timed(contract, "DECLARED", table, 1)
        declared = min(declared, seconds)
    if got != expected:
        raise SystemExit(f"the declared KPI disagrees with the built-in one:\n{got}\n{expected}")
    print(f"results identical in all 12 months ({sum(e[2] for e in expected):,} tickets counted)")
    print(f"built-in resolved_within : {built_in:7.2f} s  ({args.rows / built_in / 1e6:.2f} M/s)")
    print(f"declared ratio KPI       : {declared:7.2f} s  ({args.rows / declared / 1e6:.2f} M/s)")
    print(f"declared ÷ built-in      : {declared / built_in:7.2f}")


if __name__ == "__main__":
    main()
