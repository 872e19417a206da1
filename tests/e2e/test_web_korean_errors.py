"""Korean complete on the error paths: every refusal and every bad input a Korean user can
reach from the pages is worded in Korean — the page's own checks, the services' refusals, the
reporting periods of the compliance page and the query and form values the server could not
read before any service ran.

Each path is walked as the personas who can reach it, with the Korean UI chosen; the message
part of the answer (the error page's card, or a page's error summary) must hold Korean and
none of the English texts the catalogue knows, nor an English sentence of its own.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from web_world import csrf_of, sign_in

from servicepact.locale.ko import KO
from servicepact.locale.ko_messages import KO_MESSAGES

RESULT = "/contracts/acme-cs-2026/results/SL-01/2026-02"
MONTH = "/contracts/acme-cs-2026/months/2026-02"
UPLOAD = "/contracts/acme-cs-2026/upload"

# (persona, path) answered with an error page or a page's error summary
GETS = [
    ("alice", "/contracts/acme-cs-2026/compliance?period=2026-13"),  # month 13
    ("alice", "/contracts/acme-cs-2026/compliance?period=nonsense"),  # not a period
    ("bob", "/contracts/acme-cs-2026/compliance?period=2026-Q5"),  # no fifth quarter
    ("dana", "/contracts/acme-cs-2026/compliance?period=2026-Q0"),
    ("alice", "/?month=2026-13"),  # the query's pattern
    ("bob", "/contracts/acme-cs-2026/months/2026-13"),  # the path's pattern
    ("alice", "/contracts/acme-cs-2026/results/SL-01/2026-13"),
    ("alice", "/contracts/acme-cs-2026/results/SL-99/2026-02"),  # no such service level
    ("bob", "/contracts/acme-cs-2026/results/SL-01/2026-05"),  # not measured
    ("alice", RESULT + "?outcome=late"),
    ("alice", RESULT + "?page=0"),  # at least 1
    ("dana", RESULT + "?page=x"),  # not an integer
    ("alice", "/contracts/nope"),
    ("bob", "/contracts/other-cs-2026"),  # another vendor's contract
    ("alice", "/contracts/acme-cs-2026/invoices/999"),
    ("alice", "/contracts/acme-cs-2026/uploads/999"),
    ("bob", "/selection"),  # the client's pages
    ("bob", "/business-case"),
    ("bob", "/bpo-map"),
    ("alice", "/audit"),  # auditors only
    ("alice", "/business-case?contract=nope"),
    ("dana", "/contracts/acme-cs-2026/upload"),  # an auditor writes nothing
    ("bob", MONTH + "/confirm/close"),  # the client closes
    ("alice", "/nothing-here"),
]

# (persona, path, form, page that gives the form's token)
POSTS = [
    ("bob", RESULT + "/exclusions", {}, RESULT),  # nothing chosen, no reason, no note
    ("bob", RESULT + "/exclusions", {"reason": "x" * 41, "event": "C-15"}, RESULT),
    ("bob", RESULT + "/exclusions", {"reason": "client_caused", "note": "why",
                                     "event": "C-1"}, RESULT),  # C-1 met: not failing
    ("alice", "/exclusions/nope/decide", {"decision": "maybe"}, MONTH),
    ("alice", "/exclusions/nope/decide", {"decision": "approve"}, MONTH),
    ("alice", MONTH + "/invoice", {}, MONTH),  # no file chosen
    ("bob", MONTH + "/close", {}, MONTH),  # a vendor does not close
    ("alice", MONTH + "/reopen", {"reason": "late data"}, MONTH),  # not closed
    ("dana", MONTH + "/disputes", {"comment": "x"}, MONTH),  # an auditor writes nothing
    ("bob", MONTH + "/disputes", {"comment": "x" * 4001}, MONTH),  # too long
    ("bob", MONTH + "/acknowledge", {"csrf": "forged"}, MONTH),  # not the session's token
    ("bob", "/disputes/999/resolve", {"note": "ok"}, MONTH),
    ("bob", UPLOAD, {"source": "calls"}, UPLOAD),  # no file chosen
    ("bob", UPLOAD, {"source": "tickets"}, UPLOAD),  # a source the contract does not read
    ("charlie", UPLOAD, {"source": "calls"}, "/"),  # another vendor's contract
]  # fmt: skip


def _fixed_parts(english: str) -> list[str]:
    """The fixed text of a catalogue key (between its {fields}) long enough to be telling."""
    parts = re.split(r"\{\w+\}", english)
    return [p.strip(" .,:;()'—") for p in parts if len(re.findall(r"[A-Za-z]{2,}", p)) >= 3]


KNOWN_ENGLISH = sorted(
    {part for key in KO_MESSAGES for part in _fixed_parts(key)}
    | {key for key in KO if len(re.findall(r"[A-Za-z]{2,}", key)) >= 3 and "{" not in key}
    | {"Invalid input", "Not Found", "String should", "Input should", "Field required"}
)
# English the catalogue does not know: two words in a row (a phrase left in a sentence)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[a-z]{2,})+\b")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def message_part(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S) or re.search(
        r'<section class="card">.*?</section>', page, re.S
    )
    assert found is not None, "the answer says what is wrong"
    text = re.sub(r"<[^>]+>", " ", found.group(0))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def check_korean(where: str, page: str) -> None:
    text = message_part(page)
    assert HANGUL.search(text), f"{where}: no Korean in {text!r}"
    for english in KNOWN_ENGLISH:
        assert english not in text, f"{where}: English {english!r} in {text!r}"
    run = ENGLISH_RUN.search(text)
    assert run is None, f"{where}: English {run.group(0)!r} in {text!r}"


def as_korean(client: TestClient, user: str) -> None:
    client.cookies.clear()
    sign_in(client, user)
    client.get("/?lang=ko")  # chosen once, kept for the visit


@pytest.mark.parametrize(("user", "path"), GETS)
def test_an_error_page_reached_as_a_korean_user_is_in_korean(
    client: TestClient, user: str, path: str
) -> None:
    as_korean(client, user)
    answer = client.get(path)
    assert answer.status_code >= 400, f"{path} is an error path"
    check_korean(f"{user} GET {path}", answer.text)


@pytest.mark.parametrize(("user", "path", "form", "token_page"), POSTS)
def test_a_refused_form_as_a_korean_user_is_answered_in_korean(
    client: TestClient, user: str, path: str, form: dict[str, str], token_page: str
) -> None:
    as_korean(client, user)
    page = client.get(token_page)
    token = csrf_of(page.text) if 'name="csrf"' in page.text else csrf_of(client.get("/").text)
    answer = client.post(path, data={"csrf": token, **form}, follow_redirects=False)
    assert answer.status_code >= 400, f"{path} refuses {form}"
    check_korean(f"{user} POST {path}", answer.text)


def test_the_check_finds_english() -> None:
    """The check itself: an English refusal, known or not, is caught."""
    card = '<section class="card"><h1>403 · 접근 권한 없음</h1><p>{}</p></section>'
    with pytest.raises(AssertionError, match="English"):
        check_korean("known", card.format("only auditors and administrators can read it"))
    with pytest.raises(AssertionError, match="English"):
        check_korean("unknown", card.format("the moon is not made of cheese"))
    with pytest.raises(AssertionError, match="English"):
        check_korean("a phrase", card.format("고객사 관리자만 할 수 있는 일입니다: close months"))
    check_korean("Korean", card.format("감사 기록 열람은(는) 감사인과 관리자만 할 수 있습니다"))
