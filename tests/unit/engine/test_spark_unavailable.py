"""Without PySpark or Java, ``--engine spark`` says in one line what to install (no traceback);
a master that does not answer, or a failed job, is told on one line too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servicepact.cli.main import app as cli
from servicepact.domain.errors import InvalidInput
from servicepact.engine.spark import (
    INSTALL_JAVA,
    INSTALL_PYSPARK,
    SparkUnavailable,
    _endpoints,
    _reason,
    _shown,
    check_reachable,
    spark_session,
)

runner = CliRunner()
CONTRACT = Path(__file__).parents[3] / "examples" / "contact-centre.yaml"


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "calls.csv").write_text(
        "id,offered_at,answered_at\nC1,2026-03-02T09:00:00+09:00,2026-03-02T09:00:10+09:00\n",
        encoding="utf-8",
    )
    return data


def test_without_pyspark_the_session_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark → ImportError
    with pytest.raises(SparkUnavailable) as refused:
        spark_session("local[1]")
    assert refused.value.problems[0].message == INSTALL_PYSPARK
    assert "pip install 'servicepact[spark]'" in INSTALL_PYSPARK


def test_without_java_the_command_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    environment = {**os.environ, "JAVA_HOME": str(tmp_path / "no-jdk")}
    environment.pop("SPARK_REMOTE", None)
    finished = subprocess.run(
        [sys.executable, "-c", "from servicepact.cli.main import run; run()",
         "evaluate", "--contract", str(CONTRACT), "--data", str(_data(tmp_path)),
         "--period", "2026-03", "--engine", "spark"],
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr + finished.stdout
    lines = [line for line in (finished.stderr + finished.stdout).splitlines() if line.strip()]
    assert lines == [f"error: --engine: {INSTALL_JAVA}"]


def test_an_unknown_engine_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        ["evaluate", "--contract", str(CONTRACT), "--data", str(_data(tmp_path)),
         "--period", "2026-03", "--engine", "cluster"],
    )  # fmt: skip
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.problems[0].where == "--engine"
    assert result.exception.problems[0].message == "is one of local, spark"


def test_the_addresses_checked_are_those_of_standalone_masters_and_connect_servers() -> None:
    assert _endpoints("spark://10.0.0.5:7077") == [("10.0.0.5", 7077)]
    # a standby list, and the default ports of both kinds
    assert _endpoints("spark://a:7077,b") == [("a", 7077), ("b", 7077)]
    assert _endpoints("sc://connect.example:15003/;token=abc") == [("connect.example", 15003)]
    assert _endpoints("sc://connect.example") == [("connect.example", 15002)]
    # Spark finds these itself
    assert _endpoints("local[2]") == []
    assert _endpoints("yarn") == []
    assert _endpoints("k8s://https://api.example:6443") == []


def test_an_error_shows_no_token_or_user_of_a_connect_url() -> None:
    assert _shown("sc://u:secret@connect.example:15002/;token=abc") == "sc://connect.example:15002"
    assert _shown("spark://a:7077,b:7077") == "spark://a:7077,b:7077"
    assert _shown("k8s://https://api.example:6443") == "k8s://https://api.example:6443"


def test_a_closed_port_is_refused_at_once_naming_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sc://127.0.0.1:{port}/;token=abc"
    with pytest.raises(SparkUnavailable) as refused:
        check_reachable(url)
    assert refused.value.problems[0].message == (
        f"Spark at sc://127.0.0.1:{port} could not start: 127.0.0.1:{port} refused the "
        "connection (is it up, is the URL right?)"
    )
    check_reachable("local[*]")  # nothing to check: no error


SPARK_REPORT = """An error occurred while calling o46.collectToPython.
: org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 3.0 \
failed 4 times, most recent failure: Lost task 0.3 in stage 3.0 (TID 9) (10.1.2.3 executor 2): \
org.apache.spark.SparkException: Python worker exited unexpectedly (crashed). Consider setting \
'spark.python.worker.faulthandler.enabled' to 'true' for the better Python traceback.
\tat org.apache.spark.api.python.BasePythonRunner$ReaderIterator.read(PythonRunner.scala:1136)
"""


def test_a_failed_job_is_told_by_its_task_and_cause_without_the_executor_host() -> None:
    assert _reason(Exception(SPARK_REPORT)) == (
        "Task 0 in stage 3.0 failed 4 times: Python worker exited unexpectedly (crashed)"
    )
    assert _reason(
        Exception("An error occurred while calling o1.x\n: java.io.IOException: disk")
    ) == ("java.io.IOException: disk")
    assert _reason(Exception("")) == "Exception"
