"""The scale-out engine: the same evaluation on Apache Spark (docs/scale-out.md).

Each service level's events are cut into the partitions of a Spark DataFrame. Inside the
executors, ``mapInArrow`` hands each partition over as Arrow batches; the partition is
evaluated by the very code of the local engine (``evaluate.partial_periods``: filters,
exclusions, the business-time kernels — compiled where numba is installed — and the KPI
computations) into a *partial state* (engine/kpis/partial.py), which is sent back to the
driver as bytes. The driver merges the states of all partitions and finishes them
(``evaluate.finish_periods``) exactly as the local engine finishes its single state: the
same values as exact fractions, the same statuses, the same inputs hashes.

* The contract (with its calendars and holiday lists), the periods and the approved
  exclusions travel to the executors once, as a broadcast (inside the task under Spark
  Connect, which has no broadcast); each Python worker builds a business clock once per
  calendar and keeps it.
* Corrections are applied in Spark as the event store applies them on a local read: per
  event id, the row of the batch with the highest load sequence wins.
* The driver only ever holds partial states (a few integers per window; the sorted values
  of a declared percentile), never the events, so its memory does not grow with them.
* Each job reads one source of one contract. Where no batch corrects another (one batch,
  or batches without an event id in common — Spark checks, reading and shuffling only the
  ids), each task reads whole row groups of the Parquet files itself through pyarrow (only
  the columns the levels read) and evaluates them at once: no event crosses from the JVM to
  Python. Otherwise Spark reads the files, applies the corrections, and hands the partitions
  over; and when asked (``partitions``), cuts them into that many partitions
  range-partitioned by the month of the events' anchor (in the contract's time zone), then
  by event id. The merge is exact whatever the partitioning (any cut of the events into
  chunks gives the same finished results), so this decides only where the work goes, never
  what it gives.
* Units per fee (credits, the period close, the baseline replay) are counted in the same way:
  each partition by the local engine's count, the driver adds the counts.
* A failed job (an executor or its Python worker lost, with Spark's retries spent) raises
  ``ComputationFailed``: the caller stores nothing, since results are stored only after
  every job of the evaluation has returned.

PySpark is an optional extra (``pip install 'servicepact[spark]'``); a session needs Java
unless it connects to a Spark Connect server (``SPARK_REMOTE``).
"""

from __future__ import annotations

import os
import pickle
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.errors import ComputationFailed, InvalidInput, Problem
from servicepact.domain.event_schemas import BATCH_COLUMN, arrow_schema
from servicepact.domain.event_types import ANCHORS, BUILT_IN, EventType
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.periods import Period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.columns import unread
from servicepact.engine.evaluate import (
    ClockCache,
    EvaluationMemo,
    PeriodsPartial,
    contract_timezone,
    finish_periods,
    level_jobs,
    partial_periods,
)

DEFAULT_MASTER = "local[*]"
INSTALL_PYSPARK = (
    "the Spark engine needs PySpark 4: pip install 'servicepact[spark]' "
    "(or pip install 'pyspark>=4.0')"
)
INSTALL_JAVA = (
    "the Spark engine needs Java 17 or later to run Spark here: install a JDK (e.g. "
    "apt-get install openjdk-17-jre-headless) or set JAVA_HOME; or point SPARK_REMOTE at "
    "a Spark Connect server"
)
# Rows per Arrow batch handed to the executors' Python workers: Spark's default. A
# partition's batches are joined into one table in the worker anyway, and much larger
# batches (262,144 rows) made the JVM's Arrow conversion of list columns 3-8x slower.
ARROW_BATCH_ROWS = 10_000
_STATE_SCHEMA = pa.schema([("level", pa.int32()), ("state", pa.binary())])
_COUNT_SCHEMA = pa.schema([("key", pa.string()), ("count", pa.int64())])
_COUNTS = "key string, count long"
# How long the master (or Spark Connect server) has to accept a connection before the
# command says it does not answer. Spark's own wait is longer and not configurable for a
# standalone master (3 registration attempts of 20 s each, fixed in its client).
CONNECT_TIMEOUT_SECONDS = 10.0
_DEFAULT_PORTS = {"spark": 7077, "sc": 15002}


class SparkUnavailable(InvalidInput):
    """PySpark or Java is missing, or the Spark master cannot be reached: one line saying
    what to install or check (never a traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__([Problem("--engine", message)])


@dataclass(frozen=True)
class SparkSource:
    """Where a source's events are for Spark: Parquet files in the event store's layout,
    and each batch's load sequence (corrections: the highest sequence wins per event id;
    None: one batch, or files that never correct each other).

    ``filesystem``: None when Spark reads ``paths`` itself (local or shared paths); else a
    pyarrow filesystem (object storage) through which the *executors* read the objects
    ``paths`` names — the driver only hands out (object, row group) pairs. It is pickled
    without credentials: each executor finds its own (the AWS SDK's standard chain)."""

    event_type: EventType
    paths: tuple[str, ...]
    sequences: Mapping[str, int] | None = None
    filesystem: Any = None


def _check_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable(INSTALL_PYSPARK) from None


def _check_java() -> None:
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if java is None or not os.path.exists(java):
        raise SparkUnavailable(INSTALL_JAVA)
    try:
        subprocess.run(  # noqa: S603 - the JVM Spark itself would start
            [java, "-version"], capture_output=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        raise SparkUnavailable(INSTALL_JAVA) from None


def _endpoints(url: str) -> list[tuple[str, int]]:
    """The host and port of each master a URL names: a standalone master
    (``spark://h1:7077,h2:7077``) or a Spark Connect server (``sc://host:15002/;…``); none
    for the others (``local[*]``, ``yarn``, ``k8s://…``: Spark finds those itself)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in _DEFAULT_PORTS:
        return []
    found = []
    for address in rest.split("/")[0].split(","):
        try:
            parts = urlsplit(f"{scheme}://{address}")
            host, port = parts.hostname, parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:  # not a host:port Spark would read either: its own message says so
            return []
        if host:
            found.append((host, port))
    return found


def _refusal(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "refused the connection"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"did not answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    if isinstance(error, socket.gaierror):
        return "is not a host name this machine knows"
    return error.strerror or type(error).__name__


def _shown(url: str) -> str:
    """The URL as an error may show it: no token or user (``sc://host:15002/;token=…``)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in _DEFAULT_PORTS:
        return url
    hosts = rest.split("/")[0].split(";")[0]
    return f"{scheme}://{hosts.rpartition('@')[2]}"


def check_reachable(url: str) -> None:
    """Refuse, on one line and within ``CONNECT_TIMEOUT_SECONDS`` per address, a master or
    Spark Connect server that accepts no connection (rather than Spark's minute of retries)."""
    refusals = []
    for host, port in _endpoints(url):
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
                return
        except OSError as error:
            refusals.append(f"{host}:{port} {_refusal(error)}")
    if refusals:
        raise SparkUnavailable(
            f"Spark at {_shown(url)} could not start: {'; '.join(refusals)} (is it up, is the "
            "URL right?)"
        )


def spark_session(master: str | None = None, *, app_name: str = "servicepact") -> Any:
    """A Spark session: Spark Connect at ``SPARK_REMOTE`` when set (and no master is
    named), else a classic session on ``master`` (default ``local[*]``). The session's time
    zone is UTC (events are UTC instants; each contract reads them in its own zone)."""
    _check_pyspark()
    from pyspark.sql import SparkSession

    remote = os.environ.get("SPARK_REMOTE")
    # Under spark-submit the master (and the rest) is spark-submit's to say.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    try:
        if remote and master is None:
            check_reachable(remote)
            builder = SparkSession.builder.remote(remote)
        elif submitted and master is None:
            builder = SparkSession.builder
        else:
            _check_java()
            check_reachable(master or DEFAULT_MASTER)
            # The executors' Python workers run this interpreter (where servicepact is).
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            builder = (
                SparkSession.builder.master(master or DEFAULT_MASTER)
                .config("spark.ui.enabled", "false")
                .config("spark.log.level", "ERROR")  # from the start: no JVM warnings
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
            )
        session = (
            builder.appName(app_name)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    except SparkUnavailable:
        raise
    except Exception as error:  # the JVM or the master refused: say so on one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if first.startswith("An error occurred while calling"):  # the JVM's, not a reason
            first = "the master did not take the application (is it up, is the URL right?)"
        where = remote if remote and master is None else master or DEFAULT_MASTER
        raise SparkUnavailable(f"Spark at {_shown(where)} could not start: {first}") from None
    if not (remote and master is None):
        session.sparkContext.setLogLevel("ERROR")
    return session


def _events_frame(spark: Any, source: SparkSource) -> Any:
    """The current version of each event: newest batch wins per id (as EventStore.read)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812 - the customary name

    frame = _batches_frame(spark, source)
    sequences = source.sequences
    if sequences is None or len(sequences) <= 1 or BATCH_COLUMN not in frame.columns:
        return frame
    order = spark.createDataFrame(
        [(batch, int(seq)) for batch, seq in sorted(sequences.items())],
        "__batch string, __seq long",
    )
    newest = Window.partitionBy(F.col(source.event_type.id_column)).orderBy(F.col("__seq").desc())
    return (
        frame.join(F.broadcast(order), frame[BATCH_COLUMN] == order["__batch"])
        .withColumn("__rank", F.row_number().over(newest))
        .where(F.col("__rank") == 1)
        .drop("__batch", "__seq", "__rank")
    )


def _batches_frame(spark: Any, source: SparkSource) -> Any:
    """Every row of the source's batches, corrected or not: Spark's own Parquet reader on
    local files, the executors' reads (``_objects_frame``) on object storage."""
    if source.filesystem is None:
        return spark.read.parquet(*source.paths)
    return _objects_frame(spark, source)


def _objects_frame(spark: Any, source: SparkSource) -> Any:
    """The batches on object storage as a DataFrame whose rows the executors read themselves,
    through pyarrow's filesystem inside ``mapInArrow``: one task per Parquet row group (the
    262,144-row unit the event store writes), the same rows and types as ``spark.read``
    would give, so everything after it (corrections, evaluation) is the same code."""
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    filesystem = source.filesystem
    units: list[tuple[str, int]] = []
    file_schema: pa.Schema | None = None
    for path in source.paths:  # the footers only: one small read per batch, on the driver
        with filesystem.open_input_file(path) as handle:
            metadata = pq.ParquetFile(handle).metadata
        file_schema = file_schema or metadata.schema.to_arrow_schema()
        units.extend((path, group) for group in range(metadata.num_row_groups))
    assert file_schema is not None, "no batch to read"
    spark_schema = from_arrow_schema(file_schema)
    target = to_arrow_schema(spark_schema, timezone="UTC")

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for path, group in zip(
                batch.column("path").to_pylist(), batch.column("group").to_pylist(), strict=True
            ):
                with filesystem.open_input_file(path) as handle:
                    parquet = pq.ParquetFile(handle)
                    for rows in parquet.iter_batches(
                        batch_size=ARROW_BATCH_ROWS, row_groups=[group]
                    ):
                        yield from pa.Table.from_batches([rows]).cast(target).to_batches()

    listing = spark.createDataFrame(units, "path string, group int")
    return listing.repartition(max(1, len(units))).mapInArrow(read, spark_schema)


def _anchor_of(event_type: EventType) -> str | None:
    """The column that places an event in a period (a declared type names it)."""
    declared = getattr(event_type, "anchor", None)
    return declared if isinstance(declared, str) else ANCHORS.get(event_type.name)


def _partitioned(frame: Any, event_type: EventType, timezone: str, partitions: int | None) -> Any:
    """The events as Spark cut them: without ``partitions``, the splits of their files as
    read (no shuffle); with it, that many partitions range-partitioned by the month of their
    anchor in ``timezone``, then by id — one month (or a few at a boundary) per partition, a
    large month over several. Only where the work goes: every cut of the events merges to
    the same results."""
    if partitions is None:
        return frame
    from pyspark.sql import functions as F  # noqa: N812 - the customary name
    from pyspark.sql.types import DateType

    anchor = _anchor_of(event_type)
    if anchor is None or anchor not in frame.columns:
        return frame.repartition(partitions)
    column = F.col(anchor)
    if not isinstance(frame.schema[anchor].dataType, DateType):
        column = F.from_utc_timestamp(column, timezone)  # the session's zone is UTC
    return frame.repartitionByRange(
        partitions, F.date_format(column, "yyyy-MM"), F.col(event_type.id_column)
    )


def _collect(frame: Any, what: str) -> list[Any]:
    """The rows of a finished job; a failed job says so on one line (nothing is kept)."""
    try:
        return list(frame.collect())
    except Exception as error:  # a lost executor or Python worker, retries spent
        raise ComputationFailed(
            f"the Spark job {what} failed ({_reason(error)}); nothing was stored — run the "
            "command again"
        ) from None


def _reason(error: BaseException) -> str:
    """The line of Spark's report that says why (its first lines only say where)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for line in lines:
        if "Job aborted due to stage failure:" in line:
            # "Task 1 in stage 4.0 failed 1 times, most recent failure: Lost task 1.0 in stage
            # 4.0 (TID 7) (host executor driver): org.apache.spark.SparkException: Python
            # worker exited unexpectedly (crashed). Consider …" → the task and the cause
            reason = line.split("Job aborted due to stage failure:", 1)[1].strip()
            task, _, failure = reason.partition(", most recent failure:")
            cause = failure.rpartition("): ")[2]
            if ": " in cause and "." in cause.split(": ", 1)[0]:  # a class name before it
                cause = cause.split(": ", 1)[1]
            cause = cause.split(". ")[0].rstrip(".")
            return f"{task}: {cause}"[:300] if cause else task[:300]
    for line in lines:
        if not line.startswith("An error occurred while calling"):
            return line.lstrip(": ")[:300]
    return type(error).__name__


@dataclass(frozen=True)
class _Job:
    """What every executor needs for one source (sent once, as a broadcast)."""

    contract: Contract
    levels: tuple[tuple[int, ServiceLevel, tuple[Period, ...]], ...]
    exclusions: tuple[Exclusion, ...]
    now: datetime | None
    schema: pa.Schema


_CLOCKS: ClockCache | None = None  # one per Python worker, kept between tasks


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A partition's rows in the typed schema the kernels read (Spark hands back its own
    types: strings for dictionaries, timestamps in its session zone)."""
    names = [name for name in schema.names if name in table.column_names]
    typed = pa.schema([schema.field(name) for name in names])
    return table.select(names).cast(typed)


def partition_states(job: _Job, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Inside an executor: one partition's Arrow batches → each level's partial state."""
    global _CLOCKS
    if _CLOCKS is None:
        _CLOCKS = ClockCache()
    collected = list(batches)
    if not collected or not any(b.num_rows for b in collected):
        return
    table = _conform(pa.Table.from_batches(collected), job.schema)
    memo = EvaluationMemo()
    levels, states = [], []
    for index, sl, periods in job.levels:
        state = partial_periods(
            job.contract, sl, periods, table,
            clock_cache=_CLOCKS, exclusions=job.exclusions, now=job.now, memo=memo,
        )  # fmt: skip
        levels.append(index)
        states.append(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    yield pa.RecordBatch.from_arrays(
        [pa.array(levels, pa.int32()), pa.array(states, pa.binary())], schema=_STATE_SCHEMA
    )


def columns_sent(job: _Job, available: Sequence[str]) -> list[str]:
    """The columns of ``available`` that the job's levels may read: all of them, but a
    column that only some computations read and none of the job's levels does
    (engine/columns.py)."""
    skipped = unread(sl for _, sl, _ in job.levels)
    return [name for name in available if name not in skipped]


def _broadcast(spark: Any, job: _Job) -> Any:
    """The job as a broadcast variable, or itself where the session has none (Connect)."""
    try:
        context = spark.sparkContext
    except Exception:  # Spark Connect: no SparkContext; the job travels with the task
        return job
    return context.broadcast(job)


def _states_of(
    spark: Any, source: SparkSource, job: _Job, partitions: int | None = None
) -> list[tuple[int, PeriodsPartial]]:
    shipped = _broadcast(spark, job)
    what = f"over the {source.event_type.name} events of {job.contract.id}"
    if partitions is None and not _corrected(spark, source, what):
        return _states_read_in_tasks(spark, source, job, shipped, what)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        value = shipped if isinstance(shipped, _Job) else shipped.value
        return partition_states(value, batches)

    timezone = contract_timezone(job.contract)
    frame = _partitioned(_events_frame(spark, source), source.event_type, timezone, partitions)
    frame = frame.select(*columns_sent(job, frame.columns))  # after the cut, as for counts
    collected = _collect(frame.mapInArrow(run, "level int, state binary"), what)
    return _states(collected)


def _states(collected: list[Any]) -> list[tuple[int, PeriodsPartial]]:
    return [(int(row["level"]), pickle.loads(row["state"])) for row in collected]  # noqa: S301 - our own states


def _corrected(spark: Any, source: SparkSource, what: str) -> bool:
    """Whether a later batch of the source holds an event id of an earlier one (a correction:
    the newest batch's row wins). One batch never does — the loader refuses an id twice in a
    file — and for several, Spark looks: only their id columns are read and shuffled."""
    if source.sequences is None or len(source.sequences) <= 1 or len(source.paths) <= 1:
        return False
    from pyspark.sql import functions as F  # noqa: N812 - the customary name

    id_column = source.event_type.id_column
    frame = _batches_frame(spark, source).select(id_column)
    repeated = frame.groupBy(id_column).count().where(F.col("count") > 1).limit(1)
    return bool(_collect(repeated, f"looking for corrections {what}"))


# Rows a task reads and evaluates at most (whole row groups of 262,144 rows: four of them).
ROWS_PER_TASK = 1_048_576


def _read_units(source: SparkSource) -> list[tuple[str, tuple[int, ...]]]:
    """The source's files cut into tasks of whole row groups (one small footer read per
    file, on the driver): (path, row groups) pairs of about ``ROWS_PER_TASK`` rows."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    filesystem = source.filesystem or pafs.LocalFileSystem()
    units: list[tuple[str, tuple[int, ...]]] = []
    for path in source.paths:
        with filesystem.open_input_file(path) as handle:
            metadata = pq.ParquetFile(handle).metadata
        groups: list[int] = []
        rows = 0
        for group in range(metadata.num_row_groups):
            if groups and rows + metadata.row_group(group).num_rows > ROWS_PER_TASK:
                units.append((path, tuple(groups)))
                groups, rows = [], 0
            groups.append(group)
            rows += metadata.row_group(group).num_rows
        if groups:
            units.append((path, tuple(groups)))
    return units


def _states_read_in_tasks(
    spark: Any, source: SparkSource, job: _Job, shipped: Any, what: str
) -> list[tuple[int, PeriodsPartial]]:
    """No event corrects another: each task reads its row groups itself and evaluates them
    at once (``_read_in_tasks``)."""

    def states(tables: Iterator[pa.Table]) -> Iterator[pa.RecordBatch]:
        value = shipped if isinstance(shipped, _Job) else shipped.value
        for table in tables:
            yield from partition_states(value, iter(table.to_batches()))

    names = columns_sent(job, job.schema.names)
    frame = _read_in_tasks(spark, source, names, states, "level int, state binary")
    return [] if frame is None else _states(_collect(frame, what))


def _read_in_tasks(
    spark: Any,
    source: SparkSource,
    names: Sequence[str],
    work: Callable[[Iterator[pa.Table]], Iterator[pa.RecordBatch]],
    schema: str,
) -> Any:
    """The frame of ``work``'s rows over the source's events, each task reading its whole row
    groups itself through pyarrow — only ``names``, in the types they were stored in, as a
    local read gives them: no event crosses from the JVM to Python, nor between tasks; the
    driver hands out (file, row groups) pairs. None when the source has no row group. Only
    for events no batch corrects (``_corrected``)."""
    filesystem = source.filesystem
    units = _read_units(source)
    if not units:
        return None

    def tables(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.Table]:
        import pyarrow.fs as pafs
        import pyarrow.parquet as pq

        files = filesystem or pafs.LocalFileSystem()
        for batch in batches:
            for item in batch.column("unit").to_pylist():
                path, groups = units[item]
                with files.open_input_file(path) as handle:
                    parquet = pq.ParquetFile(handle)
                    present = [n for n in names if n in parquet.schema_arrow.names]
                    yield parquet.read_row_groups(list(groups), columns=present)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return work(tables(batches))

    listing = spark.createDataFrame([(i,) for i in range(len(units))], "unit int")
    return listing.repartition(len(units)).mapInArrow(run, schema)


Counter = Callable[[pa.Table], Mapping[str, int]]


def partition_counts(
    count: Counter, schema: pa.Schema, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Inside an executor: one partition's Arrow batches → the counts ``count`` makes of them."""
    collected = list(batches)
    if not collected or not any(b.num_rows for b in collected):
        return
    counted = count(_conform(pa.Table.from_batches(collected), schema))
    yield pa.RecordBatch.from_arrays(
        [pa.array(list(counted), pa.string()), pa.array(list(counted.values()), pa.int64())],
        schema=_COUNT_SCHEMA,
    )


def count_events_spark(
    spark: Any,
    source: SparkSource,
    count: Counter,
    *,
    columns: Sequence[str],
    timezone: str,
    what: str,
    partitions: int | None = None,
) -> dict[str, int]:
    """What ``count`` (a picklable function of an event table to whole counts, e.g. units per
    fee) gives on all of a source's current events, counted per partition and added up: the
    same numbers as ``count`` of the whole table (counts add)."""
    schema = arrow_schema(source.event_type, with_provenance=True)
    # Every key, and any problem of the count with the schema, once on the driver.
    totals = dict(count(schema.empty_table()))
    if not source.paths:
        return totals

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return partition_counts(count, schema, batches)

    def counts(tables: Iterator[pa.Table]) -> Iterator[pa.RecordBatch]:
        for table in tables:
            yield from partition_counts(count, schema, iter(table.to_batches()))

    if partitions is None and not _corrected(spark, source, what):
        frame = _read_in_tasks(spark, source, list(dict.fromkeys(columns)), counts, _COUNTS)
        if frame is None:
            return totals
    else:
        frame = _partitioned(_events_frame(spark, source), source.event_type, timezone, partitions)
        frame = frame.select(*dict.fromkeys(columns))  # after the cut: it needs anchor and id
        frame = frame.mapInArrow(run, _COUNTS)
    for row in _collect(frame, what):
        totals[row["key"]] = totals.get(row["key"], 0) + int(row["count"])
    return totals


@dataclass(frozen=True)
class SparkEvaluation:
    """The results, in contract order, and the event batches read per source."""

    results: list[ServiceLevelResult]
    batches: dict[str, list[str]]


def evaluate_contract_spark(
    spark: Any,
    contract: Contract,
    sources: Mapping[str, SparkSource],
    periods: Sequence[Period],
    *,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    contract_version: int = 1,
    contract_hash: str | None = None,
    partitions: int | None = None,
) -> SparkEvaluation:
    """Every service level for every requested period of its kind, computed in Spark: the
    same results as ``evaluate.evaluate_contract`` on the same events (a source missing
    from ``sources`` has no events). ``partitions``: cut each source's events into that many
    partitions by month and id (default: the files' splits as Spark reads them)."""
    from servicepact.domain.canonical import contract_hash as canonical_contract_hash

    code_hash = contract_hash if contract_hash is not None else canonical_contract_hash(contract)
    jobs = level_jobs(contract, periods)
    clocks = ClockCache()
    types = {**BUILT_IN, **contract.declared_event_types}
    # The driver's own state of no events: every level has one even where no partition
    # holds its events, and any problem of the contract with the schema shows here, once,
    # before a job starts.
    states: dict[int, PeriodsPartial] = {}
    by_source: dict[str, list[tuple[int, ServiceLevel, tuple[Period, ...]]]] = {}
    for index, (sl, mine) in enumerate(jobs):
        if sl.source not in types:
            raise InvalidInput([Problem(sl.source, "no events were given for this source")])
        schema = arrow_schema(types[sl.source], with_provenance=True)
        states[index] = partial_periods(
            contract, sl, mine, schema.empty_table(),
            clock_cache=clocks, exclusions=exclusions, now=now,
        )  # fmt: skip
        by_source.setdefault(sl.source, []).append((index, sl, tuple(mine)))
    batches: dict[str, set[str]] = {}
    for source_name, levels in sorted(by_source.items()):
        source = sources.get(source_name)
        if source is None or not source.paths:
            continue
        job = _Job(
            contract=contract,
            levels=tuple(levels),
            exclusions=tuple(exclusions),
            now=now,
            schema=arrow_schema(source.event_type, with_provenance=True),
        )
        for index, state in _states_of(spark, source, job, partitions):
            states[index] = states[index].merge(state)
            batches.setdefault(source_name, set()).update(state.batches)
    results: list[ServiceLevelResult] = []
    for index, (sl, mine) in enumerate(jobs):
        results.extend(
            finish_periods(
                contract, sl, mine, states[index],
                clock_cache=clocks, exclusions=exclusions, now=now,
                contract_version=contract_version, contract_hash=code_hash,
                calendar_hash=contract.calendar_hash,
            )
        )  # fmt: skip
    return SparkEvaluation(results, {s: sorted(b) for s, b in batches.items()})


_ITEM_SCHEMA = pa.schema([("item", pa.int64()), ("result", pa.binary())])
# Spark's words for a Python worker that died (killed, out of memory): said as such.
_WORKER_DIED = "Python worker exited unexpectedly"


def one_task_each(
    spark: Any, count: int, work: Callable[[int], bytes], *, doing: str
) -> list[bytes]:
    """``work(i)`` for each ``i`` in ``range(count)``, one Spark task each (as many side by side
    as the executors have cores), the results in order of ``i``.

    ``work`` — and whatever it holds — travels inside the tasks (the pickled function), never
    as a broadcast variable, which PySpark writes to a file on the driver. A job that fails
    (a task failing more than ``spark.task.maxFailures`` times) raises ``ComputationFailed``
    with one line saying so; the reason is named only when it is Spark's own (a Python worker that
    died), never a task's message, which might quote its input.
    """
    if count == 0:
        return []

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            items = batch.column(0).to_pylist()
            results = [work(int(item)) for item in items]
            yield pa.RecordBatch.from_arrays(
                [pa.array(items, pa.int64()), pa.array(results, pa.binary())], schema=_ITEM_SCHEMA
            )

    frame = spark.range(0, count, 1, numPartitions=count)  # one item per partition: one task
    try:
        rows = frame.mapInArrow(run, "item long, result binary").collect()
    except Exception as error:
        why = "a Python worker died" if _WORKER_DIED in str(error) else "a task failed"
        raise ComputationFailed(
            f"the Spark job to {doing} failed ({why}; see the Spark logs); nothing was stored — "
            "run the command again"
        ) from None
    by_item = {int(row["item"]): bytes(row["result"]) for row in rows}
    return [by_item[item] for item in range(count)]
