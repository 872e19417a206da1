"""The month's review in the browser: disputes, decisions that re-measure, the invoice check,
sign-off, close and reopen, the review pack, and who may do each."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from web_world import build_world, cheap_password_hashing, csrf_of, sign_in

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor, Role
from servicepact.domain.exclusions import ExclusionReason
from servicepact.services import audit, evaluation

MONTH = "/contracts/acme-cs-2026/months/2026-02"
RESULT = "/contracts/acme-cs-2026/results/SL-01/2026-02"
BOB = Actor(user="bob", role=Role.VENDOR, party="helpco")


@pytest.fixture
def client(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)
    api = create_app(app)
    with TestClient(api) as test_client:
        yield test_client
    api.state.upload_jobs.shutdown()


def post(client: TestClient, path: str, page: str = MONTH, **data: str) -> int:
    token = csrf_of(client.get(page + "?lang=en").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False).status_code


def actions(app: App, admin: Actor, entity_type: str) -> list[str]:
    entries = audit.list_entries(app, actor=admin, limit=200)
    return [e.action for e in entries if e.entity_type == entity_type]


def test_the_month_page_shows_results_and_the_steps_each_party_may_take(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    page = client.get(MONTH + "?lang=en").text
    assert "75.0%" in page  # 15 of 20 calls within 20 s
    assert 'href="/contracts/acme-cs-2026/results/SL-01/2026-02"' in page  # the result's page
    assert "Check the invoice" in page
    assert "/confirm/close" in page
    assert "Acknowledge the results" not in page  # the vendor signs off, not the client
    sign_in(client, "bob")
    page = client.get(MONTH + "?lang=en").text
    assert "Acknowledge the results" in page
    assert "Dispute the results" in page
    assert "Check the invoice" not in page
    assert "/confirm/close" not in page
    sign_in(client, "dana")
    page = client.get(MONTH + "?lang=en").text
    assert "75.0%" in page
    for action in ("Acknowledge the results", "Dispute the results", "Check the invoice"):
        assert action not in page


def test_a_dispute_holds_the_sign_off_until_the_client_answers_it(
    client: TestClient, app: App, admin: Actor
) -> None:
    sign_in(client, "bob")
    assert post(client, MONTH + "/disputes", comment="", service_level_id="SL-01") == 422
    assert post(client, MONTH + "/disputes", comment="IVR outage on 10 Feb",
                service_level_id="SL-01") == 303  # fmt: skip
    page = client.get(MONTH + "?lang=en").text
    assert "IVR outage on 10 Feb" in page
    assert "Disputed" in page
    assert post(client, MONTH + "/acknowledge") == 409
    sign_in(client, "alice")
    dispute_id = re.search(r"/disputes/(DS-\w+)/resolve", client.get(MONTH).text)
    assert dispute_id is not None
    assert (
        post(client, f"/disputes/{dispute_id.group(1)}/resolve", note="see the outage log") == 303
    )
    sign_in(client, "bob")
    assert post(client, MONTH + "/acknowledge") == 303
    page = client.get(MONTH + "?lang=en").text
    assert "Acknowledged by bob" in page
    assert actions(app, admin, "dispute") == ["resolve", "raise"]
    assert actions(app, admin, "month_acknowledgement") == ["acknowledge"]


def test_an_approved_exclusion_re_measures_the_month_and_a_rejected_one_does_not(
    client: TestClient, app: App, admin: Actor
) -> None:
    # Calls C-15 … C-19 waited 30 s: the failures. Bob asks to exclude two of them.
    asked = [
        evaluation.request_exclusion(
            app,
            actor=BOB,
            contract_id="acme-cs-2026",
            source="calls",
            reason=ExclusionReason.FORCE_MAJEURE,
            service_level_id="SL-01",
            event_ids=[event],
            note=f"power cut ({event})",
        )
        for event in ("C-15", "C-16")
    ]
    sign_in(client, "alice")
    page = client.get(MONTH + "?lang=en").text
    assert page.count('name="decision" value="approve"') == 2
    assert "re-measures 2026-02" in page  # the confirmation says what will change
    assert post(client, f"/exclusions/{asked[0].id}/decide", decision="approve",
                period="2026-02", note="confirmed by the utility") == 303  # fmt: skip
    assert post(client, f"/exclusions/{asked[1].id}/decide", decision="reject",
                period="2026-02", note="no evidence") == 303  # fmt: skip
    (result,) = evaluation.list_results(
        app, actor=admin, contract_id="acme-cs-2026", period="2026-02"
    )
    assert (result.numerator, result.denominator, result.excluded) == (15, 19, 1)
    sign_in(client, "bob")
    page = client.get(MONTH + "?lang=en").text
    assert "78.9%" in page  # 15 of 19: the vendor sees the new figure
    assert "Approved" in page
    assert "Rejected" in page


def test_the_invoice_is_checked_line_by_line_and_listed_with_the_month(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    token = csrf_of(client.get(MONTH).text)
    invoice = (
        "fee_id,description,quantity,unit_price,amount,period,currency\n"
        "management,Account management,1,1000000,1000000,,KRW\n"
    )
    answer = client.post(
        MONTH + "/invoice",
        data={"csrf": token},
        files={"file": ("../invoice feb.csv", invoice.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:400]
    page = client.get(answer.headers["location"] + "?lang=en").text
    assert "dispute" in page
    assert "unknown line" in page.lower() or "unknown_line" in page
    assert "1,000,000" in page
    korean = html.unescape(client.get(answer.headers["location"] + "?lang=ko").text)
    assert "'management'은(는) 이 달 이 계약의 요금이 아닙니다" in korean
    assert "is not a fee of this contract" not in korean
    month = client.get(MONTH + "?lang=en").text
    assert "invoice feb.csv" in month  # the sender's name as a label, never a path
    # listed on the contract page with its verdict in the viewer's language
    listed = client.get("/contracts/acme-cs-2026?lang=ko").text
    assert 'class="verdict verdict-dispute">이의 제기</span>' in listed


def test_closing_asks_once_what_changes_then_freezes_and_reopening_needs_a_reason(
    client: TestClient, app: App, admin: Actor
) -> None:
    sign_in(client, "alice")
    confirm = client.get(MONTH + "/confirm/close?lang=en")
    assert confirm.status_code == 200
    assert "What closing changes" in confirm.text
    assert "The vendor has not acknowledged the results." in confirm.text
    assert post(client, MONTH + "/close", page=MONTH + "/confirm/close") == 303
    page = client.get(MONTH + "?lang=en").text
    assert "Closed" in page
    assert "by alice" in page
    assert "Dispute the results" not in page
    assert post(client, MONTH + "/reopen", reason="  ") == 422
    assert post(client, MONTH + "/reopen", reason="invoice corrected") == 303
    page = client.get(MONTH + "?lang=en").text
    assert "invoice corrected" in page
    assert actions(app, admin, "period_close") == ["reopen", "close"]


def test_the_review_pack_downloads_in_the_viewers_language(client: TestClient) -> None:
    sign_in(client, "bob")
    html = client.get(MONTH + "/pack.html?lang=ko")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "acme-cs-2026" in html.text
    xlsx = client.get(MONTH + "/pack.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]


def test_the_dashboard_defaults_to_the_last_complete_month_and_shows_what_waits(
    client: TestClient, app: App
) -> None:
    evaluation.request_exclusion(
        app, actor=BOB, contract_id="acme-cs-2026", source="calls",
        reason=ExclusionReason.FORCE_MAJEURE, service_level_id="SL-01", period="2026-02",
    )  # fmt: skip
    sign_in(client, "alice")
    page = client.get("/?lang=en").text  # the clock stands on 2 March 2026
    assert "<small>2026-02" in page
    assert "Running month (2026-03, partial)" in page
    assert "1 exclusion requests" in page
    assert 'href="/contracts/acme-cs-2026/months/2026-02"' in page
    assert "Share of service levels met: 2026-02 0%" in page
    sign_in(client, "bob")
    page = client.get("/?lang=en").text
    assert "Still to submit for 2026-03" in page
    assert 'href="/contracts/acme-cs-2026/upload?source=calls"' in page
    assert "other-cs-2026" not in page


@pytest.mark.parametrize("query", ["month=2026-13", "month=2026-00", "month=26-1"])
def test_a_bad_month_answers_a_clear_4xx_page(client: TestClient, query: str) -> None:
    sign_in(client, "alice")
    answer = client.get(f"/?{query}&lang=en")
    assert 400 <= answer.status_code < 500
    assert "month" in answer.text
    assert client.get("/contracts/acme-cs-2026/months/2026-13").status_code == 422


# Every new route, as each persona: alice client manager, bob its vendor, charlie another
# vendor, dana the auditor. GET pages read; POST answers 303 on success.
MATRIX = [
    ("GET", MONTH, {}, {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", MONTH + "/confirm/close", {}, {"alice": 200, "bob": 403, "charlie": 403, "dana": 403}),
    ("GET", MONTH + "/pack.html", {}, {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", "/contracts/acme-cs-2026/upload", {},
     {"alice": 200, "bob": 200, "charlie": 404, "dana": 403}),
    ("POST", MONTH + "/disputes", {"comment": "x"},
     {"alice": 303, "bob": 303, "charlie": 404, "dana": 403}),
    ("POST", MONTH + "/acknowledge", {}, {"alice": 403, "bob": 303, "charlie": 404, "dana": 403}),
    ("POST", MONTH + "/close", {}, {"alice": 303, "bob": 403, "charlie": 403, "dana": 403}),
    ("POST", MONTH + "/reopen", {"reason": "x"},
     {"alice": 409, "bob": 403, "charlie": 403, "dana": 403}),  # not closed: nothing to reopen
    ("POST", MONTH + "/invoice", {}, {"alice": 422, "bob": 403, "charlie": 403, "dana": 403}),
    ("POST", "/disputes/DS-none/resolve", {"note": "x"},
     {"alice": 404, "bob": 403, "charlie": 403, "dana": 403}),
    ("POST", "/exclusions/EX-none/decide", {"decision": "approve"},
     {"alice": 404, "bob": 403, "charlie": 403, "dana": 403}),
    ("POST", "/contracts/acme-cs-2026/upload", {"source": "calls"},
     {"alice": 422, "bob": 422, "charlie": 404, "dana": 403}),  # no file: 422 once admitted
    ("GET", "/contracts/acme-cs-2026/uploads/none", {},
     {"alice": 404, "bob": 404, "charlie": 404, "dana": 404}),
    ("GET", "/contracts/acme-cs-2026/invoices/1", {},
     {"alice": 404, "bob": 404, "charlie": 404, "dana": 404}),  # no check stored yet
    # the result page of a cell (its events), its breakdowns and exports
    ("GET", RESULT, {}, {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", RESULT + "/breakdowns", {}, {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", RESULT + "/events.csv", {}, {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", RESULT + "/events.xlsx", {},
     {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("POST", RESULT + "/remeasure", {}, {"alice": 303, "bob": 303, "charlie": 404, "dana": 403}),
    ("POST", RESULT + "/exclusions", {"event": "C-15", "reason": "agreed", "note": "x"},
     {"alice": 303, "bob": 303, "charlie": 404, "dana": 403}),
    # each service level over a quarter, a year, the year to date
    ("GET", "/contracts/acme-cs-2026/compliance", {},
     {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
    ("GET", "/contracts/acme-cs-2026/compliance?period=2026-Q1", {},
     {"alice": 200, "bob": 200, "charlie": 404, "dana": 200}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "data", "expected"), MATRIX)
def test_route_by_persona(
    client: TestClient, method: str, path: str, data: dict[str, str], expected: dict[str, int]
) -> None:
    got = {}
    for user in ("alice", "bob", "charlie", "dana"):
        sign_in(client, user)
        if method == "GET":
            got[user] = client.get(path, follow_redirects=False).status_code
        else:
            token = csrf_of(client.get("/").text)
            got[user] = client.post(
                path, data={"csrf": token, **data}, follow_redirects=False
            ).status_code
    assert got == expected


def test_every_form_of_the_month_needs_the_session_token(client: TestClient) -> None:
    sign_in(client, "alice")
    for path in (MONTH + "/disputes", MONTH + "/close", MONTH + "/acknowledge"):
        answer = client.post(path, data={"csrf": "forged", "comment": "x"},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 403, path


def test_the_api_takes_the_same_steps(client: TestClient, app: App) -> None:
    from servicepact.services import users

    def bearer(user: str) -> dict[str, str]:
        token = users.create_token(app, actor=Actor("root", Role.ADMIN), user=user).token
        return {"Authorization": f"Bearer {token}"}

    bob, alice, charlie = bearer("bob"), bearer("alice"), bearer("charlie")
    base = "/api/v1/contracts/acme-cs-2026/periods/2026-02"
    raised = client.post(base + "/disputes", headers=bob, json={"comment": "IVR outage"})
    assert raised.status_code == 201, raised.text
    assert client.post(base + "/acknowledge", headers=bob).status_code == 409
    assert (
        client.post(base + "/disputes", headers=charlie, json={"comment": "x"}).status_code == 404
    )
    resolved = client.post(
        f"/api/v1/disputes/{raised.json()['id']}/resolve", headers=alice, json={"note": "ok"}
    )
    assert resolved.json()["status"] == "resolved"
    signed = client.post(base + "/acknowledge", headers=bob)
    assert signed.status_code == 201
    state = client.get(base + "/review", headers=alice).json()
    assert state["signed"]["acknowledged_by"] == "bob"
    assert [d["status"] for d in state["disputes"]] == ["resolved"]
