"""Benchmark: ``servicepact clock`` on a CSV of intervals.

    .venv/bin/python benchmarks/clock.py                   # 1 M intervals
    .venv/bin/python benchmarks/clock.py --rows 100000     # a quick run
    .venv/bin/python benchmarks/clock.py --baseline main --repeat 5 --skip-rows-path

A seeded CSV of ``id,start,end,pauses`` (ISO 8601 with offsets; one row in ten with one or
two pauses) is written to ``benchmarks/out/clock-<rows>.csv`` once. Then, in this order:

* ``command``: the whole command in a fresh process (``servicepact clock ... -o out.csv``),
  wall and CPU time including the interpreter, imports and the contract file, the median of
  ``--repeat`` runs (after one unmeasured run that fills the file cache);
* with ``--baseline REV`` (a git revision, e.g. ``main``): the same command run by that
  revision's code (its ``src/`` exported under ``out/baseline-<commit>/`` and put first on
  ``PYTHONPATH``; one unmeasured run first, which also fills its compiled-kernel cache),
  interleaved with this revision's runs so that both see the same machine load; the two
  output files must be identical;
* ``columns``: the column-wise path in this process (read, clock, CSV text);
* ``row by row``: the row-by-row reader and writer in this process — the path every file took
  before, still used for files with a problem or an unusual shape.

The two in-process outputs and the command's file are compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from _baseline import export_revision, program
from _record import record

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SEED = 20260315
START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
SPAN = 330 * 86_400
CONTRACT = """\
servicepact: 1
contract:
  id: clock-bench
  name: Clock benchmark
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2027-12-31}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {mon-fri: "09:00-12:00, 13:00-18:00"}
      holidays: {country: KR}
  service_levels:
    - id: SL-01
      name: resolved within 8 business hours
      kpi: resolved_within
      source: tickets
      params: {hours: 8}
      calendar: office
      expected: 0.95
      minimum: 0.90
      kind: key
"""


def _stamps(seconds: np.ndarray) -> pa.Array:
    local = pa.array((seconds + 9 * 3600) * 1_000_000, pa.timestamp("us"))
    return pc.binary_join_element_wise(pc.strftime(local, format="%Y-%m-%dT%H:%M"), "+09:00", "")


def generate(path: Path, rows: int) -> None:
    rng = np.random.default_rng(SEED)
    starts = START + rng.integers(0, SPAN, rows) // 60 * 60
    ends = starts + (rng.lognormal(np.log(6 * 3600), 1.2, rows).astype(np.int64) // 60 * 60)
    ends = np.minimum(ends, START + 364 * 86_400)
    paused = rng.random(rows) < 0.1
    pauses = np.full(rows, "", dtype=object)
    where = np.flatnonzero(paused)
    p1 = starts[where] + (ends[where] - starts[where]) // 4
    p2 = p1 + (ends[where] - starts[where]) // 4
    one = pc.binary_join_element_wise('[["', _stamps(p1), '","', _stamps(p2), '"]]', "")
    two_mask = rng.random(where.size) < 0.3
    p3 = p2 + 3600
    two = pc.binary_join_element_wise(
        '[["', _stamps(p1), '","', _stamps(p2), '"],["', _stamps(p3), '","',
        _stamps(p3 + 1800), '"]]', "",
    )  # fmt: skip
    pauses[where] = np.where(two_mask, two.to_numpy(zero_copy_only=False), one.to_numpy(False))
    table = pa.table(
        {
            "id": pc.binary_join_element_wise("T-", pa.array(np.arange(rows).astype(str)), ""),
            "start": _stamps(starts),
            "end": _stamps(ends),
            "pauses": pa.array(pauses, pa.string()),
        }
    )
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def _timed(work: object) -> tuple[float, float, object]:
    cpu = time.process_time()
    wall = time.perf_counter()
    value = work()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu, value


def _run_command(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-rows-path", action="store_true", help="skip the row-by-row run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the command, median")
    parser.add_argument("--baseline", help="a git revision to time beside this one (e.g. main)")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per run")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    data = OUT / f"clock-{args.rows}.csv"
    if not data.exists():
        generate(data, args.rows)
    contract = OUT / "clock-contract.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    command_out = OUT / f"clock-{args.rows}-out.csv"

    runs: list[tuple[str, float, float, str]] = []
    arguments = ["clock", "--contract", str(contract), "--calendar", "office", str(data)]
    baseline_src = export_revision(args.baseline) if args.baseline else None
    baseline_out = OUT / f"clock-{args.rows}-baseline-out.csv"
    sides: dict[str, tuple[dict[str, str], Path, list[str]]] = {
        "this": (dict(os.environ), command_out, program())
    }
    if baseline_src is not None:
        env = {**os.environ, "PYTHONPATH": str(baseline_src)}
        sides[f"baseline {args.baseline}"] = (env, baseline_out, program(baseline_src))
    timings: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
    load = _load()
    for attempt in range(args.repeat + 1):
        for side, (env, out, servicepact) in sides.items():
            timed = _run_command([*servicepact, *arguments, "-o", str(out)], env)
            if attempt:  # the first run of each side fills the file and kernel caches
                timings[side].append(timed)
    for side, measured in timings.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        name = "command (columns), fresh process" if side == "this" else f"{side}: command"
        runs.append((name, wall, cpu, load))
    if baseline_src is not None and baseline_out.read_bytes() != command_out.read_bytes():
        raise SystemExit("the baseline's output differs from this revision's")

    from servicepact.cli import clock as command
    from servicepact.contractfile import load_contract_file

    calendar = load_contract_file(contract).contract.calendars["office"]

    def clocked(intervals: command.Intervals) -> np.ndarray:
        return command.business_seconds(
            calendar,
            starts=intervals.starts,
            ends=intervals.ends,
            pause_rows=intervals.pause_rows,
            pause_starts=intervals.pause_starts,
            pause_ends=intervals.pause_ends,
        )

    clocked(command.Parsed(ids=["w"], starts=[START], ends=[START + 1]).intervals())

    def columns() -> str:
        intervals = command.read_interval_columns(data)
        assert intervals is not None, "the benchmark file should be read column-wise"
        seconds = clocked(intervals)
        text = command.render_csv_columns(intervals.ids, seconds)
        assert text is not None
        return text

    def row_by_row() -> str:
        parsed = command._read_rows(data)
        seconds = clocked(parsed.intervals())
        return command.render(parsed.ids, seconds.tolist(), command.ClockFormat.CSV)

    load = _load()
    wall, cpu, fast = _timed(columns)
    runs.append(("columns, in process", wall, cpu, load))
    if fast != command_out.read_text(encoding="utf-8"):
        raise SystemExit("the command's output differs from the in-process output")
    if not args.skip_rows_path:
        load = _load()
        wall, cpu, slow = _timed(row_by_row)
        runs.append(("row by row (before), in process", wall, cpu, load))
        if slow != fast:
            raise SystemExit("row-by-row and column-wise outputs differ")
    digest = hashlib.sha256(str(fast).encode()).hexdigest()[:16]

    print(f"{'path':<36} {'rows':>10} {'wall s':>8} {'CPU s':>7} {'load':>5}")
    for index, (name, wall, cpu, load) in enumerate(runs):
        target = "≤ 1.5 s" if index == 0 and args.rows == 1_000_000 else ""
        record("clock", f"{name}, {args.rows:,} rows, wall", wall, "s", target=target,
               met=wall <= 1.5 if target else None)  # fmt: skip
        record("clock", f"{name}, {args.rows:,} rows, CPU", cpu, "s", target=target,
               met=cpu <= 1.5 if target else None)  # fmt: skip
        print(f"{name:<36} {args.rows:>10,} {wall:>8.2f} {cpu:>7.2f} {load:>5}")
        if args.json:
            print(json.dumps({"bench": "clock", "run": name, "rows": args.rows, "wall": wall,
                              "cpu": cpu, "load": load}))  # fmt: skip
    print(f"output sha256 {digest}… (identical across the paths)")


if __name__ == "__main__":
    main()
