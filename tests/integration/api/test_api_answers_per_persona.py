"""Every read of the API, as each vendor, checked field by field: no key or value of any answer
names another vendor or another vendor's contract.

Status codes are not enough: an object that spans contracts (a risk on two vendors' contracts,
a ranking, a map) can come back 200 and still carry the other vendor's id in one of its fields.
Each answer's JSON is walked to its leaves, and every key and text is compared with the ids the
persona may not see. An id the persona itself sent in the path (asking for another vendor's
contract) may be echoed in that 404 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_world import World, calls

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.risks import Risk, RiskCategory, RiskRegister
from servicepact.services import risks

PERIOD = "2026-02"
HIDDEN = {
    "bob": {"otherco", "other-cs-2026"},
    "charlie": {"helpco", "acme-cs-2026", "acme-it-2026"},
}
OWN = {"bob": ("acme-cs-2026", "helpco"), "charlie": ("other-cs-2026", "otherco")}


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@pytest.fixture
def seeded(world: World, app: App, admin: Actor) -> None:
    for who, contract in (("bob", "acme-cs-2026"), ("charlie", "other-cs-2026")):
        loaded = world.post(
            who, f"/api/v1/contracts/{contract}/sources/calls/batches", json={"rows": calls(4)}
        )
        assert loaded.status_code == 201, loaded.text
        evaluated = world.post("alice", f"/api/v1/contracts/{contract}/periods/{PERIOD}/evaluate")
        assert evaluated.status_code == 200, evaluated.text
        requested = world.post(
            who,
            f"/api/v1/contracts/{contract}/exclusions",
            json={"source": "calls", "period": PERIOD, "reason": "force_majeure"},
        )
        assert requested.status_code == 201, requested.text
    register = RiskRegister(
        risks=(
            Risk(
                id="R-SHARED",
                title="Both contact centres use one telephony sub-processor",
                category=RiskCategory.CONCENTRATION,
                likelihood=3,
                impact=4,
                owner="vendor management",
                mitigation="ask helpco and otherco for their exit plans",
                contracts=("acme-cs-2026", "other-cs-2026"),
                vendors=("helpco", "otherco"),
                explanation="acme-cs-2026 and other-cs-2026 route calls through one carrier",
            ),
        )
    )
    risks.apply_risk_register(app, actor=admin, register=register)


def _paths(world: World, who: str) -> list[str]:
    """Every GET of the schema, its path parameters filled with this persona's ids and the
    other vendor's."""
    schema = world.client.get("/api/v1/openapi.json").json()
    own_contract, own_vendor = OWN[who]
    other = "charlie" if who == "bob" else "bob"
    other_contract, other_vendor = OWN[other]
    choices = {
        "contract_id": [own_contract, other_contract],
        "vendor_id": [own_vendor, other_vendor],
        "period": [PERIOD],
        "project": ["none"],
        "job_id": ["none"],
        "exclusion_id": ["1"],
        "service_level_id": ["SL-01"],
    }
    paths: list[str] = []
    for template, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        filled = [template]
        for name, values in choices.items():
            if "{" + name + "}" in template:
                filled = [p.replace("{" + name + "}", v) for p in filled for v in values]
        assert all("{" not in p for p in filled), filled
        paths += filled
    return paths


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_no_field_of_any_answer_names_another_vendor_or_its_contracts(
    world: World, seeded: None, who: str
) -> None:
    checked = 0
    leaks: list[str] = []
    for path in _paths(world, who):
        for query in ({}, {"period": PERIOD}, {"include_closed": "true"}):
            response = world.get(who, path, params=query)
            if response.headers.get("content-type", "").startswith(("application/yaml", "text/")):
                texts = [response.text]
            else:
                texts = list(_texts(response.json()))
            sent = {name for name in HIDDEN[who] if name in path}
            if sent:
                assert response.status_code in (403, 404, 422), (path, response.status_code)
            for text in texts:
                for name in HIDDEN[who] - sent:
                    if name in text:
                        leaks.append(f"{path} {query}: {text!r} names {name}")
            checked += len(texts)
    assert checked > 200  # the answers were not empty
    assert not leaks, "\n".join(leaks)


def test_a_vendor_reads_its_part_of_a_risk_that_spans_vendors(world: World, seeded: None) -> None:
    [risk] = [r for r in world.get("bob", "/api/v1/risks").json()["items"] if r["id"] == "R-SHARED"]
    assert risk["contracts"] == ["acme-cs-2026"]
    assert risk["vendors"] == ["helpco"]
    assert risk["explanation"] == (
        "acme-cs-2026 and (another contract) route calls through one carrier"
    )
    assert risk["mitigation"] == "ask helpco and (another vendor) for their exit plans"
    # the client manager reads it whole
    [whole] = [
        r for r in world.get("alice", "/api/v1/risks").json()["items"] if r["id"] == "R-SHARED"
    ]
    assert whole["contracts"] == ["acme-cs-2026", "other-cs-2026"]
    assert whole["vendors"] == ["helpco", "otherco"]
