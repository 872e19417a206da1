"""Anchoring the audit trail outside the database: a rewound trail verifies on its own, but not
against an anchor the client kept; `init` puts back dropped append-only triggers."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from servicepact.cli.errors import EXIT_INTEGRITY
from servicepact.cli.main import run
from servicepact.config import Settings
from servicepact.store.db import migrate
from servicepact.store.db.engine import make_engine
from servicepact.store.db.tables.audit import GENESIS_HASH, HEAD_ID


@dataclass
class Result:
    code: int
    out: str
    err: str


Invoke = Callable[..., Result]


@pytest.fixture
def servicepact(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Invoke:
    def invoke(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["servicepact", *args])
        code = 0
        try:
            run()
        except SystemExit as stop:
            code = int(stop.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def engine(cli_env: Settings) -> Iterator[sa.Engine]:
    made = make_engine(cli_env.resolved_database_url)
    yield made
    made.dispose()


def _as_an_attacker(engine: sa.Engine, *statements: str) -> None:
    """SQL run by someone with the database owner's rights, triggers out of the way."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
            )
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            connection.exec_driver_sql(statement)


def _head(engine: sa.Engine) -> tuple[int, str]:
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT seq, row_hash FROM audit_log WHERE seq = 2").one()
    return int(row.seq), str(row.row_hash)


def _three_rows(servicepact: Invoke) -> None:
    for name in ("alice", "dana", "erin"):
        assert servicepact("user", "add", name, "--role", "auditor").code == 0


def test_a_trail_cut_back_with_its_head_verifies_alone_but_not_against_the_anchor(
    servicepact: Invoke, engine: sa.Engine, tmp_path: Path
) -> None:
    _three_rows(servicepact)
    anchor = tmp_path / "anchors.jsonl"
    anchored = servicepact("audit", "anchor", "--out", str(anchor))
    assert anchored.code == 0, anchored.err
    [line] = anchor.read_text().splitlines()
    held = json.loads(line)
    assert held["seq"] == 3
    assert len(held["row_hash"]) == 64
    assert held["at"]
    assert servicepact("audit", "verify", "--anchor", str(anchor)).code == 0

    # The last row removed and the stored head moved back to row 2.
    seq, row_hash = _head(engine)
    _as_an_attacker(
        engine,
        "DELETE FROM audit_log WHERE seq = 3",
        f"UPDATE audit_head SET seq = {seq}, row_hash = '{row_hash}' WHERE id = {HEAD_ID}",
    )
    alone = servicepact("audit", "verify")
    assert alone.code == 0  # the chain itself is consistent: this is what an anchor is for
    against = servicepact("audit", "verify", "--anchor", str(anchor), "--format", "json")
    assert against.code == EXIT_INTEGRITY
    report = json.loads(against.out)
    assert report["broken_at"] == 3
    assert "rows were removed and the head moved back" in report["reason"]


def test_an_emptied_trail_with_its_head_reset_fails_against_the_anchor(
    servicepact: Invoke, engine: sa.Engine, tmp_path: Path
) -> None:
    _three_rows(servicepact)
    anchor = tmp_path / "anchors.jsonl"
    assert servicepact("audit", "anchor", "--out", str(anchor)).code == 0
    _as_an_attacker(
        engine,
        "DELETE FROM audit_log",
        f"UPDATE audit_head SET seq = 0, row_hash = '{GENESIS_HASH}' WHERE id = {HEAD_ID}",
    )
    assert servicepact("audit", "verify").code == 0
    assert servicepact("audit", "verify", "--anchor", str(anchor)).code == EXIT_INTEGRITY


def test_a_rewritten_trail_of_the_same_length_fails_against_the_anchor(
    servicepact: Invoke, engine: sa.Engine, tmp_path: Path
) -> None:
    """Rows replaced by a new, self-consistent chain: the anchored hash is gone."""
    _three_rows(servicepact)
    anchor = tmp_path / "anchors.jsonl"
    assert servicepact("audit", "anchor", "--out", str(anchor)).code == 0
    _as_an_attacker(
        engine,
        "DELETE FROM audit_log",
        f"UPDATE audit_head SET seq = 0, row_hash = '{GENESIS_HASH}' WHERE id = {HEAD_ID}",
    )
    migrate.restore_audit_triggers(engine)
    _three_rows_again = [
        servicepact("user", "add", n, "--role", "auditor") for n in ("x", "y", "z")
    ]
    assert all(r.code == 0 for r in _three_rows_again)
    failed = servicepact("audit", "verify", "--anchor", str(anchor), "--format", "json")
    assert failed.code == EXIT_INTEGRITY
    assert "rewritten" in json.loads(failed.out)["reason"]


def test_a_damaged_anchor_file_is_refused_naming_its_line(
    servicepact: Invoke, tmp_path: Path
) -> None:
    _three_rows(servicepact)
    anchor = tmp_path / "anchors.jsonl"
    anchor.write_text('{"seq": 1}\n')
    refused = servicepact("audit", "verify", "--anchor", str(anchor))
    assert refused.code != 0
    assert "anchors.jsonl:1" in refused.err + refused.out


def test_the_anchor_goes_to_a_webhook_the_client_controls(
    servicepact: Invoke, engine: sa.Engine
) -> None:
    _three_rows(servicepact)
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = None
    for port in range(8130, 8140):
        try:
            server = HTTPServer(("127.0.0.1", port), Receiver)
            break
        except OSError:
            continue
    if server is None:
        pytest.skip("no free port in 8130-8139")
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        sent = servicepact("audit", "anchor", "--webhook", f"http://127.0.0.1:{port}/anchor")
    finally:
        thread.join(timeout=10)
        server.server_close()
    assert sent.code == 0, sent.err
    [body] = received
    assert json.loads(body)["seq"] == 3


def test_init_puts_back_dropped_append_only_triggers(
    servicepact: Invoke, engine: sa.Engine
) -> None:
    _three_rows(servicepact)
    _as_an_attacker(engine)  # triggers dropped (SQLite) or disabled (PostgreSQL)
    with engine.connect() as connection:
        assert migrate.audit_triggers(connection) == set()
    again = servicepact("init")
    assert again.code == 0
    assert "restored the audit trail's append-only trigger" in again.err
    with engine.begin() as connection:
        assert migrate.audit_triggers(connection)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log WHERE seq = 1")
    assert servicepact("init").err == ""  # nothing to restore the second time
