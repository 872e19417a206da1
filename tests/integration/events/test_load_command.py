"""`servicepact load` end to end against a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from servicepact.cli import contract as contract_commands
from servicepact.cli import load as load_commands
from servicepact.cli.errors import EXIT_INVALID
from servicepact.config import Settings

runner = CliRunner()
app = typer.Typer()
contract_commands.register(app)
load_commands.register(app)

CONTRACT = """\
servicepact: 1
contract:
  id: acme-it-2026
  name: IT service desk
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2027-12-31}
  calendars: {always: {timezone: Asia/Seoul, hours: 24x7}}
  credits: {at_risk_percent: 10}
  service_levels:
    - {id: IT-01, name: Reopen rate, kpi: reopen_rate, source: tickets,
       expected: 0.05, minimum: 0.08, allocation_percent: 30}
"""


def _setup(tmp_path: Path) -> None:
    contract = tmp_path / "it.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    applied = runner.invoke(app, ["contract", "apply", str(contract)])
    assert applied.exit_code == 0, applied.output


def test_loading_a_file_prints_a_summary_and_reloading_says_nothing_changed(
    cli_env: Settings, tmp_path: Path
) -> None:
    _setup(tmp_path)
    data = tmp_path / "tickets.csv"
    data.write_text("id,created_at,reopened\nT1,2026-02-02T09:00:00+09:00,no\n")
    args = ["load", "--contract", "acme-it-2026", "--source", "tickets", "--format", "json"]
    first = runner.invoke(app, [*args, str(data)])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert (report["status"], report["rows_accepted"]) == ("loaded", 1)
    again = runner.invoke(app, [*args, str(data)])
    assert json.loads(again.output)["status"] == "already_loaded"


def test_a_rejected_file_exits_2_and_writes_every_problem_to_errors_out(
    cli_env: Settings, tmp_path: Path
) -> None:
    _setup(tmp_path)
    data = tmp_path / "tickets.csv"
    rows = "".join(f"T{i},2026-02-02 09:00,maybe\n" for i in range(30))
    data.write_text("id,created_at,reopened\n" + rows)
    errors = tmp_path / "errors.json"
    result = runner.invoke(
        app,
        [
            "load",
            "--contract",
            "acme-it-2026",
            "--source",
            "tickets",
            "--errors-out",
            str(errors),
            str(data),
        ],
    )
    assert result.exit_code == EXIT_INVALID
    assert "nothing was stored" in result.output
    assert "and 40 more" in result.output  # 60 problems (2 per row), 20 shown
    written = json.loads(errors.read_text())
    assert len(written) == 60
    assert written[0]["row"] == 1
    assert written[0]["line"] == 2


def test_quarantine_lists_the_rows_refused_under_accept_valid(
    cli_env: Settings, tmp_path: Path
) -> None:
    _setup(tmp_path)
    data = tmp_path / "tickets.csv"
    data.write_text("id,created_at\nT1,2026-02-02T09:00:00Z\nT2,not a time\n")
    loaded = runner.invoke(
        app,
        ["load", "--contract", "acme-it-2026", "--source", "tickets", "--accept-valid", str(data)],
    )
    assert loaded.exit_code == 0, loaded.output
    listed = runner.invoke(
        app, ["load", "quarantine", "--contract", "acme-it-2026", "--format", "json"]
    )
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["id"], row["row"], row["line"]) == ("T2", 2, 3)


def test_errors_out_csv_never_holds_a_cell_a_spreadsheet_would_run(
    cli_env: Settings, tmp_path: Path
) -> None:
    _setup(tmp_path)
    data = tmp_path / "tickets.csv"
    data.write_text(
        "id,created_at,reopened\n"
        "T1,2026-02-02T09:00:00Z,\"\t=cmd|' /C calc'!A0\"\n"
        'T2,2026-02-02T09:00:00Z,"\r=1+1"\n'
        "T3,2026-02-02T09:00:00Z,@SUM(A1)\n"
        "T4,2026-02-02T09:00:00Z,+1\n",
        newline="",
    )
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        ["load", "--contract", "acme-it-2026", "--source", "tickets", "--errors-out",
         str(errors), str(data)],
    )  # fmt: skip
    assert result.exit_code == EXIT_INVALID
    with errors.open(newline="", encoding="utf-8") as handle:
        values = [row["value"] for row in csv.DictReader(handle)]
    assert len(values) == 4
    assert all(value.startswith("'") for value in values), values


def test_a_glob_loads_each_file_as_its_own_batch_in_path_order_and_a_refused_one_exits_2(
    cli_env: Settings, tmp_path: Path
) -> None:
    _setup(tmp_path)
    exports = tmp_path / "exports"
    exports.mkdir()
    header = "id,created_at,reopened\n"
    (exports / "b.csv").write_text(header + "T2,2026-02-03T09:00:00+09:00,maybe\n")
    (exports / "a.csv").write_text(header + "T1,2026-02-02T09:00:00+09:00,no\n")
    (exports / "c.csv").write_text(header + "T1,2026-02-02T09:00:00+09:00,yes\n")
    (exports / "notes.md").write_text("not an export\n")
    args = ["load", "--contract", "acme-it-2026", "--source", "tickets", "--format", "json"]
    result = runner.invoke(app, [*args, str(exports / "*.csv")])
    assert result.exit_code == EXIT_INVALID, result.output
    documents = json.loads(result.output)
    # a before b before c; c corrects a's T1 because a was committed first
    assert [(d["file"], d["status"]) for d in documents] == [
        ("a.csv", "loaded"),
        ("b.csv", "rejected"),
        ("c.csv", "loaded"),
    ]
    assert (documents[0]["batch_seq"], documents[2]["batch_seq"]) == (1, 2)
    assert documents[2]["corrections"] == 1
    # the directory itself: the same files (notes.md is no export), now already loaded
    again = runner.invoke(app, [*args, str(exports)])
    assert [d["status"] for d in json.loads(again.output)] == [
        "already_loaded",
        "rejected",
        "already_loaded",
    ]


def test_a_pattern_matching_nothing_is_one_clear_error(
    cli_env: Settings, tmp_path: Path, run_servicepact: Callable[..., Any]
) -> None:
    _setup(tmp_path)
    args = ["load", "--contract", "acme-it-2026", "--source", "tickets"]
    result = run_servicepact(*args, str(tmp_path / "none-*.csv"))
    assert result.code == EXIT_INVALID
    assert "no file to load matches" in result.err
    assert "Traceback" not in result.err
    missing = run_servicepact(*args, str(tmp_path / "missing.csv"))
    assert missing.code == EXIT_INVALID
    assert "no such file" in missing.err
