"""`servicepact contract apply|export|list|show` against a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from servicepact.cli import contract as contract_commands
from servicepact.config import Settings
from servicepact.contractfile import load_contract_file
from servicepact.domain.errors import InvalidInput

runner = CliRunner()
# Only this module's commands: the test does not depend on every other command importing.
app = typer.Typer()
contract_commands.register(app)
CONTRACT = """\
servicepact: 1
contract:
  id: acme-ap-2026
  name: Accounts payable
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2027-12-31}
  credits: {at_risk_percent: 10}
  service_levels:
    - {id: AP-01, name: First-pass match, kpi: first_pass_match_rate, source: invoices_processed,
       expected: 0.92, minimum: 0.88, allocation_percent: 30}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_apply_export_and_reapply_keeps_one_version(cli_env: Settings, tmp_path: Path) -> None:
    source = _write(tmp_path, "ap.yaml", CONTRACT)
    first = runner.invoke(app, ["contract", "apply", "--format", "json", str(source)])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)[0] == {
        "file": str(source),
        "contract_id": "acme-ap-2026",
        "version": 1,
        "changed": True,
        # no calendar with holidays: the SHA-256 of no lists (of the empty text)
        "calendar_hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "effective_from": None,
        "remeasured": [],
    }
    exported = tmp_path / "exported.yaml"
    result = runner.invoke(app, ["contract", "export", "acme-ap-2026", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert load_contract_file(exported).contract == load_contract_file(source).contract
    again = runner.invoke(app, ["contract", "apply", str(exported)])
    assert again.exit_code == 0, again.output
    assert "unchanged, still version 1" in again.output


def test_a_changed_file_becomes_version_two_and_show_lists_both(
    cli_env: Settings, tmp_path: Path
) -> None:
    runner.invoke(app, ["contract", "apply", str(_write(tmp_path, "v1.yaml", CONTRACT))])
    amended = _write(tmp_path, "v2.yaml", CONTRACT.replace("expected: 0.92", "expected: 0.93"))
    result = runner.invoke(app, ["contract", "apply", str(amended)])
    assert "new version 2" in result.output
    shown = runner.invoke(app, ["contract", "show", "acme-ap-2026", "--format", "json"])
    payload = json.loads(shown.output)
    assert payload["version"] == 2
    assert payload["versions"] == [1, 2]
    assert payload["document"]["contract"]["service_levels"][0]["expected"] == "0.93"
    old = runner.invoke(app, ["contract", "export", "acme-ap-2026", "--version", "1"])
    assert "expected: 0.92" in old.output
    listed = json.loads(runner.invoke(app, ["contract", "list", "--format", "json"]).output)
    assert [(row["contract_id"], row["version"]) for row in listed] == [("acme-ap-2026", 2)]


def test_nothing_is_stored_when_one_of_the_files_is_invalid(
    cli_env: Settings, tmp_path: Path
) -> None:
    good = _write(tmp_path, "good.yaml", CONTRACT)
    bad = _write(tmp_path, "bad.yaml", CONTRACT.replace("expected: 0.92", "expected: 92"))
    result = runner.invoke(app, ["contract", "apply", str(good), str(bad)])
    assert isinstance(result.exception, InvalidInput)
    assert "must be between 0 and 1 (a share), got 92" in str(result.exception)
    listed = json.loads(runner.invoke(app, ["contract", "list", "--format", "json"]).output)
    assert listed == []


def test_openslo_export_reads_a_stored_contract_by_id(cli_env: Settings, tmp_path: Path) -> None:
    runner.invoke(app, ["contract", "apply", str(_write(tmp_path, "ap.yaml", CONTRACT))])
    result = runner.invoke(
        app, ["contract", "openslo", "export", "acme-ap-2026", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    documents = json.loads(result.output)
    assert documents[1]["metadata"]["annotations"]["servicepact.io/expected"] == "0.92"
