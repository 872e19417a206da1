"""One Spark session (local[2]) for every Spark test of the run; skipped, saying why, where
PySpark or Java is missing (`make install` installs the `spark` extra; Java 17 is the one
system need)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest


def _why_not() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed: pip install -e '.[spark]'"
    from servicepact.engine.spark import SparkUnavailable, _check_java

    try:
        _check_java()
    except SparkUnavailable as missing:
        return str(missing.problems[0].message)
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    reason = _why_not()
    if reason is not None:
        pytest.skip(f"Spark tests skipped: {reason}")
    from servicepact.engine.spark import spark_session

    session = spark_session("local[2]", app_name="servicepact-tests")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    try:
        yield session
    finally:
        session.stop()
