"""Limits an Excel workbook must keep before it is parsed.

An XLSX file is a zip of XML: 217 KB can unpack to a single row of two million cells, which a
parser turns into gigabytes of objects. Before openpyxl sees a workbook, this check reads the zip
directory and streams the worksheets' XML through a cheap scanner (no tree is built): it stops at
the first limit passed — number of sheets, unpacked size, shared strings, rows, cells in one row —
and refuses the file naming that limit. Declared entry sizes bound what zipfile decompresses, so
the scan itself stays within the unpacked-size limit.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from servicepact.domain.errors import InvalidInput, Problem

_CHUNK = 1 << 16  # small pieces: each regex pass holds the GIL only briefly
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_SHARED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_TAIL = 64  # bytes kept between chunks so that a tag split across two chunks is still seen


@dataclass(frozen=True)
class XlsxLimits:
    max_sheets: int = 32
    max_rows: int = 1_048_576
    max_cells_per_row: int = 256
    max_unpacked_bytes: int = 256 * 1024 * 1024
    max_shared_strings: int = 2_000_000

    @classmethod
    def configured(cls) -> XlsxLimits:
        """The limits of the installation's settings (``SERVICEPACT_XLSX_MAX_…``)."""
        from servicepact.config import load_settings

        settings = load_settings()
        return cls(
            max_sheets=settings.xlsx_max_sheets,
            max_rows=settings.xlsx_max_rows,
            max_cells_per_row=settings.xlsx_max_cells_per_row,
            max_unpacked_bytes=settings.xlsx_max_unpacked_bytes,
            max_shared_strings=settings.xlsx_max_shared_strings,
        )


def _refuse(path: Path, message: str) -> InvalidInput:
    return InvalidInput(problems=[Problem(where=path.name, message=message)])


def _pieces(book: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The entry's bytes in chunks, each ending before a tag that the next chunk completes."""
    with book.open(name) as stream:
        carry = b""
        while chunk := stream.read(_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"<", max(0, len(data) - _TAIL))
            cut = len(data) if cut <= 0 else cut
            yield data[:cut]
            carry = data[cut:]
        if carry:
            yield carry


def check_workbook(path: Path, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook (InvalidInput naming the limit) that passes any of ``limits``."""
    limits = limits or XlsxLimits.configured()
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _refuse(path, f"not a readable Excel workbook: {error}") from None
    with book:
        entries = book.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > limits.max_unpacked_bytes:
            raise _refuse(
                path,
                f"unpacks to {unpacked:,} bytes, above the limit of "
                f"{limits.max_unpacked_bytes:,} bytes (xlsx_max_unpacked_bytes)",
            )
        sheets = [entry.filename for entry in entries if _SHEET.fullmatch(entry.filename)]
        if len(sheets) > limits.max_sheets:
            raise _refuse(
                path,
                f"has {len(sheets)} sheets, above the limit of {limits.max_sheets} "
                "(xlsx_max_sheets)",
            )
        if "xl/sharedStrings.xml" in book.namelist():
            count = sum(
                len(_SHARED.findall(piece)) for piece in _pieces(book, "xl/sharedStrings.xml")
            )
            if count > limits.max_shared_strings:
                raise _refuse(
                    path,
                    f"has {count:,} shared strings, above the limit of "
                    f"{limits.max_shared_strings:,} (xlsx_max_shared_strings)",
                )
        for sheet in sheets:
            _check_sheet(path, book, sheet, limits)


def _check_sheet(path: Path, book: zipfile.ZipFile, name: str, limits: XlsxLimits) -> None:
    rows = 0
    cells = 0  # cells of the row being read
    for chunk in _pieces(book, name):
        pieces = _ROW.split(chunk)
        # pieces[0] continues the row open before this chunk; each later piece opens a row.
        for index, piece in enumerate(pieces):
            if index:
                rows += 1
                cells = 0
                if rows > limits.max_rows:
                    raise _refuse(
                        path,
                        f"sheet {_sheet_label(name)} has more than {limits.max_rows:,} rows "
                        "(xlsx_max_rows)",
                    )
            cells += len(_CELL.findall(piece))
            if cells > limits.max_cells_per_row:
                raise _refuse(
                    path,
                    f"sheet {_sheet_label(name)} row {rows} has more than "
                    f"{limits.max_cells_per_row:,} cells, the limit per row "
                    "(xlsx_max_cells_per_row)",
                )


def _sheet_label(name: str) -> str:
    return Path(name).stem
