"""A small portfolio with three months of calls, evaluated, credited and invoice-checked.

acme-cs-2026 (vendor helpco) measures SL-01 "answered within 20 s" (critical, 40 %) and
SL-02 "answered within 30 s" (a key measurement) on 20 calls a month:

* January: 20 of 20 in time → 100.00 % (met)
* February: 16 of 20 → 80.00 % (met: exactly the expected 80 %)
* March: 14 of 20 → 70.00 % (breached: below the 75 % minimum)

Fees are one fixed 100,000,000 KRW a month; at risk 12 % = 12,000,000; the March breach of
SL-01 costs 12,000,000 × 40 % = 4,800,000 KRW. The vendor's March invoice asks 101,000,000
and deducts nothing: expected 100,000,000 − 4,800,000 = 95,200,000, difference 5,800,000.

other-cs-2026 (vendor otherco) is named "=SUM(1,2)" to prove spreadsheets keep it as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from reports_fixtures import BUSINESS_CASE

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.exclusions import ExclusionReason
from servicepact.domain.risks import Risk, RiskCategory, RiskRegister
from servicepact.services.commercials import check_invoice_file, state_credits
from servicepact.services.contracts import apply_contract
from servicepact.services.evaluation import evaluate_period, request_exclusion
from servicepact.services.loads import load_rows
from servicepact.services.risks import apply_risk_register

CONTRACT = "acme-cs-2026"
OTHER = "other-cs-2026"
FORMULA_NAME = "=SUM(1,2)"
MONTHS = {"2026-01": 20, "2026-02": 16, "2026-03": 14}  # calls answered in time, of 20
REVIEW_NOW = datetime(2026, 4, 2, 0, 30, tzinfo=UTC)  # March is over and can be reviewed


def contract_model(contract_id: str, *, vendor: str, name: str) -> Contract:
    return Contract.model_validate(
        {
            "id": contract_id,
            "name": name,
            "client": "acme",
            "vendor": vendor,
            "term": {"start": "2026-01-01", "end": "2028-12-31"},
            "currency": "KRW",
            "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
            "fees": [{"id": "base", "kind": "fixed", "amount": 100000000}],
            "credits": {"at_risk_percent": 12, "pool_percent": 150},
            "service_levels": [
                {
                    "id": "SL-01",
                    "name": "Calls answered within 20 s",
                    "kpi": "answered_within",
                    "source": "calls",
                    "params": {"seconds": 20},
                    "calendar": "always",
                    "expected": "0.80",
                    "minimum": "0.75",
                    "kind": "critical",
                    "allocation_percent": 40,
                },
                {
                    "id": "SL-02",
                    "name": "Calls answered within 30 s",
                    "kpi": "answered_within",
                    "source": "calls",
                    "params": {"seconds": 30},
                    "calendar": "always",
                    "expected": "0.90",
                    "minimum": "0.80",
                    "kind": "key",
                },
            ],
        }
    )


def apply(app: App, actor: Actor, model: Contract) -> None:
    document = ContractDocument(
        contract=model,
        document=canonical_document(model),
        source=f"{model.id}.yaml",
        sha256=contract_hash(model),
    )
    apply_contract(app, actor=actor, document=document)


def calls(month: str, in_time: int, total: int = 20) -> list[dict[str, str]]:
    """``total`` calls on the 10th: the first ``in_time`` answered after 10 s, the rest 60 s."""
    rows = []
    for i in range(total):
        wait = 10 if i < in_time else 60
        rows.append(
            {
                "id": f"{month}-{i:03d}",
                "offered_at": f"{month}-10T09:{i:02d}:00+09:00",
                "answered_at": f"{month}-10T09:{i + wait // 60:02d}:{wait % 60:02d}+09:00",
            }
        )
    return rows


INVOICE = (
    "fee_id,description,quantity,unit_price,amount,period\n"
    "base,Monthly fee,1,101000000,101000000,\n"
)


@pytest.fixture
def seeded(
    app: App,
    clock,
    tmp_path: Path,
    client_manager: Actor,
    vendor_a: Actor,
    vendor_b: Actor,
) -> App:
    clock.now = REVIEW_NOW
    apply(app, client_manager, contract_model(CONTRACT, vendor="helpco", name="Contact centre"))
    apply(app, client_manager, contract_model(OTHER, vendor="otherco", name=FORMULA_NAME))
    for month, in_time in MONTHS.items():
        load_rows(
            app, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=calls(month, in_time)
        )
        load_rows(app, actor=vendor_b, contract_id=OTHER, source="calls", rows=calls(month, 20))
    for contract_id in (CONTRACT, OTHER):
        for month in MONTHS:
            evaluate_period(app, actor=client_manager, contract_id=contract_id, period_label=month)
            state_credits(
                app, actor=client_manager, contract_id=contract_id, period=month, store=True
            )
    invoice = tmp_path / "acme-cs-2026-2026-03.csv"
    invoice.write_text(INVOICE, encoding="utf-8")
    check_invoice_file(
        app, actor=client_manager, contract_id=CONTRACT, period="2026-03", path=invoice
    )
    request_exclusion(
        app,
        actor=vendor_a,
        contract_id=CONTRACT,
        source="calls",
        reason=ExclusionReason.CLIENT_CAUSED,
        service_level_id="SL-01",
        event_ids=["2026-03-019"],
        note="the client's switchboard was down",
    )
    apply_risk_register(
        app,
        actor=client_manager,
        register=RiskRegister(
            risks=(
                Risk(
                    id="R-001",
                    title="Customer data exposed through the CRM",
                    category=RiskCategory.DATA_SECURITY,
                    likelihood=2,
                    impact=5,
                    owner="CISO office",
                    contracts=(CONTRACT,),
                ),
                Risk(
                    id="R-002",
                    title="Single vendor for all calls",
                    category=RiskCategory.CONCENTRATION,
                    likelihood=4,
                    impact=4,
                    owner="CFO",
                    contracts=(OTHER,),
                ),
            )
        ),
    )
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / f"{CONTRACT}.yaml").write_text(BUSINESS_CASE, encoding="utf-8")
    return app
