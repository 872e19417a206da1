"""An amendment of a contract with measured months, through the API: refused with 409 naming
the months and their results, and the values to send again; accepted with
``effective_from`` (earlier months keep the previous terms) or ``remeasure_from``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_world import World, calls

CONTRACT = "acme-cs-2026"  # version 1 in the world: SL-01 expected 0.80, minimum 0.75


@pytest.fixture
def february(world: World) -> None:
    # 15 of 20 calls within 20 s = 0.75: below the expected 0.80
    rows = calls(15, answered_after=10) + calls(5, answered_after=40, day="2026-02-11")
    loaded = world.post("alice", f"/api/v1/contracts/{CONTRACT}/sources/calls/batches",
                        json={"rows": rows})  # fmt: skip
    assert loaded.status_code == 201, loaded.text
    evaluated = world.post("alice", f"/api/v1/contracts/{CONTRACT}/periods/2026-02/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    assert evaluated.json()[0]["status"] == "below_expected"


def put(world: World, body: str, **params: str) -> object:
    headers = {**world.headers("alice"), "Content-Type": "application/yaml"}
    return world.client.put("/api/v1/contracts", content=body, headers=headers, params=params)


def test_an_amendment_without_a_month_answers_409_naming_the_months(
    world: World, february: None, contract_yaml: Callable[..., str]
) -> None:
    body = contract_yaml(CONTRACT, expected="0.75")  # would turn February to "met"
    refused = put(world, body)
    assert refused.status_code == 409, refused.text  # type: ignore[attr-defined]
    answer = refused.json()  # type: ignore[attr-defined]
    assert answer["type"].endswith("amendment_changes_results")
    assert "2026-02" in answer["detail"]
    assert "?effective_from=2026-03" in answer["detail"]
    assert answer["retry_with"] == {"effective_from": "2026-03", "remeasure_from": "2026-02"}
    assert answer["months"] == [
        {
            "period": "2026-02",
            "contract_version": 1,
            "results": [
                {"service_level_id": "SL-01", "value": "0.7500", "status": "below_expected"}
            ],
        }
    ]
    versions = world.get("alice", f"/api/v1/contracts/{CONTRACT}").json()
    assert versions["version"] == 1


def test_effective_from_applies_from_then_and_keeps_february(
    world: World, february: None, contract_yaml: Callable[..., str]
) -> None:
    body = contract_yaml(CONTRACT, expected="0.75")
    accepted = put(world, body, effective_from="2026-03")
    assert accepted.status_code == 200, accepted.text  # type: ignore[attr-defined]
    answer = accepted.json()  # type: ignore[attr-defined]
    assert (answer["version"], answer["effective_from"], answer["remeasured"]) == (
        2,
        "2026-03",
        [],
    )
    again = world.post("alice", f"/api/v1/contracts/{CONTRACT}/periods/2026-02/evaluate")
    assert (again.json()[0]["contract_version"], again.json()[0]["status"]) == (
        1,
        "below_expected",
    )


def test_remeasure_from_measures_february_again_under_the_new_terms(
    world: World, february: None, contract_yaml: Callable[..., str]
) -> None:
    body = contract_yaml(CONTRACT, expected="0.75")
    accepted = put(world, body, remeasure_from="2026-02")
    assert accepted.status_code == 200, accepted.text  # type: ignore[attr-defined]
    assert accepted.json()["remeasured"] == ["2026-02"]  # type: ignore[attr-defined]
    results = world.get("alice", f"/api/v1/contracts/{CONTRACT}/results").json()
    (february_result,) = [r for r in results["items"] if r["period"] == "2026-02"]
    assert (february_result["contract_version"], february_result["status"]) == (2, "met")
