"""How the Spark engine cuts a source's files into tasks that read them themselves: whole row
groups, about ``ROWS_PER_TASK`` rows a task, every row group once (no Spark needed)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from servicepact.domain.event_types import BUILT_IN
from servicepact.engine import spark


def _file(path: Path, rows: int, group: int) -> str:
    pq.write_table(pa.table({"id": [f"t{i}" for i in range(rows)]}), path, row_group_size=group)
    return str(path)


def test_tasks_take_whole_row_groups_up_to_the_rows_per_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark, "ROWS_PER_TASK", 300)
    first = _file(tmp_path / "a.parquet", 950, 100)  # 9 groups of 100, one of 50
    second = _file(tmp_path / "b.parquet", 120, 100)  # 100 + 20
    source = spark.SparkSource(BUILT_IN["tickets"], (first, second), {"a": 1, "b": 2})
    assert spark._read_units(source) == [
        (first, (0, 1, 2)),
        (first, (3, 4, 5)),
        (first, (6, 7, 8)),
        (first, (9,)),
        (second, (0, 1)),
    ]


def test_a_row_group_larger_than_a_task_is_a_task_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark, "ROWS_PER_TASK", 150)
    path = _file(tmp_path / "a.parquet", 500, 200)  # 200, 200, 100
    source = spark.SparkSource(BUILT_IN["tickets"], (path,))
    assert spark._read_units(source) == [(path, (0,)), (path, (1,)), (path, (2,))]
