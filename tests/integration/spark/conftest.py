"""One Spark session (local[2]) for every Spark test of the run; skipped, saying why, where
PySpark or Java is missing (`make install` installs the `spark` extra; Java 17 is the one
system need)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from spark_fixtures import why_spark_is_missing


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    reason = why_spark_is_missing()
    if reason is not None:
        pytest.skip(f"Spark tests skipped: {reason}")
    from servicepact.engine.spark import spark_session

    session = spark_session("local[2]", app_name="servicepact-tests")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    try:
        yield session
    finally:
        session.stop()
