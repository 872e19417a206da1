"""Fixtures shared by the web tests: a test client on the small world of web_world.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from web_world import build_world, cheap_password_hashing

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor


@pytest.fixture
def client(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """Signed out; the world's users, contracts and data in place (web_world.build_world)."""
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)
    with TestClient(create_app(app)) as test_client:
        yield test_client
