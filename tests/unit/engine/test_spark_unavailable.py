"""Without PySpark or Java, ``--engine spark`` says in one line what to install (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servicepact.cli.main import app as cli
from servicepact.domain.errors import InvalidInput
from servicepact.engine.spark import INSTALL_JAVA, INSTALL_PYSPARK, SparkUnavailable, spark_session

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
