"""``servicepact evaluate`` on files (no database) and on stored contracts."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from evaluation_fixtures import calls_contract_file, evaluate_cli
from typer.testing import CliRunner

runner = CliRunner()
app = evaluate_cli()

CONTRACT = calls_contract_file(
    {
        "id": "SL-02",
        "name": "Average speed of answer",
        "kpi": "average_speed_of_answer",
        "source": "calls",
        "expected": 15,
        "minimum": 20,
        "kind": "key",
    }
)


def write_case(
    tmp_path: Path, in_time: int, late: int, *, bad_row: bool = False
) -> tuple[Path, Path]:
    contract = tmp_path / "contract.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    lines = ["id,offered_at,answered_at"]
    for i in range(in_time + late):
        wait = 10 if i < in_time else 50
        lines.append(f"C{i},2026-03-10T09:{i:02d}:00+09:00,2026-03-10T09:{i:02d}:{wait}+09:00")
    if bad_row:
        lines.append("C99,not-a-time,")
    (data / "calls.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return contract, data


def test_evaluating_files_prints_exact_json_without_a_database(tmp_path: Path) -> None:
    # 19 of 20 within 20 s = 95.00 % → met; ASA (19 × 10 + 50) / 20 = 12 s → met
    contract, data = write_case(tmp_path, 19, 1)
    outcome = runner.invoke(
        app,
        [
            "evaluate",
            "--contract",
            str(contract),
            "--data",
            str(data),
            "--period",
            "2026-03",
            "--format",
            "json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    documents = json.loads(outcome.stdout)
    first, second = documents
    assert (first["numerator"], first["denominator"], first["value"]) == (19, 20, "19/20")
    assert first["value_display"] == "95.00 %"
    assert first["status"] == "met"
    assert second["value"] == 12
    assert second["value_display"] == "12.00 s"


def test_the_table_shows_values_targets_and_status(tmp_path: Path) -> None:
    contract, data = write_case(tmp_path, 17, 3)
    outcome = runner.invoke(
        app,
        ["evaluate", "--contract", str(contract), "--data", str(data), "--period", "2026-03"],
        env={"COLUMNS": "200"},
    )
    assert outcome.exit_code == 0, outcome.output
    assert "85.00 %" in outcome.stdout
    assert "17 / 20" in outcome.stdout
    assert "Breached" in outcome.stdout


def test_a_bad_row_is_reported_with_its_place_and_no_traceback(tmp_path: Path) -> None:
    contract, data = write_case(tmp_path, 1, 0, bad_row=True)
    outcome = runner.invoke(
        app, ["evaluate", "--contract", str(contract), "--data", str(data), "--period", "2026-03"]
    )
    assert outcome.exit_code != 0
    assert isinstance(outcome.exception, Exception)
    assert "offered_at" in str(outcome.exception)


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    contract, data = write_case(tmp_path, 1, 0)
    (data / "calls.csv").unlink()
    outcome = runner.invoke(
        app, ["evaluate", "--contract", str(contract), "--data", str(data), "--period", "2026-03"]
    )
    assert "calls.csv" in str(outcome.exception)


def test_evaluating_a_stored_contract_stores_and_prints_results(
    cli_env: object, app_with_calls: object
) -> None:
    # the stored contract (expected 0.80, minimum 0.75) with 15 of 20 calls in time → 75.00 %
    outcome = runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-03",
         "--now", "2026-04-02T00:00:00Z", "--format", "json"],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    (document,) = json.loads(outcome.stdout)
    assert (document["numerator"], document["denominator"]) == (15, 20)
    assert document["status"] == "below_expected"
    assert document["contract_version"] == 1


def _events(*extra: str) -> object:
    return runner.invoke(
        app,
        ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-03", "--service-level",
         "SL-01", "--now", "2026-04-02T00:00:00Z", *extra],
    )  # fmt: skip


def test_the_failing_events_of_a_stored_result_as_a_table(
    cli_env: object, app_with_calls: object
) -> None:
    outcome = _events("--events", "failed")
    assert outcome.exit_code == 0, outcome.output  # type: ignore[attr-defined]
    text = outcome.stdout  # type: ignore[attr-defined]
    assert "stored result: 15 / 20" in text
    assert "listed: 15 / 20, 20 counted" in text
    assert "5 failed, 0 excluded, 15 met" in text
    # C015..C019 answered after 60 s against 20 s: 40 s late each
    for event_id in ("C015", "C016", "C017", "C018", "C019"):
        assert event_id in text
    assert "C014" not in text
    assert "-40" in text


def test_the_events_as_csv_and_json(cli_env: object, app_with_calls: object) -> None:
    outcome = _events("--events", "all", "--format", "csv")
    assert outcome.exit_code == 0, outcome.output  # type: ignore[attr-defined]
    lines = outcome.stdout.splitlines()  # type: ignore[attr-defined]
    header = lines[0].split(",")
    assert header[:4] == ["id", "outcome", "reason", "counts_at"]
    assert len(lines) == 21
    assert lines[1].startswith(
        "C015,failed,over_target,2026-03-10T09:15:00+09:00,duration,60,20,-40"
    )
    document = json.loads(_events("--events", "met", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert document["listed"] == {"numerator": 15, "denominator": 20, "sample_size": 20}
    assert document["agrees"] is True
    assert [i["id"] for i in document["items"]][:2] == ["C000", "C001"]
    assert len(document["items"]) == 15


def test_events_need_one_period_a_service_level_and_no_data_dir(
    cli_env: object, app_with_calls: object
) -> None:
    outcome = runner.invoke(
        app, ["evaluate", "--contract", "acme-cs-2026", "--events", "failed", "--all-months"]
    )
    assert outcome.exit_code != 0
    message = str(outcome.exception)
    assert "--service-level" in message
    assert "--period" in message
