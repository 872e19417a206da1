"""Invoice checks and period close through the services, on SQLite and PostgreSQL.

alice manages the contract for the client; bob works for vendor helpco; charlie for otherco.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    NotFound,
    PeriodClosed,
)
from servicepact.domain.invoices import DifferenceReason as R
from servicepact.domain.invoices import Verdict
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.services._open_periods import ensure_open_between
from servicepact.services.commercials import check_invoice_file, list_invoice_checks
from servicepact.services.contracts import apply_contract
from servicepact.services.periods import (
    close_period,
    period_history,
    reopen_period,
    statement_versions,
)
from servicepact.store.db.tables.commercials import invoice_checks

CONTRACT = "acme-cs-2026"
VOLUMES = {"calls": 60000}
HEADER = "fee_id,description,quantity,unit_price,amount,period\n"
# fees 100,000,000 + 50,000 × 900 + 10,000 × 800 = 153,000,000; at risk 12 % = 18,360,000;
# SL-01 breached: × 40 % = 7,344,000 → expected 145,656,000
CORRECT = (
    HEADER + "base,Monthly fee,1,100000000,100000000,\n"
    "calls,Calls band 1,50000,900,45000000,\n"
    "calls,Calls band 2,10000,800,8000000,\n"
    "credit:SL-01,Service credit,1,-7344000,-7344000,2026-03\n"
)
ERRORS = (
    HEADER + "base,Monthly fee,1,101000000,101000000,\n"
    "calls,Calls band 1,50000,900,45000900,\n"
    "calls,Calls band 2,11000,800,8800000,\n"
)


def breached(period: str = "2026-03") -> list[ServiceLevelResult]:
    return [
        ServiceLevelResult(
            contract_id=CONTRACT,
            contract_version=1,
            service_level_id="SL-01",
            kpi="answered_within",
            period=period,
            period_start=f"{period}-01",
            period_end=f"{period}-28",
            value=Fraction(70, 100),
            numerator=70,
            denominator=100,
            sample_size=100,
            expected=Decimal("0.80"),
            minimum=Decimal("0.75"),
            status=ResultStatus.BREACHED,
        )
    ]


@pytest.fixture
def contract(app: App, client_manager: Actor) -> Contract:
    data = {
        "id": CONTRACT,
        "name": "Customer contact centre",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
        "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
        "fees": [
            {"id": "base", "kind": "fixed", "amount": 100000000},
            {
                "id": "calls",
                "kind": "per_unit",
                "source": "calls",
                "bands": [{"upto": 50000, "price": 900}, {"price": 800}],
            },
        ],
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
                "allocation_percent": 40,
            }
        ],
    }
    model = Contract.model_validate(data)
    document = ContractDocument(
        contract=model,
        document=canonical_document(model),
        source=f"{CONTRACT}.yaml",
        sha256=contract_hash(model),
    )
    apply_contract(app, actor=client_manager, document=document)
    return model


def invoice(tmp_path, text, name="invoice.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(app, actor, path, period="2026-03"):
    return check_invoice_file(
        app,
        actor=actor,
        contract_id=CONTRACT,
        period=period,
        path=path,
        volumes=VOLUMES,
        results=breached(),
    )


def checks_stored(app) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(
            sa.select(sa.func.count()).select_from(invoice_checks)
        ).scalar()


def test_a_correct_invoice_is_accepted_and_stored_with_the_contract(
    app, contract, client_manager, tmp_path
):
    stored = check(app, client_manager, invoice(tmp_path, CORRECT))
    assert stored.check.verdict is Verdict.CORRECT
    assert stored.check.expected_total == Decimal(145_656_000)
    (row,) = list_invoice_checks(app, actor=client_manager, contract_id=CONTRACT)
    assert row["verdict"] == "correct"
    assert row["expected_total"] == "145656000"


def test_an_invoice_with_four_kinds_of_error_is_disputed(app, contract, client_manager, tmp_path):
    stored = check(app, client_manager, invoice(tmp_path, ERRORS))
    assert stored.check.verdict is Verdict.DISPUTE
    assert stored.check.reasons() == {
        R.WRONG_PRICE,
        R.ARITHMETIC_ERROR,
        R.WRONG_QUANTITY,
        R.MISSING_CREDIT,
    }
    # 1,000,000 + 900 + 800,000 + 7,344,000
    assert stored.check.difference == Decimal(9_144_900)


def test_a_credit_deducted_on_an_earlier_invoice_is_already_taken(
    app, contract, client_manager, tmp_path
):
    check(app, client_manager, invoice(tmp_path, CORRECT))
    april = (
        HEADER + "base,Monthly fee,1,100000000,100000000,\n"
        "calls,Calls band 1,50000,900,45000000,\n"
        "calls,Calls band 2,10000,800,8000000,\n"
        "credit:SL-01,March credit again,1,-7344000,-7344000,2026-03\n"
    )
    stored = check_invoice_file(
        app,
        actor=client_manager,
        contract_id=CONTRACT,
        period="2026-04",
        path=invoice(tmp_path, april, "april.csv"),
        volumes=VOLUMES,
        results=[],
    )
    assert stored.check.reasons() == {R.CREDIT_ALREADY_TAKEN}


def test_bad_invoices_are_refused_and_nothing_is_stored(app, contract, client_manager, tmp_path):
    usd = HEADER.replace("period", "currency") + "base,x,1,100000000,100000000,USD\n"
    with pytest.raises(InvalidInput, match="the line is in USD, the contract in KRW"):
        check(app, client_manager, invoice(tmp_path, usd))
    with pytest.raises(InvalidInput, match="outside the contract term"):
        check(app, client_manager, invoice(tmp_path, CORRECT), period="2030-01")
    with pytest.raises(InvalidInput, match="not a period"):
        check(app, client_manager, invoice(tmp_path, CORRECT), period="March")
    assert checks_stored(app) == 0


def test_another_vendor_cannot_check_this_contracts_invoices(
    app, contract, vendor_b, auditor, tmp_path
):
    with pytest.raises(NotFound):
        check(app, vendor_b, invoice(tmp_path, CORRECT))
    with pytest.raises(AccessDenied):
        check(app, auditor, invoice(tmp_path, CORRECT))


def test_closing_a_month_freezes_it_until_an_explained_reopen(
    app, contract, client_manager, tmp_path, monkeypatch, clock
):
    import servicepact.services.commercials as commercials

    monkeypatch.setattr(commercials, "measured_volumes", lambda app, **_: dict(VOLUMES))
    monkeypatch.setattr(commercials, "results_of", lambda app, **_: breached())
    import servicepact.services.periods as periods

    monkeypatch.setattr(periods, "results_of", lambda app, **_: breached())
    check(app, client_manager, invoice(tmp_path, CORRECT))
    with pytest.raises(Conflict, match="has not ended yet"):
        close_period(app, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    clock.advance(timedelta(days=31))

    first = close_period(app, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert first.version == 1
    assert [c["verdict"] for c in first.snapshot["outputs"]["invoice_checks"]] == ["correct"]
    assert first.snapshot["outputs"]["credits"]["total"] == "7344000"
    assert len(first.inputs_sha256) == len(first.outputs_sha256) == 64

    with pytest.raises(PeriodClosed, match=r"is closed .*checking an invoice for it is refused"):
        check(app, client_manager, invoice(tmp_path, CORRECT))
    with app.uow(read_only=True) as uow, pytest.raises(PeriodClosed, match="loading data"):
        ensure_open_between(
            uow,
            contract_id=CONTRACT,
            first=date(2026, 3, 5),
            last=date(2026, 4, 2),
        )
    with pytest.raises(InvalidInput, match="say why"):
        reopen_period(app, actor=client_manager, contract_id=CONTRACT, period="2026-03", reason=" ")

    reopened = reopen_period(
        app,
        actor=client_manager,
        contract_id=CONTRACT,
        period="2026-03",
        reason="vendor disputed the March call volumes",
    )
    assert reopened.reopen_reason == "vendor disputed the March call volumes"
    with app.uow(read_only=True) as uow:
        actions = [(e.entity_type, e.action, e.actor_user) for e in uow.audit.iter_entries()]
    assert ("period_close", "reopen", "alice") in actions

    # Re-evaluated with a different volume: a new statement version, a second close.
    monkeypatch.setattr(commercials, "measured_volumes", lambda app, **_: {"calls": 61000})
    second = close_period(app, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert second.version == 2
    assert second.inputs_sha256 != first.inputs_sha256
    history = period_history(app, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert [(h.version, h.status.value) for h in history] == [(1, "reopened"), (2, "closed")]
    assert history[0].snapshot == first.snapshot  # the old version stays readable
    versions = statement_versions(app, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert [v["version"] for v in versions] == [1, 2]


def test_only_the_clients_managers_close_periods(app, contract, vendor_a):
    with pytest.raises(AccessDenied):
        close_period(app, actor=vendor_a, contract_id=CONTRACT, period="2026-03")


def test_the_commercial_summary_checks_each_invoice_once_however_often_it_runs(
    app, contract, client_manager, tmp_path, monkeypatch
):
    import servicepact.services.commercials as commercials
    from servicepact.services.commercials import commercial_summary

    monkeypatch.setattr(commercials, "measured_volumes", lambda app, **_: dict(VOLUMES))
    monkeypatch.setattr(commercials, "results_of", lambda app, **_: breached())
    invoices = tmp_path / "invoices"
    invoices.mkdir()
    (invoices / f"{CONTRACT}-2026-03-correct.csv").write_text(CORRECT, encoding="utf-8")
    (invoices / f"{CONTRACT}-2026-03-errors.csv").write_text(ERRORS, encoding="utf-8")
    (invoices / f"{CONTRACT}-2026-04-correct.csv").write_text(CORRECT, encoding="utf-8")

    def summary():
        return commercial_summary(
            app,
            actor=client_manager,
            contract_id=CONTRACT,
            period="2026-03",
            invoices_dir=invoices,
        )

    first = summary()
    assert first.credits_total == Decimal(7_344_000)
    assert [(c.file.split("-")[-1], c.verdict) for c in first.invoice_checks] == [
        ("correct.csv", "correct"),
        ("errors.csv", "dispute"),
    ]
    assert first.invoice_checks[1].reasons == (
        "arithmetic_error",
        "missing_credit",
        "wrong_price",
        "wrong_quantity",
    )
    assert first.saving_total is None  # no business case applied
    stored = checks_stored(app)
    second = summary()
    assert checks_stored(app) == stored == 2
    assert second.invoice_checks == first.invoice_checks
