"""The web UI: signing in, every page rendered with its content, scoping, languages."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from web_world import PASSWORDS, build_world, cheap_password_hashing, csrf_of, sign_in

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor, Role
from servicepact.domain.exclusions import ExclusionReason
from servicepact.services import evaluation
from servicepact.web.session import SESSION_COOKIE


@pytest.fixture
def web(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    cheap_password_hashing(monkeypatch)
    tokens = build_world(app, admin, make_contract_document)
    with TestClient(create_app(app)) as client:
        yield client, tokens


@pytest.fixture
def client(web: tuple[TestClient, dict[str, str]]) -> TestClient:
    return web[0]


def test_a_page_without_a_session_redirects_to_sign_in_and_back(client: TestClient) -> None:
    response = client.get("/contracts/acme-cs-2026", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/contracts/acme-cs-2026"


def test_signing_in_sets_a_secure_session_cookie_and_opens_the_dashboard(
    client: TestClient,
) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf": csrf_of(form.text), "username": "alice", "password": PASSWORDS["alice"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "alice" not in value  # a random token only; the session lives in the database
    assert len(value) >= 43
    page = client.get("/?lang=en&month=2026-02")
    assert page.status_code == 200
    assert "Customer contact centre" in page.text


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client: TestClient) -> None:
    answers = []
    for user, password in (("alice", "not-her-password"), ("mallory", "whatever-pass")):
        form = client.get("/login?lang=en")
        response = client.post(
            "/login",
            data={"csrf": csrf_of(form.text), "username": user, "password": password},
            follow_redirects=False,
        )
        answers.append((response.status_code, "Unknown user or wrong password." in response.text))
    assert answers == [(401, True), (401, True)]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_repeated_failed_sign_ins_are_throttled_even_with_the_right_password(
    client: TestClient,
) -> None:
    def attempt(password: str) -> tuple[int, str]:
        form = client.get("/login?lang=en")
        response = client.post(
            "/login",
            data={"csrf": csrf_of(form.text), "username": "alice", "password": password},
            follow_redirects=False,
        )
        return response.status_code, response.headers.get("retry-after", "")

    assert [attempt("guess-number-x")[0] for _ in range(5)] == [401] * 5
    status, retry_after = attempt(PASSWORDS["alice"])
    assert status == 429
    assert int(retry_after) > 0


def test_a_sign_in_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"csrf": "forged", "username": "alice", "password": PASSWORDS["alice"]},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies


def test_a_forged_session_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "eyJ1IjoiYWxpY2UifQ.bm90LWEtc2lnbmF0dXJl")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_in_with_an_api_token_works_too(web: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = web
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf": csrf_of(form.text), "token": tokens["bob"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "bob" in client.get("/").text


def test_signing_out_needs_the_session_form_token(client: TestClient) -> None:
    sign_in(client, "alice")
    refused = client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    page = client.get("/")
    done = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/?month=2026-02", ["Portfolio", "acme-cs-2026", "Credits to date", "Vendors at risk"]),
        (
            "/contracts/acme-cs-2026?last=2026-02",
            ["SL-01", "Calls answered within 20 s", "Formula", "75.0%", "data-chart", "Credits"],
        ),
        ("/vendors?period=2026-02", ["Ranking", "helpco", "otherco"]),
        ("/selection", ["Selection workspace", "Sensitivity", "Knock-outs"]),
        ("/business-case?contract=acme-cs-2026", ["Business case", "No business case"]),
        ("/risks", ["Risk heat map", "Likelihood", "Impact"]),
        ("/bpo-map", ["BPO map", "policy", "infrastructure"]),
        ("/loads?contract=acme-cs-2026", ["Batches", "api batch", "20", "Row errors"]),
    ],
)
def test_each_page_renders_its_content(client: TestClient, path: str, expected: list[str]) -> None:
    sign_in(client, "alice")
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang=en")
    assert response.status_code == 200, response.text[:500]
    for text in expected:
        assert text in response.text, f"{text!r} on {path}"


def test_the_contract_page_shows_the_month_in_its_rag_colour(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/contracts/acme-cs-2026?last=2026-02&lang=en").text
    # 15 of 20 within 20 s = 75.0 %: at the minimum, below the expected 80 % → amber
    assert 'class="rag rag-amber" title="Below expected">75.0%' in page


def test_the_audit_log_is_for_auditors(client: TestClient) -> None:
    sign_in(client, "dana")
    page = client.get("/audit?lang=en")
    assert page.status_code == 200
    assert "api_token" in page.text
    assert "contract" in page.text
    sign_in(client, "bob")
    assert client.get("/audit?lang=en").status_code == 403


def test_bob_sees_only_helpco_on_the_dashboard_and_not_charlies_contract(
    client: TestClient,
) -> None:
    sign_in(client, "bob")
    dashboard = client.get("/?lang=en&month=2026-02").text
    assert "acme-cs-2026" in dashboard
    assert "other-cs-2026" not in dashboard
    missing = client.get("/contracts/other-cs-2026")
    assert missing.status_code == 404
    assert 'href="/vendors"' in missing.text  # the menu stays on an error page
    assert client.get("/loads?contract=other-cs-2026").status_code == 404
    assert client.get("/selection").status_code == 403
    vendors = client.get("/vendors?period=2026-02&lang=en").text
    assert "otherco" not in vendors


def test_korean_is_the_default_and_english_is_remembered_once_chosen(client: TestClient) -> None:
    sign_in(client, "alice")
    assert "포트폴리오" in client.get("/").text
    assert "Portfolio" in client.get("/?lang=en").text
    assert "Portfolio" in client.get("/").text  # the choice stays for the visit
    assert "포트폴리오" in client.get("/?lang=ko").text


def test_amounts_show_won_without_a_minor_unit_in_korean(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/?month=2026-02&lang=ko").text
    assert "0원" in page
    assert "KRW 0" in client.get("/?month=2026-02&lang=en").text


def test_alice_approves_a_requested_exclusion_from_the_contract_page(
    client: TestClient, app: App, admin: Actor
) -> None:
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
    sign_in(client, "bob")
    page = client.get("/contracts/acme-cs-2026?lang=en").text
    assert "force_majeure" in page
    assert "typhoon" in page  # the vendor's note, for the decision
    assert "/decide" not in page  # a vendor gets no decision buttons
    forged = client.post(
        f"/exclusions/{requested.id}/decide",
        data={"csrf": csrf_of(page), "decision": "approve"},
        follow_redirects=False,
    )
    assert forged.status_code == 403  # the service refuses a vendor's approval

    sign_in(client, "alice")
    page = client.get("/contracts/acme-cs-2026?lang=en").text
    assert f"/exclusions/{requested.id}/decide" in page
    refused = client.post(
        f"/exclusions/{requested.id}/decide",
        data={"csrf": "forged", "decision": "approve"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    done = client.post(
        f"/exclusions/{requested.id}/decide",
        data={"csrf": csrf_of(page), "decision": "approve"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/contracts/acme-cs-2026"
    (approved,) = evaluation.list_exclusions(app, actor=admin, contract_id="acme-cs-2026")
    assert (approved.status.value, approved.decided_by) == ("approved", "alice")
    assert "force_majeure" not in client.get("/contracts/acme-cs-2026?lang=en").text


def test_a_vendor_is_not_offered_the_clients_planning_pages_and_cannot_open_them(
    client: TestClient,
) -> None:
    sign_in(client, "bob")
    dashboard = client.get("/?lang=en").text
    for hidden in ('href="/selection"', 'href="/business-case"', 'href="/audit"'):
        assert hidden not in dashboard
    assert 'href="/risks"' in dashboard
    # The client's in-house costs and the broker's margin are the client's own.
    assert client.get("/business-case?contract=acme-cs-2026").status_code == 403
    sign_in(client, "alice")
    dashboard = client.get("/?lang=en").text
    assert 'href="/business-case"' in dashboard
    assert 'href="/audit"' not in dashboard  # the audit trail is for auditors and admins
