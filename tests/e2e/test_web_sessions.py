"""Sessions live in the database: signing out, a password change and an administrator end them
at once; an idle session ends; the sign-in throttle survives a restart. Every form and query
refuses control characters; signed-in pages are never cached."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_world import PASSWORDS, csrf_of, sign_in

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.cli.main import app as cli
from servicepact.config import Settings
from servicepact.domain.access import Actor, Role
from servicepact.domain.exclusions import ExclusionReason
from servicepact.services import evaluation, sessions, users
from servicepact.web.session import SESSION_COOKIE


def _signed_in(client: TestClient, user: str) -> str:
    sign_in(client, user)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    assert client.get("/", follow_redirects=False).status_code == 200
    return cookie


def _opens(app: App, cookie: str) -> int:
    """The status of the dashboard for a browser holding only ``cookie``."""
    with TestClient(create_app(app)) as other:
        other.cookies.set(SESSION_COOKIE, cookie)
        return other.get("/", follow_redirects=False).status_code


def test_signing_out_ends_the_session_for_a_copied_cookie_too(client: TestClient, app: App) -> None:
    cookie = _signed_in(client, "alice")
    assert _opens(app, cookie) == 200  # a copy of the cookie works while the session is open
    page = client.get("/?lang=en").text
    out = client.post("/logout", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert _opens(app, cookie) == 303  # the old cookie now leads to the sign-in page


def test_a_password_change_ends_every_session_of_the_user(
    client: TestClient, app: App, admin: Actor
) -> None:
    cookie = _signed_in(client, "alice")
    users.set_password(app, actor=admin, user="alice", password="a-new-long-password")
    assert _opens(app, cookie) == 303


def test_an_administrator_ends_a_users_sessions_from_the_command_line(
    client: TestClient, app: App, cli_env: Settings
) -> None:
    cookie = _signed_in(client, "bob")
    listed = CliRunner().invoke(cli, ["user", "sessions", "bob", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert '"session"' in listed.output
    ended = CliRunner().invoke(cli, ["user", "end-sessions", "bob"])
    assert ended.exit_code == 0, ended.output
    assert "ended 1 session(s) of bob" in ended.output
    assert _opens(app, cookie) == 303
    with app.uow(read_only=True) as uow:
        trail = uow.audit.list(limit=5)
    assert any(e.entity_type == "web_session" and e.action == "delete" for e in trail)


def test_an_idle_session_ends_and_a_used_one_stays(
    client: TestClient, app: App, clock: object, settings: Settings
) -> None:
    settings.session_idle_minutes = 30
    cookie = _signed_in(client, "alice")
    for _ in range(4):  # used every 20 minutes for 80 minutes: it stays open
        clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]
        assert _opens(app, cookie) == 200
    clock.advance(timedelta(minutes=31))  # type: ignore[attr-defined]
    assert _opens(app, cookie) == 303
    clock.advance(timedelta(minutes=-31))  # type: ignore[attr-defined]
    assert _opens(app, cookie) == 303  # ended, not merely late: moving back does not revive it


def test_a_session_ends_at_its_lifetime_however_busy(
    client: TestClient, app: App, clock: object, settings: Settings
) -> None:
    settings.session_max_hours = 1
    cookie = _signed_in(client, "alice")
    for _ in range(5):
        clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
        assert _opens(app, cookie) == 200
    clock.advance(timedelta(minutes=6))  # type: ignore[attr-defined]
    assert _opens(app, cookie) == 303


def test_the_sign_in_throttle_survives_a_restart(client: TestClient, app: App) -> None:
    def attempt(on: TestClient, password: str) -> int:
        form = on.get("/login?lang=en")
        return on.post(
            "/login",
            data={"csrf": csrf_of(form.text), "username": "alice", "password": password},
            follow_redirects=False,
        ).status_code

    assert [attempt(client, "guess-number-x") for _ in range(5)] == [401] * 5
    with TestClient(create_app(app)) as restarted:  # a new server: nothing kept in memory
        assert attempt(restarted, PASSWORDS["alice"]) == 429
    with app.uow(read_only=True) as uow:
        stored = uow.connection.exec_driver_sql("SELECT key FROM sign_in_failures").all()
    assert len(stored) == 5
    assert all("alice" not in row.key for row in stored)  # hashed: no name, no address


def test_the_session_token_is_not_stored(client: TestClient, app: App) -> None:
    cookie = _signed_in(client, "alice")
    with app.uow(read_only=True) as uow:
        ids = [row.id for row in uow.connection.exec_driver_sql("SELECT id FROM web_sessions")]
    assert ids == [sessions.session_id(cookie)]
    assert cookie not in ids


def test_a_nul_in_a_form_field_is_refused(client: TestClient, app: App) -> None:
    bob = Actor(user="bob", role=Role.VENDOR, party="helpco")
    requested = evaluation.request_exclusion(
        app,
        actor=bob,
        contract_id="acme-cs-2026",
        source="calls",
        reason=ExclusionReason.FORCE_MAJEURE,
        service_level_id="SL-01",
        period="2026-02",
        note="typhoon",
    )
    sign_in(client, "alice")
    page = client.get("/contracts/acme-cs-2026?lang=en").text
    refused = client.post(
        f"/exclusions/{requested.id}/decide",
        data={"csrf": csrf_of(page), "decision": "approve", "note": "ok\x00 then"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "form.note" in refused.text
    (still,) = evaluation.list_exclusions(app, actor=bob, contract_id="acme-cs-2026")
    assert still.status.value == "requested"


def test_a_control_character_in_a_page_query_is_refused(client: TestClient) -> None:
    sign_in(client, "alice")
    assert client.get("/loads?contract=acme%00cs").status_code == 422


def test_signed_in_pages_are_never_cached(client: TestClient) -> None:
    sign_in(client, "alice")
    assert client.get("/?lang=en").headers["cache-control"] == "no-store"
    assert client.get("/login").headers["cache-control"] == "no-store"
