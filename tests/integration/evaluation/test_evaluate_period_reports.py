"""``servicepact evaluate --period`` with a quarter, a year or the year to date: the months
inside are measured and the compliance report follows (docs/results.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from evaluation_fixtures import calls_contract_file, evaluate_cli
from typer.testing import CliRunner

from servicepact.cli.errors import EXIT_INVALID, exit_code_for
from servicepact.domain.errors import InvalidInput

runner = CliRunner()
app = evaluate_cli()

CONTRACT = calls_contract_file()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """July 9 of 10 calls in time (90 %), August 0 of 2, September 8 of 8."""
    contract = tmp_path / "contract.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    lines = ["id,offered_at,answered_at"]
    for month, in_time, late in ((7, 9, 1), (8, 0, 2), (9, 8, 0)):
        for i in range(in_time + late):
            wait = 10 if i < in_time else 50
            stamp = f"2026-{month:02d}-10T09:{i:02d}"
            lines.append(f"C{month}-{i},{stamp}:00+09:00,{stamp}:{wait}+09:00")
    (data / "calls.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return contract, data


def run(files: tuple[Path, Path], *period: str, now: str = "2026-12-06T00:00:00Z"):  # type: ignore[no-untyped-def]
    contract, data = files
    args = ["evaluate", "--contract", str(contract), "--data", str(data), "--now", now]
    for label in period:
        args += ["--period", label]
    return runner.invoke(app, [*args, "--format", "json"])


def test_a_quarter_measures_its_months_and_pools_the_value(files: tuple[Path, Path]) -> None:
    outcome = run(files, "2026-Q3")
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    # before: a monthly level gave nothing for a quarter
    assert [r["period"] for r in document["results"]] == ["2026-07", "2026-08", "2026-09"]
    assert [r["status"] for r in document["results"]] == ["below_expected", "breached", "met"]
    (level,) = document["compliance"]
    # 17 of 20 calls over the quarter = 85.00 % (the months' mean would be 63.33 %)
    assert (level["value"], level["numerator"], level["denominator"]) == ("17/20", 17, 20)
    assert level["value_display"] == "85.00 %"
    assert level["periods"]["met"] == 1
    assert level["periods"]["below_expected"] == 1
    assert level["periods"]["breached"] == 1
    assert level["periods"]["insufficient_data"] == 0
    assert (level["share_met"], level["share_met_display"]) == ("1/3", "33.33 %")


def test_a_year_counts_empty_months_as_insufficient_and_the_running_month_apart(
    files: tuple[Path, Path],
) -> None:
    document = json.loads(run(files, "2026").stdout)
    assert len(document["results"]) == 12  # January to the running December
    (level,) = document["compliance"]
    assert (level["period_start"], level["period_end"]) == ("2026-01-01", "2027-01-01")
    # eight months without calls (January-June, October, November), December running
    assert level["periods"]["insufficient_data"] == 8
    assert level["periods"]["running"] == ["2026-12"]
    assert level["share_met"] == "1/3"
    assert level["value"] == "17/20"


def test_the_year_to_date_stops_at_the_running_month(files: tuple[Path, Path]) -> None:
    document = json.loads(run(files, "2026-YTD", now="2026-08-20T00:00:00Z").stdout)
    assert [r["period"] for r in document["results"]][-1] == "2026-08"
    (level,) = document["compliance"]
    assert (level["period_start"], level["period_end"]) == ("2026-01-01", "2026-09-01")
    assert level["value"] == "3/4"  # July 9/10 and August (so far) 0/2
    assert level["running"] is True
    assert level["periods"]["to_come"] == []


def test_the_text_table_shows_the_compliance_report(files: tuple[Path, Path]) -> None:
    contract, data = files
    outcome = runner.invoke(
        app,
        ["evaluate", "--contract", str(contract), "--data", str(data), "--period", "2026-Q3",
         "--now", "2026-12-06T00:00:00Z"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert "2026-Q3 (2026-07-01 to 2026-09-30)" in outcome.stdout
    assert "85.00 %" in outcome.stdout
    assert "17 / 20" in outcome.stdout
    assert "33.33 %" in outcome.stdout


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2026-Q5", "a quarter is Q1, Q2, Q3 or Q4"),
        ("2026-13", "month must be 01-12"),
        ("abc", "is not a period"),
        ("2027-YTD", "2027 has not begun"),
        ("2025", "no measured period of 2025"),
    ],
)
def test_an_unknown_period_is_an_error_with_its_exit_code(
    files: tuple[Path, Path], label: str, message: str
) -> None:
    outcome = run(files, label)
    assert outcome.exit_code != 0
    error = outcome.exception
    assert isinstance(error, InvalidInput)
    assert exit_code_for(error) == EXIT_INVALID
    assert "--period" in str(error)
    assert message in str(error)
    assert outcome.stdout == ""  # never an empty answer


def test_a_stored_contract_over_a_quarter(cli_env: object, app_with_calls: object) -> None:
    # stored contract: expected 80 %, minimum 75 %; March 15 of 20 in time = 75 % (below)
    outcome = runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-Q1",
         "--now", "2026-04-02T00:00:00Z", "--format", "json"],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    assert [r["period"] for r in document["results"]] == ["2026-01", "2026-02", "2026-03"]
    (level,) = document["compliance"]
    assert level["value"] == "3/4"
    assert level["periods"]["insufficient_data"] == 2  # January and February had no calls
    assert level["periods"]["below_expected"] == 1
    assert level["share_met"] == 0


def test_a_closed_month_inside_a_quarter_stands_as_stored(
    cli_env: object, app_with_calls: Any, client_manager: Any, clock: Any
) -> None:
    from datetime import timedelta

    from servicepact.domain.errors import PeriodClosed
    from servicepact.services.evaluation import evaluate_period
    from servicepact.services.periods import close_period

    clock.advance(timedelta(days=31))  # April: March is over
    evaluate_period(app_with_calls, actor=client_manager, contract_id="acme-cs-2026",
                    period_label="2026-03")  # fmt: skip
    close_period(app_with_calls, actor=client_manager, contract_id="acme-cs-2026", period="2026-03")
    quarter = runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-Q1",
         "--now", "2026-04-02T00:00:00Z", "--format", "json"],
    )  # fmt: skip
    assert quarter.exit_code == 0, quarter.output
    document = json.loads(quarter.stdout)
    (level,) = document["compliance"]
    assert [r["period"] for r in level["results"]] == ["2026-01", "2026-02", "2026-03"]
    # March was not measured again, and is shown as stored
    assert [r["period"] for r in document["results"]] == ["2026-01", "2026-02", "2026-03"]
    assert level["value"] == "3/4"
    alone = runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-03",
         "--now", "2026-04-02T00:00:00Z"],
    )  # fmt: skip
    assert isinstance(alone.exception, PeriodClosed)  # a closed month named alone is refused


def test_the_event_list_needs_one_month_not_a_quarter(
    cli_env: object, app_with_calls: object
) -> None:
    outcome = runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-Q1", "--service-level",
         "SL-01", "--events", "failed", "--now", "2026-04-02T00:00:00Z"],
    )  # fmt: skip
    assert isinstance(outcome.exception, InvalidInput)
    assert "one measured period" in str(outcome.exception)
