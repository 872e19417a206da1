"""A small world for the web UI tests: two vendors' contracts, a month of calls, personas
with passwords (alice client manager, bob vendor helpco, charlie vendor otherco, dana auditor).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor, Role
from servicepact.services import contracts, evaluation, loads, users

PASSWORDS = {
    "alice": "alice-test-pass",
    "bob": "bob-test-pass",
    "charlie": "charlie-test-pass",
    "dana": "dana-test-pass",
}
PERSONAS = (
    ("alice", Role.CLIENT_MANAGER, None),
    ("bob", Role.VENDOR, "helpco"),
    ("charlie", Role.VENDOR, "otherco"),
    ("dana", Role.AUDITOR, None),
)


def february_calls() -> list[dict[str, str]]:
    """20 calls: 15 answered in 10 s, 5 in 30 s → 15/20 = 75 % within 20 s: below expected."""
    rows = []
    for i in range(20):
        wait = 10 if i < 15 else 30
        rows.append(
            {
                "id": f"C-{i}",
                "offered_at": f"2026-02-10T10:00:{i:02d}+09:00",
                "answered_at": f"2026-02-10T10:00:{i + wait:02d}+09:00",
            }
        )
    return rows


def build_world(
    app: App, admin: Actor, make_document: Callable[..., ContractDocument]
) -> dict[str, str]:
    """Contracts, users with passwords and tokens, February loaded and evaluated; the tokens."""
    tokens: dict[str, str] = {}
    contracts.apply_contract(
        app, actor=admin, document=make_document("acme-cs-2026", vendor="helpco")
    )
    contracts.apply_contract(
        app, actor=admin, document=make_document("other-cs-2026", vendor="otherco")
    )
    for name, role, party in PERSONAS:
        users.add_user(app, actor=admin, name=name, role=role, party=party)
        users.set_password(app, actor=admin, user=name, password=PASSWORDS[name])
        tokens[name] = users.create_token(app, actor=admin, user=name).token
    loads.load_rows(
        app, actor=admin, contract_id="acme-cs-2026", source="calls", rows=february_calls()
    )
    evaluation.evaluate_period(app, actor=admin, contract_id="acme-cs-2026", period_label="2026-02")
    return tokens


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its smallest cost in tests: the same code path, milliseconds not 0.3 s a hash
    (production keeps pwdlib's recommended parameters)."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    users._dummy_hash.cache_clear()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the form carries a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str | None = None) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf": csrf_of(form.text),
            "username": user,
            "password": password if password is not None else PASSWORDS[user],
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
