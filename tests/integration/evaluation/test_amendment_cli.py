"""``servicepact contract apply`` of an amendment to a contract with measured months: refused
naming the months and their results unless ``--effective-from`` or ``--remeasure-from`` says
what happens to them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
import yaml
from typer.testing import CliRunner

from servicepact.bootstrap import App
from servicepact.cli import contract as contract_commands
from servicepact.cli import evaluate as evaluate_commands
from servicepact.contractfile import ContractDocument
from servicepact.services.contracts import AmendmentChangesResults

runner = CliRunner()
app = typer.Typer()
contract_commands.register(app)
evaluate_commands.register(app)


def test_the_command_refuses_then_applies_from_the_month_given(
    cli_env: object,
    app_with_calls: App,
    make_contract_document: Callable[..., ContractDocument],
    tmp_path: Path,
) -> None:
    # March measured under version 1 (expected 0.80): 15 of 20 in time → 75.00 %, below
    measured = runner.invoke(app, ["evaluate", "--contract", "acme-cs-2026", "--period", "2026-03"])
    assert measured.exit_code == 0, measured.output
    amended = tmp_path / "acme-cs-2026.yaml"
    amended.write_text(
        yaml.safe_dump(make_contract_document(expected="0.75").document), encoding="utf-8"
    )
    refused = runner.invoke(app, ["contract", "apply", str(amended)])
    # the error reaches the main command's handler, which prints it (cli/main.py)
    assert isinstance(refused.exception, AmendmentChangesResults)
    text = str(refused.exception)
    assert "measured months 2026-03; their results now:" in text
    assert "\n  2026-03 (version 1): SL-01 0.7500 (below_expected)" in text
    assert "--effective-from 2026-04" in text
    assert "--remeasure-from 2026-03" in text
    applied = runner.invoke(app, ["contract", "apply", str(amended), "--effective-from", "2026-04"])
    assert applied.exit_code == 0, applied.output
    assert "new version 2" in applied.output
    assert "applies from 2026-04" in applied.output
