"""The business-case page reads the applied business case from the database, wherever the
server was started (it used to read examples/business-cases/ under the current folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_world import sign_in

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.services.commercials import apply_business_case_file

# 12 months from 2026-01; in-house 2 FTE × 1,000,000 = 2,000,000 a month; outsourced: the
# contract has no fees, 500,000 of retained organisation → a saving of 1,500,000 a month,
# 18,000,000 over the term.
CASE = """\
contract_id: acme-cs-2026
currency: KRW
start: 2026-01
months: 12
discount_rate_percent: 0
in_house: {fte: 2, loaded_cost_per_fte: 1000000}
outsourced: {retained_organisation: 500000}
"""


def test_the_page_shows_the_applied_case_from_another_folder(
    client: TestClient,
    app: App,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in(client, "alice")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = client.get("/business-case?contract=acme-cs-2026&lang=en")
    assert before.status_code == 200
    assert "No business case for this contract." in before.text

    case = tmp_path / "acme-cs-2026.yaml"
    case.write_text(CASE, encoding="utf-8")
    assert apply_business_case_file(app, actor=admin, path=case).version == 1
    page = client.get("/business-case?contract=acme-cs-2026&lang=en")
    assert page.status_code == 200
    assert "No business case" not in page.text
    assert "18,000,000" in page.text  # the total saving
    assert "1,500,000" in page.text  # each month's saving
