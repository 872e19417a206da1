"""File formats: each file is read in bounded chunks of raw values, whatever its size.

A source yields ``RawChunk``s: an Arrow table whose columns are named as in the
file's header (strings for CSV, JSON Lines and Excel; the file's own types for
Parquet), with the 1-based data row number of each row, plus the problems of rows
that could not even be split into columns. Validation against an event type is
the next step (``validation.py``); nothing here interprets a value.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.store.events import encoding as enc
from servicepact.store.events.problems import RowProblem, row_problem

DEFAULT_CHUNK_ROWS = 100_000
LINE_COLUMN = "__line"  # physical line / sheet row carried by JSON Lines and Excel chunks
_BYTES_PER_ROW_GUESS = 160  # a typical ticket row; only sizes the CSV reader's blocks


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"
    XLSX = "xlsx"


_SUFFIXES = {
    ".csv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
}

LOADABLE_SUFFIXES = frozenset(_SUFFIXES)  # what a directory given to ``load`` is read for


def file_format(path: Path) -> FileFormat:
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_SUFFIXES))
        raise InvalidInput(
            problems=[
                Problem(
                    where=path.name,
                    message=f"unknown file type {path.suffix or '(none)'!r}; use one of {known}",
                )
            ]
        ) from None


# What a file's first bytes say it is, for uploads whose name cannot be trusted.
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_NOT_TEXT = frozenset(range(0, 9)) | {11, 12} | frozenset(range(14, 32))


def sniff_format(head: bytes) -> FileFormat | None:
    """The format of a file by its content (its first bytes), or None when it is none of ours.

    Parquet and Excel (a zip) have magic numbers; JSON Lines starts with ``{``; anything
    else is CSV when it is text (no control bytes besides tab and line ends).
    """
    if head.startswith(_PARQUET_MAGIC):
        return FileFormat.PARQUET
    if head.startswith(_ZIP_MAGIC):
        return FileFormat.XLSX
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        return None
    if any(byte in _NOT_TEXT for byte in head):
        return None
    return FileFormat.JSONL if text.startswith(b"{") else FileFormat.CSV


FORMAT_SUFFIX = {
    FileFormat.CSV: ".csv",
    FileFormat.JSONL: ".jsonl",
    FileFormat.PARQUET: ".parquet",
    FileFormat.XLSX: ".xlsx",
}


@dataclass
class RawChunk:
    table: pa.Table
    rows: np.ndarray  # int64, 1-based data row numbers
    problems: list[RowProblem] = field(default_factory=list)
    bytes_read: int | None = None  # how far into the file, for progress


@dataclass
class Source:
    path: Path
    format: FileFormat
    header: list[str]
    chunks: Iterator[RawChunk]
    encoding: str | None = None
    # Maps data rows to physical lines when a row number alone is not enough (CSV).
    line_of: Callable[[set[int]], dict[int, int]] | None = None
    size: int = 0


def _header_problem(path: Path, message: str) -> InvalidInput:
    return InvalidInput(problems=[Problem(where=f"{path.name}: header", message=message)])


def _empty(path: Path) -> InvalidInput:
    return InvalidInput(
        problems=[Problem(where=path.name, message="the file is empty: no header and no rows")]
    )


def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Source:
    """Open ``path`` by its suffix and read its header; rows are read lazily."""
    if not path.is_file():
        raise InvalidInput(problems=[Problem(where=str(path), message="no such file")])
    kind = file_format(path)
    if path.stat().st_size == 0:
        raise _empty(path)
    if kind is FileFormat.CSV:
        return _csv_source(path, encoding, chunk_rows)
    if kind is FileFormat.JSONL:
        return _jsonl_source(path, chunk_rows)
    if kind is FileFormat.PARQUET:
        return _parquet_source(path, chunk_rows)
    return _xlsx_source(path, sheet, chunk_rows)


# -- CSV ---------------------------------------------------------------------------------


def _csv_source(path: Path, declared: str | None, chunk_rows: int) -> Source:
    encoding = enc.detect(path, declared)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("rb") as handle:
        first = handle.read(enc.SAMPLE_BYTES)
    text = first.decode(encoding, errors="replace").lstrip("\ufeff")
    header_line = next(csv.reader(io.StringIO(text), delimiter=delimiter), None)
    if header_line is None or not any(h.strip() for h in header_line):
        raise _empty(path)
    header = [h.strip() for h in header_line]
    _check_header_names(path, header)
    reading = _CsvReading(path, encoding, delimiter, header, chunk_rows)
    return Source(
        path,
        FileFormat.CSV,
        header,
        reading.chunks(),
        encoding,
        reading.line_of,
        size=path.stat().st_size,
    )


@dataclass
class _CsvReading:
    """One CSV file read in chunks by Arrow's streaming reader. A row with the wrong number
    of cells is skipped by the reader and reported with its data row and line; the rows
    after it keep their numbers."""

    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    chunk_rows: int
    skipped: list[int] = field(default_factory=list)
    skipped_problems: list[RowProblem] = field(default_factory=list)
    malformed: dict[int, tuple[int, int]] = field(default_factory=dict)  # row -> (line, cells)

    def on_invalid(self, row: Any) -> str:
        # A row with the wrong number of cells: reported, never guessed at. The
        # parser does not always know its number; then one pass of Python's csv
        # module over the file finds every such row (only files that have them).
        if not self.malformed:
            self.malformed.update(
                _csv_malformed(self.path, self.encoding, self.delimiter, len(self.header))
            )
        index = len(self.skipped)
        data_row = sorted(self.malformed)[index] if index < len(self.malformed) else None
        if data_row is not None:
            self.skipped.append(data_row)
        self.skipped_problems.append(
            row_problem(
                row=data_row,
                field=None,
                line=self.malformed[data_row][0] if data_row is not None else None,
                message=(
                    f"has {row.actual_columns} cells where the header has "
                    f"{row.expected_columns}; check quoting and delimiters"
                ),
            )
        )
        return "skip"

    def _reader(self, handle: Any) -> Any:
        block = int(min(max(self.chunk_rows * _BYTES_PER_ROW_GUESS, 1 << 20), 64 << 20))
        return pa_csv.open_csv(
            handle,
            read_options=pa_csv.ReadOptions(
                use_threads=True,
                block_size=block,
                column_names=self.header,
                skip_rows=1,
                encoding="utf8" if self.encoding == enc.UTF8 else self.encoding,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=self.delimiter,
                newlines_in_values=True,
                invalid_row_handler=self.on_invalid,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(self.header, pa.string()),
                # An empty cell is "no value"; validation treats blank ones the same way.
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def chunks(self) -> Iterator[RawChunk]:
        handle = pa.OSFile(str(self.path))  # ours, so its position tells the progress
        try:
            reader = self._reader(handle)
        except pa.ArrowInvalid as error:
            handle.close()
            raise _csv_error(self.path, self.encoding, error) from None
        except UnicodeDecodeError:
            handle.close()
            raise enc.decode_error(self.path, self.encoding) from None
        try:
            yield from self._batches(reader, handle)
        finally:
            handle.close()

    def _batches(self, reader: Any, handle: Any) -> Iterator[RawChunk]:
        next_row = 1
        size = self.path.stat().st_size
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as error:
                raise _csv_error(self.path, self.encoding, error) from None
            except UnicodeDecodeError:
                raise enc.decode_error(self.path, self.encoding) from None
            rows, next_row = _number_rows(batch.num_rows, next_row, self.skipped)
            problems = list(self.skipped_problems)
            self.skipped_problems.clear()
            yield RawChunk(pa.Table.from_batches([batch]), rows, problems, handle.tell())
        if self.skipped_problems:
            yield RawChunk(
                pa.table({h: pa.array([], pa.string()) for h in self.header}),
                np.array([], dtype=np.int64),
                list(self.skipped_problems),
                size,
            )

    def line_of(self, rows: set[int]) -> dict[int, int]:
        return _csv_lines(self.path, self.encoding, self.delimiter, rows)


def _csv_error(path: Path, encoding: str, error: Exception) -> InvalidInput:
    text = str(error)
    if "UTF8" in text or "utf8" in text or "decode" in text:
        return enc.decode_error(path, encoding)
    return InvalidInput(problems=[Problem(where=path.name, message=f"not a readable CSV: {text}")])


def _number_rows(count: int, next_row: int, skipped: list[int]) -> tuple[np.ndarray, int]:
    """Data row numbers for the next ``count`` rows, stepping over rows the parser skipped."""
    if not skipped:
        return np.arange(next_row, next_row + count, dtype=np.int64), next_row + count
    holes = np.array(sorted(skipped), dtype=np.int64)
    holes = holes[holes >= next_row]
    span = np.arange(next_row, next_row + count + len(holes), dtype=np.int64)
    rows = span[~np.isin(span, holes)][:count]
    last = int(rows[-1]) + 1 if count else next_row
    return rows, last


def _csv_lines(path: Path, encoding: str, delimiter: str, wanted: set[int]) -> dict[int, int]:
    """Physical line of each wanted data row (quoted values may span lines)."""
    if not wanted:
        return {}
    found: dict[int, int] = {}
    last = max(wanted)
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        first = handle.read(1)
        if first != "\ufeff":
            handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        start_line = 1
        data_row = -1  # the header is row 0
        for record in reader:
            if record:
                data_row += 1
                if data_row in wanted:
                    found[data_row] = start_line
                if data_row >= last:
                    break
            start_line = reader.line_num + 1
    return found


def _csv_malformed(
    path: Path, encoding: str, delimiter: str, width: int
) -> dict[int, tuple[int, int]]:
    """Data rows whose cell count differs from the header's: row -> (line, cells)."""
    found: dict[int, tuple[int, int]] = {}
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        if handle.read(1) != "\ufeff":
            handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        start_line = 1
        data_row = -1
        for record in reader:
            if record:
                data_row += 1
                if data_row > 0 and len(record) != width:
                    found[data_row] = (start_line, len(record))
            start_line = reader.line_num + 1
    return found


def _check_header_names(path: Path, header: list[str]) -> None:
    blank = [str(i + 1) for i, h in enumerate(header) if not h]
    if blank:
        raise _header_problem(path, f"header cells {', '.join(blank)} are empty; name every column")
    seen: set[str] = set()
    twice = sorted({h for h in header if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
    if twice:
        raise _header_problem(path, f"columns named twice: {', '.join(twice)}")


# -- JSON Lines --------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """A JSON or spreadsheet value as the text validation reads (never a guess)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_Item = tuple[int, int | None, dict[str, Any] | None, RowProblem | None]  # row, line, record


def _jsonl_source(path: Path, chunk_rows: int) -> Source:
    handle = path.open("rb")
    try:
        return _records(
            path,
            FileFormat.JSONL,
            _jsonl_lines(handle),
            chunk_rows=chunk_rows,
            size=path.stat().st_size,
            position=handle.tell,
            close=handle.close,
        )
    except BaseException:
        handle.close()
        raise


def records_source(
    records: Sequence[Mapping[str, Any]], *, name: str, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Source:
    """Rows given in memory (an API batch): read like JSON Lines, never written to disk."""
    items: Iterator[_Item] = (
        (index, None, dict(record), None) for index, record in enumerate(records, start=1)
    )
    return _records(Path(name), FileFormat.JSONL, items, chunk_rows=chunk_rows, size=len(records))


def _records(
    path: Path,
    kind: FileFormat,
    items: Iterator[_Item],
    *,
    chunk_rows: int,
    size: int,
    position: Callable[[], int] | None = None,
    close: Callable[[], None] | None = None,
) -> Source:
    # The columns are the fields seen in the first chunk; a later row with another
    # field is a row problem, not a silent extra.
    first_rows: list[_Item] = []
    header: dict[str, None] = {}
    for item in items:
        first_rows.append(item)
        if item[2] is not None:
            header.update(dict.fromkeys(item[2]))
        if len(first_rows) >= chunk_rows:
            break
    if not first_rows:
        raise _empty(path)
    columns = list(header)

    def build(batch: list[_Item]) -> RawChunk:
        data: dict[str, list[str | None]] = {c: [] for c in columns}
        rows: list[int] = []
        lines_of: list[int | None] = []
        problems: list[RowProblem] = []
        for row, line, record, problem in batch:
            if problem is not None:
                problems.append(problem)
                continue
            assert record is not None
            extra = [k for k in record if k not in header]
            if extra:
                problems.append(
                    row_problem(
                        row=row,
                        field=None,
                        line=line,
                        message=f"has fields the first rows do not have: {', '.join(extra)}",
                    )
                )
                continue
            rows.append(row)
            lines_of.append(line)
            for c in columns:
                data[c].append(_cell_text(record.get(c)))
        table = pa.table({c: pa.array(v, pa.string()) for c, v in data.items()})
        if any(line is not None for line in lines_of):
            table = table.append_column(LINE_COLUMN, pa.array(lines_of, pa.int64()))
        return RawChunk(table, np.array(rows, dtype=np.int64), problems)

    def chunks() -> Iterator[RawChunk]:
        batch = first_rows
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= chunk_rows:
                    chunk = build(batch)
                    chunk.bytes_read = position() if position is not None else None
                    yield chunk
                    batch = []
            if batch:
                chunk = build(batch)
                chunk.bytes_read = size
                yield chunk
        finally:
            if close is not None:
                close()

    return Source(path, kind, columns, chunks(), enc.UTF8, size=size)


def _jsonl_lines(
    handle: Any,
) -> Iterator[tuple[int, int, dict[str, Any] | None, RowProblem | None]]:
    row = 0
    for line_number, raw in enumerate(handle, start=1):
        if line_number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        row += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield (
                row,
                line_number,
                None,
                row_problem(
                    row=row,
                    field=None,
                    line=line_number,
                    message=f"is not UTF-8 (byte {error.start} of the line); JSON is UTF-8",
                ),
            )
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            yield (
                row,
                line_number,
                None,
                row_problem(
                    row=row,
                    field=None,
                    line=line_number,
                    message=f"is not valid JSON ({error.msg} at character {error.pos + 1})",
                ),
            )
            continue
        if not isinstance(record, dict):
            yield (
                row,
                line_number,
                None,
                row_problem(
                    row=row,
                    field=None,
                    line=line_number,
                    message='is not a JSON object: each line must be {"column": value, ...}',
                ),
            )
            continue
        yield row, line_number, record, None


# -- Parquet -----------------------------------------------------------------------------


def _parquet_source(path: Path, chunk_rows: int) -> Source:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InvalidInput(
            problems=[
                Problem(
                    where=path.name,
                    message=f"not a readable Parquet file (truncated or damaged?): {error}",
                )
            ]
        ) from None
    header = list(parquet.schema_arrow.names)
    if not header:
        raise _empty(path)
    _check_header_names(path, header)
    size = path.stat().st_size
    total = parquet.metadata.num_rows

    def chunks() -> Iterator[RawChunk]:
        next_row = 1
        try:
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                rows = np.arange(next_row, next_row + batch.num_rows, dtype=np.int64)
                next_row += batch.num_rows
                done = int(size * (next_row - 1) / total) if total else size
                yield RawChunk(pa.Table.from_batches([batch]), rows, [], done)
        except (pa.ArrowInvalid, OSError) as error:
            raise InvalidInput(
                problems=[
                    Problem(
                        where=f"{path.name}, after row {next_row - 1}",
                        message=f"the Parquet file is damaged: {error}",
                    )
                ]
            ) from None

    return Source(path, FileFormat.PARQUET, header, chunks(), None, size=size)


# -- Excel -------------------------------------------------------------------------------


def _xlsx_source(path: Path, sheet: str | None, chunk_rows: int) -> Source:
    book, worksheet = _open_sheet(path, sheet)
    values = worksheet.iter_rows(values_only=True)
    header_cells: tuple[Any, ...] | None = None
    header_row = 0
    for header_row, cells in enumerate(values, start=1):  # noqa: B007 - used after the loop
        if any(c is not None and str(c).strip() for c in cells):
            header_cells = cells
            break
    if header_cells is None:
        book.close()
        raise _empty(path)
    width = len(header_cells)
    while width and (header_cells[width - 1] is None or not str(header_cells[width - 1]).strip()):
        width -= 1
    header = [str(c).strip() if c is not None else "" for c in header_cells[:width]]
    _check_header_names(path, header)
    size = path.stat().st_size
    chunks = _xlsx_chunks(book, values, header, first_row=header_row + 1, chunk_rows=chunk_rows)
    return Source(path, FileFormat.XLSX, header, chunks, None, size=size)


def _open_sheet(path: Path, sheet: str | None) -> tuple[Any, Any]:
    """The workbook (read-only, formulas as text) and the sheet asked for, or the first;
    a workbook that cannot be read or has no such sheet is refused, naming the sheets."""
    import openpyxl
    import openpyxl.xml

    # openpyxl parses with defusedxml when it is installed; refuse to read without it,
    # since a workbook is untrusted XML.
    if not getattr(openpyxl.xml, "DEFUSEDXML", False):  # pragma: no cover - install guard
        raise RuntimeError("defusedxml must be installed to read Excel files safely")
    from servicepact.xlsx_limits import check_workbook

    check_workbook(path)  # before parsing: a small file can unpack to gigabytes
    try:
        # data_only=False: a formula is read as its text and never evaluated.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a bad zip / XML
        raise InvalidInput(
            problems=[Problem(where=path.name, message=f"not a readable Excel workbook: {error}")]
        ) from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise InvalidInput(
            problems=[
                Problem(
                    where=f"{path.name}: --sheet",
                    message=f"no sheet {sheet!r}; the sheets are {', '.join(book.sheetnames)}",
                )
            ]
        )
    return book, book[sheet] if sheet is not None else book.worksheets[0]


def _xlsx_chunks(
    book: Any, values: Iterator[tuple[Any, ...]], header: list[str], *, first_row: int,
    chunk_rows: int,
) -> Iterator[RawChunk]:  # fmt: skip
    """The sheet's rows below the header as chunks of text cells. Empty rows carry no event
    and are not counted; a row with values right of the last named column is reported."""
    width = len(header)
    data: dict[str, list[str | None]] = {h: [] for h in header}
    rows: list[int] = []
    sheet_rows: list[int] = []
    problems: list[RowProblem] = []
    row = 0

    def flush() -> RawChunk:
        table = pa.table({h: pa.array(v, pa.string()) for h, v in data.items()})
        table = table.append_column(LINE_COLUMN, pa.array(sheet_rows, pa.int64()))
        chunk = RawChunk(table, np.array(rows, dtype=np.int64), list(problems))
        for v in data.values():
            v.clear()
        rows.clear()
        sheet_rows.clear()
        problems.clear()
        return chunk

    try:
        for sheet_row, cells in enumerate(values, start=first_row):
            if not any(c is not None and str(c).strip() for c in cells):
                continue  # an empty row carries no event
            row += 1
            overflow = [i for i, c in enumerate(cells[width:], start=width) if c is not None]
            if overflow:
                problems.append(
                    row_problem(
                        row=row,
                        field=None,
                        line=sheet_row,
                        message=f"has values right of the last named column "
                        f"(cell {_cell_name(overflow[0], sheet_row)})",
                    )
                )
                continue
            rows.append(row)
            sheet_rows.append(sheet_row)
            for index, name in enumerate(header):
                value = cells[index] if index < len(cells) else None
                data[name].append(_cell_text(value))
            if len(rows) >= chunk_rows:
                yield flush()
        if rows or problems:
            yield flush()
    finally:
        book.close()


def _cell_name(index: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)}{row}"
