"""The event computations of the services on either engine (docs/scale-out.md): in this
process over the event store or the files' tables, or on Apache Spark over the same events.
``services/scale_out.py`` decides the engine; these steps take its ``EngineChoice``.

The computation itself is the engine's (engine/evaluate.py, engine/fees.py,
engine/baseline.py locally; engine/spark.py on Spark, which runs the same code per
partition). Here is only where each source's events live for Spark — the event store's
Parquet files with their load sequences (on object storage, read by the executors through
pyarrow), or, for files evaluated without a database, the validated rows written once as
Parquet — and the session, started on the master asked for (``--spark-master``,
``SERVICEPACT_SPARK_MASTER``, ``SPARK_REMOTE``; default ``local[*]``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from servicepact.domain.contracts import Contract
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.fees import Fee
from servicepact.domain.periods import Period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.baseline import count_volumes, source_volumes
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.engine.fees import count_fee_units
from servicepact.engine.spark import (
    SparkSource,
    count_events_spark,
    evaluate_contract_spark,
    spark_session,
)
from servicepact.services.scale_out import EngineChoice
from servicepact.store.events.store import EventStore


def session(master: str | None) -> Any:
    """The Spark session on ``master`` (one per process: Spark keeps it)."""
    return spark_session(master)


# --- the event store ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredEvaluation:
    """The results, in contract order, and the event batches read per source."""

    results: list[ServiceLevelResult]
    batches: dict[str, list[str]]


def _spark_source(store: EventStore, contract_id: str, source: str) -> SparkSource:
    refs = store.batches(contract_id=contract_id, source=source)
    # A local store: Spark reads the files itself. Object storage: the executors read the
    # objects through pyarrow's S3 filesystem (no s3a jars needed; docs/scale-out.md).
    on_objects = store.root.local is None
    return SparkSource(
        event_type=store.event_type(source),
        paths=tuple(store.root.location(ref.path) for ref in refs),
        sequences={ref.batch_id: ref.seq for ref in refs},
        filesystem=store.root.filesystem if on_objects else None,
    )


def evaluate_stored(
    store: EventStore,
    choice: EngineChoice,
    *,
    contract_id: str,
    contract: Contract,
    sources: Sequence[str],
    periods: Sequence[Period],
    exclusions: Sequence[Exclusion],
    now: datetime,
    contract_version: int,
) -> StoredEvaluation:
    """The stored contract's results over the committed batches of the event store
    (corrections applied: the newest batch wins per event id), on the engine chosen."""
    if choice.on_spark:
        # The driver reads the objects' footers (to hand out row groups): a storage that does
        # not answer is one clear error, as on a local read.
        with store.root.reaching("read the event store"):
            on_spark = evaluate_contract_spark(
                session(choice.spark_master),
                contract,
                {source: _spark_source(store, contract_id, source) for source in sources},
                periods,
                exclusions=exclusions,
                now=now,
                contract_version=contract_version,
                partitions=choice.spark_partitions,
            )
        return StoredEvaluation(on_spark.results, on_spark.batches)
    tables = {source: store.read(contract_id=contract_id, source=source) for source in sources}
    results = evaluate_contract(
        contract,
        tables,
        periods,
        clock_cache=ClockCache(),
        exclusions=exclusions,
        now=now,
        contract_version=contract_version,
    )
    batches = {
        source: sorted(set(table.column("_batch").to_pylist()))
        if "_batch" in table.column_names
        else []
        for source, table in tables.items()
    }
    return StoredEvaluation(results, batches)


def count_stored_units(
    store: EventStore,
    choice: EngineChoice,
    *,
    contract_id: str,
    source: str,
    fees: Sequence[Fee],
    anchor: str,
    columns: Sequence[str],
    month: Period,
    timezone: str,
) -> dict[str, int]:
    """Units per fee of ``source`` in ``month`` over the event store's current events
    (engine/fees.count_fee_units), on the engine chosen."""
    count = partial(
        count_fee_units, fees=tuple(fees), anchor=anchor, month=month, timezone=timezone
    )
    if choice.on_spark:
        with store.root.reaching("read the event store"):
            return count_events_spark(
                session(choice.spark_master),
                _spark_source(store, contract_id, source),
                count,
                columns=columns,
                timezone=timezone,
                what=f"counting the {source} events of {contract_id}",
                partitions=choice.spark_partitions,
            )
    return count(store.read(contract_id=contract_id, source=source, columns=list(columns)))


# --- events read from files -----------------------------------------------------------------


@dataclass(frozen=True)
class TablesOutcome:
    """The results of the evaluated contract, and the units per fee of each month counted
    (by month label; empty when nothing was to be counted)."""

    results: list[ServiceLevelResult]
    volumes: dict[str, dict[str, int]] = field(default_factory=dict)


def compute_tables(
    choice: EngineChoice,
    contract: Contract,
    tables: Mapping[str, pa.Table],
    periods: Sequence[Period],
    *,
    now: datetime,
    counted: Contract | None = None,
    timezone: str = "UTC",
) -> TablesOutcome:
    """``contract``'s results over validated events read from files, and with ``counted``
    the units per fee of that contract in each period (engine/baseline.count_volumes read in
    ``timezone``), on the engine chosen."""
    if not choice.on_spark:
        results = evaluate_contract(contract, tables, periods, clock_cache=ClockCache(), now=now)
        volumes = (
            {}
            if counted is None
            else {p.label: count_volumes(counted, tables, p, timezone) for p in periods}
        )
        return TablesOutcome(results, volumes)
    spark = session(choice.spark_master)
    with _as_parquet(contract, tables) as sources:
        results = evaluate_contract_spark(
            spark, contract, sources, periods, now=now, partitions=choice.spark_partitions
        ).results
        if counted is None:
            return TablesOutcome(results)
        return TablesOutcome(
            results, _volumes_on_spark(spark, choice, counted, tables, sources, periods, timezone)
        )


@contextmanager
def _as_parquet(contract: Contract, tables: Mapping[str, pa.Table]) -> Iterator[dict[str, Any]]:
    """Each source's rows written once as Parquet in a private temporary directory (which
    Spark reads), removed afterwards."""
    types = {**BUILT_IN, **contract.declared_event_types}
    with tempfile.TemporaryDirectory(prefix="servicepact-spark-") as directory:
        sources = {}
        for name, table in tables.items():
            path = Path(directory) / f"{name}.parquet"
            pq.write_table(table, path, row_group_size=256 * 1024)
            sources[name] = SparkSource(event_type=types[name], paths=(str(path),))
        yield sources


def _volumes_on_spark(
    spark: Any,
    choice: EngineChoice,
    counted: Contract,
    tables: Mapping[str, pa.Table],
    sources: Mapping[str, SparkSource],
    periods: Sequence[Period],
    timezone: str,
) -> dict[str, dict[str, int]]:
    """``count_volumes`` of every period, counted on Spark: one job per source counted."""
    if not periods:
        return {}
    # Any problem (a fee whose source has no events) as locally, once, before a job starts.
    count_volumes(counted, {s: t.slice(0, 0) for s, t in tables.items()}, periods[0], timezone)
    totals: dict[str, int] = {}
    for source in sorted({fee.source for fee in counted.fees if fee.source is not None}):
        count = partial(
            source_volumes, contract=counted, source=source, months=tuple(periods),
            timezone=timezone,
        )  # fmt: skip
        totals.update(
            count_events_spark(
                spark, sources[source], count, columns=tables[source].column_names,
                timezone=timezone, what=f"counting the {source} events",
                partitions=choice.spark_partitions,
            )
        )  # fmt: skip
    return {
        p.label: {
            fee.id: totals[f"{p.label} {fee.id}"] for fee in counted.fees if fee.source is not None
        }
        for p in periods
    }
