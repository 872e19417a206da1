"""The event store in a local directory and on S3-compatible object storage, side by side.

    .venv/bin/python benchmarks/event_store_s3.py                  # 1 M tickets
    .venv/bin/python benchmarks/event_store_s3.py --rows 3000000
    .venv/bin/python benchmarks/event_store_s3.py --spark 'local[2]'   # and on Spark

Data: the tickets of benchmarks/end_to_end.py (seeded, three vendors' batches in the
event-store layout under benchmarks/out/e2e-<rows>/). The same batches are uploaded to a
bucket of a moto S3 server started here on 127.0.0.1 (the tests' server: never an outside
service), then each contract's tickets are read through ``EventStore.read`` from the
directory and from the bucket (the columns the KPIs read; best of 3), and its 12 months
evaluated from both — the results must be identical (the run fails if not).

With ``--spark MASTER`` the three contracts are also evaluated on Spark from the directory
(Spark reads the files) and from the bucket (the executors read the objects through
pyarrow's S3 filesystem): seconds of each, results identical (values, statuses, inputs
hashes).

Printed: upload MB/s, read seconds and rows/s from each, and the ratio. moto is a Python
server on the same two cores: the bucket's figures are a floor for a real S3 endpoint's
local overhead, not S3's throughput.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record
from end_to_end import COLUMNS, VENDORS, contract, ensure_data
from servicepact.domain.contracts import Contract
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import month
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.store.events.location import EventRoot
from servicepact.store.events.store import EventStore, InMemoryManifest

BENCH = "event_store_s3"


def _server() -> tuple[object, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Test credentials for the local server only; no instance metadata lookup.
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret",
        AWS_EC2_METADATA_DISABLED="true", AWS_REGION="us-east-1",
    )  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def _best(action: object, times: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        value = action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, value


MONTHS = [month(2026, m) for m in range(1, 13)]


def _on_spark(
    master: str,
    contracts: list[Contract],
    on_disk: EventStore,
    on_s3: EventStore,
) -> tuple[float, float]:
    """Seconds to evaluate every contract on Spark from the directory, then from the bucket
    (the session started and warmed outside the timing)."""
    from servicepact.engine.spark import SparkSource, evaluate_contract_spark, spark_session

    spark = spark_session(master, app_name="servicepact-bench")

    def sources(store: EventStore, c: Contract) -> dict[str, SparkSource]:
        refs = store.batches(contract_id=c.id, source="tickets")
        objects = store.root.local is None
        return {
            "tickets": SparkSource(
                BUILT_IN["tickets"],
                tuple(store.root.location(r.path) for r in refs),
                {r.batch_id: r.seq for r in refs},
                filesystem=store.root.filesystem if objects else None,
            )
        }

    seconds = []
    first: list[object] | None = None
    try:
        evaluate_contract_spark(spark, contracts[0], sources(on_disk, contracts[0]), MONTHS[:1])
        for store in (on_disk, on_s3):
            started = time.perf_counter()
            results: list[object] = []
            for c in contracts:
                results.extend(evaluate_contract_spark(spark, c, sources(store, c), MONTHS).results)
            seconds.append(time.perf_counter() - started)
            first = results if first is None else first
            assert results == first, "Spark's results from the bucket differ"
    finally:
        spark.stop()
    return seconds[0], seconds[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--spark", metavar="MASTER", help="also evaluate on Spark (local[2])")
    args = parser.parse_args()
    local_root = ensure_data(args.rows)
    server, endpoint = _server()
    try:
        import pyarrow.fs as pafs

        pafs.S3FileSystem(
            endpoint_override=endpoint.removeprefix("http://"), scheme="http",
            region="us-east-1", allow_bucket_creation=True,
        ).create_dir("bench-events")  # fmt: skip
        manifest = InMemoryManifest()
        contracts = [contract(v) for v in VENDORS]
        bucket = EventRoot.parse("s3://bench-events/events", endpoint=endpoint)
        uploaded, upload_seconds = 0, 0.0
        for c, vendor in zip(contracts, VENDORS, strict=True):
            relative = f"{c.id}/tickets/bench-{vendor}-{args.rows}.parquet"
            manifest.add(c.id, "tickets", f"bench-{vendor}-{args.rows}", relative)
            start = time.perf_counter()
            bucket.upload(local_root / relative, relative)
            upload_seconds += time.perf_counter() - start
            uploaded += (local_root / relative).stat().st_size
        on_disk, on_s3 = EventStore(local_root, manifest), EventStore(bucket, manifest)
        disk_seconds = s3_seconds = 0.0
        rows = 0
        for c in contracts:
            d, disk_table = _best(
                lambda c=c: on_disk.read(contract_id=c.id, source="tickets", columns=COLUMNS)
            )
            s, s3_table = _best(
                lambda c=c: on_s3.read(contract_id=c.id, source="tickets", columns=COLUMNS)
            )
            assert s3_table.equals(disk_table), c.id  # type: ignore[union-attr]
            disk_seconds, s3_seconds = disk_seconds + d, s3_seconds + s
            rows += disk_table.num_rows  # type: ignore[union-attr]
            same = [
                evaluate_contract(c, {"tickets": table}, MONTHS, clock_cache=ClockCache())  # type: ignore[dict-item]
                for table in (disk_table, s3_table)
            ]
            assert same[0] == same[1], f"{c.id}: the results differ"
        if args.spark:
            spark_seconds = _on_spark(args.spark, contracts, on_disk, on_s3)
    finally:
        server.stop()  # type: ignore[attr-defined]
    mb = uploaded / 1e6
    print(f"{rows:,} tickets in {len(contracts)} batches, {mb:.1f} MB of Parquet")
    print(f"upload to the bucket: {upload_seconds:.2f} s ({mb / upload_seconds:.0f} MB/s)")
    print(f"read, directory: {disk_seconds:.2f} s ({rows / disk_seconds:,.0f} rows/s)")
    print(f"read, bucket:    {s3_seconds:.2f} s ({rows / s3_seconds:,.0f} rows/s)")
    print(f"bucket ÷ directory: {s3_seconds / disk_seconds:.1f}x; results identical: yes")
    record(BENCH, f"{rows:,} tickets, upload", mb / upload_seconds, "MB/s", note="moto on loopback")
    record(BENCH, f"{rows:,} tickets, read from a directory", rows / disk_seconds, "rows/s")
    if args.spark:
        print(f"spark {args.spark}, from the directory: {spark_seconds[0]:.1f} s")
        print(f"spark {args.spark}, from the bucket:    {spark_seconds[1]:.1f} s")
        print("spark results from the directory and the bucket identical: yes")
    record(
        BENCH,
        f"{rows:,} tickets, read from the bucket",
        rows / s3_seconds,
        "rows/s",
        note="moto on loopback",
    )


if __name__ == "__main__":
    main()
