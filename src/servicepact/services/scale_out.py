"""Where event computations run: in this process or on Apache Spark (``--engine spark``,
``SERVICEPACT_ENGINE=spark``; docs/scale-out.md).

This module is the one place that decides the engine (``choose_engine``); a command decides
once and hands the choice to the services it calls. Each event computation then goes
through one step of ``services/_scale_out.py`` that runs it on either engine:

* ``evaluate_stored``: a stored contract's service levels over the event store
  (``evaluate``, and every service that measures: services/evaluation.py);
* ``count_stored_units``: units per fee of a month over the event store (``credits`` and the
  period close: services/commercials.py);
* ``compute_tables``: the service levels, and on request the units per fee of each month,
  over validated events read from files (``evaluate --data``, ``baseline [--replay]``).

Nothing is stored there: the callers store what a computation returned, so a failed Spark
job (``ComputationFailed``) leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicepact.config import Settings
from servicepact.domain.errors import InvalidInput, Problem

ENGINES = ("local", "spark")


def engine_named(engine: str) -> str:
    """``local`` or ``spark``, or a clear refusal naming the choices."""
    if engine not in ENGINES:
        raise InvalidInput([Problem("--engine", f"is one of {', '.join(ENGINES)}", value=engine)])
    return engine


@dataclass(frozen=True)
class EngineChoice:
    """Where a command's event computations run and, for Spark, on which master (None: the
    session's own default, docs/scale-out.md "Running on a cluster")."""

    engine: str = "local"
    spark_master: str | None = None
    # Spark only: cut each source's events into this many partitions by the month of their
    # anchor, then by id (a shuffle); None keeps the files' splits as Spark reads them.
    spark_partitions: int | None = None

    @property
    def on_spark(self) -> bool:
        return self.engine == "spark"


def choose_engine(
    settings: Settings | None = None,
    *,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> EngineChoice:
    """The engine asked for (``--engine``), else the ``engine`` setting
    (``SERVICEPACT_ENGINE``), else local; the master likewise (``--spark-master``, else
    ``SERVICEPACT_SPARK_MASTER``) and the partitions (``SERVICEPACT_SPARK_PARTITIONS``). An
    unknown engine is refused here, before any work. A choice already made (a command
    decides once, then calls its services) passes through as it is."""
    if isinstance(engine, EngineChoice):
        return engine
    if settings is None:
        return EngineChoice(engine_named(engine or "local"), spark_master)
    return EngineChoice(
        engine_named(engine or settings.engine),
        spark_master or settings.spark_master,
        settings.spark_partitions,
    )
