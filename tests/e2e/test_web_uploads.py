"""Uploading event data in the browser and through the API: background job, row errors,
idempotency, access, limits."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from web_world import build_world, cheap_password_hashing, csrf_of, sign_in

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.services import loads

MARCH = [
    ("M-1", "2026-03-02T10:00:00+09:00", "2026-03-02T10:00:05+09:00"),
    ("M-2", "2026-03-02T11:00:00+09:00", "not a time"),
    ("M-3", "2026-03-02T12:00:00+09:00", "2026-03-02T12:00:40+09:00"),
]


def calls_csv(rows: list[tuple[str, str, str]], encoding: str = "utf-8") -> bytes:
    text = "id,offered_at,answered_at\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    return text.encode(encoding)


@pytest.fixture
def web(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    cheap_password_hashing(monkeypatch)
    tokens = build_world(app, admin, make_contract_document)
    api = create_app(app)
    with TestClient(api) as client:
        yield client, tokens
    api.state.upload_jobs.shutdown()


def post_file(client: TestClient, content: bytes, name: str = "march.csv", **fields: str) -> str:
    page = client.get("/contracts/acme-cs-2026/upload?lang=en")
    assert page.status_code == 200, page.text[:300]
    answer = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": csrf_of(page.text), "source": "calls", **fields},
        files={"file": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    location = answer.headers["location"]
    assert re.fullmatch(r"/contracts/acme-cs-2026/uploads/[\w-]+", location)
    return location


def finished(client: TestClient, location: str) -> str:
    """The job's page once the job is over, polled as the page itself polls."""
    deadline = time.monotonic() + 60
    while True:
        page = client.get(location + "?lang=en")
        assert page.status_code == 200
        if "every 1s" not in page.text or time.monotonic() > deadline:
            return page.text
        time.sleep(0.05)


def batch_count(app: App, admin: Actor) -> int:
    return len(loads.list_batches(app, actor=admin, contract_id="acme-cs-2026"))


def test_a_bad_row_refuses_the_file_shows_where_and_stores_nothing_then_the_fix_loads(
    web: tuple[TestClient, dict[str, str]], app: App, admin: Actor
) -> None:
    client, _ = web
    sign_in(client, "bob")
    before = batch_count(app, admin)
    page = finished(client, post_file(client, calls_csv(MARCH)))
    assert "The file was refused: nothing was stored" in page
    assert re.search(r'<td class="num">2</td><td class="num">3</td><td>answered_at</td>', page)
    assert "not a time" in page
    assert batch_count(app, admin) == before

    fixed = [*MARCH[:1], ("M-2", MARCH[1][1], "2026-03-02T11:00:09+09:00"), MARCH[2]]
    page = finished(client, post_file(client, calls_csv(fixed)))
    assert "Stored" in page
    assert "#2" in page
    assert batch_count(app, admin) == before + 1
    again = finished(client, post_file(client, calls_csv(fixed), name="again.csv"))
    assert "Already loaded: nothing changed" in again
    assert batch_count(app, admin) == before + 1
    (newest,) = loads.list_batches(app, actor=admin, contract_id="acme-cs-2026")[-1:]
    assert newest.file_name == "march.csv"  # the sender's name, as a label
    assert newest.loaded_by == "bob"


def test_accepting_the_valid_rows_quarantines_the_bad_one_and_lists_it_as_csv(
    web: tuple[TestClient, dict[str, str]], app: App, admin: Actor
) -> None:
    client, _ = web
    sign_in(client, "bob")
    bad = [*MARCH, ("M-4", "=HYPERLINK(1)", "2026-03-02T12:00:40+09:00")]
    location = post_file(client, calls_csv(bad, "cp949"), accept_valid="yes")
    page = finished(client, location)
    assert "Stored, with rows quarantined" in page
    rows = list(csv.reader(io.StringIO(client.get(location + "/errors.csv").text)))
    assert rows[0] == ["row", "line", "column", "value", "reason"]
    assert [r[:3] for r in rows[1:]] == [["2", "3", "answered_at"], ["4", "5", "offered_at"]]
    assert rows[2][3].startswith("'=")  # neutralised for spreadsheets
    quarantined = loads.list_quarantine(app, actor=admin, contract_id="acme-cs-2026")
    assert sorted(q.event_id or "" for q in quarantined) == ["M-2", "M-4"]


def test_content_not_name_decides_the_type_and_binary_is_refused(
    web: tuple[TestClient, dict[str, str]], app: App, admin: Actor
) -> None:
    client, _ = web
    sign_in(client, "bob")
    jsonl = (
        b'{"id":"J-1","offered_at":"2026-03-03T10:00:00+09:00",'
        b'"answered_at":"2026-03-03T10:00:04+09:00"}\n'
    )
    page = finished(client, post_file(client, jsonl, name="calls.csv"))  # named .csv, is JSONL
    assert "Stored" in page
    form = client.get("/contracts/acme-cs-2026/upload?lang=en")
    refused = client.post(
        "/contracts/acme-cs-2026/upload?lang=en",
        data={"csrf": csrf_of(form.text), "source": "calls"},
        files={"file": ("../../etc/passwd", b"\x00\x01\x02binary", "text/csv")},
    )
    assert refused.status_code == 422
    assert "not CSV, JSON Lines, Parquet or Excel" in refused.text
    assert not list((app.settings.data_dir / "uploads").iterdir())  # nothing left behind


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    web: tuple[TestClient, dict[str, str]], app: App
) -> None:
    client, _ = web
    app.settings.max_upload_bytes = 1024 * 1024
    sign_in(client, "bob")
    page = client.get("/contracts/acme-cs-2026/upload?lang=en")
    answer = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": csrf_of(page.text), "source": "calls"},
        files={"file": ("big.csv", b"x" * (2 * 1024 * 1024), "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 413
    assert "larger than the limit of 1 MB" in answer.text


def test_who_may_upload_and_read_an_upload(web: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = web
    sign_in(client, "bob")
    location = post_file(client, calls_csv(MARCH[:1]))
    finished(client, location)
    token = csrf_of(client.get("/").text)
    sign_in(client, "charlie")  # another vendor
    assert client.get("/contracts/acme-cs-2026/upload").status_code == 404
    assert client.get(location).status_code == 404
    refused = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": csrf_of(client.get("/").text), "source": "calls"},
        files={"file": ("x.csv", calls_csv(MARCH[:1]), "text/csv")},
        follow_redirects=False,
    )
    assert refused.status_code == 404
    sign_in(client, "dana")  # the auditor reads, writes nothing
    assert client.get("/contracts/acme-cs-2026/upload").status_code == 403
    sign_in(client, "bob")
    forged = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": token + "x", "source": "calls"},
        files={"file": ("x.csv", calls_csv(MARCH[:1]), "text/csv")},
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_the_api_takes_the_same_upload_and_reports_the_job(
    web: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = web
    headers = {"Authorization": f"Bearer {tokens['bob']}"}
    answer = client.post(
        "/api/v1/contracts/acme-cs-2026/sources/calls/files",
        headers=headers,
        files={"file": ("march.csv", calls_csv(MARCH), "text/csv")},
    )
    assert answer.status_code == 202, answer.text
    job = answer.json()
    deadline = time.monotonic() + 60
    while True:
        done = client.get(f"/api/v1/uploads/{job['id']}", headers=headers).json()
        if done["state"] not in ("queued", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert done["state"] == "refused"
    assert done["error_count"] == 1
    assert done["errors"][0]["row"] == 2
    assert done["errors"][0]["column"] == "answered_at"
    other = {"Authorization": f"Bearer {tokens['charlie']}"}
    assert client.get(f"/api/v1/uploads/{job['id']}", headers=other).status_code == 404
    auditor = {"Authorization": f"Bearer {tokens['dana']}"}
    refused = client.post(
        "/api/v1/contracts/acme-cs-2026/sources/calls/files",
        headers=auditor,
        files={"file": ("march.csv", calls_csv(MARCH), "text/csv")},
    )
    assert refused.status_code == 403


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _error_rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_korean_user_reads_each_row_error_in_korean_with_its_row_and_column(
    web: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = web
    sign_in(client, "bob")
    location = post_file(client, calls_csv(MARCH))
    finished(client, location)
    korean = client.get(location + "?lang=ko").text
    assert "파일이 거부되었습니다: 아무것도 저장되지 않았습니다" in korean
    assert _error_rows(korean) == [
        [
            "2",
            "3",
            "answered_at",
            "not a time",
            "시각이 아닙니다: 2026-01-05T09:30:00+09:00 같은 ISO 8601 형식이어야 합니다",
        ]
    ]
    english = client.get(location + "?lang=en").text  # the same job, in the other language
    assert _error_rows(english)[0][4] == (
        "not a timestamp: expected ISO 8601 such as 2026-01-05T09:30:00+09:00"
    )


def test_every_kind_of_bad_value_is_explained_in_korean(
    web: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = web
    sign_in(client, "bob")
    header = "id,offered_at,answered_at,talk_seconds,resolved_first_contact,qa_score,csat\n"
    rows = [
        "K-1,2026-03-02T10:00:00,,,,,",  # no offset
        "K-2,2026-02-30T10:00:00+09:00,,,,,",  # no such day
        "K-3,2026-03-02T10:00:00.1234567+09:00,,,,,",  # past the microsecond
        "K-4,2026-03-02T10:00:00+09:00,,1.5,,,",  # decimals in an integer column
        "K-5,2026-03-02T10:00:00+09:00,,abc,,,",  # not an integer
        "K-6,2026-03-02T10:00:00+09:00,,-1,,,",  # below the minimum
        "K-7,2026-03-02T10:00:00+09:00,,,maybe,,",  # not a boolean
        "K-8,2026-03-02T10:00:00+09:00,,,,1e5,",  # not a decimal
        "K-9,2026-03-02T10:00:00+09:00,,,,1.1234567,",  # too many decimal places
        "K-10,2026-03-02T10:00:00+09:00,,,,101,",  # above the maximum
        "K-11,,,,,,",  # a required value missing
        "K-12,2026-03-02T10:00:00+09:00,,,,,9",  # above the maximum
        "K-12,2026-03-02T10:00:00+09:00,,,,,",  # the same id twice
    ]
    location = post_file(client, (header + "\n".join(rows) + "\n").encode())
    finished(client, location)
    table = _error_rows(client.get(location + "?lang=ko").text)
    assert len(table) >= len(rows)
    untranslated = [row for row in table if not HANGUL.search(row[4])]
    assert untranslated == []
    by_row = {(row[0], row[2]): row[4] for row in table}
    assert by_row[("1", "offered_at")].startswith("시간대 오프셋이 없습니다")
    assert by_row[("6", "talk_seconds")] == "최솟값 0보다 작습니다"
    assert by_row[("11", "offered_at")] == "필수 값이 없습니다"
    assert by_row[("12", "id")] == "중복된 ID: 13행에도 있습니다"


def test_a_refused_file_and_a_refused_form_speak_korean(
    web: tuple[TestClient, dict[str, str]], app: App
) -> None:
    client, _ = web
    sign_in(client, "bob")
    # the file as a whole: a column the source does not have
    location = post_file(client, b"id,offered_at,colour\nX-1,2026-03-02T10:00:00+09:00,red\n")
    finished(client, location)
    (problem,) = _error_rows(client.get(location + "?lang=ko").text)
    assert problem[:2] == ["–", "–"]
    assert problem[2] == "march.csv: 머리글"
    assert problem[4].startswith("calls에 없는 열: colour. 지우거나 이름을 바꾸세요")
    # refused before the file is read: an error page, in Korean
    form = client.get("/contracts/acme-cs-2026/upload?lang=ko")
    refused = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": csrf_of(form.text), "source": "tickets"},
        files={"file": ("t.csv", b"id\n1\n", "text/csv")},
    )
    assert refused.status_code == 422
    assert (
        "데이터 원천: 계약 'acme-cs-2026'은(는) 'tickets' 이벤트를 측정하지 않습니다"
        "(데이터 원천: calls)"
    ) in html.unescape(refused.text)
    app.settings.max_upload_bytes = 1024 * 1024
    too_big = client.post(
        "/contracts/acme-cs-2026/upload",
        data={"csrf": csrf_of(form.text), "source": "calls"},
        files={"file": ("big.csv", b"x" * (2 * 1024 * 1024), "text/csv")},
    )
    assert too_big.status_code == 413
    assert "요청이 이 주소의 한도 1 MB보다 큽니다" in too_big.text
    sign_in(client, "dana")  # the auditor is refused, in Korean
    refused = client.get("/contracts/acme-cs-2026/upload?lang=ko")
    assert refused.status_code == 403
    assert "감사인 사용자는 할 수 없는 일입니다: 데이터 적재" in refused.text


def test_a_load_that_breaks_unexpectedly_ends_failed_and_leaves_no_file(
    web: tuple[TestClient, dict[str, str]], app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = web
    sign_in(client, "bob")

    def broken(*_args: object, **_options: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(loads, "load_events", broken)
    location = post_file(client, calls_csv(MARCH[:1]))
    page = finished(client, location)
    assert "The load did not finish: nothing was stored" in page
    assert "the load failed unexpectedly; nothing was stored" in page
    assert "disk gone" not in page  # internals never reach the page
    korean = client.get(location + "?lang=ko").text
    assert "적재가 예기치 않게 실패했습니다. 아무것도 저장되지 않았습니다" in korean
    assert not list((app.settings.data_dir / "uploads").iterdir())


def test_once_the_upload_is_over_a_result_not_met_opens_from_a_prepared_list(
    web: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload's job measures the months the new events reach and prepares the event lists
    of the results not met (February: 15 of 20 calls in time, below expected), so opening one
    is a slice of a kept list, never a computation on the page's request."""
    from servicepact.services import drilldown

    client, _ = web
    sign_in(client, "bob")
    fixed = [*MARCH[:1], ("M-2", MARCH[1][1], "2026-03-02T11:00:09+09:00"), MARCH[2]]
    assert "Stored" in finished(client, post_file(client, calls_csv(fixed)))

    def computed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the list was computed when the page opened")

    monkeypatch.setattr(drilldown, "_compute", computed)
    opened = client.get("/contracts/acme-cs-2026/results/SL-01/2026-02?lang=en")
    assert opened.status_code == 200, opened.text[:300]
    assert "15 / 20" in opened.text
