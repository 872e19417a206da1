"""The API test world: a client with the personas' tokens, and rows to load (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from servicepact.domain.access import Role


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]

    def post(self, who: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]


PERSONAS = (
    ("alice", Role.CLIENT_MANAGER, None),
    ("bob", Role.VENDOR, "helpco"),
    ("charlie", Role.VENDOR, "otherco"),
    ("dana", Role.AUDITOR, None),
)


def calls(count: int, *, answered_after: int = 10, day: str = "2026-02-10") -> list[dict[str, str]]:
    """``count`` calls offered on ``day``, each answered ``answered_after`` seconds later."""
    return [
        {
            "id": f"C-{day}-{i}",
            "offered_at": f"{day}T10:00:{i % 60:02d}+09:00",
            "answered_at": f"{day}T10:{(i % 60 + answered_after) // 60:02d}:"
            f"{(i % 60 + answered_after) % 60:02d}+09:00",
        }
        for i in range(count)
    ]
