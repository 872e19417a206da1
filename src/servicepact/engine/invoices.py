"""The expected invoice of a month, the vendor's invoice file, and the line-by-line check.

``check_invoice`` splits the gap between the invoice and the expected invoice into reasons whose
amounts add up exactly to it: for a vendor line paired with an expected line,

    stated − expected = (stated − q·p)            arithmetic error
                      + (q·p − q·p_contract)      wrong price
                      + (q·p_contract − expected) wrong quantity

each product rounded to the currency's minor unit as a line would be (docs/invoices.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from servicepact.domain.contracts import Contract
from servicepact.domain.credits import CreditOutcome, CreditStatement
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.invoices import (
    CREDIT_PREFIX,
    EARN_BACK_PREFIX,
    Difference,
    DifferenceReason,
    ExpectedInvoice,
    InvoiceCheck,
    InvoiceLine,
    LineKind,
    VendorInvoice,
    VendorLine,
)
from servicepact.domain.money import MINOR_UNITS, round_money
from servicepact.domain.periods import Period, parse_period
from servicepact.engine.credits import amount_text
from servicepact.engine.fees import expected_fees

# --- the expected invoice -------------------------------------------------------------------


def credit_lines(credits: CreditStatement) -> list[InvoiceLine]:
    """The statement's credits (negative) and earn-backs (positive) as invoice lines."""
    lines: list[InvoiceLine] = []
    for line in credits.lines:
        if line.outcome is CreditOutcome.CREDIT and line.charged > 0:
            lines.append(
                InvoiceLine(
                    line_id=f"{CREDIT_PREFIX}{line.service_level_id}",
                    kind=LineKind.CREDIT,
                    description=f"service credit {line.service_level_id} {line.name}",
                    quantity=Decimal(1),
                    unit_price=-line.charged,
                    amount=-line.charged,
                    arithmetic=line.arithmetic
                    + (f"; {credits.cap_arithmetic}" if credits.cap_applied else ""),
                    period=line.month,
                    recurring=False,
                )
            )
    for earned in credits.earn_back:
        if earned.returned > 0:
            lines.append(
                InvoiceLine(
                    line_id=f"{EARN_BACK_PREFIX}{earned.service_level_id}",
                    kind=LineKind.EARN_BACK,
                    description=(
                        f"earn-back of the {earned.credit_month} credit for "
                        f"{earned.service_level_id}"
                    ),
                    quantity=Decimal(1),
                    unit_price=earned.returned,
                    amount=earned.returned,
                    arithmetic=earned.arithmetic,
                    period=earned.credit_month,
                    recurring=False,
                )
            )
    return lines


def expected_invoice(
    contract: Contract,
    month: Period,
    volumes: Mapping[str, int],
    credits: CreditStatement | None,
    *,
    contract_year: int,
) -> ExpectedInvoice:
    """Fees from the measured volumes, minus the month's credits, plus earn-back, line by line."""
    lines = expected_fees(contract, month, volumes, contract_year=contract_year)
    if credits is not None:
        lines.extend(credit_lines(credits))
    return ExpectedInvoice(
        contract_id=contract.id,
        month=month.label,
        currency=contract.currency,
        contract_year=contract_year,
        lines=tuple(lines),
    )


# --- the check ------------------------------------------------------------------------------


def _q(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{sign}{int(whole.lstrip('-') or 0):,}"
    return f"{grouped}.{frac}" if frac else grouped


def check_invoice(
    expected: ExpectedInvoice,
    invoice: VendorInvoice,
    *,
    already_taken: Collection[tuple[str, str]] = (),
) -> InvoiceCheck:
    """Every difference between the vendor's invoice and the expected one, with its reason.

    ``already_taken`` lists (service level id, month) credits deducted on earlier invoices; a
    deduction of one of them again is reported as ``credit_already_taken``.
    """
    currency = expected.currency
    if invoice.currency != currency:
        raise InvalidInput(
            problems=[
                Problem(
                    "currency",
                    f"the invoice is in {invoice.currency}, the contract in {currency}",
                )
            ],
            source=invoice.source,
        )

    def money(value: Decimal) -> str:
        return f"{amount_text(value, currency)} {currency}"

    def computed(v: VendorLine) -> Decimal:
        return round_money(v.quantity * v.unit_price, currency)

    diffs: list[Difference] = []
    for v in invoice.lines:
        gap = v.amount - computed(v)
        if gap != 0:
            diffs.append(
                Difference(
                    DifferenceReason.ARITHMETIC_ERROR,
                    v.line_id,
                    f"{_q(v.quantity)} × {amount_text(v.unit_price, currency)} = "
                    f"{amount_text(computed(v), currency)}, not {amount_text(v.amount, currency)}",
                    gap,
                    row=v.row,
                    expected=amount_text(computed(v), currency),
                    invoiced=amount_text(v.amount, currency),
                )
            )

    expected_by_key: dict[tuple[str, str], list[InvoiceLine]] = {}
    for e in expected.lines:
        expected_by_key.setdefault(e.key, []).append(e)
    vendor_by_key: dict[tuple[str, str], list[VendorLine]] = {}
    for v in invoice.lines:
        period = expected.month if v.kind is LineKind.FEE else (v.period or expected.month)
        vendor_by_key.setdefault((v.line_id, period), []).append(v)

    keys = list(expected_by_key) + [k for k in vendor_by_key if k not in expected_by_key]
    for key in keys:
        wanted = expected_by_key.get(key, [])
        given = vendor_by_key.get(key, [])
        line_id, period = key
        if line_id.startswith(CREDIT_PREFIX):
            diffs.extend(
                _check_credit(line_id, period, wanted, given, already_taken, money, computed)
            )
        elif line_id.startswith(EARN_BACK_PREFIX):
            diffs.extend(_check_earn_back(line_id, period, wanted, given, money, computed))
        else:
            diffs.extend(_check_fee(line_id, wanted, given, currency, computed))

    return InvoiceCheck(
        contract_id=expected.contract_id,
        month=expected.month,
        currency=currency,
        source=invoice.source,
        expected_total=expected.total,
        invoiced_total=invoice.total,
        differences=tuple(diffs),
    )


def _check_fee(
    line_id: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    currency: str,
    computed: Any,
) -> Iterator[Difference]:
    def amt(value: Decimal) -> str:
        return amount_text(value, currency)

    if not wanted:
        for v in given:
            yield Difference(
                DifferenceReason.UNKNOWN_LINE,
                line_id,
                f"{line_id!r} is not a fee of this contract for this month",
                computed(v),
                row=v.row,
                invoiced=amt(v.amount),
            )
        return
    # Pair lines of the same fee: first by equal unit price (graduated bands), then in order.
    left = list(given)
    pairs: list[tuple[InvoiceLine, VendorLine]] = []
    unpaired: list[InvoiceLine] = []
    for e in wanted:
        match = next((v for v in left if v.unit_price == e.unit_price), None)
        if match is None:
            unpaired.append(e)
        else:
            left.remove(match)
            pairs.append((e, match))
    while unpaired and left:
        pairs.append((unpaired.pop(0), left.pop(0)))
    for e in unpaired:
        yield Difference(
            DifferenceReason.MISSING_FEE,
            line_id,
            f"{e.description} is due ({e.arithmetic}) but not invoiced",
            -e.amount,
            expected=amt(e.amount),
        )
    for v in left:
        yield Difference(
            DifferenceReason.UNKNOWN_LINE,
            line_id,
            f"an extra line for fee {line_id!r} ({_q(v.quantity)} × {amt(v.unit_price)})",
            computed(v),
            row=v.row,
            invoiced=amt(v.amount),
        )
    for e, v in sorted(pairs, key=lambda pair: pair[1].row):
        at_contract_price = round_money(v.quantity * e.unit_price, currency)
        price_gap = computed(v) - at_contract_price
        if v.unit_price != e.unit_price:
            yield Difference(
                DifferenceReason.WRONG_PRICE,
                line_id,
                f"{e.description}: unit price {amt(v.unit_price)}, the fee schedule says "
                f"{amt(e.unit_price)}",
                price_gap,
                row=v.row,
                expected=amt(e.unit_price),
                invoiced=amt(v.unit_price),
            )
        if v.quantity != e.quantity:
            yield Difference(
                DifferenceReason.WRONG_QUANTITY,
                line_id,
                f"{e.description}: quantity {_q(v.quantity)}, expected {_q(e.quantity)} "
                f"({e.arithmetic})",
                at_contract_price - e.amount,
                row=v.row,
                expected=_q(e.quantity),
                invoiced=_q(v.quantity),
            )


def _check_credit(
    line_id: str,
    period: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    already_taken: Collection[tuple[str, str]],
    money: Any,
    computed: Any,
) -> Iterator[Difference]:
    level = line_id.removeprefix(CREDIT_PREFIX)
    if not wanted:
        for v in given:
            if (level, period) in already_taken:
                yield Difference(
                    DifferenceReason.CREDIT_ALREADY_TAKEN,
                    line_id,
                    f"the {period} credit for {level} was already deducted on an earlier invoice",
                    computed(v),
                    row=v.row,
                    invoiced=money(v.amount),
                )
            else:
                yield Difference(
                    DifferenceReason.CREDIT_NOT_DUE,
                    line_id,
                    f"no credit is due for {level} in {period} by the measured results",
                    computed(v),
                    row=v.row,
                    invoiced=money(v.amount),
                )
        return
    e = wanted[0]
    if not given:
        yield Difference(
            DifferenceReason.MISSING_CREDIT,
            line_id,
            f"the {period} credit for {level} of {money(-e.amount)} is not deducted "
            f"({e.arithmetic})",
            -e.amount,
            expected=money(e.amount),
        )
        return
    first, *repeats = given
    gap = computed(first) - e.amount
    if gap != 0:
        yield Difference(
            DifferenceReason.WRONG_CREDIT,
            line_id,
            f"the {period} credit for {level} is {money(-computed(first))}, "
            f"expected {money(-e.amount)} ({e.arithmetic})",
            gap,
            row=first.row,
            expected=money(e.amount),
            invoiced=money(first.amount),
        )
    for v in repeats:
        yield Difference(
            DifferenceReason.CREDIT_ALREADY_TAKEN,
            line_id,
            f"the {period} credit for {level} is deducted more than once",
            computed(v),
            row=v.row,
            invoiced=money(v.amount),
        )


def _check_earn_back(
    line_id: str,
    period: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    money: Any,
    computed: Any,
) -> Iterator[Difference]:
    level = line_id.removeprefix(EARN_BACK_PREFIX)
    if not wanted:
        for v in given:
            yield Difference(
                DifferenceReason.EARN_BACK_NOT_DUE,
                line_id,
                f"no earn-back of the {period} credit for {level} is due by the measured results",
                computed(v),
                row=v.row,
                invoiced=money(v.amount),
            )
        return
    e = wanted[0]
    if not given:
        yield Difference(
            DifferenceReason.EARN_BACK_NOT_CLAIMED,
            line_id,
            f"the vendor may add back {money(e.amount)} ({e.arithmetic})",
            -e.amount,
            expected=money(e.amount),
        )
        return
    for index, v in enumerate(given):
        gap = computed(v) - (e.amount if index == 0 else Decimal(0))
        if gap != 0:
            yield Difference(
                DifferenceReason.EARN_BACK_NOT_DUE,
                line_id,
                f"earn-back of the {period} credit for {level}: {money(computed(v))} claimed, "
                f"{money(e.amount if index == 0 else Decimal(0))} due",
                gap,
                row=v.row,
                expected=money(e.amount),
                invoiced=money(v.amount),
            )


# --- reading the vendor's file --------------------------------------------------------------

_ALIASES = {
    "fee_id": "fee_id",
    "fee": "fee_id",
    "line_id": "fee_id",
    "id": "fee_id",
    "quantity": "quantity",
    "qty": "quantity",
    "unit_price": "unit_price",
    "price": "unit_price",
    "amount": "amount",
    "description": "description",
    "period": "period",
    "currency": "currency",
}
_REQUIRED = ("fee_id", "quantity", "unit_price", "amount")
# C0 controls and DEL but tab, LF and CR: refused in every cell, as at every other input.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_ROWS = 10_000  # an invoice has tens of lines; a huge file is a mistake, not an invoice


def _header(cell: object) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def _rows_csv(path: Path) -> Iterator[list[object]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise InvalidInput(
                problems=[Problem("file", "cannot tell the text encoding; save it as UTF-8")],
                source=path.name,
            ) from None
        text = str(best)
    yield from csv.reader(io.StringIO(text, newline=""))


def _rows_xlsx(path: Path) -> Iterator[list[object]]:
    import openpyxl

    from servicepact.xlsx_limits import check_workbook

    check_workbook(path)  # before parsing: a small file can unpack to gigabytes
    # data_only=False: a formula cell reads as its formula text, which is never evaluated; a
    # cached result from the last program that saved the file is not trusted either.
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(
            problems=[Problem("file", f"not a readable XLSX workbook ({type(error).__name__})")],
            source=path.name,
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(",", "").replace(" ", "")
    if text.startswith("−"):
        text = "-" + text[1:]
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def read_invoice_file(path: Path, *, currency: str) -> VendorInvoice:
    """Read a vendor invoice (CSV or XLSX): one line per row with fee id, quantity, unit price,
    amount, and optionally description, period (for credit lines) and currency.

    Every problem is reported with its row and column; nothing is returned unless the whole file
    is valid. Cells holding formulas are read as text and refused in number columns.
    """
    if currency not in MINOR_UNITS:
        raise InvalidInput(problems=[Problem("currency", f"unknown currency {currency!r}")])
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInput(problems=[Problem("file", "no such file")], source=str(path))
    rows: Iterable[list[object]]
    if suffix == ".csv":
        rows = _rows_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    else:
        raise InvalidInput(
            problems=[Problem("file", f"{suffix or 'no extension'}: give a .csv or .xlsx file")],
            source=path.name,
        )
    problems: list[Problem] = []
    lines: list[VendorLine] = []
    columns: dict[str, int] = {}
    for row_number, row in enumerate(rows, start=1):
        if row_number > _MAX_ROWS:
            problems.append(Problem("file", f"more than {_MAX_ROWS} rows: not an invoice"))
            break
        if not columns:
            names = [_HEADER_MAP.get(_header(cell)) for cell in row]
            columns = {name: index for index, name in enumerate(names) if name is not None}
            missing = [name for name in _REQUIRED if name not in columns]
            if missing:
                raise InvalidInput(
                    problems=[
                        Problem(
                            "header",
                            f"missing column(s) {', '.join(missing)}; the first row must name "
                            f"{', '.join(_REQUIRED)}",
                            line=row_number,
                        )
                    ],
                    source=path.name,
                )
            continue
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        line = _parse_row(row, row_number, columns, currency, problems)
        if line is not None:
            lines.append(line)
    if not columns:
        problems.append(Problem("file", "the file is empty"))
    elif not lines and not problems:
        problems.append(Problem("file", "the invoice has no lines"))
    if problems:
        raise InvalidInput(problems=problems, source=path.name)
    return VendorInvoice(source=path.name, currency=currency, lines=tuple(lines))


_HEADER_MAP = _ALIASES


def _cell(row: list[object], columns: Mapping[str, int], name: str) -> object:
    index = columns.get(name)
    if index is None or index >= len(row):
        return None
    return row[index]


def _parse_row(
    row: list[object],
    row_number: int,
    columns: Mapping[str, int],
    currency: str,
    problems: list[Problem],
) -> VendorLine | None:
    before = len(problems)

    def problem(name: str, message: str, value: object = None) -> None:
        problems.append(
            Problem(
                name,
                message,
                line=row_number,
                column=columns.get(name, -1) + 1,
                value=None if value is None else str(value)[:40],
            )
        )

    for name, index in columns.items():
        cell = row[index] if index < len(row) else None
        if isinstance(cell, str) and _CONTROL.search(cell):
            problem(name, "holds a control character (e.g. NUL); remove it")
    line_id = str(_cell(row, columns, "fee_id") or "").strip()
    if not line_id:
        problem("fee_id", "the fee id is empty")
    numbers: dict[str, Decimal] = {}
    for name in ("quantity", "unit_price", "amount"):
        cell = _cell(row, columns, name)
        if cell is None or str(cell).strip() == "":
            problem(name, "is empty")
            continue
        if isinstance(cell, str) and cell.strip().startswith("="):
            problem(
                name,
                "holds a formula, which is never evaluated; enter the number itself",
                cell,
            )
            continue
        number = _decimal(cell)
        if number is None:
            problem(name, "is not a number", cell)
            continue
        numbers[name] = number
    if "quantity" in numbers and numbers["quantity"] < 0:
        problem(
            "quantity",
            "a quantity cannot be negative (write a credit as quantity 1 with a negative price)",
            numbers["quantity"],
        )
    row_currency = str(_cell(row, columns, "currency") or "").strip().upper()
    if row_currency and row_currency != currency:
        problem(
            "currency", f"the line is in {row_currency}, the contract in {currency}", row_currency
        )
    period_text = str(_cell(row, columns, "period") or "").strip()
    period: str | None = None
    if period_text:
        try:
            period = parse_period(period_text).label
        except ValueError as error:
            problem("period", str(error), period_text)
    if len(problems) > before:
        return None
    description = _cell(row, columns, "description")
    return VendorLine(
        row=row_number,
        line_id=line_id,
        quantity=numbers["quantity"],
        unit_price=numbers["unit_price"],
        amount=numbers["amount"],
        description="" if description is None else str(description),
        period=period,
    )
