"""``servicepact dispute`` and ``servicepact acknowledge`` as the vendor and the client."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servicepact.bootstrap import App
from servicepact.cli.main import app as cli
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor

sys.path.insert(0, str(Path(__file__).parents[2] / "e2e"))
from web_world import build_world

runner = CliRunner()


def test_the_vendor_disputes_the_client_resolves_and_the_vendor_acknowledges(
    cli_env: object,
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `--as` sets SERVICEPACT_USER for the process: recorded here so it is put back after.
    monkeypatch.setenv("SERVICEPACT_USER", "")
    build_world(app, admin, make_contract_document)
    with app.uow(read_only=True) as uow:
        assert uow.users.get("bob") is not None
    month = ["--contract", "acme-cs-2026", "--period", "2026-02"]
    raised = runner.invoke(
        cli,
        ["--as", "bob", "dispute", "raise", *month, "--service-level", "SL-01",
         "--comment", "IVR outage", "--format", "json"],
    )  # fmt: skip
    assert raised.exit_code == 0, raised.output
    dispute = json.loads(raised.stdout)
    assert (dispute["raised_by"], dispute["status"]) == ("bob", "open")
    early = runner.invoke(cli, ["--as", "bob", "acknowledge", *month])
    assert early.exit_code != 0
    assert "still open" in str(early.exception)
    not_his = runner.invoke(
        cli, ["--as", "bob", "dispute", "resolve", dispute["id"], "--note", "x"]
    )
    assert not_his.exit_code != 0
    resolved = runner.invoke(
        cli, ["--as", "alice", "dispute", "resolve", dispute["id"], "--note", "see the log"]
    )
    assert resolved.exit_code == 0, resolved.output
    signed = runner.invoke(cli, ["--as", "bob", "acknowledge", *month])
    assert signed.exit_code == 0, signed.output
    assert "bob acknowledged acme-cs-2026 2026-02" in signed.stdout
