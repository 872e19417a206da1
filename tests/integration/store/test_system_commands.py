"""The system commands as an operator runs them: init, audit verify/list, user, token."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from servicepact.cli.errors import EXIT_ACCESS_DENIED, EXIT_CONFLICT, EXIT_INTEGRITY
from servicepact.config import Settings
from servicepact.store.db import migrate
from servicepact.store.db.engine import make_engine

Invoke = Callable[..., Any]  # returns conftest's CliResult: code, out, err


@pytest.fixture
def servicepact(run_servicepact: Invoke) -> Invoke:
    """Run the ``servicepact`` entry point in-process, as the shell would (see conftest)."""
    return run_servicepact


def test_init_creates_the_database_and_is_safe_to_repeat(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servicepact: Invoke
) -> None:
    monkeypatch.setenv("SERVICEPACT_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(tmp_path))
    first = servicepact("init")
    again = servicepact("init", "--format", "json")
    head = migrate.head_revision()
    assert first.code == 0, first.err
    assert f"revision: {head} (created)" in first.out
    assert json.loads(again.out)["state"] == "up to date"
    assert json.loads(again.out)["revision"] == head


def test_commands_on_an_uninitialised_database_say_to_run_init(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servicepact: Invoke
) -> None:
    monkeypatch.setenv("SERVICEPACT_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(tmp_path))
    result = servicepact("audit", "verify")
    assert result.code == EXIT_CONFLICT
    assert "run `servicepact init`" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "command",
    [
        ("contract", "list"),
        ("contract", "show", "acme-cs-2026"),
        ("evaluate", "--contract", "acme-cs-2026", "--period", "2026-03"),
        ("audit", "verify"),
    ],
)
def test_a_command_on_an_uninitialised_data_folder_leaves_nothing_behind(
    command: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    servicepact: Invoke,
) -> None:
    data = tmp_path / "data"
    monkeypatch.delenv("SERVICEPACT_DATABASE_URL", raising=False)
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(data))
    result = servicepact(*command)
    assert result.code == EXIT_CONFLICT, result.err
    assert "not initialised" in result.err
    assert "run `servicepact init`" in result.err
    assert not data.exists()  # no empty servicepact.db, not even the folder
    assert list(tmp_path.iterdir()) == []


def test_audit_verify_reports_ok_then_the_first_tampered_row(
    cli_env: Settings, servicepact: Invoke
) -> None:
    for name in ("alice", "dana"):
        role = "client_manager" if name == "alice" else "auditor"
        assert servicepact("user", "add", name, "--role", role).code == 0
    ok = servicepact("audit", "verify")
    assert ok.code == 0
    assert ok.out.startswith("ok: 2 rows, head ")

    engine = make_engine(cli_env.resolved_database_url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
                )
            else:
                connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.execute(sa.text("UPDATE audit_log SET entity_id = 'eve' WHERE seq = 2"))
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"
                )
    finally:
        engine.dispose()
    broken = servicepact("audit", "verify", "--format", "json")
    assert broken.code == EXIT_INTEGRITY
    assert json.loads(broken.out)["broken_at"] == 2
    plain = servicepact("audit", "verify")
    assert plain.out.startswith("broken at row 2: ")


def test_users_and_tokens_from_the_command_line(cli_env: Settings, servicepact: Invoke) -> None:
    added = servicepact("user", "add", "dana", "--role", "auditor")
    assert added.out.strip() == "added user dana: auditor"
    listed = json.loads(servicepact("user", "list", "--format", "json").out)
    assert [(u["name"], u["role"], u["party"]) for u in listed] == [("dana", "auditor", None)]

    issued = servicepact("token", "create", "dana", "--label", "reports")
    token = issued.out.strip()
    assert token.startswith("sp_")
    assert "cannot be shown again" in issued.err
    entries = json.loads(
        servicepact("audit", "list", "--entity", "api_token", "--format", "json").out
    )
    assert entries[0]["after"] == {"user": "dana", "label": "reports"}
    assert token not in json.dumps(entries)
    second = json.loads(servicepact("token", "create", "dana", "--format", "json").out)
    assert (second["id"], second["user"]) == (2, "dana")
    assert second["token"].startswith("sp_")
    assert second["token"] != token


def test_acting_as_a_stored_user_applies_that_users_role(
    cli_env: Settings, servicepact: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert servicepact("user", "add", "dana", "--role", "auditor").code == 0
    monkeypatch.setenv("SERVICEPACT_USER", "dana")
    refused = servicepact("user", "add", "mallory", "--role", "admin")
    assert refused.code == EXIT_ACCESS_DENIED
    assert "only administrators can add users" in refused.err
    assert servicepact("audit", "verify").code == 0
    monkeypatch.setenv("SERVICEPACT_USER", "nobody")
    unknown = servicepact("audit", "verify")
    assert "no user 'nobody'" in unknown.err


def test_the_as_option_picks_the_stored_user_for_one_command(
    cli_env: Settings, servicepact: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICEPACT_USER", "")  # restored after the test: --as sets it
    assert servicepact("user", "add", "dana", "--role", "auditor").code == 0
    refused = servicepact("--as", "dana", "token", "create", "dana")
    assert refused.code == EXIT_ACCESS_DENIED
    assert "only administrators can create API tokens" in refused.err
