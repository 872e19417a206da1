"""``servicepact serve --workers N``: several processes, one truth.

Each worker process builds its own app (engine, connection pool, cache of views) from the same
settings. Two apps over one database stand for two workers here: a session signed in on one is
valid on the other, and a write made through one is seen at once by the other, whose cached
views follow the audit trail's head in the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_world import build_world, cheap_password_hashing, csrf_of, sign_in

from servicepact.api import create_app, workers
from servicepact.api.app import create_app_from_environment
from servicepact.bootstrap import App, build_app
from servicepact.cli import serve as serve_command
from servicepact.cli.main import app as cli
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.services import evaluation, loads, users
from servicepact.store.db.uploads import StoredUploadJob, UploadJobRepository


@pytest.fixture
def second_app(settings: Settings, clock: Callable[[], datetime]) -> Iterator[App]:
    # another worker process: its own app over the same database, and the same time
    other = build_app(settings, clock=clock)
    try:
        yield other
    finally:
        other.close()


def _results(client: TestClient, token: str) -> list[dict[str, Any]]:
    answer = client.get(
        "/api/v1/contracts/acme-cs-2026/results", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_write_through_one_worker_is_seen_by_the_other_at_once(
    app: App,
    second_app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    tokens = build_world(app, admin, make_contract_document)
    with (
        TestClient(create_app(app)) as first,
        TestClient(create_app(second_app)) as second,
    ):
        before = _results(first, tokens["alice"])
        assert _results(first, tokens["alice"]) == before  # answered from the first's cache
        assert [r["period"] for r in before] == ["2026-02"]
        sign_in(first, "alice")
        page_before = first.get("/?lang=en&month=2026-02")
        assert page_before.status_code == 200

        # 20 more calls answered within 10 s through the second worker: 35 of 40 now.
        more = [
            {
                "id": f"D-{i}",
                "offered_at": f"2026-02-11T10:00:{i:02d}+09:00",
                "answered_at": f"2026-02-11T10:00:{i + 10:02d}+09:00",
            }
            for i in range(20)
        ]
        loads.load_rows(
            second_app, actor=admin, contract_id="acme-cs-2026", source="calls", rows=more
        )
        evaluation.evaluate_period(
            second_app, actor=admin, contract_id="acme-cs-2026", period_label="2026-02"
        )

        after = _results(first, tokens["alice"])
        assert after != before
        fresh = evaluation.list_results(second_app, actor=admin, contract_id="acme-cs-2026")
        assert [r["value"] for r in after] == [str(r.value) for r in fresh]
        assert _results(second, tokens["alice"]) == after


def test_a_session_signed_in_on_one_worker_is_valid_on_another(
    app: App,
    second_app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)
    with (
        TestClient(create_app(app)) as first,
        TestClient(create_app(second_app)) as second,
    ):
        sign_in(first, "alice")
        second.cookies.update(first.cookies)
        page = second.get("/?lang=en&month=2026-02", follow_redirects=False)
        assert page.status_code == 200
        assert "acme-cs-2026" in page.text


def test_serve_starts_the_asked_number_of_workers_from_the_factory(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[workers.Listen, int]] = []
    monkeypatch.setattr(
        serve_command, "serve_workers", lambda listen, count: calls.append((listen, count))
    )
    result = CliRunner().invoke(cli, ["serve", "--workers", "3", "--port", "8141"])
    assert result.exit_code == 0, result.output
    assert "3 worker processes" in result.output
    assert calls == [(workers.Listen("127.0.0.1", 8141), 3)]
    # The factory builds a working app from the same environment, as each worker does.
    assert workers.APP_FACTORY == "servicepact.api.app:create_app_from_environment"
    with TestClient(create_app_from_environment()) as client:
        assert client.get("/login").status_code == 200


def test_serve_runs_one_worker_per_core_unless_told_how_many(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    several: list[int] = []
    single: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(serve_command, "serve_workers", lambda _, count: several.append(count))
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: single.append((target, options)))
    monkeypatch.setattr(serve_command.os, "cpu_count", lambda: 3)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert "3 worker processes" in result.output
    assert several == [3]
    result = CliRunner().invoke(cli, ["serve", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert not isinstance(single[0][0], str)  # one process: the app itself, no import string
    assert "workers" not in single[0][1]
    monkeypatch.setattr(serve_command.os, "cpu_count", lambda: None)  # unknown: one
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert "1 worker process" in result.output
    assert several == [3]
    assert len(single) == 2


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def _sockets_by_process(pids: list[int], port: int, state: str) -> dict[int, int]:
    """How many sockets on ``port`` in ``state`` (01 established, 0A listening) each process
    holds (from /proc)."""
    wanted: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == state:
                    wanted.add(fields[9])  # the socket's inode
    held: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(FileNotFoundError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in wanted:
                        held[pid] = held.get(pid, 0) + 1
    return held


def _connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    return _sockets_by_process(pids, port, "01")


def _listening(pids: list[int], port: int) -> set[int]:
    return set(_sockets_by_process(pids, port, "0A"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health(connection: socket.socket) -> bytes:
    connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(4096)
    return answer


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads connections from /proc")
def test_connections_opened_together_are_spread_over_the_workers(cli_env: Settings) -> None:
    """16 clients connecting at once: with one socket shared by the workers, the first to wake
    would take them all; with a socket per worker the system spreads them (all 16 on one of
    two workers has a chance of 1 in 32,768)."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("servicepact")), "serve", "--port", str(port),
         "--workers", "2"],
        env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while len(_listening(_children(server.pid), port)) < 2:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the workers did not listen within 60 s"
            time.sleep(0.2)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(16)]
        for client in clients:
            assert _health(client).startswith(b"HTTP/1.1 200")
        held = _connections_by_process(_children(server.pid), port)
        assert sum(held.values()) == 16
        assert len(held) == 2, held  # both workers hold connections
        # A worker that dies is replaced, and the new one takes its share of connections.
        before = set(_children(server.pid))
        lost = min(held)
        os.kill(lost, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not _listening(_children(server.pid), port) - before:
            assert time.monotonic() < deadline, "no worker replaced the lost one within 60 s"
            time.sleep(0.2)
        replacement = _listening(_children(server.pid), port) - before
        for client in clients:
            client.close()
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(16)]
        for client in clients:
            assert _health(client).startswith(b"HTTP/1.1 200")
        held = _connections_by_process(_children(server.pid), port)
        assert lost not in held
        assert replacement & set(held), held
        # Another server on the same address is refused, on one line, before it starts.
        second = subprocess.run(
            [str(Path(sys.executable).with_name("servicepact")), "serve", "--port", str(port),
             "--workers", "2"],
            env=os.environ.copy(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2, second.stderr
        assert f"127.0.0.1:{port}: cannot listen there: Address already in use" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        for client in clients:
            client.close()
        workers_left = _children(server.pid)
        server.terminate()  # SIGTERM: the parent stops its workers, then itself
        server.wait(timeout=60)
    assert server.returncode == 0
    # Nothing of the server is left running (a process that has exited but whose parent —
    # here possibly the container's first process — has not collected it yet does not run).
    # multiprocessing's resource tracker leaves when it sees its parent gone: give it time.
    deadline = time.monotonic() + 15
    while any(_running(pid) for pid in workers_left) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers_left if _running(pid)] == []


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


MARCH_WITH_A_BAD_ROW = (
    b"id,offered_at,answered_at\n"
    b"M-1,2026-03-02T10:00:00+09:00,2026-03-02T10:00:05+09:00\n"
    b"M-2,2026-03-02T11:00:00+09:00,not a time\n"
)


def _poll(client: TestClient, location: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        page = client.get(location + "?lang=en")
        assert page.status_code == 200, page.text[:300]
        if "every 1s" not in page.text or time.monotonic() > deadline:
            return page.text
        time.sleep(0.05)


def test_an_upload_received_by_one_worker_is_followed_through_another(
    app: App,
    second_app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    tokens = build_world(app, admin, make_contract_document)
    first_api, second_api = create_app(app), create_app(second_app)
    with TestClient(first_api) as first, TestClient(second_api) as second:
        sign_in(first, "bob")
        form = first.get("/contracts/acme-cs-2026/upload?lang=en")
        sent = first.post(
            "/contracts/acme-cs-2026/upload",
            data={"csrf": csrf_of(form.text), "source": "calls"},
            files={"file": ("march.csv", MARCH_WITH_A_BAD_ROW, "text/csv")},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text[:300]
        location = sent.headers["location"]
        second.cookies.update(first.cookies)  # the browser's next poll lands on the other
        page = _poll(second, location)
        assert "The file was refused: nothing was stored" in page
        assert re.search(r'<td class="num">2</td><td class="num">3</td><td>answered_at</td>', page)
        errors = second.get(location + "/errors.csv").text.splitlines()
        assert errors[1].startswith("2,3,answered_at,not a time,not a timestamp")
        job_id = location.rsplit("/", 1)[1]
        bob = {"Authorization": f"Bearer {tokens['bob']}"}
        polled = second.get(f"/api/v1/uploads/{job_id}", headers=bob).json()
        assert (polled["state"], polled["error_count"], polled["file_name"]) == (
            "refused",
            1,
            "march.csv",
        )
        # Another vendor finds it through neither worker.
        charlie = {"Authorization": f"Bearer {tokens['charlie']}"}
        assert second.get(f"/api/v1/uploads/{job_id}", headers=charlie).status_code == 404
        assert first.get(f"/api/v1/uploads/{job_id}", headers=charlie).status_code == 404
    first_api.state.upload_jobs.shutdown()
    second_api.state.upload_jobs.shutdown()


def test_a_job_whose_process_stopped_is_shown_failed_after_two_silent_minutes(
    app: App,
    admin: Actor,
    clock: Any,  # tests/conftest.py's FrozenClock
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)
    # A job another process started, and then that process died: it stays 'running'.
    with app.uow() as uow:
        uow.repo(UploadJobRepository).add(
            StoredUploadJob(
                id="left-running",
                user_name="bob",
                party="helpco",
                contract_id="acme-cs-2026",
                source="calls",
                file_name="march.csv",
                size=1000,
                accept_valid=False,
                status="running",
                bytes_done=400,
                message="",
                report=None,
                problems=None,
                problem_count=0,
                runner="elsewhere:4242",
                created_at=clock(),
                started_at=clock(),
                finished_at=None,
                heartbeat_at=clock(),
            )
        )
    api = create_app(app)
    with TestClient(api) as client:
        sign_in(client, "bob")
        location = "/contracts/acme-cs-2026/uploads/left-running?lang=en"
        clock.advance(timedelta(seconds=119))
        page = client.get(location)
        assert "every 1s" in page.text  # still believed running
        assert "40%" in page.text
        clock.advance(timedelta(seconds=2))
        page = client.get(location)
        assert "every 1s" not in page.text
        assert "The load did not finish: nothing was stored" in page.text
        assert "stopped before it finished (restarted or crashed)" in page.text
    api.state.upload_jobs.shutdown()


def test_a_token_revoked_through_one_worker_is_refused_by_the_other_at_once(
    app: App,
    second_app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    tokens = build_world(app, admin, make_contract_document)
    with TestClient(create_app(app)) as first:
        assert _results(first, tokens["alice"])  # known to the first worker now
        with second_app.uow(read_only=True) as uow:
            stored = uow.tokens.find_by_hash(users.token_hash(tokens["alice"]))
        assert stored is not None
        users.revoke_token(second_app, actor=admin, token_id=stored.id)
        answer = first.get(
            "/api/v1/contracts/acme-cs-2026/results",
            headers={"Authorization": f"Bearer {tokens['alice']}"},
        )
        assert answer.status_code == 401
