"""A stored contract with March calls loaded, for the evaluation tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.services.contracts import apply_contract
from servicepact.services.loads import load_rows

CONTRACT = "acme-cs-2026"


def march_calls(in_time: int, late: int) -> list[dict[str, str]]:
    """Calls on 10 March: ``in_time`` answered after 10 s, ``late`` after 60 s."""
    rows = []
    for i in range(in_time + late):
        minute = f"09:{i:02d}"
        answered = f"{minute}:10" if i < in_time else f"09:{i + 1:02d}:00"
        rows.append(
            {
                "id": f"C{i:03d}",
                "offered_at": f"2026-03-10T{minute}:00+09:00",
                "answered_at": f"2026-03-10T{answered}+09:00",
            }
        )
    return rows


@pytest.fixture
def app_with_calls(
    app: App,
    client_manager: Actor,
    vendor_a: Actor,
    make_contract_document: Callable[..., ContractDocument],
) -> App:
    # expected 0.80, minimum 0.75; 15 of 20 in time = 0.75 → below expected
    apply_contract(app, actor=client_manager, document=make_contract_document())
    load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=march_calls(15, 5))
    return app
