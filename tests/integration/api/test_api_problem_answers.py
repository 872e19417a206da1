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
    assert [e["where"] for e in response.json()["errors"]] == ["period"]


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
