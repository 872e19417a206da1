"""The expected invoice and the check of a vendor's invoice against it (docs/invoices.md)."""

from decimal import Decimal

import openpyxl
import pytest
from commercials_fixtures import BREACHED, MET, history, make_contract

from servicepact.domain.errors import InvalidInput
from servicepact.domain.invoices import DifferenceReason as R
from servicepact.domain.invoices import VendorInvoice, VendorLine, Verdict
from servicepact.domain.periods import parse_period
from servicepact.engine.credits import compute_credits
from servicepact.engine.fees import at_risk_base, expected_fees
from servicepact.engine.invoices import check_invoice, expected_invoice
from servicepact.store.files.invoices import read_invoice_file

MARCH = parse_period("2026-03")
FEES = [
    {"id": "base", "kind": "fixed", "amount": 100000000},
    {
        "id": "calls",
        "kind": "per_unit",
        "source": "calls",
        "bands": [{"upto": 50000, "price": 900}, {"price": 800}],
    },
]
VOLUMES = {"calls": 60000}


@pytest.fixture
def expected():
    # fees: 100,000,000 + 50,000 × 900 + 10,000 × 800 = 153,000,000
    # at risk 12 % × 153,000,000 = 18,360,000; SL-01 breached: × 40 % = 7,344,000
    # expected total 153,000,000 − 7,344,000 = 145,656,000
    contract = make_contract(fees=FEES)
    fees = expected_fees(contract, MARCH, VOLUMES, contract_year=1)
    credits = compute_credits(
        contract,
        history({"2026-03": {"SL-01": BREACHED, "SL-02": MET}}),
        MARCH,
        at_risk_base(fees),
    )
    return expected_invoice(contract, MARCH, VOLUMES, credits, contract_year=1)


CORRECT = [
    ("base", 1, 100000000, 100000000, None),
    ("calls", 50000, 900, 45000000, None),
    ("calls", 10000, 800, 8000000, None),
    ("credit:SL-01", 1, -7344000, -7344000, "2026-03"),
]


def vendor(rows, currency="KRW"):
    return VendorInvoice(
        source="inv.csv",
        currency=currency,
        lines=tuple(
            VendorLine(
                row=i,
                line_id=fee,
                quantity=Decimal(q),
                unit_price=Decimal(p),
                amount=Decimal(a),
                period=period,
            )
            for i, (fee, q, p, a, period) in enumerate(rows, start=2)
        ),
    )


def test_the_expected_invoice_is_fees_minus_credits_line_by_line(expected):
    assert expected.fees_total == Decimal(153_000_000)
    assert expected.credits_total == Decimal(-7_344_000)
    assert expected.total == Decimal(145_656_000)
    credit = expected.lines[-1]
    assert credit.line_id == "credit:SL-01"
    assert "12 % × 153,000,000 = 18,360,000; × 40 % = 7,344,000" in credit.arithmetic


def test_a_correct_invoice_has_no_differences(expected):
    check = check_invoice(expected, vendor(CORRECT))
    assert check.differences == ()
    assert check.verdict is Verdict.CORRECT
    assert check.invoiced_total == check.expected_total == Decimal(145_656_000)


def test_four_kinds_of_error_are_each_caught_and_add_up_to_the_gap(expected):
    rows = [
        ("base", 1, 101000000, 101000000, None),  # wrong price: +1,000,000
        ("calls", 50000, 900, 45000900, None),  # arithmetic: 50,000 × 900 = 45,000,000, +900
        ("calls", 11000, 800, 8800000, None),  # wrong quantity: 1,000 × 800 = +800,000
        # the credit of 7,344,000 is missing: +7,344,000
    ]
    check = check_invoice(expected, vendor(rows))
    by_reason = {d.reason: d for d in check.differences}
    assert set(by_reason) == {R.WRONG_PRICE, R.ARITHMETIC_ERROR, R.WRONG_QUANTITY, R.MISSING_CREDIT}
    assert by_reason[R.WRONG_PRICE].amount == Decimal(1_000_000)
    assert by_reason[R.ARITHMETIC_ERROR].amount == Decimal(900)
    assert by_reason[R.ARITHMETIC_ERROR].row == 3
    assert by_reason[R.WRONG_QUANTITY].amount == Decimal(800_000)
    assert "quantity 11,000, expected 10,000" in by_reason[R.WRONG_QUANTITY].message
    assert by_reason[R.MISSING_CREDIT].amount == Decimal(7_344_000)
    # 1,000,000 + 900 + 800,000 + 7,344,000 = 9,144,900
    assert check.difference == Decimal(9_144_900)
    assert sum(d.amount for d in check.differences) == check.difference
    assert check.verdict is Verdict.DISPUTE


def test_unknown_lines_credits_not_due_and_credits_taken_twice_are_reported(expected):
    rows = [
        *CORRECT,
        ("travel", 1, 500000, 500000, None),
        ("credit:SL-02", 1, -3600000, -3600000, "2026-02"),
        ("credit:SL-02", 1, -3600000, -3600000, "2026-03"),
        ("credit:SL-01", 1, -7344000, -7344000, "2026-03"),
        ("earn-back:SL-01", 1, 4800000, 4800000, "2025-12"),
    ]
    check = check_invoice(expected, vendor(rows), already_taken={("SL-02", "2026-02")})
    reasons = [d.reason for d in check.differences]
    assert reasons.count(R.UNKNOWN_LINE) == 1
    assert reasons.count(R.CREDIT_ALREADY_TAKEN) == 2  # the February one, and SL-01 twice
    assert reasons.count(R.CREDIT_NOT_DUE) == 1
    assert reasons.count(R.EARN_BACK_NOT_DUE) == 1
    assert sum(d.amount for d in check.differences) == check.difference


def test_a_wrong_credit_amount_is_its_own_reason(expected):
    rows = [*CORRECT[:3], ("credit:SL-01", 1, -4800000, -4800000, None)]
    (diff,) = check_invoice(expected, vendor(rows)).differences
    assert diff.reason is R.WRONG_CREDIT
    assert diff.amount == Decimal(2_544_000)  # −4,800,000 − (−7,344,000)


def test_a_missing_fee_lowers_the_invoice(expected):
    (diff,) = check_invoice(expected, vendor([CORRECT[0], *CORRECT[2:]])).differences
    assert diff.reason is R.MISSING_FEE
    assert diff.amount == Decimal(-45_000_000)


def test_an_invoice_in_another_currency_is_refused(expected):
    with pytest.raises(InvalidInput, match="the invoice is in USD, the contract in KRW"):
        check_invoice(expected, vendor(CORRECT, currency="USD"))


# --- reading files ----------------------------------------------------------------------------


def write_csv(tmp_path, text, name="invoice.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_invoice_reads_with_thousands_separators_and_optional_columns(tmp_path):
    path = write_csv(
        tmp_path,
        "Fee ID,Description,Quantity,Unit price,Amount,Period\n"
        'base,Monthly fee,1,"100,000,000","100,000,000",\n'
        "credit:SL-01,credit,1,-7344000,-7344000,2026-03\n\n",
    )
    invoice = read_invoice_file(path, currency="KRW")
    assert [(x.row, x.line_id, x.amount, x.period) for x in invoice.lines] == [
        (2, "base", Decimal(100_000_000), None),
        (3, "credit:SL-01", Decimal(-7_344_000), "2026-03"),
    ]


def test_every_bad_cell_is_reported_with_row_and_column_and_nothing_is_returned(tmp_path):
    path = write_csv(
        tmp_path,
        "fee_id,quantity,unit_price,amount,currency\n"
        "calls,-5,900,-4500,KRW\n"
        "base,1,abc,100,KRW\n"
        "base,1,100,100,USD\n",
    )
    with pytest.raises(InvalidInput) as info:
        read_invoice_file(path, currency="KRW")
    text = str(info.value)
    assert "invoice.csv, line 2: quantity: a quantity cannot be negative" in text
    assert "invoice.csv, line 3: unit_price: is not a number" in text
    assert "invoice.csv, line 4: currency: the line is in USD, the contract in KRW" in text


def test_a_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path, "fee,qty,amount\nbase,1,1\n")
    with pytest.raises(InvalidInput, match="missing column\\(s\\) unit_price"):
        read_invoice_file(path, currency="KRW")


def test_formulas_in_an_xlsx_invoice_are_never_evaluated(tmp_path):
    path = tmp_path / "invoice.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["fee_id", "description", "quantity", "unit_price", "amount"])
    sheet.append(["base", '=HYPERLINK("http://x")', 1, 100000000, 100000000])
    sheet.append(["calls", "calls", 50000, 900, "=C3*D3"])
    book.save(path)
    with pytest.raises(InvalidInput) as info:
        read_invoice_file(path, currency="KRW")
    problems = info.value.problems
    assert len(problems) == 1  # the description formula is kept as text, the amount refused
    assert problems[0].line == 3
    assert problems[0].where == "amount"
    assert "formula, which is never evaluated" in problems[0].message


def test_an_xlsx_invoice_with_values_reads(tmp_path):
    path = tmp_path / "invoice.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["fee_id", "quantity", "unit_price", "amount"])
    sheet.append(["base", 1, 100000000, 100000000])
    sheet.append(["x", 2, 10.005, 20.01])
    book.save(path)
    invoice = read_invoice_file(path, currency="USD")
    assert invoice.lines[1].unit_price == Decimal("10.005")
    assert invoice.total == Decimal("100000020.01")


def test_other_file_kinds_are_refused(tmp_path):
    path = write_csv(tmp_path, "x", name="invoice.pdf")
    with pytest.raises(InvalidInput, match=r"give a \.csv or \.xlsx file"):
        read_invoice_file(path, currency="KRW")
