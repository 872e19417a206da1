"""The event columns a service level's computation reads besides its own times — one rule
for the two places that load only some columns: the drill-down (engine/drilldown.py) and
the Spark engine, which converts every column it sends to its executors (engine/spark.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from servicepact.domain.contracts import ServiceLevel
from servicepact.engine.kpis import COMPUTATIONS

# Read wherever the source has them: targets per priority, pauses, the availability's service.
ALWAYS_READ = ("priority", "pauses", "service")

# Read only by some computations, with the test of whether a level's is one of them. A list
# of structs costs most to convert: on the tickets of benchmarks/spark_engine.py, handing
# the partitions over took 10.0 s with ``assignments`` and 2.6 s without it.
READ_ONLY_BY: dict[str, Callable[[ServiceLevel], bool]] = {
    # the hand-offs: read by a clock that starts when a party takes the ticket over
    "assignments": lambda sl: sl.params.get("clock_from") == "handoff",
}


def reads(sl: ServiceLevel, name: str) -> bool:
    """Whether the computation of ``sl`` reads ``name``, a column of ``READ_ONLY_BY``: by
    its parameters or its filter. A KPI the contract declares may read any column."""
    return sl.kpi not in COMPUTATIONS or name in sl.filter or READ_ONLY_BY[name](sl)


def unread(levels: Iterable[ServiceLevel]) -> set[str]:
    """The columns of ``READ_ONLY_BY`` that none of ``levels`` reads."""
    levels = list(levels)
    return {name for name in READ_ONLY_BY if not any(reads(sl, name) for sl in levels)}
