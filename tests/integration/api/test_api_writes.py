"""Writes through the API: contracts, event batches, evaluation, exclusions — each audited."""

from __future__ import annotations

from collections.abc import Callable

import yaml
from api_world import World, calls


def test_applying_a_contract_creates_it_and_the_audit_trail_names_alice(
    world: World, contract_yaml: Callable[..., str]
) -> None:
    response = world.client.put(
        "/api/v1/contracts",
        content=contract_yaml("acme-hr-2026"),
        headers={**world.headers("alice"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200
    stored = world.get("alice", "/api/v1/contracts/acme-hr-2026").json()
    assert response.json() == {
        "contract_id": "acme-hr-2026",
        "version": 1,
        "changed": True,
        "supersedes": None,
        "calendar_hash": stored["calendar_hash"],  # as the CLI prints it
        "holiday_changes": {},
        "effective_from": None,
        "remeasured": [],
    }
    trail = world.get(
        "dana", "/api/v1/audit", params={"entity_type": "contract", "entity_id": "acme-hr-2026"}
    ).json()
    assert [(e["actor_user"], e["action"]) for e in trail["items"]] == [("alice", "create")]


def test_a_changed_contract_becomes_version_2_and_the_same_one_changes_nothing(
    world: World, contract_yaml: Callable[..., str]
) -> None:
    headers = {**world.headers("alice"), "Content-Type": "application/json"}
    # the same document as JSON: JSON is read by the same parser
    changed = yaml.safe_load(contract_yaml("acme-cs-2026", expected="0.85"))
    first = world.client.put("/api/v1/contracts", json=changed, headers=headers).json()
    again = world.client.put("/api/v1/contracts", json=changed, headers=headers).json()
    assert (first["version"], first["changed"], first["supersedes"]) == (2, True, 1)
    assert (again["version"], again["changed"]) == (2, False)
    read = world.get("bob", "/api/v1/contracts/acme-cs-2026").json()
    assert read["versions"] == [1, 2]
    assert read["contract"]["service_levels"][0]["expected"] == "0.85"


def test_an_invalid_contract_answers_422_with_every_problem_and_where(
    world: World, contract_yaml: Callable[..., str]
) -> None:
    bad = yaml.safe_load(contract_yaml("acme-bad-2026"))
    bad["contract"]["service_levels"][0]["kpi"] = "answerd_within"
    bad["contract"]["term"] = {"start": "2026-01-01"}
    response = world.client.put(
        "/api/v1/contracts",
        content=yaml.safe_dump(bad),
        headers={**world.headers("alice"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("invalid_input")
    wheres = {e["where"] for e in body["errors"]}
    assert "contract.service_levels[0].kpi" in wheres
    assert any(w.startswith("contract.term") for w in wheres)
    assert world.get("alice", "/api/v1/contracts/acme-bad-2026").status_code == 404


def test_a_vendor_cannot_apply_a_contract(world: World, contract_yaml: Callable[..., str]) -> None:
    response = world.client.put(
        "/api/v1/contracts",
        content=contract_yaml("acme-hr-2026"),
        headers={**world.headers("bob"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 403


def test_an_export_reapplied_changes_nothing(world: World) -> None:
    exported = world.get("alice", "/api/v1/contracts/acme-cs-2026/export")
    assert exported.headers["content-type"].startswith("application/yaml")
    again = world.client.put(
        "/api/v1/contracts",
        content=exported.content,
        headers={**world.headers("alice"), "Content-Type": "application/yaml"},
    ).json()
    assert (again["version"], again["changed"]) == (1, False)


def test_bob_loads_a_batch_once_evaluates_february_and_reads_the_result(world: World) -> None:
    path = "/api/v1/contracts/acme-cs-2026/sources/calls/batches"
    # 16 answered within 10 s and 4 after 30 s: 16/20 = 80 % against expected 80 % → met
    rows = calls(16, answered_after=10) + calls(4, answered_after=30, day="2026-02-11")
    loaded = world.post("bob", path, json={"rows": rows})
    assert loaded.status_code == 201, loaded.text
    assert loaded.json()["rows_accepted"] == 20
    duplicate = world.post("bob", path, json={"rows": rows}).json()
    assert duplicate["duplicate_of"] == loaded.json()["batch_seq"]
    assert world.get("bob", "/api/v1/contracts/acme-cs-2026/batches").json()["total"] == 1

    evaluated = world.post("alice", "/api/v1/contracts/acme-cs-2026/periods/2026-02/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    results = world.get(
        "bob", "/api/v1/contracts/acme-cs-2026/results", params={"period": "2026-02"}
    ).json()
    (result,) = results["items"]
    assert (result["value"], result["status"], result["colour"]) == ("4/5", "met", "green")
    assert result["sample_size"] == 20
    trail = world.get("dana", "/api/v1/audit", params={"entity_id": "acme-cs-2026"}).json()
    assert "evaluate" in {e["action"] for e in trail["items"]}


def test_a_batch_with_a_bad_row_answers_422_naming_the_row_and_stores_nothing(
    world: World,
) -> None:
    rows = calls(3)
    rows[1]["offered_at"] = "yesterday"
    response = world.post(
        "bob", "/api/v1/contracts/acme-cs-2026/sources/calls/batches", json={"rows": rows}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any("offered_at" in e["where"] or "offered_at" in e["message"] for e in errors)
    assert world.get("bob", "/api/v1/contracts/acme-cs-2026/batches").json()["total"] == 0


def test_an_exclusion_requested_by_bob_is_approved_by_alice_not_by_bob(world: World) -> None:
    requested = world.post(
        "bob",
        "/api/v1/contracts/acme-cs-2026/exclusions",
        json={
            "source": "calls",
            "service_level_id": "SL-01",
            "period": "2026-02",
            "reason": "force_majeure",
            "note": "typhoon",
        },
    )
    assert requested.status_code == 201, requested.text
    exclusion_id = requested.json()["id"]
    assert (
        world.post("bob", f"/api/v1/exclusions/{exclusion_id}/approve", json={}).status_code == 403
    )
    approved = world.post(
        "alice", f"/api/v1/exclusions/{exclusion_id}/approve", json={"note": "ok"}
    )
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "alice"
    listed = world.get("bob", "/api/v1/contracts/acme-cs-2026/exclusions").json()
    assert [x["status"] for x in listed["items"]] == ["approved"]


def test_an_amendment_answers_its_calendar_hash_and_the_holidays_that_moved(
    world: World, contract_yaml: Callable[..., str]
) -> None:
    """What ``contract apply`` prints, the API answers: the new version's calendar hash and,
    per calendar, the days added and removed against the version it supersedes."""
    headers = {**world.headers("alice"), "Content-Type": "application/json"}
    document = yaml.safe_load(contract_yaml("acme-hol-2026"))
    calendar = document["contract"]["calendars"]["always"]
    calendar["holidays"] = {"add": ["2026-03-02"]}
    first = world.client.put("/api/v1/contracts", json=document, headers=headers).json()
    calendar["holidays"] = {"add": ["2026-03-10"]}
    second = world.client.put("/api/v1/contracts", json=document, headers=headers).json()
    again = world.client.put("/api/v1/contracts", json=document, headers=headers).json()
    read = world.get("alice", "/api/v1/contracts/acme-hol-2026").json()
    assert first["holiday_changes"] == {}  # a first version supersedes nothing
    assert (second["version"], second["supersedes"]) == (2, 1)
    assert second["calendar_hash"] == read["calendar_hash"] != first["calendar_hash"]
    assert second["holiday_changes"] == {
        "always": {"added": ["2026-03-10"], "removed": ["2026-03-02"]}
    }
    # the same content again changes nothing and fixes no new list
    assert (again["changed"], again["calendar_hash"], again["holiday_changes"]) == (
        False,
        None,
        {},
    )
