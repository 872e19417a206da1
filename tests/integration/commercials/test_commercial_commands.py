"""The commercial commands as an operator runs them, on the example contact-centre contract."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from servicepact.cli.errors import EXIT_CONFLICT, EXIT_FINDINGS, EXIT_INVALID, EXIT_OK

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "examples" / "contact-centre.yaml"
ERRORS = ROOT / "examples" / "invoices" / "hanbit-cc-2026-2026-03-errors.csv"
CASE = ROOT / "examples" / "business-cases" / "hanbit-cc-2026.yaml"


@pytest.fixture
def servicepact(cli_env, run_servicepact):
    assert run_servicepact("contract", "apply", str(CONTRACT)).code == EXIT_OK
    return run_servicepact


def test_the_business_case_prints_its_numbers_as_json(servicepact):
    result = servicepact(
        "business-case", "--contract", "hanbit-cc-2026", "--file", str(CASE), "--format", "json"
    )
    assert result.code == EXIT_OK, result.err
    data = json.loads(result.out)["result"]
    assert data["payback_month"] == 4
    assert data["investment"] == "150000000"
    assert len(data["months"]) == 36


def test_an_invoice_with_errors_exits_with_findings_and_names_them(servicepact):
    result = servicepact(
        "invoice",
        "check",
        str(ERRORS),
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2026-03",
        "--volume",
        "calls=9144",
    )
    assert result.code == EXIT_FINDINGS, result.err
    for reason in ("arithmetic error", "wrong price", "wrong quantity"):
        assert reason in result.out
    listed = servicepact("invoice", "list", "--contract", "hanbit-cc-2026", "--format", "json")
    assert json.loads(listed.out)[0]["verdict"] == "dispute"


def test_a_formula_in_an_xlsx_invoice_is_one_clear_error(servicepact, tmp_path):
    path = tmp_path / "invoice.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["fee_id", "quantity", "unit_price", "amount"])
    book.active.append(["management", 1, 30000000, "=B2*C2"])
    book.save(path)
    result = servicepact(
        "invoice",
        "check",
        str(path),
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2026-03",
        "--volume",
        "calls=9144",
    )
    assert result.code == EXIT_INVALID
    assert "invoice.xlsx, line 2: amount: holds a formula, which is never evaluated" in result.err
    assert "Traceback" not in result.err


def test_bad_options_are_refused_with_their_reason(servicepact):
    outside = servicepact(
        "invoice",
        "check",
        str(ERRORS),
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2030-01",
        "--volume",
        "calls=1",
    )
    assert outside.code == EXIT_INVALID
    assert "outside the contract term" in outside.err
    negative = servicepact(
        "credits", "--contract", "hanbit-cc-2026", "--period", "2026-03", "--volume", "calls=-5"
    )
    assert negative.code == EXIT_INVALID
    assert "units cannot be negative" in negative.err


def test_a_closed_month_refuses_an_invoice_check_until_reopened(servicepact, clock):
    closed = servicepact("close", "--contract", "hanbit-cc-2026", "--period", "2026-03")
    assert closed.code == EXIT_OK, closed.err
    refused = servicepact(
        "invoice",
        "check",
        str(ERRORS),
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2026-03",
        "--volume",
        "calls=9144",
    )
    assert refused.code == EXIT_CONFLICT
    assert "is closed" in refused.err
    reopened = servicepact(
        "reopen",
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2026-03",
        "--reason",
        "volumes disputed",
    )
    assert reopened.code == EXIT_OK, reopened.err


def test_credits_flag_months_without_results(servicepact):
    result = servicepact(
        "credits",
        "--contract",
        "hanbit-cc-2026",
        "--period",
        "2026-03",
        "--volume",
        "calls=9144",
        "--format",
        "json",
    )
    assert result.code == EXIT_OK, result.err
    data = json.loads(result.out)
    assert data["at_risk"] == "12034752"  # 12 % × 100,289,600
    assert {f["service_level_id"] for f in data["flags"]} >= {"CC-01", "CC-02"}
