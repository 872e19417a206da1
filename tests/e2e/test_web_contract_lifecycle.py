"""The contract page shows the lifecycle: status in words, next renewal, notice deadline, and
a termination with its reason (dates with their weekday, Korean and English)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from web_world import sign_in

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.services.contracts import apply_contract

CONTRACT = "acme-life-2026"


def _apply(app: App, actor: Actor, **lifecycle: Any) -> None:
    contract = Contract.model_validate(
        {
            "id": CONTRACT,
            "name": "Renewing contact centre",
            "client": "acme",
            "vendor": "helpco",
            "term": {"start": "2026-01-01", "end": "2026-03-31"},
            "lifecycle": {
                "renewal": {"automatic": True, "period_months": 1},
                "notice": {"days": 20, "count": "calendar_days"},
                **lifecycle,
            },
            "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
            "service_levels": [
                {
                    "id": "SL-01",
                    "name": "Calls answered within 20 s",
                    "kpi": "answered_within",
                    "source": "calls",
                    "params": {"seconds": 20},
                    "expected": "0.80",
                    "minimum": "0.75",
                    "kind": "key",
                }
            ],
        }
    )
    document = ContractDocument(
        contract=contract,
        document=canonical_document(contract),
        source=f"{CONTRACT}.yaml",
        sha256=contract_hash(contract),
    )
    apply_contract(app, actor=actor, document=document)


def test_the_contract_page_shows_status_renewal_and_notice_deadline(
    client: TestClient, app: App, admin: Actor
) -> None:
    _apply(app, admin)
    sign_in(client, "alice")
    english = client.get(f"/contracts/{CONTRACT}?lang=en").text
    # today 2026-03-02 in Seoul; the deadline 31 March − 20 days = 11 March, a Wednesday
    assert 'class="lifecycle lifecycle-in_notice_window">in notice window</span>' in english
    assert "2026-04-01 (Wed) · 1 month<" in english
    assert "2026-03-11 (Wed) · 20 calendar days" in english
    assert "Notice by then ends the contract on 2026-03-31 (Tue) instead of renewing it" in english
    korean = client.get(f"/contracts/{CONTRACT}?lang=ko").text
    assert ">해지 통지 기한 임박</span>" in korean
    assert "2026-03-11 (수) · 20일 전 통지" in korean


def test_a_terminated_contract_shows_its_date_and_reason(
    client: TestClient, app: App, admin: Actor
) -> None:
    _apply(app, admin, termination={"date": "2026-02-14", "reason": "vendor insolvency"})
    sign_in(client, "alice")
    page = client.get(f"/contracts/{CONTRACT}?lang=en").text
    assert 'lifecycle-terminated">terminated</span>' in page
    assert "2026-02-14 (Sat)" in page
    assert "vendor insolvency · Months after this day are not measured" in page
    assert "Notice deadline" not in page
    # the months shown end with the termination month
    assert '<th class="num month">26-02</th>' in page
    assert '<th class="num month">26-03</th>' not in page
