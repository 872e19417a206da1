"""Credits, invoice checks and month close through the API, on a contract with a fixed fee."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from api_world import World, calls

FEE = 100_000_000  # KRW a month: PRODUCT.md §7's worked example
CONTRACT = "acme-fee-2026"


@pytest.fixture
def fee_contract(world: World, contract_yaml: Callable[..., str]) -> str:
    document = yaml.safe_load(contract_yaml(CONTRACT))
    document["contract"]["fees"] = [{"id": "base", "kind": "fixed", "amount": FEE, "per": "month"}]
    response = world.client.put(
        "/api/v1/contracts",
        content=yaml.safe_dump(document),
        headers={**world.headers("alice"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    # 10 of 20 calls within 20 s = 50 %, under the minimum of 75 %: SL-01 is breached
    rows = calls(10, answered_after=10) + calls(10, answered_after=40, day="2026-02-11")
    loaded = world.post("alice", f"/api/v1/contracts/{CONTRACT}/sources/calls/batches",
                        json={"rows": rows})  # fmt: skip
    assert loaded.status_code == 201, loaded.text
    evaluated = world.post("alice", f"/api/v1/contracts/{CONTRACT}/periods/2026-02/evaluate")
    assert evaluated.json()[0]["status"] == "breached"
    return CONTRACT


def test_the_credit_statement_charges_the_breach_at_its_allocation(
    world: World, fee_contract: str
) -> None:
    response = world.get("alice", f"/api/v1/contracts/{fee_contract}/periods/2026-02/credits")
    assert response.status_code == 200, response.text
    credits = response.json()["data"]["credits"]
    # at risk 12 % × 100,000,000 = 12,000,000; SL-01 breached at 40 % → 4,800,000
    assert credits["at_risk"] == "12000000"
    assert credits["total"] == "4800000"


def test_an_uploaded_invoice_is_checked_line_by_line_and_listed(
    world: World, fee_contract: str
) -> None:
    invoice = (
        "fee_id,description,quantity,unit_price,amount,period,currency\n"
        f"base,Monthly service,1,{FEE},{FEE},,KRW\n"
    )
    path = f"/api/v1/contracts/{fee_contract}/periods/2026-02/invoice-checks"
    checked = world.post("alice", path, files={"file": ("feb.csv", invoice, "text/csv")})
    assert checked.status_code == 201, checked.text
    check = checked.json()["data"]["check"]
    # expected: 100,000,000 fee − 4,800,000 credit = 95,200,000; invoiced 100,000,000
    assert check["expected_total"] == "95200000"
    assert check["invoiced_total"] == "100000000"
    assert check["verdict"] != "match"
    listed = world.get("bob", path).json()["data"]
    assert [row["source_name"] for row in listed] == ["feb.csv"]


def test_an_invoice_without_its_columns_is_refused_naming_the_header(
    world: World, fee_contract: str
) -> None:
    path = f"/api/v1/contracts/{fee_contract}/periods/2026-02/invoice-checks"
    response = world.post("alice", path, files={"file": ("bad.csv", "a,b\n1,2\n", "text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["where"] == "header"
    assert world.get("alice", path).json()["data"] == []


def test_a_closed_month_refuses_evaluation_until_reopened_with_a_reason(
    world: World, fee_contract: str
) -> None:
    month = f"/api/v1/contracts/{fee_contract}/periods/2026-02"
    assert world.post("bob", f"{month}/close").status_code == 403
    closed = world.post("alice", f"{month}/close")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["version"]) == ("closed", 1)
    refused = world.post("alice", f"{month}/evaluate")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("period_closed")
    assert world.post("alice", f"{month}/reopen", json={"reason": ""}).status_code == 422
    reopened = world.post("alice", f"{month}/reopen", json={"reason": "vendor disputed SL-01"})
    assert reopened.json()["status"] == "reopened"
    assert world.post("alice", f"{month}/evaluate").status_code == 200
    trail = world.get("dana", "/api/v1/audit", params={"entity_type": "period_close"}).json()
    assert {e["action"] for e in trail["items"]} >= {"close", "reopen"}


def test_an_amendment_while_a_month_is_closed_needs_an_effective_month_after_it(
    world: World, fee_contract: str, contract_yaml: Callable[..., str]
) -> None:
    closed = world.post("alice", f"/api/v1/contracts/{fee_contract}/periods/2026-02/close")
    assert closed.status_code == 200, closed.text
    document = yaml.safe_load(contract_yaml(CONTRACT))
    document["contract"]["fees"] = [
        {"id": "base", "kind": "fixed", "amount": FEE + 1_000_000, "per": "month"}
    ]
    headers = {**world.headers("alice"), "Content-Type": "application/yaml"}
    body = yaml.safe_dump(document)
    refused = world.client.put("/api/v1/contracts", content=body, headers=headers)
    assert refused.status_code == 409, refused.text
    assert "2026-02" in refused.json()["detail"]
    too_early = world.client.put(
        "/api/v1/contracts", content=body, headers=headers, params={"effective_from": "2026-02"}
    )
    assert too_early.status_code == 409
    accepted = world.client.put(
        "/api/v1/contracts", content=body, headers=headers, params={"effective_from": "2026-03"}
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["changed"], accepted.json()["version"]) == (True, 2)
    malformed = world.client.put(
        "/api/v1/contracts", content=body, headers=headers, params={"effective_from": "March"}
    )
    assert malformed.status_code == 422
