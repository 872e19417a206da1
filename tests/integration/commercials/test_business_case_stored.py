"""Business cases and broker terms are stored when applied, so the command line and the API
find them from any folder (on SQLite and PostgreSQL).

The example contact-centre contract (hanbit-cc-2026, brokered by BridgePoint) and its business
case file (examples/business-cases/hanbit-cc-2026.yaml: 9,500 calls a month, broker margin
10 %).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.cli.errors import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_OK
from servicepact.domain.access import Actor, Role
from servicepact.services import users

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "examples" / "contact-centre.yaml"
CASE = ROOT / "examples" / "business-cases" / "hanbit-cc-2026.yaml"
CC = "hanbit-cc-2026"
# Recurring fees of the first month at 9,500 calls: management 30,000,000 + 8 FTE × 4,500,000
# + calls 8,000 × 3,800 + 1,500 × 3,400 = 30,000,000 + 36,000,000 + 35,500,000 = 101,500,000;
# the broker keeps 10 %: 10,150,000 a month.
MARGIN = "10150000"


@pytest.fixture
def servicepact(cli_env, run_servicepact, monkeypatch, tmp_path):
    assert run_servicepact("contract", "apply", str(CONTRACT)).code == EXIT_OK
    # Every command of these tests runs far from the checkout and its examples/ folder.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return run_servicepact


def _audited(app: App, entity_type: str) -> list[tuple[str, str]]:
    with app.uow(read_only=True) as uow:
        return [
            (e.entity_id, e.action)
            for e in uow.audit.iter_entries()
            if e.entity_type == entity_type
        ]


def test_an_applied_business_case_is_found_from_any_folder(servicepact, app: App) -> None:
    missing = servicepact("business-case", "--contract", CC)
    assert missing.code == EXIT_NOT_FOUND
    assert "no business case applied for contract 'hanbit-cc-2026'" in missing.err
    unknown = servicepact("broker", "--contract", CC, "--format", "json")
    assert unknown.code == EXIT_OK, unknown.err
    assert json.loads(unknown.out)["margin_monthly"] is None  # not known before it is applied

    first = servicepact("business-case", "--apply", str(CASE))
    assert first.code == EXIT_OK, first.err
    assert "business case of hanbit-cc-2026: stored as version 1" in first.out
    again = servicepact("business-case", "--apply", str(CASE), "--format", "json")
    assert json.loads(again.out) == {"contract_id": CC, "version": 1, "changed": False}
    assert _audited(app, "business_case") == [("hanbit-cc-2026/v1", "apply")]

    case = servicepact("business-case", "--contract", CC, "--format", "json")
    assert case.code == EXIT_OK, case.err
    result = json.loads(case.out)["result"]
    assert result["payback_month"] == 4
    assert result["investment"] == "150000000"
    assert result["broker_margin_monthly"] is not None  # the broker terms came with it
    broker = servicepact("broker", "--contract", CC, "--format", "json")
    assert broker.code == EXIT_OK, broker.err
    margin = json.loads(broker.out)
    assert (margin["margin_monthly"], margin["margin_percent"]) == (MARGIN, "10")


def test_a_changed_case_is_a_new_version_and_a_wrong_one_is_refused(
    servicepact, tmp_path: Path
) -> None:
    assert servicepact("business-case", "--apply", str(CASE)).code == EXIT_OK
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        CASE.read_text(encoding="utf-8").replace("margin_percent: 10", "margin_percent: 12"),
        encoding="utf-8",
    )
    second = servicepact("business-case", "--apply", str(changed))
    assert "stored as version 2" in second.out, second.err
    broker = json.loads(servicepact("broker", "--contract", CC, "--format", "json").out)
    assert broker["margin_monthly"] == "12180000"  # 12 % of 101,500,000

    wrong = servicepact("business-case", "--apply", str(CASE), "--contract", "hanbit-hr-2026")
    assert wrong.code == EXIT_INVALID
    assert "the file is for 'hanbit-cc-2026', not --contract 'hanbit-hr-2026'" in wrong.err
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        CASE.read_text(encoding="utf-8").replace("months: 36", "months: 0"), encoding="utf-8"
    )
    refused = servicepact("business-case", "--apply", str(broken))
    assert refused.code == EXIT_INVALID
    assert "broken.yaml" in refused.err
    assert "months" in refused.err
    # nothing of the refused files was stored: still version 2
    assert (
        json.loads(servicepact("broker", "--contract", CC, "--format", "json").out)[
            "margin_monthly"
        ]
        == "12180000"
    )


def test_the_api_reads_and_applies_the_stored_case(servicepact, app: App, admin: Actor) -> None:
    users.add_user(app, actor=admin, name="alice", role=Role.CLIENT_MANAGER)
    users.add_user(app, actor=admin, name="bob", role=Role.VENDOR, party="callnet")
    alice = {"Authorization": f"Bearer {users.create_token(app, actor=admin, user='alice').token}"}
    bob = {"Authorization": f"Bearer {users.create_token(app, actor=admin, user='bob').token}"}
    path = f"/api/v1/contracts/{CC}/business-case"
    yaml_body = {"Content-Type": "application/yaml"}
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        assert client.get(path, headers=alice).status_code == 404
        put = client.put(path, headers={**alice, **yaml_body}, content=CASE.read_bytes())
        assert put.status_code == 200, put.text
        assert put.json() == {"contract_id": CC, "version": 1, "changed": True}
        same = client.put(path, headers={**alice, **yaml_body}, content=CASE.read_bytes())
        assert same.json() == {"contract_id": CC, "version": 1, "changed": False}

        read = client.get(path, headers=alice)
        assert read.status_code == 200, read.text
        assert read.json()["data"]["result"]["payback_month"] == 4

        other = client.put(
            "/api/v1/contracts/hanbit-hr-2026/business-case",
            headers={**alice, **yaml_body},
            content=CASE.read_bytes(),
        )
        assert other.status_code in (404, 422)
        assert client.put(
            path, headers={**bob, **yaml_body}, content=CASE.read_bytes()
        ).status_code in (
            403,
            404,
        )
        assert (
            client.put(
                path, headers={**alice, "Content-Type": "text/plain"}, content=b"x"
            ).status_code
            == 415
        )
    assert _audited(app, "business_case") == [("hanbit-cc-2026/v1", "apply")]
    # the command line finds what the API stored, from another folder
    assert servicepact("business-case", "--apply", str(CASE)).out.startswith(
        "business case of hanbit-cc-2026: unchanged: version 1"
    )
