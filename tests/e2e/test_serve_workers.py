"""``servicepact serve --workers N``: several processes, one truth.

Each worker process builds its own app (engine, connection pool, cache of views) from the same
settings. Two apps over one database stand for two workers here: a session signed in on one is
valid on the other, and a write made through one is seen at once by the other, whose cached
views follow the audit trail's head in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_world import build_world, cheap_password_hashing, sign_in

from servicepact.api import create_app
from servicepact.api.app import create_app_from_environment
from servicepact.bootstrap import App, build_app
from servicepact.cli import serve as serve_command
from servicepact.cli.main import app as cli
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.services import evaluation, loads, users


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
    calls: list[tuple[Any, dict[str, Any]]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))
    result = CliRunner().invoke(cli, ["serve", "--workers", "3", "--port", "8141"])
    assert result.exit_code == 0, result.output
    assert "3 worker processes" in result.output
    target, options = calls[0]
    assert target == serve_command.APP_FACTORY
    assert options == {
        "factory": True,
        "host": "127.0.0.1",
        "port": 8141,
        "workers": 3,
        "log_level": "info",
    }
    # The factory builds a working app from the same environment, as each worker does.
    with TestClient(create_app_from_environment()) as client:
        assert client.get("/login").status_code == 200


def test_serve_defaults_to_one_worker_per_core(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))
    monkeypatch.setattr(serve_command, "default_workers", lambda: 4)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert calls[0][1]["workers"] == 4
    monkeypatch.setattr(serve_command, "default_workers", lambda: 1)
    CliRunner().invoke(cli, ["serve"])
    assert not isinstance(calls[1][0], str)  # one process: the app itself, no import string
    assert "workers" not in calls[1][1]


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
        with second_app.uow() as uow:
            stored = uow.tokens.find_by_hash(users.token_hash(tokens["alice"]))
            assert stored is not None
            users.revoke_token(uow, actor=admin, token_id=stored.id)
        answer = first.get(
            "/api/v1/contracts/acme-cs-2026/results",
            headers={"Authorization": f"Bearer {tokens['alice']}"},
        )
        assert answer.status_code == 401
