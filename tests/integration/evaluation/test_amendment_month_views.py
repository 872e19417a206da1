"""Views of a month read the contract version that governs that month, not the current one.

The contract has two levels over the same calls: SL-01 (answered within 20 s, allocation 40)
and SL-02 (within 70 s, allocation 10). March: 20 calls on 10 March, 15 answered after 10 s
and 5 after 60 s, so SL-01 is 15/20 = 0.75 (below the expected 0.80) and SL-02 20/20 = met.
An amendment applied from April either swaps the allocations (SL-01 10, SL-02 40) or drops
SL-02; March stays under version 1 either way.

Scorecard points (docs/scorecards.md): met 100, below expected 50. March's service-level
component under version 1's allocations: (40 × 50 + 10 × 100) / 50 = 60; under version 2's it
would be (10 × 50 + 40 × 100) / 50 = 90.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from evaluation_fixtures import contract_document

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.domain.scorecards import Component
from servicepact.reports.build import build_contract_pack
from servicepact.services.contracts import apply_contract
from servicepact.services.drilldown import result_events
from servicepact.services.evaluation import evaluate_period
from servicepact.services.loads import load_rows
from servicepact.services.vendors import scorecard

CONTRACT = "acme-cs-2026"
MAY_2 = datetime(2026, 5, 2, tzinfo=UTC)


@pytest.fixture
def document(
    make_contract_document: Callable[..., ContractDocument],
) -> Callable[[dict[str, int]], ContractDocument]:
    base = make_contract_document().contract.model_dump(mode="json", exclude_none=True)
    return lambda allocations: _document(base, allocations)


def _document(base: dict[str, Any], allocations: dict[str, int]) -> ContractDocument:
    data = dict(base)
    first = dict(data["service_levels"][0])
    levels = {
        "SL-01": {**first, "allocation_percent": allocations.get("SL-01", 40)},
        "SL-02": {
            **first,
            "id": "SL-02",
            "name": "Calls answered within 70 s",
            "params": {"seconds": 70},
            "allocation_percent": allocations.get("SL-02", 10),
        },
    }
    data["service_levels"] = [levels[sl] for sl in sorted(allocations)]
    return contract_document(data)


def march_calls() -> list[dict[str, str]]:
    rows = []
    for i in range(20):
        answered = f"09:{i:02d}:10" if i < 15 else f"09:{i + 1:02d}:00"
        rows.append({
            "id": f"C{i:03d}",
            "offered_at": f"2026-03-10T09:{i:02d}:00+09:00",
            "answered_at": f"2026-03-10T{answered}+09:00",
        })  # fmt: skip
    return rows


def apply(app: App, actor: Actor, doc: ContractDocument, **options: str) -> None:
    apply_contract(app, actor=actor, document=doc, **options)


@pytest.fixture
def march_measured(
    app: App, client_manager: Actor, vendor_a: Actor, clock: Any, document: Any
) -> App:
    clock.now = MAY_2
    apply(app, client_manager, document({"SL-01": 40, "SL-02": 10}))
    load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=march_calls())
    results = evaluate_period(
        app, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=MAY_2
    )
    assert [(r.service_level_id, r.value) for r in results] == [
        ("SL-01", Fraction(3, 4)),
        ("SL-02", 1),
    ]
    return app


@pytest.fixture
def swapped(march_measured: App, client_manager: Actor, document: Any) -> App:
    apply(march_measured, client_manager, document({"SL-01": 10, "SL-02": 40}),
          effective_from="2026-04")  # fmt: skip
    return march_measured


def test_a_months_scorecard_weighs_its_levels_as_the_governing_version_allocates_them(
    swapped: App, client_manager: Actor
) -> None:
    card = scorecard(swapped, actor=client_manager, vendor_id="helpco", period="2026-03")
    (levels,) = [c for c in card.components if c.component is Component.SERVICE_LEVELS]
    assert levels.score == 60  # version 1's 40/10, not version 2's 10/40 (90)


def test_a_months_review_pack_shows_the_governing_versions_terms(
    swapped: App, client_manager: Actor
) -> None:
    pack = build_contract_pack(swapped, actor=client_manager, contract_id=CONTRACT,
                               period="2026-03")  # fmt: skip
    assert pack.header.version == 1
    assert [(r.service_level_id, r.allocation_percent) for r in pack.service_levels] == [
        ("SL-01", Decimal(40)),
        ("SL-02", Decimal(10)),
    ]


def test_a_level_an_amendment_drops_from_april_still_drills_down_in_march(
    march_measured: App, client_manager: Actor, document: Any
) -> None:
    apply(march_measured, client_manager, document({"SL-01": 40}), effective_from="2026-04")
    events = result_events(march_measured, actor=client_manager, contract_id=CONTRACT,
                           service_level_id="SL-02", period="2026-03")  # fmt: skip
    assert events.agrees
    assert (events.totals["numerator"], events.totals["denominator"]) == (20, 20)
    assert events.result.contract_version == 1
    assert events.freshness.current


def test_a_level_an_amendment_drops_from_april_can_still_be_disputed_in_march(
    march_measured: App, client_manager: Actor, vendor_a: Actor, document: Any
) -> None:
    from servicepact.domain.errors import InvalidInput
    from servicepact.services.review import raise_dispute

    apply(march_measured, client_manager, document({"SL-01": 40}), effective_from="2026-04")
    record = raise_dispute(march_measured, actor=vendor_a, contract_id=CONTRACT,
                           period="2026-03", comment="missed calls",
                           service_level_id="SL-02")  # fmt: skip
    assert (record.period, record.service_level_id) == ("2026-03", "SL-02")
    # April is governed by version 2, which has no SL-02
    with pytest.raises(InvalidInput, match="is not a service level of the contract"):
        raise_dispute(march_measured, actor=vendor_a, contract_id=CONTRACT, period="2026-04",
                      comment="SL-02", service_level_id="SL-02")  # fmt: skip
