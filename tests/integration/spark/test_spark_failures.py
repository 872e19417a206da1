"""Bad input and failure on Spark: a job that loses a Python worker stores nothing and says so
on one line, and running it again gives the local engine's results; a master that does not
answer is refused on one line, promptly; the results do not depend on how the events are
partitioned (as Spark reads the files, or range-partitioned by the month of their anchor, then
by id, into 1 or 7 partitions).

The failure is injected from the test alone: the executors run the function the driver ships
(``mapInArrow``), so wrapping ``engine.spark.partition_states`` here ships a wrapper that ends
its Python worker on one chosen partition while a marker file exists (it removes the marker
first, so it strikes once). Production code has no hook for it.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spark_fixtures import CHECKS, why_spark_is_missing

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, parse_contract_text
from servicepact.domain.access import Actor
from servicepact.domain.event_schemas import BATCH_COLUMN, ROW_COLUMN, arrow_schema
from servicepact.domain.periods import month
from servicepact.engine import spark as spark_engine
from servicepact.engine.evaluate import ClockCache, contract_timezone, evaluate_contract
from servicepact.engine.spark import SparkSource, evaluate_contract_spark
from servicepact.services.contracts import apply_contract
from servicepact.services.loads import load_rows
from servicepact.store.db.evaluation import ResultRepository

CONTRACT = "acme-cs-2026"
ROOT = Path(__file__).resolve().parents[3]
AFTER = "2026-05-02T00:00:00+09:00"


def _calls(day: str, count: int) -> list[dict[str, str]]:
    """``count`` calls on ``day`` (Seoul): every third answered after 40 s, the others 10 s."""
    rows = []
    for i in range(count):
        wait = 40 if i % 3 == 0 else 10
        rows.append(
            {
                "id": f"{day}-{i:03d}",
                "offered_at": f"{day}T10:{i % 60:02d}:00+09:00",
                "answered_at": f"{day}T10:{i % 60:02d}:{wait:02d}+09:00",
            }
        )
    return rows


def _dies_once(marker: Path, partition: int) -> Callable[..., Iterator[pa.RecordBatch]]:
    """``partition_states``, except that the Python worker evaluating ``partition`` exits
    abruptly (as a killed or out-of-memory worker does) the first time, while ``marker``
    exists."""
    real = spark_engine.partition_states

    def states(job: Any, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        context = TaskContext.get()
        if context is not None and context.partitionId() == partition and marker.exists():
            marker.unlink()
            os._exit(17)
        return real(job, batches)

    return states


@pytest.fixture
def two_months_of_calls(
    app: App,
    client_manager: Actor,
    vendor_a: Actor,
    make_contract_document: Callable[..., ContractDocument],
) -> App:
    apply_contract(app, actor=client_manager, document=make_contract_document())
    rows = _calls("2026-03-10", 30) + _calls("2026-04-14", 25)
    load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=rows)
    return app


def test_a_lost_python_worker_stores_nothing_and_a_rerun_gives_the_local_results(
    spark: Any,
    two_months_of_calls: App,
    cli_env: Any,
    run_servicepact: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    app = two_months_of_calls
    marker = tmp_path / "die-once"
    marker.touch()
    monkeypatch.setattr(spark_engine, "partition_states", _dies_once(marker, partition=1))
    # The settings, not the options: Spark, and two partitions cut by month then id (March's
    # calls first). local[2] gives each task one attempt.
    monkeypatch.setenv("SERVICEPACT_ENGINE", "spark")
    monkeypatch.setenv("SERVICEPACT_SPARK_PARTITIONS", "2")
    arguments = ["evaluate", "--contract", CONTRACT, "--period", "2026-03",
                 "--period", "2026-04", "--format", "json", "--now", AFTER]  # fmt: skip
    failed = run_servicepact(*arguments)
    assert not marker.exists()  # the worker of partition 1 did exit
    assert failed.code == 8, failed.err
    lines = failed.err.strip().splitlines()
    assert len(lines) == 1, failed.err
    # error: the Spark job over the calls events of acme-cs-2026 failed (Task 1 in stage
    # 4.0 failed 1 times: Python worker exited unexpectedly (crashed)); nothing was stored
    # — run the command again
    assert lines[0].startswith("error: the Spark job over the calls events of acme-cs-2026")
    assert "Task 1 in stage" in lines[0]
    assert "Python worker exited unexpectedly (crashed)" in lines[0]
    assert lines[0].endswith("); nothing was stored — run the command again")
    assert "Traceback" not in failed.err
    assert failed.out == ""
    with app.uow(read_only=True) as uow:
        # whatever partition 0 (March's calls) had computed is not kept either
        assert uow.repo(ResultRepository).latest(CONTRACT) == []
        assert [e for e in uow.audit.iter_entries() if e.entity_type == "sl_results"] == []

    again = run_servicepact(*arguments)
    assert again.code == 0, again.err
    with app.uow(read_only=True) as uow:
        on_spark = uow.repo(ResultRepository).latest(CONTRACT)
    local = run_servicepact(*arguments, "--engine", "local")
    assert local.code == 0, local.err
    assert again.out == local.out
    with app.uow(read_only=True) as uow:
        stored = uow.repo(ResultRepository).latest(CONTRACT)
        evaluations = [e for e in uow.audit.iter_entries() if e.entity_type == "sl_results"]
    # the local run found the same inputs hashes: nothing new was stored
    assert stored == on_spark
    assert len(evaluations) == 1
    # March: 30 calls, every third (i = 0, 3, …, 27: 10) waited 40 s → 20/30 = 2/3 within
    # 20 s; April: 25 calls, 9 waited (i = 0, 3, …, 24) → 16/25
    assert {r.period: r.value for r in stored} == {
        "2026-03": Fraction(2, 3),
        "2026-04": Fraction(16, 25),
    }
    assert [d["sample_size"] for d in json.loads(local.out)] == [30, 25]


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _evaluate_files(
    tmp_path: Path, *more: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    rows = ["id,offered_at,answered_at,abandoned_at,talk_seconds,csat,resolved_first_contact",
            "C1,2026-03-02T09:00:00+09:00,2026-03-02T09:00:10+09:00,,120,5,true"]  # fmt: skip
    (data / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    command = [sys.executable, "-c", "from servicepact.cli.main import run; run()", "evaluate",
               "--contract", str(ROOT / "examples" / "contact-centre.yaml"), "--data", str(data),
               "--period", "2026-03", "--engine", "spark", *more]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.parametrize("how", ["--spark-master", "SPARK_REMOTE"])
def test_a_master_that_does_not_answer_is_refused_on_one_line(how: str, tmp_path: Path) -> None:
    missing = why_spark_is_missing()
    if missing is not None:
        pytest.skip(f"Spark tests skipped: {missing}")
    port = _closed_port()
    unset = ("SPARK_REMOTE", "SERVICEPACT_ENGINE", "SERVICEPACT_SPARK_MASTER",
             "PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if how == "--spark-master":
        url = f"spark://127.0.0.1:{port}"
        done = _evaluate_files(tmp_path, "--spark-master", url, env=env)
    else:
        url = f"sc://127.0.0.1:{port}"
        done = _evaluate_files(tmp_path, env={**env, "SPARK_REMOTE": url})
    # returns (within the subprocess timeout: 120 s) with one line saying what and where
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: --engine: Spark at {url} could not start: 127.0.0.1:{port} refused the "
        "connection (is it up, is the URL right?)"
    ]
    assert done.stdout == ""


def _checks(contract: Any, batch: str, start: datetime, count: int, step: timedelta) -> pa.Table:
    """``count`` checks opened every ``step`` from ``start``, each closed 1 to 9 hours later
    (a few never), 10 items each and an error on every seventh."""
    schema = arrow_schema(contract.declared_event_types["checks"], with_provenance=True)
    opened = [start + i * step for i in range(count)]
    return pa.Table.from_pydict(
        {
            "id": [f"{batch}{i}" if batch == "a" else f"a{i * 5}" for i in range(count)],
            "opened_at": opened,
            "closed_at": [
                None if i % 11 == 0 else t + timedelta(hours=1 + i % 9)
                for i, t in enumerate(opened)
            ],
            "items": [10] * count,
            "errors": [1 if i % 7 == 0 else 0 for i in range(count)],
            BATCH_COLUMN: [batch] * count,
            ROW_COLUMN: list(range(count)),
        },
        schema=schema,
    )


def test_the_results_do_not_depend_on_the_number_of_partitions(spark: Any, tmp_path: Path) -> None:
    contract = parse_contract_text(CHECKS).contract
    # 240 checks from 1 April every 9 hours (to mid-July); batch b corrects every fifth of
    # the first 200 (their ids a0, a5, …, a195) with other times
    first = _checks(contract, "a", datetime(2026, 4, 1, tzinfo=UTC), 240, timedelta(hours=9))
    second = _checks(contract, "b", datetime(2026, 4, 2, 3, tzinfo=UTC), 40, timedelta(hours=41))
    paths = []
    for name, table in (("a", first), ("b", second)):
        paths.append(str(tmp_path / f"{name}.parquet"))
        pq.write_table(table, paths[-1], row_group_size=50)
    source = SparkSource(
        contract.declared_event_types["checks"], tuple(paths), sequences={"a": 1, "b": 2}
    )
    months = [month(2026, m) for m in (4, 5, 6)]
    now = datetime(2026, 8, 1, tzinfo=UTC)
    replaced = set(second.column("id").to_pylist())
    current = pa.concat_tables(
        [first.filter(pa.array([i not in replaced for i in first.column("id").to_pylist()])),
         second]
    )  # fmt: skip
    local = evaluate_contract(
        contract, {"checks": current}, months, clock_cache=ClockCache(), now=now
    )
    as_read = evaluate_contract_spark(spark, contract, {"checks": source}, months, now=now)
    one = evaluate_contract_spark(
        spark, contract, {"checks": source}, months, now=now, partitions=1
    )
    seven = evaluate_contract_spark(
        spark, contract, {"checks": source}, months, now=now, partitions=7
    )
    assert as_read.results == local
    assert one.results == local
    assert seven.results == local
    # three months of checks (240 × 9 h = 90 days from 1 April), three levels each
    measured = {r.period for r in local if r.sample_size}
    assert measured == {"2026-04", "2026-05", "2026-06"}

    # The cut itself: 7 partitions, each a run of consecutive months (anchor in Seoul),
    # ordered, so a month spreads over neighbouring partitions only.
    from pyspark.sql import functions as F  # noqa: N812

    frame = spark_engine._partitioned(
        spark_engine._events_frame(spark, source), source.event_type,
        contract_timezone(contract), 7,
    )  # fmt: skip
    assert frame.rdd.getNumPartitions() == 7
    spans = (
        frame.select(
            F.spark_partition_id().alias("part"),
            F.date_format(F.from_utc_timestamp("opened_at", "Asia/Seoul"), "yyyy-MM").alias("m"),
        )
        .groupBy("part")
        .agg(F.min("m").alias("first"), F.max("m").alias("last"))
        .orderBy("part")
        .collect()
    )
    assert len(spans) >= 3
    for earlier, later in itertools.pairwise(spans):
        assert earlier["last"] <= later["first"]
