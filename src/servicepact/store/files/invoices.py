"""Reading a vendor's invoice file (CSV in any common encoding, or XLSX) into domain lines.

Every problem is named by row and column; nothing is returned unless the whole file is valid.
The check against the expected invoice is ``engine/invoices.py``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.invoices import VendorInvoice, VendorLine
from servicepact.domain.money import MINOR_UNITS
from servicepact.domain.periods import parse_period

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
            names = [_ALIASES.get(_header(cell)) for cell in row]
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
