"""Keeping baseline studies: stored with the hashes of what they read, audited, client-only."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from servicepact.bootstrap import App
from servicepact.contractfile import contract_hash, parse_contract_text
from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied, InvalidInput, NotFound
from servicepact.services.baseline import (
    BaselineStudy,
    get_study,
    list_studies,
    save_study,
    study_files,
)

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "examples" / "contact-centre.yaml"
CALLS = ROOT / "examples" / "baseline" / "calls.csv"
PATHS = {"calls": CALLS}


@pytest.fixture(scope="module")
def study() -> BaselineStudy:
    return study_files(
        contract_file=CONTRACT,
        paths=PATHS,
        first="2025-01",
        last="2025-06",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        with_replay=True,
    )


def test_a_kept_study_reads_back_with_its_inputs_proposal_and_audit_entry(
    app: App, client_manager: Actor, study: BaselineStudy
) -> None:
    kept = save_study(
        app,
        actor=client_manager,
        study=study,
        paths=PATHS,
        improve_percent=Decimal(0),
        note="CallNet negotiation, round 1",
    )
    again = get_study(app, actor=client_manager, study_id=kept.id)
    assert again == kept
    assert (again.contract_id, again.first_month, again.last_month) == (
        "hanbit-cc-2026",
        "2025-01",
        "2025-06",
    )
    assert again.created_by == "alice"
    (calls,) = again.files
    assert calls.sha256 == hashlib.sha256(CALLS.read_bytes()).hexdigest()
    assert (calls.name, calls.bytes) == ("calls.csv", CALLS.stat().st_size)
    assert again.contract_sha256 == contract_hash(study.contract)
    proposed = parse_contract_text(again.proposal).contract
    assert proposed == study.proposed_contract
    assert again.study["months"][0] == "2025-01"
    assert [r["targets"] for r in again.study["replays"]] == ["contract", "proposed"]
    with app.uow(read_only=True) as uow:
        (entry,) = uow.audit.list(entity_type="baseline_study", entity_id=str(kept.id))
    assert entry.actor_user == "alice"
    assert entry.action == "create"
    assert entry.after["inputs_sha256"] == kept.inputs_sha256


def test_the_same_inputs_give_the_same_inputs_hash_and_each_save_adds_a_study(
    app: App, client_manager: Actor, admin: Actor, study: BaselineStudy
) -> None:
    first = save_study(
        app, actor=client_manager, study=study, paths=PATHS, improve_percent=Decimal(0)
    )
    second = save_study(app, actor=admin, study=study, paths=PATHS, improve_percent=Decimal(0))
    improved = save_study(app, actor=admin, study=study, paths=PATHS, improve_percent=Decimal(5))
    assert first.inputs_sha256 == second.inputs_sha256 != improved.inputs_sha256
    listed = list_studies(app, actor=client_manager)
    assert [s.id for s in listed] == [improved.id, second.id, first.id]  # newest first
    assert list_studies(app, actor=client_manager, contract_id="another") == []


def test_vendor_and_broker_users_can_neither_keep_nor_see_a_study(
    app: App,
    client_manager: Actor,
    vendor_a: Actor,
    broker_user: Actor,
    study: BaselineStudy,
) -> None:
    kept = save_study(
        app, actor=client_manager, study=study, paths=PATHS, improve_percent=Decimal(0)
    )
    with pytest.raises(AccessDenied):
        save_study(app, actor=vendor_a, study=study, paths=PATHS, improve_percent=Decimal(0))
    for outsider in (vendor_a, broker_user):
        with pytest.raises(AccessDenied):
            list_studies(app, actor=outsider)
        with pytest.raises(AccessDenied):
            get_study(app, actor=outsider, study_id=kept.id)


def test_the_auditor_reads_studies_but_cannot_keep_one(
    app: App, client_manager: Actor, auditor: Actor, study: BaselineStudy
) -> None:
    kept = save_study(
        app, actor=client_manager, study=study, paths=PATHS, improve_percent=Decimal(0)
    )
    assert get_study(app, actor=auditor, study_id=kept.id).id == kept.id
    with pytest.raises(AccessDenied):
        save_study(app, actor=auditor, study=study, paths=PATHS, improve_percent=Decimal(0))


def test_an_unknown_study_is_not_found_and_an_overlong_note_stores_nothing(
    app: App, client_manager: Actor, study: BaselineStudy
) -> None:
    with pytest.raises(NotFound):
        get_study(app, actor=client_manager, study_id=999)
    with pytest.raises(InvalidInput, match="--note"):
        save_study(
            app,
            actor=client_manager,
            study=study,
            paths=PATHS,
            improve_percent=Decimal(0),
            note="x" * 2001,
        )
    assert list_studies(app, actor=client_manager) == []


def test_the_command_line_keeps_a_study_and_lists_it(cli_env: object, tmp_path: Path) -> None:
    from servicepact.cli import baseline as baseline_commands

    runner = CliRunner()
    cli = typer.Typer()
    baseline_commands.register(cli)
    saved = runner.invoke(
        cli,
        [
            "baseline",
            "--contract",
            str(CONTRACT),
            "--data",
            str(CALLS.parent),
            "--from",
            "2025-01",
            "--to",
            "2025-03",
            "--save",
            "--note",
            "first look",
            "--format",
            "json",
        ],
    )
    assert saved.exit_code == 0, saved.output
    study_id = json.loads(saved.stdout)["saved_study_id"]
    listed = runner.invoke(cli, ["baseline-studies", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert (row["id"], row["note"], row["months"]) == (
        study_id,
        "first look",
        ["2025-01", "2025-03"],
    )
    out = tmp_path / "kept-proposal.yaml"
    shown = runner.invoke(
        cli,
        ["baseline-studies", "--show", str(study_id), "--proposal", str(out), "--format", "json"],
    )
    assert shown.exit_code == 0, shown.output
    (full,) = json.loads(shown.stdout)
    assert full["study"]["contract_id"] == "hanbit-cc-2026"
    assert parse_contract_text(out.read_text(encoding="utf-8")).contract.id == "hanbit-cc-2026"
    table = runner.invoke(cli, ["baseline-studies"])
    assert table.exit_code == 0, table.output
    assert "Baseline studies" in table.stdout
