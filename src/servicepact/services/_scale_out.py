"""Steps of the evaluation services on Apache Spark (``--engine spark``,
``SERVICEPACT_ENGINE=spark``): where the events are for Spark, and the session to run on
(docs/scale-out.md). ``services/scale_out.py`` names the engines to choose from.

The computation itself is engine/spark.py; this module only says where each source's
events live — the event store's Parquet files with their load sequences, or, for files
evaluated without a database, the validated rows written once as Parquet — and starts
the session on the master asked for (``--spark-master``, ``SERVICEPACT_SPARK_MASTER``,
``SPARK_REMOTE``; default ``local[*]``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from servicepact.domain.contracts import Contract
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.periods import Period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.spark import (
    SparkEvaluation,
    SparkSource,
    evaluate_contract_spark,
    spark_session,
)
from servicepact.store.events.store import EventStore


def session(master: str | None) -> Any:
    """The Spark session on ``master`` (one per process: Spark keeps it)."""
    return spark_session(master)


def evaluate_store_on_spark(
    store: EventStore,
    *,
    contract_id: str,
    contract: Contract,
    sources: Sequence[str],
    periods: Sequence[Period],
    exclusions: Sequence[Exclusion],
    now: datetime,
    contract_version: int,
    master: str | None,
) -> SparkEvaluation:
    """The stored contract's results computed in Spark over the committed batches of the
    event store (corrections applied in Spark by load sequence)."""
    spark_sources: dict[str, SparkSource] = {}
    for source in sources:
        refs = store.batches(contract_id=contract_id, source=source)
        # A local store: Spark reads the files itself. Object storage: the executors read the
        # objects through pyarrow's S3 filesystem (no s3a jars needed; docs/scale-out.md).
        on_objects = store.root.local is None
        spark_sources[source] = SparkSource(
            event_type=store.event_type(source),
            paths=tuple(store.root.location(ref.path) for ref in refs),
            sequences={ref.batch_id: ref.seq for ref in refs},
            filesystem=store.root.filesystem if on_objects else None,
        )
    # The driver reads the objects' footers (to hand out row groups): a storage that does
    # not answer is one clear error, as on a local read.
    with store.root.reaching("read the event store"):
        return evaluate_contract_spark(
            session(master),
            contract,
            spark_sources,
            periods,
            exclusions=exclusions,
            now=now,
            contract_version=contract_version,
        )


def evaluate_tables_on_spark(
    contract: Contract,
    tables: Mapping[str, pa.Table],
    periods: Sequence[Period],
    *,
    now: datetime,
    master: str | None,
) -> list[ServiceLevelResult]:
    """Validated events read from files (no database) computed in Spark: each source's
    rows are written once as Parquet in a private temporary directory, which Spark reads."""
    types = {**BUILT_IN, **contract.declared_event_types}
    with tempfile.TemporaryDirectory(prefix="servicepact-spark-") as directory:
        sources = {}
        for name, table in tables.items():
            path = Path(directory) / f"{name}.parquet"
            pq.write_table(table, path, row_group_size=256 * 1024)
            sources[name] = SparkSource(event_type=types[name], paths=(str(path),))
        return evaluate_contract_spark(session(master), contract, sources, periods, now=now).results
