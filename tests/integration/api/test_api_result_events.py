"""GET /contracts/{id}/results/{sl}/{period}/events: the events behind a stored result.

February: bob's vendor loads 6 calls answered after 10 s and 4 after 45 s (target 20 s);
alice evaluates the month: 6 of 10.
"""

from __future__ import annotations

import pytest
from api_world import World, calls

PROBLEM = "application/problem+json"
EVENTS = "/api/v1/contracts/acme-cs-2026/results/SL-01/2026-02/events"


@pytest.fixture
def measured(world: World) -> World:
    rows = calls(6) + [
        {**row, "id": f"late-{i}"}
        for i, row in enumerate(calls(4, answered_after=45, day="2026-02-11"))
    ]
    path = "/api/v1/contracts/acme-cs-2026/sources/calls/batches"
    assert world.post("bob", path, json={"rows": rows}).status_code == 201
    evaluated = world.post("alice", "/api/v1/contracts/acme-cs-2026/periods/2026-02/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    return world


def test_the_failing_calls_are_listed_first_and_add_up_to_the_result(measured: World) -> None:
    answer = measured.get("bob", EVENTS, params={"outcome": "failed", "per_page": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total"], body["page"], body["per_page"]) == (4, 1, 3)
    assert answer.headers["X-Total-Count"] == "4"
    assert body["links"]["next"] is not None
    assert [e["id"] for e in body["items"]] == ["late-0", "late-1", "late-2"]
    late = body["items"][0]
    assert (late["outcome"], late["reason"]) == ("failed", "over_target")
    assert (late["measured"], late["target"], late["margin"]) == ("45", "20", "-25")
    assert late["counts_at"] == "2026-02-11T10:00:00+09:00"
    assert body["result"]["numerator"] == "6"
    assert body["result"]["denominator"] == 10
    assert body["listed"] == {"numerator": 6, "denominator": 10, "sample_size": 10}
    assert body["agrees"] is True
    assert body["freshness"] == {"current": True, "reasons": [], "closed": False}
    assert body["counts"] == {"failed": 4, "excluded": 0, "met": 6}
    assert [d["key"] for d in body["breakdowns"]["day"]] == ["2026-02-10", "2026-02-11"]
    everything = measured.get("alice", EVENTS).json()
    assert [e["outcome"] for e in everything["items"]] == ["failed"] * 4 + ["met"] * 6


def test_another_vendor_gets_404_and_a_bad_filter_422(measured: World) -> None:
    refused = measured.get("charlie", EVENTS)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == PROBLEM
    assert "late-0" not in refused.text
    bad = measured.get("alice", EVENTS, params={"outcome": "late"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM
    assert "outcome" in bad.text
    missing = measured.get("alice", EVENTS.replace("2026-02", "2026-05"))
    assert missing.status_code == 404
    assert "evaluate the period first" in missing.json()["detail"]


def test_the_events_endpoint_is_in_the_openapi_document(world: World) -> None:
    document = world.get("alice", "/api/v1/openapi.json").json()
    operation = document["paths"][
        "/api/v1/contracts/{contract_id}/results/{service_level_id}/{period}/events"
    ]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"outcome", "page", "per_page"}
    assert "404" in operation["responses"]
    assert "422" in operation["responses"]
