"""The signed session cookie: only what was signed, unexpired, under the right key, is accepted."""

from __future__ import annotations

from servicepact.web.session import Session, decode, encode, session_key

KEY = session_key(b"installation secret")


def test_a_signed_session_reads_back() -> None:
    session = Session(user="alice", csrf="c" * 43, expires=2_000_000_000)
    assert decode(encode(session, KEY), KEY, now=1_900_000_000) == session


def test_a_changed_payload_is_rejected() -> None:
    cookie = encode(Session(user="bob", csrf="x", expires=2_000_000_000), KEY)
    payload, signature = cookie.split(".")
    forged = encode(Session(user="alice", csrf="x", expires=2_000_000_000), KEY).split(".")[0]
    assert decode(f"{forged}.{signature}", KEY, now=0) is None
    assert decode(f"{payload}.{signature}", KEY, now=0) is not None


def test_another_installations_key_is_rejected() -> None:
    cookie = encode(Session(user="alice", csrf="x", expires=2_000_000_000), KEY)
    assert decode(cookie, session_key(b"another secret"), now=0) is None


def test_an_expired_session_is_rejected() -> None:
    cookie = encode(Session(user="alice", csrf="x", expires=100), KEY)
    assert decode(cookie, KEY, now=101) is None
    assert decode(cookie, KEY, now=99) is not None


def test_garbage_is_rejected_without_an_error() -> None:
    for value in (None, "", "no-dot", "a.b", "..", "!!!.???"):
        assert decode(value, KEY, now=0) is None


def test_the_session_key_is_not_the_installation_secret() -> None:
    assert KEY != b"installation secret"
    assert len(KEY) == 32
