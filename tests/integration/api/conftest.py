"""An API client over a small world: two vendors' contracts, the personas and their tokens.

alice — client manager; bob — vendor helpco; charlie — vendor otherco; dana — auditor.
acme-cs-2026 and acme-it-2026 are helpco's, other-cs-2026 is otherco's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import yaml
from api_world import PERSONAS, World
from fastapi.testclient import TestClient

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.services import contracts, users


@pytest.fixture
def world(
    app: App, admin: Actor, make_contract_document: Callable[..., ContractDocument]
) -> Iterator[World]:
    for contract_id, vendor in (
        ("acme-cs-2026", "helpco"),
        ("acme-it-2026", "helpco"),
        ("other-cs-2026", "otherco"),
    ):
        contracts.apply_contract(
            app, actor=admin, document=make_contract_document(contract_id, vendor=vendor)
        )
    tokens = {}
    for name, role, party in PERSONAS:
        users.add_user(app, actor=admin, name=name, role=role, party=party)
        tokens[name] = users.create_token(app, actor=admin, user=name).token
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield World(client=client, tokens=tokens)


@pytest.fixture
def contract_yaml(make_contract_document: Callable[..., ContractDocument]) -> Callable[..., str]:
    """A contract file's text, as a client would send it (see tests/conftest.py contract_data)."""

    def build(contract_id: str, **changes: object) -> str:
        return yaml.safe_dump(make_contract_document(contract_id, **changes).document)

    return build
