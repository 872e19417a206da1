"""Hostile files: control characters in cells, and workbooks built to exhaust the reader."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from servicepact.domain.contracts import DataProtection
from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_types import BUILT_IN
from servicepact.store.events import read_events_for_evaluation
from servicepact.store.files.invoices import read_invoice_file
from servicepact.xlsx_limits import XlsxLimits, check_workbook

TICKETS = BUILT_IN["tickets"]


def _read_tickets(path: Path) -> object:
    return read_events_for_evaluation(
        path, TICKETS, data_protection=DataProtection(), pseudonym_key=b"k"
    )


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_a_control_character_in_an_event_file_refuses_that_row(
    tmp_path: Path, character: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,created_at,summary\n"
        "T1,2026-01-05T09:00:00+09:00,fine\n"
        f"T2,2026-01-05T09:00:00+09:00,bad{character}text\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        _read_tickets(path)
    [problem] = caught.value.problems
    assert problem.row == 2
    assert "control character" in problem.message
    assert character not in str(problem)


def test_tab_and_newlines_in_a_quoted_text_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        'id,created_at,summary\nT1,2026-01-05T09:00:00+09:00,"one\ttwo\r\nthree"\n',
        encoding="utf-8",
    )
    table = _read_tickets(path)
    assert table.num_rows == 1  # type: ignore[attr-defined]


def test_a_nul_in_an_invoice_description_is_refused_naming_row_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "invoice.csv"
    path.write_text(
        "fee_id,description,quantity,unit_price,amount\nbase,Monthly\x00 fee,1,1000,1000\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        read_invoice_file(path, currency="KRW")
    [problem] = caught.value.problems
    assert (problem.where, problem.line, problem.column) == ("description", 2, 2)
    assert "control character" in problem.message


def _workbook(sheet_xml: bytes, *, sheets: int = 1, shared: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", b"<Types/>")
        for number in range(1, sheets + 1):
            book.writestr(f"xl/worksheets/sheet{number}.xml", sheet_xml)
        if shared is not None:
            book.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def _rows(rows: int, cells: int) -> bytes:
    row = b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>"
    return b"<worksheet><sheetData>" + row * rows + b"</sheetData></worksheet>"


@pytest.mark.parametrize(
    ("content", "limits", "named"),
    [
        (_workbook(_rows(1, 2_000_000)), XlsxLimits(), "xlsx_max_cells_per_row"),
        (_workbook(_rows(9_999, 300)), XlsxLimits(), "xlsx_max_cells_per_row"),
        (_workbook(_rows(50, 3)), XlsxLimits(max_rows=40), "xlsx_max_rows"),
        (_workbook(_rows(1, 3), sheets=5), XlsxLimits(max_sheets=4), "xlsx_max_sheets"),
        (
            _workbook(_rows(1, 3), shared=b"<sst>" + b"<si><t>x</t></si>" * 100 + b"</sst>"),
            XlsxLimits(max_shared_strings=99),
            "xlsx_max_shared_strings",
        ),
        (_workbook(_rows(2_000, 10)), XlsxLimits(max_unpacked_bytes=100_000), "unpacked"),
    ],
)
def test_a_workbook_past_a_limit_is_refused_naming_it_without_parsing(
    tmp_path: Path, content: bytes, limits: XlsxLimits, named: str
) -> None:
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as caught:
            check_workbook(path, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert named in caught.value.problems[0].message
    assert peak < 20 * 1024 * 1024  # the reader went nowhere near the unpacked size


def test_a_row_split_across_read_chunks_is_counted_once(tmp_path: Path) -> None:
    """Rows and cells straddle the scanner's chunk boundaries: the counts stay exact."""
    path = tmp_path / "wide.xlsx"
    path.write_bytes(_workbook(_rows(3_000, 256)))  # ~11 MB of XML, many chunks
    check_workbook(path, XlsxLimits(max_rows=3_000, max_cells_per_row=256))
    with pytest.raises(InvalidInput, match="xlsx_max_rows"):
        check_workbook(path, XlsxLimits(max_rows=2_999, max_cells_per_row=256))
    with pytest.raises(InvalidInput, match="xlsx_max_cells_per_row"):
        check_workbook(path, XlsxLimits(max_rows=3_000, max_cells_per_row=255))


def test_an_ordinary_workbook_passes(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "created_at", "summary"])
    for number in range(100):
        sheet.append([f"T{number}", "2026-01-05T09:00:00+09:00", "text"])
    path = tmp_path / "ok.xlsx"
    book.save(path)
    check_workbook(path)
    assert _read_tickets(path).num_rows == 100  # type: ignore[attr-defined]
