"""A result's event list as CSV or XLSX (the drill-down's export).

Text cells that a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are neutralised with a leading apostrophe; numbers are
written as numbers, so a negative margin stays a number and is never mistaken for one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from servicepact.reports.xlsx import needs_escape

NUMERIC_COLUMNS = frozenset(
    {"measured", "target", "margin", "numerator", "denominator", "working_seconds"}
)


def cell(name: str, value: Any) -> Any:
    """A value as written: numbers as numbers, formula-like text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    if name in NUMERIC_COLUMNS:
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    return "'" + text if needs_escape(text) else text


def columns_of(rows: Sequence[dict[str, Any]], first: Sequence[str]) -> list[str]:
    names = [c for c in first if any(c in r for r in rows)] if rows else list(first)
    for row in rows:
        for name in row:
            if name not in names:
                names.append(name)
    return names


def to_csv(rows: Iterable[dict[str, Any]], first: Sequence[str]) -> str:
    listed = list(rows)
    names = columns_of(listed, first)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in listed:
        writer.writerow(["" if (v := cell(n, row.get(n))) is None else v for n in names])
    return out.getvalue()


def to_xlsx(rows: Iterable[dict[str, Any]], first: Sequence[str], *, sheet: str) -> bytes:
    import xlsxwriter

    listed = list(rows)
    names = columns_of(listed, first)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    for column, name in enumerate(names):
        page.write_string(0, column, name, bold)
    for line, row in enumerate(listed, start=1):
        for column, name in enumerate(names):
            value = cell(name, row.get(name))
            if value is None:
                continue
            if isinstance(value, int | Decimal):
                page.write_number(line, column, float(value))
            else:
                page.write_string(line, column, value)
    page.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
