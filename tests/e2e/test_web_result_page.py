"""The result page of a cell: rule, figures, events failing first, exports, the vendor's
exclusion request, results kept current. February (web_world): 20 calls, C-15..C-19 answered
after 30 s against a 20 s target, the others after 10 s: 15 / 20, below expected."""

from __future__ import annotations

import io

import openpyxl
from fastapi.testclient import TestClient
from web_world import csrf_of, sign_in

from servicepact.bootstrap import App
from servicepact.domain.access import Actor, Role
from servicepact.services import evaluation, loads

PAGE = "/contracts/acme-cs-2026/results/SL-01/2026-02"


def test_each_result_cell_of_the_contract_page_opens_its_result_page(client: TestClient) -> None:
    sign_in(client, "alice")
    assert f'href="{PAGE}"' in client.get("/contracts/acme-cs-2026?lang=en").text


def test_the_page_shows_the_rule_the_figures_and_the_failing_calls_first(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    page = client.get(PAGE + "?lang=en").text
    assert "calls answered within `seconds` of offered_at" in page
    assert "15 / 20" in page
    assert "✓ agrees" in page
    assert "Below expected" in page  # the status as a word, not colour alone
    assert "Asia/Seoul" in page
    # the holiday lists measured with: a 24x7 calendar has none, so the hash of no lists
    assert "Holiday lists" in page
    assert '<code title="e3b0c44298fc1c149afbf4c8996fb924' in page
    order = [page.index(f"<code>C-{i}</code>") for i in (15, 16, 17, 18, 19, 0)]
    assert order == sorted(order)
    assert "10 s late" in page  # 30 s waited against 20 s
    assert 'hx-get="/contracts/acme-cs-2026/results/SL-01/2026-02/breakdowns"' in page
    breakdowns = client.get(PAGE + "/breakdowns?lang=en", headers={"HX-Request": "true"}).text
    assert "By day" in breakdowns
    assert "<html" not in breakdowns  # a fragment for the page to place
    assert "<html" in client.get(PAGE + "/breakdowns?lang=en").text  # a page without JS
    assert '<th scope="col">' in page
    failed = client.get(PAGE + "?outcome=failed&lang=en").text
    assert failed.count('<span class="rag rag-red">Failed</span>') == 5
    assert "<code>C-0</code>" not in failed
    korean = client.get(PAGE + "?lang=ko").text
    assert "규칙" in korean
    assert "실패" in korean
    assert "10초 늦음" in korean


def test_other_vendors_get_404_and_a_bad_filter_a_4xx_page(client: TestClient) -> None:
    sign_in(client, "charlie")
    refused = client.get(PAGE)
    assert refused.status_code == 404
    assert "C-15" not in refused.text
    sign_in(client, "alice")
    assert client.get(PAGE + "?outcome=late").status_code == 422
    assert client.get(PAGE + "?page=0").status_code == 422
    assert client.get("/contracts/acme-cs-2026/results/SL-01/2026-13").status_code == 422


def test_exports_list_every_event_with_formula_like_cells_neutralised(
    client: TestClient, app: App, admin: Actor
) -> None:
    late = {"id": "=HYPERLINK(1)", "offered_at": "2026-02-11T10:00:00+09:00",
            "answered_at": "2026-02-11T10:01:00+09:00"}  # fmt: skip
    loads.load_rows(app, actor=admin, contract_id="acme-cs-2026", source="calls", rows=[late])
    sign_in(client, "alice")
    csv = client.get(PAGE + "/events.csv?outcome=failed")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,outcome,reason,counts_at")
    assert len(lines) == 1 + 6
    assert any(line.startswith("'=HYPERLINK(1),failed") for line in lines)
    assert ",-10," in lines[1]  # a negative margin stays a number
    xlsx = client.get(PAGE + "/events.xlsx?outcome=all")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("id", "outcome")
    assert len(rows) == 1 + 21
    assert "'=HYPERLINK(1)" in [r[0] for r in rows]


def test_bob_requests_an_exclusion_for_two_failing_calls(client: TestClient, app: App) -> None:
    sign_in(client, "bob")
    page = client.get(PAGE + "?outcome=failed&lang=en").text
    assert 'name="event" value="C-15"' in page
    assert '<label for="field-reason">' in page
    token = csrf_of(page)
    missing = client.post(PAGE + "/exclusions", data={"csrf": token, "event": ["C-15"]})
    assert missing.status_code == 422
    assert "There is a problem" in missing.text
    assert "Choose a reason." in missing.text
    stranger = client.post(
        PAGE + "/exclusions",
        data={"csrf": token, "event": ["C-0"], "reason": "client_caused", "note": "x"},
    )
    assert stranger.status_code == 422
    assert "Not a failing event of this result: C-0" in stranger.text
    forged = client.post(
        PAGE + "/exclusions",
        data={"csrf": "forged", "event": ["C-15"], "reason": "client_caused", "note": "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    done = client.post(
        PAGE + "/exclusions",
        data={"csrf": token, "event": ["C-15", "C-16"], "reason": "client_caused",
              "note": "the client's IVR was down"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    (made,) = evaluation.list_exclusions(
        app, actor=Actor(user="alice", role=Role.CLIENT_MANAGER),
        contract_id="acme-cs-2026",
    )  # fmt: skip
    assert made.event_ids == ("C-15", "C-16")
    assert (made.requested_by, made.reason.value, made.service_level_id) == (
        "bob", "client_caused", "SL-01",
    )  # fmt: skip
    assert made.id in client.get(done.headers["location"] + "&lang=en").text


def test_an_auditor_reads_the_page_without_forms(client: TestClient) -> None:
    sign_in(client, "dana")
    page = client.get(PAGE + "?outcome=failed&lang=en").text
    assert "<code>C-15</code>" in page
    assert 'name="event"' not in page
    assert "/remeasure" not in page


def test_an_out_of_date_result_says_so_and_is_measured_again_on_request(
    client: TestClient, app: App, admin: Actor
) -> None:
    app.settings.remeasure_on_change = False
    late = {"id": "C-99", "offered_at": "2026-02-12T10:00:00+09:00",
            "answered_at": "2026-02-12T10:01:00+09:00"}  # fmt: skip
    loads.load_rows(app, actor=admin, contract_id="acme-cs-2026", source="calls", rows=[late])
    sign_in(client, "alice")
    contract_page = client.get("/contracts/acme-cs-2026?lang=en").text
    assert 'class="stale-mark"' in contract_page  # the cell says it is not current
    page = client.get(PAGE + "?lang=en").text
    assert "Out of date" in page
    assert "the data changed" in page
    assert "15 / 20" in page  # the stored figures, said to be those of the stored result
    again = client.post(PAGE + "/remeasure", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert again.status_code == 303
    fresh = client.get(again.headers["location"] + "&lang=en").text
    assert "Out of date" not in fresh
    assert "15 / 21" in fresh
    assert "Measured again with the current data." in fresh
    assert 'class="stale-mark"' not in client.get("/contracts/acme-cs-2026?lang=en").text
