"""``servicepact baseline`` on the example in-house history (examples/baseline/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from servicepact.cli import baseline as baseline_commands
from servicepact.contractfile import load_contract_file
from servicepact.demo.history import write_example_history
from servicepact.domain.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "examples" / "contact-centre.yaml"
HISTORY = ROOT / "examples" / "baseline"

runner = CliRunner()
# Only this module's command, so the test does not depend on every other command importing.
app = typer.Typer()
baseline_commands.register(app)
app.command("noop", hidden=True)(lambda: None)  # two commands keep "baseline" a subcommand

BASE_ARGS = [
    "baseline",
    "--contract",
    str(CONTRACT),
    "--data",
    str(HISTORY),
    "--from",
    "2025-01",
    "--to",
    "2025-12",
]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One run with the replay and a proposal file (the history takes a few seconds)."""
    out = tmp_path_factory.mktemp("baseline") / "proposal.yaml"
    outcome = runner.invoke(
        app, [*BASE_ARGS, "--replay", "--format", "json", "--write-proposal", str(out)]
    )
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout), out


def _level(document: dict[str, Any], sl_id: str) -> dict[str, Any]:
    return next(s for s in document["service_levels"] if s["service_level_id"] == sl_id)


def test_the_example_history_gives_the_documented_baseline_of_calls_answered(
    study: tuple[dict[str, Any], Path],
) -> None:
    document, _ = study
    level = _level(document, "CC-01")
    assert document["months"][0] == "2025-01"
    assert len(level["months"]) == 12
    assert level["months_used"] == 12
    # The figures docs/baseline.md quotes.
    assert level["median"]["display"] == "71.88 %"
    assert level["worst_quartile"]["display"] == "70.83 %"
    assert level["best_quartile"]["display"] == "75.93 %"
    assert level["worst_month"]["period"] == "2025-02"
    assert level["best_month"]["period"] == "2025-08"
    assert level["trend"] == "improving"
    proposal = level["proposal"]
    assert (proposal["expected"], proposal["minimum"]) == ("0.715", "0.705")
    assert (proposal["current_expected"], proposal["current_minimum"]) == ("0.80", "0.75")


def test_a_level_whose_months_all_lack_the_minimum_sample_keeps_the_contract_levels(
    study: tuple[dict[str, Any], Path],
) -> None:
    document, _ = study
    quality = _level(document, "CC-07")  # min_sample 50; ~35 scored calls a month
    assert quality["months_used"] == 0
    assert len(quality["months_left_out"]) == 12
    assert "minimum sample of 50" in quality["months_left_out"][0]["reason"]
    assert quality["proposal"]["proposed"] is False
    assert quality["proposal"]["expected"] == "85"


def test_the_replay_shows_the_contract_levels_would_have_breached_calls_answered_often(
    study: tuple[dict[str, Any], Path],
) -> None:
    document, _ = study
    current, proposed = document["replays"]
    assert (current["targets"], proposed["targets"]) == ("contract", "proposed")
    cc01 = next(x for x in current["levels"] if x["service_level_id"] == "CC-01")
    # In-house answered 68-78 % within 20 s; the file's minimum is 75 %: 7 of 12 breached.
    assert (cc01["met"], cc01["below_expected"], cc01["breached"]) == (0, 5, 7)
    assert cc01["breached_share"] == "7/12"
    assert current["charged"] == "33553978"
    assert current["years"][0]["year"] == 2025
    assert current["fees"] == proposed["fees"] == "836904600"
    # The proposed levels come from the history: far fewer breaches, far less charged.
    assert proposed["charged"] == "13003046"
    assert proposed["earned_back"] == "4776568"
    for level in proposed["levels"]:
        assert 4 * level["breached"] < 12


def test_the_proposal_file_validates_and_carries_the_proposed_levels(
    study: tuple[dict[str, Any], Path],
) -> None:
    _, out = study
    contract = load_contract_file(out).contract
    original = load_contract_file(CONTRACT).contract
    assert str(contract.service_level("CC-01").expected) == "0.715"
    assert str(contract.service_level("CC-01").minimum) == "0.705"
    assert contract.service_level("CC-07") == original.service_level("CC-07")
    assert contract.fees == original.fees
    assert contract.credits == original.credits


def test_the_text_report_shows_every_level_and_both_replays() -> None:
    outcome = runner.invoke(app, [*BASE_ARGS, "--replay"])
    assert outcome.exit_code == 0, outcome.output
    for sl_id in ("CC-01", "CC-02", "CC-03", "CC-04", "CC-05", "CC-06", "CC-07"):
        assert sl_id in outcome.stdout
    assert outcome.stdout.count("Replay on the history") == 2
    assert "71.50 % / 70.50 %" in outcome.stdout


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        (["--from", "2025-13"], "--from"),
        (["--to", "2024-12"], "--to"),
        (["--improve-percent", "lots"], "--improve-percent"),
        (["--improve-percent", "100"], "--improve-percent"),
    ],
)
def test_bad_options_are_refused_naming_the_option(extra: list[str], where: str) -> None:
    outcome = runner.invoke(app, [*BASE_ARGS, *extra])
    assert isinstance(outcome.exception, InvalidInput)
    assert where in str(outcome.exception)


def test_a_missing_history_file_names_the_source(tmp_path: Path) -> None:
    args = [*BASE_ARGS]
    args[args.index("--data") + 1] = str(tmp_path)
    outcome = runner.invoke(app, args)
    assert isinstance(outcome.exception, InvalidInput)
    assert "calls" in str(outcome.exception)


def test_writing_the_proposal_over_the_contract_read_is_refused() -> None:
    outcome = runner.invoke(app, [*BASE_ARGS, "--write-proposal", str(CONTRACT)])
    assert isinstance(outcome.exception, InvalidInput)
    assert "overwrite" in str(outcome.exception)


def test_a_user_error_is_one_line_and_a_non_zero_exit_without_a_traceback() -> None:
    finished = subprocess.run(
        [str(Path(sys.executable).parent / "servicepact"), *BASE_ARGS[:-1], "2025-99"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr
    assert "--to" in finished.stderr


def test_the_committed_example_history_is_what_the_generator_writes(tmp_path: Path) -> None:
    written = write_example_history(tmp_path)
    assert written.read_bytes() == (HISTORY / "calls.csv").read_bytes()
