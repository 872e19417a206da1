"""The dashboard is rendered once per viewer and state of the data, and kept until a write.

The kept page is keyed by the viewer's actor (user, role, party: what the viewer may see),
session, language, month, hour and the head of the audit trail read with the session. These
tests check that two viewers never get each other's page, that a kept page is answered
without rendering again, and that a write (a load, an exclusion requested or approved), made
through this app or another one over the same database, is shown on the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from web_world import build_world, cheap_password_hashing, sign_in

from servicepact.api import create_app
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor, Role
from servicepact.domain.exclusions import ExclusionReason
from servicepact.locale import Lang
from servicepact.services import evaluation, loads
from servicepact.web import core
from servicepact.web.pages import overview as overview_pages

PAGE = "/?lang=en&month=2026-02"


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates the dashboard rendered (a kept page renders none)."""
    rendered: list[str] = []
    render_html = core.render_html

    def counting(request: Any, template: str, **context: Any) -> str:
        rendered.append(template)
        return render_html(request, template, **context)

    monkeypatch.setattr(overview_pages, "render_html", counting)
    return rendered


@pytest.fixture
def world(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)


def _client(app: App, user: str) -> TestClient:
    client = TestClient(create_app(app))
    sign_in(client, user)
    return client


def test_two_vendors_never_get_each_others_kept_dashboard(
    app: App, world: None, renders: list[str]
) -> None:
    # bob (helpco) sees acme-cs-2026 only, charlie (otherco) other-cs-2026 only; each asks
    # twice, in turn, so that each second answer is a kept page
    with _client(app, "bob") as bob, _client(app, "charlie") as charlie:
        pages = {}
        for name, client in (
            ("bob", bob),
            ("charlie", charlie),
            ("bob", bob),
            ("charlie", charlie),
        ):
            answer = client.get(PAGE)
            assert answer.status_code == 200
            pages.setdefault(name, []).append(answer.text)
        assert renders == ["dashboard.html", "dashboard.html"]  # one render per viewer
        for name, own, foreign in (
            ("bob", "acme-cs-2026", "other-cs-2026"),
            ("charlie", "other-cs-2026", "acme-cs-2026"),
        ):
            first, kept = pages[name]
            assert kept == first
            assert f'href="/contracts/{own}"' in kept
            assert foreign not in kept
            assert f"{name} · vendor" in kept
        # the client manager sees both, in a page of her own
        with _client(app, "alice") as alice:
            page = alice.get(PAGE).text
        assert 'href="/contracts/acme-cs-2026"' in page
        assert 'href="/contracts/other-cs-2026"' in page
        assert len(renders) == 3


def test_the_kept_page_is_keyed_by_the_viewers_actor_not_only_the_session(app: App) -> None:
    # Two viewers alike in all but their party (a session cannot be shared between users, so
    # the page cache is called directly): the actor alone keeps their pages apart.
    helpco = core.Viewer(Actor(user="bob", role=Role.VENDOR, party="helpco"), "csrf", Lang.EN)
    otherco = core.Viewer(Actor(user="bob", role=Role.VENDOR, party="otherco"), "csrf", Lang.EN)
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"",
                       "headers": []})  # fmt: skip
    made = [
        core.cached_page(request, app, viewer, "dashboard", ("2026-02",), lambda party=party: party)
        for viewer, party in ((helpco, "helpco"), (otherco, "otherco"), (helpco, "wrong"))
    ]
    assert made == ["helpco", "otherco", "helpco"]  # the third one kept from the first


def test_a_load_and_an_exclusion_show_on_the_next_request_whichever_app_made_them(
    app: App,
    world: None,
    admin: Actor,
    settings: Settings,
    clock: Callable[[], datetime],
    renders: list[str],
) -> None:
    other = build_app(settings, clock=clock)  # another server process over the same database
    try:
        with _client(app, "alice") as alice:
            first = alice.get(PAGE).text
            assert alice.get(PAGE).text == first
            assert len(renders) == 1

            # 20 more calls answered within 10 s: 35 of 40 now (87.5 %), loaded and measured
            more = [
                {
                    "id": f"D-{i}",
                    "offered_at": f"2026-02-11T10:00:{i:02d}+09:00",
                    "answered_at": f"2026-02-11T10:00:{i + 10:02d}+09:00",
                }
                for i in range(20)
            ]
            loads.load_rows(other, actor=admin, contract_id="acme-cs-2026", source="calls",
                            rows=more)  # fmt: skip
            evaluation.evaluate_period(
                other, actor=admin, contract_id="acme-cs-2026", period_label="2026-02"
            )
            reloaded = alice.get(PAGE).text
            assert len(renders) == 2
            assert reloaded != first

            bob = Actor(user="bob", role=Role.VENDOR, party="helpco")
            requested = evaluation.request_exclusion(
                other,
                actor=bob,
                contract_id="acme-cs-2026",
                source="calls",
                reason=ExclusionReason.FORCE_MAJEURE,
                service_level_id="SL-01",
                period="2026-02",
                note="typhoon",
            )
            waiting = alice.get(PAGE).text
            assert "1 exclusion requests" in waiting
            assert "1 exclusion requests" not in reloaded
            evaluation.approve_exclusion(other, actor=admin, exclusion_id=requested.id)
            decided = alice.get(PAGE).text
            assert "1 exclusion requests" not in decided
            assert len(renders) == 4
    finally:
        other.close()
