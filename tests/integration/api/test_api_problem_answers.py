"""Regressions found by the generated-request test (test_api_generated_requests.py)."""

from __future__ import annotations

import pytest
from api_world import World

from servicepact.api.errors import PROBLEM_JSON


@pytest.mark.parametrize("path", ["/api/v1/vendors/ranking", "/api/v1/vendors/helpco/scorecard"])
def test_an_unreadable_period_of_a_scorecard_answers_422_naming_the_period(
    world: World, path: str
) -> None:
    response = world.get("alice", path, params={"period": "scorecards"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert [e["where"] for e in response.json()["errors"]] == ["query.period"]


def test_the_schema_documents_every_error_answer_as_a_problem_document(world: World) -> None:
    schema = world.client.get("/api/v1/openapi.json").json()
    answers = schema["paths"]["/api/v1/contracts"]["get"]["responses"]
    for status in ("401", "403", "404", "409", "422", "4XX", "500"):
        assert list(answers[status]["content"]) == [PROBLEM_JSON], status
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_health_documents_no_token_errors(world: World) -> None:
    schema = world.client.get("/api/v1/openapi.json").json()
    assert "401" not in schema["paths"]["/api/v1/health"]["get"]["responses"]


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/api/v1/contracts/acme-cs-2026?version=99999999999999999999", "query.version"),
        ("/api/v1/contracts/acme-cs-2026/export?version=9223372036854775808", "query.version"),
        ("/api/v1/audit?before_seq=99999999999999999999", "query.before_seq"),
        # 2**31: contract versions are 32-bit INTEGER on PostgreSQL
        ("/api/v1/contracts/acme-cs-2026?version=2147483648", "query.version"),
        ("/api/v1/contracts/acme-cs-2026/export?version=2147483648", "query.version"),
    ],
)
def test_a_number_beyond_64_bits_answers_422_not_a_database_overflow(
    world: World, path: str, where: str
) -> None:
    # 2**63 = 9,223,372,036,854,775,808: one above the largest SQLite INTEGER / PostgreSQL BIGINT
    response = world.get("dana", path)
    assert response.status_code == 422, response.text
    assert [e["where"] for e in response.json()["errors"]] == [where]


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/api/v1/contracts/acme%00cs", "path.contract_id"),
        ("/api/v1/audit?entity_id=a%00b", "query.entity_id"),
        ("/api/v1/contracts/acme-cs-2026/results?period=2026-02%00", "query.period"),
    ],
)
def test_a_nul_character_in_the_address_answers_422_naming_the_parameter(
    world: World, path: str, where: str
) -> None:
    response = world.get("alice", path)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert [e["where"] for e in response.json()["errors"]] == [where]


def test_a_nul_character_in_a_json_body_answers_422_naming_the_field_and_stores_nothing(
    world: World,
) -> None:
    response = world.post(
        "bob",
        "/api/v1/contracts/acme-cs-2026/exclusions",
        json={"source": "calls", "period": "2026-02", "reason": "force_majeure", "note": "a\x00"},
    )
    assert response.status_code == 422, response.text
    assert [e["where"] for e in response.json()["errors"]] == ["body.note"]
    assert world.get("bob", "/api/v1/contracts/acme-cs-2026/exclusions").json()["total"] == 0
