"""`servicepact contract validate` and the OpenSLO commands work on files alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from servicepact.cli import contract as contract_commands
from servicepact.contractfile import load_contract_file
from servicepact.domain.errors import InvalidInput

HERE = Path(__file__).parent
BROKEN = HERE / "broken"
GOOD = """\
servicepact: 1
contract:
  id: acme-cs-2026
  name: Customer contact centre
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2028-12-31}
  calendars:
    office: {timezone: Asia/Seoul, hours: {mon-fri: "09:00-18:00"}}
  credits: {at_risk_percent: 12}
  service_levels:
    - {id: SL-01, name: Answered in 20 s, kpi: answered_within, source: calls,
       params: {seconds: 20}, expected: 0.80, minimum: 0.75, allocation_percent: 40}
    - {id: SL-02, name: Abandoned, kpi: abandonment_rate, source: calls,
       expected: 0.05, minimum: 0.08, kind: key}
"""

runner = CliRunner()
# Only this module's commands: the test does not depend on every other command importing.
app = typer.Typer()
contract_commands.register(app)


@pytest.fixture
def empty_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(data))
    monkeypatch.delenv("SERVICEPACT_DATABASE_URL", raising=False)
    return data


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_validate_prints_ok_for_a_good_file_and_touches_no_database(
    empty_data_dir: Path, good_file: Path
) -> None:
    result = runner.invoke(app, ["contract", "validate", str(good_file)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok  {good_file}  (contract acme-cs-2026, 2 service levels")
    assert "version hash" in result.output
    assert list(empty_data_dir.iterdir()) == []  # no database, no key file, nothing


def test_validate_reports_every_problem_of_every_file_and_exits_2(
    empty_data_dir: Path, good_file: Path
) -> None:
    many = BROKEN / "30_many_problems_at_once.yaml"
    typo = BROKEN / "03_unknown_field_suggestion.yaml"
    result = runner.invoke(app, ["contract", "validate", str(good_file), str(many), str(typo)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith("ok  ")
    assert lines[1] == f"invalid  {many}  (6 problems)"
    assert len([line for line in lines if line.startswith("  line ")]) == 7
    assert f"invalid  {typo}  (1 problem)" in lines
    assert list(empty_data_dir.iterdir()) == []


def test_validate_json_lists_files_with_line_column_path_and_message(
    empty_data_dir: Path, good_file: Path
) -> None:
    broken = BROKEN / "04_share_above_one.yaml"
    result = runner.invoke(
        app, ["contract", "validate", "--format", "json", str(good_file), str(broken)]
    )
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert [entry["valid"] for entry in report] == [True, False]
    assert report[0]["service_levels"] == 2
    assert report[1]["problems"] == [
        {
            "line": 31,
            "column": 7,
            "path": "contract.service_levels[1].expected",
            "message": "must be between 0 and 1 (a share), got 1.5",
        }
    ]


def test_openslo_export_of_a_file_writes_one_slo_per_service_level(
    empty_data_dir: Path, good_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "slos.yaml"
    result = runner.invoke(app, ["contract", "openslo", "export", str(good_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    documents = list(yaml.safe_load_all(out.read_text(encoding="utf-8")))
    assert [d["kind"] for d in documents] == ["Service", "SLO", "SLO"]
    assert list(empty_data_dir.iterdir()) == []


def test_openslo_import_adds_the_levels_to_a_contract_file(
    empty_data_dir: Path, good_file: Path, tmp_path: Path
) -> None:
    slos = tmp_path / "slos.yaml"
    runner.invoke(app, ["contract", "openslo", "export", str(good_file), "-o", str(slos)])
    # a contract file that has only the first level gets the second back from OpenSLO
    first_only = tmp_path / "first.yaml"
    first_only.write_text(GOOD.split("    - {id: SL-02")[0], encoding="utf-8")
    result_file = tmp_path / "merged.yaml"
    result = runner.invoke(
        app,
        [
            "contract", "openslo", "import", str(slos),
            "--into", str(first_only), "-o", str(result_file),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(1 added, 1 replaced)" in result.output
    merged = load_contract_file(result_file).contract
    assert merged == load_contract_file(good_file).contract


def test_openslo_import_of_a_level_that_breaks_the_contract_writes_nothing(
    empty_data_dir: Path, good_file: Path, tmp_path: Path
) -> None:
    slo = {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": "fcr", "annotations": {"servicepact.io/kpi": "csat_top2",
                                                     "servicepact.io/kind": "critical",
                                                     "servicepact.io/allocation-percent": "65"}},
        "spec": {"objectives": [{"target": 0.9}]},
    }  # fmt: skip
    slos = tmp_path / "one.yaml"
    slos.write_text(yaml.safe_dump(slo), encoding="utf-8")
    before = good_file.read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["contract", "openslo", "import", str(slos), "--into", str(good_file)]
    )
    assert isinstance(result.exception, InvalidInput)
    assert "service_levels[2].allocation_percent: 65 % is above the per-level cap of 50 %" in str(
        result.exception
    )
    assert good_file.read_text(encoding="utf-8") == before


EXAMPLES = HERE.parents[2] / "examples"


def test_validate_accepts_every_example_file_by_its_kind(empty_data_dir: Path):
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert {"risks.yaml", "entrustment.yaml", "portfolio.yaml"} <= {f.name for f in files}
    result = runner.invoke(app, ["contract", "validate", *map(str, files), "--format", "json"])
    assert result.exit_code == 0, result.output
    kinds = {Path(entry["file"]).name: entry["kind"] for entry in json.loads(result.output)}
    assert kinds["risks.yaml"] == "risks"
    assert kinds["entrustment.yaml"] == "entrustments"
    assert kinds["portfolio.yaml"] == "portfolio"
    assert kinds["contact-centre.yaml"] == "contract"
    assert list(empty_data_dir.iterdir()) == []


def test_a_broken_risk_register_is_invalid_with_the_line_of_its_problem(tmp_path: Path):
    path = tmp_path / "risks.yaml"
    path.write_text(
        "risks:\n  - id: R-1\n    title: Attrition\n    likelihood: 9\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["contract", "validate", str(path)])
    assert result.exit_code == 2
    assert "invalid" in result.output
    assert "line 4" in result.output
    assert "risks[0].likelihood" in result.output
