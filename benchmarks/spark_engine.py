"""The local engine and the Spark engine side by side on the same generated tickets.

    .venv/bin/python benchmarks/spark_engine.py                   # 1 M tickets, local[2]
    .venv/bin/python benchmarks/spark_engine.py --rows 10000000   # 10 M
    .venv/bin/python benchmarks/spark_engine.py --master 'local[1]'
    .venv/bin/python benchmarks/spark_engine.py --partitions 8    # cut by month and id

Data: the tickets of benchmarks/end_to_end.py (seeded, written once to
benchmarks/out/e2e-<rows>/ in the event-store layout, three vendors' contracts of 8 ticket
service levels each), evaluated for the 12 months of 2026:

* local — ``EventStore.read`` then ``evaluate_contract`` (service levels on 2 threads), per
  contract, as ``servicepact evaluate`` does;
* spark — ``evaluate_contract_spark`` on the same Parquet files: partitions read by Spark,
  every partition evaluated by the same code in the executors (mapInArrow), partial states
  merged on the driver. The session is started (and its workers warmed on a small table)
  outside the timing; its start-up is printed apart. Spark runs first, so the driver's
  memory is not the local run's left-overs.

Printed: tickets/s of each engine, wall seconds, and peak memory — the local process; for
Spark the driver's Python process, the JVM (driver and executors in local mode) and the
executors' Python workers, sampled every 0.2 s — and whether the results are identical
(values, statuses and inputs hashes; the run fails if not).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record
from end_to_end import VENDORS, contract, ensure_data
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import month
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.engine.spark import SparkSource, evaluate_contract_spark, spark_session
from servicepact.store.db.evaluation import result_to_json
from servicepact.store.events.store import EventStore, InMemoryManifest

PAGE = os.sysconf("SC_PAGE_SIZE")


class TreeMemory:
    """Peak resident memory of this process's descendants, by kind (JVM / Python workers)."""

    def __init__(self) -> None:
        self.peak = {"jvm": 0, "workers": 0, "driver": 0, "worker_processes": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        mine, frontier = set(), [os.getpid()]
        while frontier:
            pid = frontier.pop()
            children = [c for c, p in parents.items() if p == pid]
            mine.update(children)
            frontier.extend(children)
        totals = {"jvm": 0, "workers": 0, "worker_processes": 0}
        for pid in mine:
            try:
                with open(f"/proc/{pid}/comm") as handle:
                    name = handle.read().strip()
                with open(f"/proc/{pid}/statm") as handle:
                    rss = int(handle.read().split()[1]) * PAGE
            except OSError:
                continue
            totals["jvm" if name == "java" else "workers"] += rss
            totals["worker_processes"] += name != "java"
        with open("/proc/self/statm") as handle:
            totals["driver"] = int(handle.read().split()[1]) * PAGE
        for kind, value in totals.items():
            self.peak[kind] = max(self.peak[kind], value)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()


def _rss_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


def _document(results: list[Any]) -> bytes:
    """The result documents as stored (store/db/evaluation.py), serialised canonically."""
    return json.dumps([result_to_json(r) for r in results], sort_keys=True, default=str).encode()


def _local_run(
    store: EventStore, contracts: list[Any], months: list[Any]
) -> tuple[float, list[Any]]:
    """The local engine's read path and evaluation, per contract, as ``servicepact evaluate``."""
    cache = ClockCache()
    tiny = store.read(contract_id=contracts[0].id, source="tickets").slice(0, 1000)
    evaluate_contract(contracts[0], {"tickets": tiny}, months, clock_cache=cache)  # warm-up
    started = time.perf_counter()
    results = []
    for c in contracts:
        table = store.read(contract_id=c.id, source="tickets")
        results.extend(
            evaluate_contract(c, {"tickets": table}, months, clock_cache=cache, workers=2)
        )
        del table
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partition-mb", type=int, default=8, help="Spark file split size")
    parser.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="cut each contract's tickets into this many partitions by month and id (a "
        "shuffle; SERVICEPACT_SPARK_PARTITIONS); default: the files' splits as read",
    )
    parser.add_argument(
        "--spark-only",
        action="store_true",
        help="leave the local engine out (e.g. a second Spark run with other cores on data "
        "the local engine was already measured on)",
    )
    args = parser.parse_args()
    rows = args.rows
    root = ensure_data(rows)
    contracts = [contract(v) for v in VENDORS]
    manifest = InMemoryManifest()
    for c, vendor in zip(contracts, VENDORS, strict=True):
        batch = f"bench-{vendor}-{rows}"
        manifest.add(c.id, "tickets", batch, f"{c.id}/tickets/{batch}.parquet")
    store = EventStore(root, manifest)
    months = [month(2026, m) for m in range(1, 13)]
    print(f"{rows:,} tickets, 3 contracts x 8 service levels x 12 months; load {os.getloadavg()}")

    # spark: the same files, the same contracts
    started = time.perf_counter()
    spark = spark_session(args.master, app_name="servicepact-bench")
    spark.conf.set("spark.sql.files.maxPartitionBytes", f"{args.partition_mb}m")
    startup = time.perf_counter() - started

    def sources(c: Any) -> dict[str, SparkSource]:
        refs = store.batches(contract_id=c.id, source="tickets")
        return {
            "tickets": SparkSource(
                BUILT_IN["tickets"],
                tuple(str(root / r.path) for r in refs),
                {r.batch_id: r.seq for r in refs},
            )
        }

    cut = args.partitions
    evaluate_contract_spark(  # warm-up
        spark, contracts[0], sources(contracts[0]), months[:1], partitions=cut
    )
    driver_before = _rss_bytes()
    with TreeMemory() as tree:
        started = time.perf_counter()
        spark_results = []
        for c in contracts:
            spark_results.extend(
                evaluate_contract_spark(spark, c, sources(c), months, partitions=cut).results
            )
        spark_seconds = time.perf_counter() - started
    spark.stop()

    spark_document = _document(spark_results)
    mb = 1024 * 1024
    print(f"{'engine':<8}{'seconds':>10}{'tickets/s':>14}  peak memory")
    local_seconds = identical = None
    if not args.spark_only:
        local_seconds, local_results = _local_run(store, contracts, months)
        identical = spark_results == local_results and spark_document == _document(local_results)
        print(
            f"{'local':<8}{local_seconds:>10.1f}{rows / local_seconds:>14,.0f}  "
            f"process {_rss_peak() / mb:,.0f} MB (high-water mark, after the Spark run)"
        )
    print(
        f"{'spark':<8}{spark_seconds:>10.1f}{rows / spark_seconds:>14,.0f}  "
        f"driver (Python) {tree.peak['driver'] / mb:,.0f} MB at most during the run "
        f"({driver_before / mb:,.0f} MB before it), "
        f"JVM {tree.peak['jvm'] / mb:,.0f} MB, executor Python workers "
        f"{tree.peak['workers'] / mb:,.0f} MB (at most {tree.peak['worker_processes']} processes)"
    )
    print(f"spark session start-up (not timed above): {startup:.1f} s on {args.master}")
    print(
        "spark partitions: "
        + ("the files' splits as read" if cut is None else f"{cut}, by month and id")
    )
    print(
        f"result documents: {len(spark_results)}, SHA-256 of all of them "
        f"{hashlib.sha256(spark_document).hexdigest()[:16]}… (Spark)"
    )
    if identical is not None:
        print(
            "the local engine's: "
            + (
                "byte-identical (and the same values, statuses, inputs hashes)"
                if identical
                else "DIFFERENT"
            )
        )
    name = "spark_engine"
    if local_seconds is not None:
        record(name, f"local {rows:,} tickets", round(rows / local_seconds), "tickets/s")
    record(
        name,
        f"spark {args.master} {rows:,} tickets"
        + ("" if cut is None else f", {cut} partitions by month"),
        round(rows / spark_seconds),
        "tickets/s",
        note=f"driver peak {tree.peak['driver'] / mb:.0f} MB; identical={identical}",
    )
    if identical is False:
        raise SystemExit("the engines disagree")


if __name__ == "__main__":
    main()
