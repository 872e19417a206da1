"""Bearer tokens, problem+json, pagination, and what each persona may see through the API."""

from __future__ import annotations

import pytest
from api_world import World, calls

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.risks import Risk, RiskCategory, RiskRegister
from servicepact.services import risks

PROBLEM = "application/problem+json"


def test_a_request_without_a_token_is_refused_with_401_problem_json(world: World) -> None:
    response = world.client.get("/api/v1/contracts")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["instance"] == "/api/v1/contracts"
    assert set(body) >= {"type", "title", "status", "detail", "instance"}


def test_an_unknown_token_is_refused_like_a_missing_one(world: World) -> None:
    response = world.client.get(
        "/api/v1/contracts", headers={"Authorization": "Bearer sp_not-a-real-token"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or revoked API token"


def test_health_answers_without_a_token(world: World) -> None:
    response = world.client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_contract_list_pages_with_total_and_links(world: World) -> None:
    first = world.get("alice", "/api/v1/contracts", params={"per_page": 2})
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 3
    assert [c["id"] for c in body["items"]] == ["acme-cs-2026", "acme-it-2026"]
    assert body["links"]["prev"] is None
    assert 'rel="next"' in first.headers["link"]
    second = world.client.get(body["links"]["next"], headers=world.headers("alice")).json()
    assert [c["id"] for c in second["items"]] == ["other-cs-2026"]
    assert second["links"]["next"] is None


def test_a_page_size_above_the_limit_is_invalid_input_naming_the_parameter(world: World) -> None:
    response = world.get("alice", "/api/v1/contracts", params={"per_page": 100000})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["where"] == "query.per_page"


def test_a_vendor_user_lists_only_its_own_contracts(world: World) -> None:
    bob = world.get("bob", "/api/v1/contracts").json()
    charlie = world.get("charlie", "/api/v1/contracts").json()
    assert [c["id"] for c in bob["items"]] == ["acme-cs-2026", "acme-it-2026"]
    assert [c["id"] for c in charlie["items"]] == ["other-cs-2026"]
    assert bob["total"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contracts/other-cs-2026",
        "/api/v1/contracts/other-cs-2026/export",
        "/api/v1/contracts/other-cs-2026/results",
        "/api/v1/contracts/other-cs-2026/results/SL-01/2026-02/events",
        "/api/v1/contracts/other-cs-2026/batches",
        "/api/v1/contracts/other-cs-2026/quarantine",
        "/api/v1/contracts/other-cs-2026/exclusions",
        "/api/v1/vendors/otherco/scorecard?period=2026-02",
    ],
)
def test_bob_cannot_see_anything_of_charlies_vendor(world: World, path: str) -> None:
    # The answer must be the one for a contract or vendor that does not exist at all: it
    # echoes only the identifier bob asked for and says nothing else about charlie's vendor.
    response = world.get("bob", path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    unknown_path = path.replace("other-cs-2026", "none-cs-2026").replace("otherco", "noneco")
    unknown = world.get("bob", unknown_path)
    assert unknown.status_code == 404
    assert (
        response.text.replace("other-cs-2026", "none-cs-2026").replace("otherco", "noneco")
        == unknown.text
    )


def test_bob_cannot_load_events_into_charlies_contract(world: World) -> None:
    response = world.post(
        "bob", "/api/v1/contracts/other-cs-2026/sources/calls/batches", json={"rows": calls(2)}
    )
    assert response.status_code == 404
    listed = world.get("charlie", "/api/v1/contracts/other-cs-2026/batches").json()
    assert listed["total"] == 0


def test_bob_does_not_see_the_audit_trail_but_the_auditor_does(world: World) -> None:
    assert world.get("bob", "/api/v1/audit").status_code == 403
    entries = world.get("dana", "/api/v1/audit", params={"limit": 5}).json()
    assert len(entries["items"]) == 5
    assert entries["next"] is not None  # more, older entries behind the cursor


def test_an_auditor_cannot_write(world: World) -> None:
    response = world.post(
        "dana", "/api/v1/contracts/acme-cs-2026/sources/calls/batches", json={"rows": calls(1)}
    )
    assert response.status_code == 403
    assert response.json()["title"] == "Access denied"


def test_vendor_selections_are_the_clients_only(world: World) -> None:
    assert world.get("bob", "/api/v1/selection/projects").status_code == 403
    assert world.get("alice", "/api/v1/selection/projects").status_code == 200


def test_an_unknown_route_is_a_problem_too(world: World) -> None:
    response = world.get("alice", "/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_the_openapi_document_names_tags_security_and_examples(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json").json()
    tags = {tag["name"] for tag in spec["tags"]}
    assert {"contracts", "data loads", "results", "audit", "health"} <= tags
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    batch = spec["components"]["schemas"]["BatchCreate"]
    assert batch["examples"][0]["rows"][0]["id"] == "C-1"
    summaries = [op["summary"] for path in spec["paths"].values() for op in path.values()]
    assert all(summaries)


def test_risk_lists_and_the_heat_map_hold_only_a_vendors_own_risks(
    world: World, app: App, admin: Actor
) -> None:
    register = RiskRegister(
        risks=(
            Risk(id="R-1", title="Helpco data exposure", category=RiskCategory.DATA_SECURITY,
                 likelihood=2, impact=5, owner="security office", contracts=("acme-cs-2026",)),
            Risk(id="R-2", title="Otherco capacity", category=RiskCategory.SERVICE_QUALITY,
                 likelihood=4, impact=3, owner="operations", contracts=("other-cs-2026",)),
        )
    )  # fmt: skip
    risks.apply_risk_register(app, actor=admin, register=register)
    assert [r["id"] for r in world.get("alice", "/api/v1/risks").json()["items"]] == ["R-1", "R-2"]
    bob = world.get("bob", "/api/v1/risks").json()
    assert [r["id"] for r in bob["items"]] == ["R-1"]
    assert bob["items"][0]["score"] == 10  # 2 × 5
    grid = world.get("bob", "/api/v1/risks/heat-map").json()["data"]
    placed = [cell["risks"] for row in grid for cell in row if cell["risks"]]
    assert placed == [["R-1"]]


def test_the_docs_page_loads_swagger_ui_from_the_package_not_a_cdn(world: World) -> None:
    page = world.client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")
    assert world.client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
