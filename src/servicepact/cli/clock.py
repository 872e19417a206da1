"""``servicepact clock``: business seconds of intervals in one of a contract's calendars.

A way to check the business-time clock by hand, or to compare it with another
tool: give a CSV of ``id,start,end,pauses`` and read back ``id,business_seconds``.
Parsing is here; the arithmetic is ``engine/business_time.py``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import typer
from rich import progress
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from servicepact.contractfile import load_contract_file
from servicepact.domain.calendars import Calendar
from servicepact.domain.cells import FORMULA_LIKE, neutralise
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services.business_time import business_seconds

REQUIRED_COLUMNS = ("id", "start", "end")
OPTIONAL_COLUMNS = ("pauses",)
# Files under 1 MiB read in well under a second; a progress bar would only flicker.
PROGRESS_FROM_BYTES = 1 << 20
# One file can hold many bad rows; past this many the message would only be noise.
MAX_PROBLEMS = 200


class ClockFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    TABLE = "table"


@dataclass
class Intervals:
    """Valid rows as columns: ids, epoch-second bounds, and pauses as (row, start, end)."""

    ids: pa.Array
    starts: np.ndarray[Any, np.dtype[np.int64]]
    ends: np.ndarray[Any, np.dtype[np.int64]]
    pause_rows: np.ndarray[Any, np.dtype[np.int64]]
    pause_starts: np.ndarray[Any, np.dtype[np.int64]]
    pause_ends: np.ndarray[Any, np.dtype[np.int64]]


@dataclass
class Parsed:
    ids: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    pauses: list[list[tuple[int, int]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def intervals(self) -> Intervals:
        pause_bounds = [bound for pauses in self.pauses for bound in pauses]
        return Intervals(
            ids=pa.array(self.ids, type=pa.string()),
            starts=np.asarray(self.starts, dtype=np.int64),
            ends=np.asarray(self.ends, dtype=np.int64),
            pause_rows=np.asarray(
                [row for row, pauses in enumerate(self.pauses) for _ in pauses], dtype=np.int64
            ),
            pause_starts=np.asarray([b[0] for b in pause_bounds], dtype=np.int64),
            pause_ends=np.asarray([b[1] for b in pause_bounds], dtype=np.int64),
        )


def parse_instant(text: str) -> int:
    """ISO 8601 with an offset or ``Z`` → epoch seconds (fractions of a second dropped).

    Raises ValueError with a reason a person can act on.
    """
    text = text.strip()
    if not text:
        raise ValueError("is empty; give an ISO 8601 time such as 2026-03-02T09:00+09:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "is not an ISO 8601 time; write e.g. 2026-03-02T09:00+09:00 or 2026-03-02T00:00Z"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            "has no UTC offset, so the instant is ambiguous; add one, e.g. +09:00 or Z"
        )
    # Business time is counted in whole seconds: a fraction is dropped (floor), so
    # 09:00:00.9 counts as 09:00:00.
    return int(moment.timestamp() // 1)


def _parse_pauses(text: str) -> list[tuple[int, int]]:
    text = text.strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(
            "is not JSON; write a list of (start, end) pairs of ISO 8601 times, e.g. "
            '[["2026-03-02T10:00+09:00", "2026-03-02T11:00+09:00"]], or an empty list'
        ) from None
    if not isinstance(value, list):
        raise ValueError("must be a JSON list of (start, end) pairs of ISO 8601 times")
    pairs: list[tuple[int, int]] = []
    for index, pair in enumerate(value, start=1):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)
        ):
            raise ValueError(f"pause {index} must be a pair of two ISO 8601 times (start, end)")
        bounds: list[int] = []
        for name, bound in zip(("start", "end"), pair, strict=True):
            try:
                bounds.append(parse_instant(bound))
            except ValueError as error:
                raise ValueError(f"pause {index} {name} {bound!r} {error}") from None
        pairs.append((bounds[0], bounds[1]))
    return pairs


def _row_problems(problems: list[Problem], number: int) -> Callable[[str, str, str], None]:
    """A ``fail(column, value, reason)`` that records a problem of row ``number``."""

    def fail(column: str, value: str, reason: str) -> None:
        problems.append(
            Problem(where=f"row {number}, column {column}", message=reason, value=value)
        )

    return fail


def read_intervals(lines: Iterable[str]) -> Parsed:
    """Read every row, collecting every problem (row, column, value, reason)."""
    parsed = Parsed()
    reader = csv.DictReader(lines)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        parsed.problems.append(
            Problem(
                where="header",
                message=f"lacks the column(s) {', '.join(missing)}; "
                f"the header must be id,start,end[,pauses]",
                value=",".join(header),
            )
        )
        return parsed
    reader.fieldnames = header
    for number, row in enumerate(reader, start=1):
        problems: list[Problem] = []
        fail = _row_problems(problems, number)

        row_id = (row.get("id") or "").strip()
        if not row_id:
            fail("id", "", "is empty; every row needs an id")
        instants: dict[str, int] = {}
        for column in ("start", "end"):
            raw = row.get(column) or ""
            try:
                instants[column] = parse_instant(raw)
            except ValueError as error:
                fail(column, raw, f"{raw!r} {error}" if raw.strip() else str(error))
        raw_pauses = row.get("pauses") or ""
        try:
            pauses = _parse_pauses(raw_pauses)
        except ValueError as error:
            fail("pauses", raw_pauses, str(error))
            pauses = []
        if problems:
            parsed.problems.extend(problems)
            continue
        parsed.ids.append(row_id)
        parsed.starts.append(instants["start"])
        parsed.ends.append(instants["end"])
        parsed.pauses.append(pauses)
    return parsed


# --- the column-wise reader ------------------------------------------------------------------
# Big files are read by Arrow a column at a time. It only takes files whose every value has the
# plain shape below, where Arrow's parse and ``parse_instant`` agree by construction (no
# fractions, no spaces, years 1900-2199, calendar dates checked by Arrow). Any other file — every
# file with a problem among them — is read again row by row, so the reported problems and the
# accepted values are exactly those of ``read_intervals``.
_INSTANT = (
    r"(19|20|21)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"
)
_JSON_SPACE = r"[ \t\n\r]*"
_PAIR = rf'\[{_JSON_SPACE}"{_INSTANT}"{_JSON_SPACE},{_JSON_SPACE}"{_INSTANT}"{_JSON_SPACE}\]'
_PAUSES = (
    rf"^{_JSON_SPACE}\[{_JSON_SPACE}({_PAIR}{_JSON_SPACE}(,{_JSON_SPACE}{_PAIR}{_JSON_SPACE})*)?\]"
    rf"{_JSON_SPACE}$"
)
# The characters ``str.strip`` removes (``str.isspace``; a test checks the list against every
# code point): an id starting or ending with one goes row by row.
PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


# pyarrow imports pandas (0.15 s of CPU) the first time it turns a Python or numpy value into
# an Arrow one (``pa.array``, ``pa.scalar``, a Python value passed to a compute function), and
# the command needs nothing of pandas: the column-wise path builds its Arrow values from
# buffers. A test runs the command in a fresh process and checks that pandas stays unloaded.
def _strings(values: Sequence[str]) -> pa.StringArray:
    """``values`` as an Arrow string array, built from its buffers."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(data) for data in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    array: pa.StringArray = pa.Array.from_buffers(pa.string(), len(encoded), buffers)
    return array


def _text(value: str) -> pa.StringScalar:
    scalar: pa.StringScalar = _strings([value])[0]
    return scalar


def _int64s(values: np.ndarray[Any, np.dtype[np.int64]]) -> pa.Int64Array:
    """A numpy int64 array as an Arrow one, sharing its memory."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    array: pa.Int64Array = pa.Array.from_buffers(
        pa.int64(), values.size, [None, pa.py_buffer(values)]
    )
    return array


def _numbers(
    values: pa.Array | pa.ChunkedArray, dtype: type[np.integer[Any]]
) -> np.ndarray[Any, Any]:
    """The values of an integer Arrow array without nulls, as a numpy view of its memory
    (``to_numpy`` would load pandas)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    width = np.dtype(dtype).itemsize
    assert values.null_count == 0
    assert values.type.byte_width == width
    data = values.buffers()[1]
    assert data is not None
    return np.frombuffer(data, dtype=dtype, count=len(values), offset=values.offset * width)


_PY_SPACE = _strings(list(PY_SPACE))
_EMPTY, _QUOTE = _text(""), _text("'")


def _header(path: Path) -> list[str] | None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), None)
    return first


def read_interval_columns(path: Path) -> Intervals | None:
    """The file's rows as columns, or None when it must be read row by row (see above)."""
    try:
        raw_header = _header(path)
    except (UnicodeDecodeError, csv.Error):
        return None
    if not raw_header:
        return None
    header = [name.strip() for name in raw_header]
    if len(set(header)) != len(header) or any(c not in header for c in REQUIRED_COLUMNS):
        return None
    try:
        table = pa_csv.read_csv(
            path,
            # one thread: with two, the same read takes half as much CPU again (chunking
            # with newlines allowed in quoted values) for little gain in wall time
            read_options=pa_csv.ReadOptions(
                column_names=raw_header, skip_rows=1, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(raw_header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    table = table.rename_columns(header)
    ids = table.column("id").combine_chunks()
    if len(ids) == 0:
        return None
    if pc.min(pc.utf8_length(ids)).as_py() == 0:
        return None
    edges = (pc.utf8_slice_codeunits(ids, 0, 1), pc.utf8_slice_codeunits(ids, -1, 2**31 - 1))
    if any(pc.any(pc.is_in(edge, value_set=_PY_SPACE)).as_py() for edge in edges):
        return None
    bounds: list[np.ndarray[Any, np.dtype[np.int64]]] = []
    for column in ("start", "end"):
        values = table.column(column)
        if not pc.all(pc.match_substring_regex(values, f"^{_INSTANT}$")).as_py():
            return None
        try:
            bounds.append(_epoch_seconds(values))
        except pa.ArrowInvalid:
            return None
    pause_rows, pause_starts, pause_ends = (np.zeros(0, dtype=np.int64),) * 3
    if "pauses" in header:
        pauses = _pause_columns(table.column("pauses").combine_chunks())
        if pauses is None:
            return None
        pause_rows, pause_starts, pause_ends = pauses
    return Intervals(ids, bounds[0], bounds[1], pause_rows, pause_starts, pause_ends)


def _epoch_seconds(values: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.int64]]:
    seconds = pc.cast(values, pa.timestamp("s", tz="UTC")).cast(pa.int64())
    return _numbers(seconds, np.int64)


def _pause_columns(
    texts: pa.Array,
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], ...] | None:
    """(row, start, end) of every pause; None unless each cell is empty or a plain list."""
    rows = np.flatnonzero(_numbers(pc.binary_length(texts), np.int32))  # the cells not empty
    if rows.size == 0:
        return (np.zeros(0, dtype=np.int64),) * 3
    cells = texts.take(_int64s(rows))
    if not pc.all(pc.match_substring_regex(cells, _PAUSES)).as_py():
        return None
    # Each cell is now a JSON list of pairs of plain instants, each instant in quotes and no
    # other quote in the cell: split at the quotes, the instants are the pieces at odd places,
    # start and end in turn (a cell of 2k instants splits into 2k + 1 pieces).
    pieces = pc.split_pattern(cells, '"')
    counts = _numbers(pc.list_value_length(pieces), np.int32).astype(np.int64) // 2
    flat = pc.list_flatten(pc.list_slice(pieces, 1, None, 2))
    try:
        seconds = _epoch_seconds(flat)
    except pa.ArrowInvalid:
        return None
    pairs = counts // 2
    pause_rows = np.repeat(rows.astype(np.int64), pairs)
    return pause_rows, seconds[0::2].copy(), seconds[1::2].copy()


def _calendar(contract_file: Path, name: str) -> Calendar:
    contract = load_contract_file(contract_file).contract
    if name not in contract.calendars:
        known = ", ".join(contract.calendars) or "none declared"
        raise InvalidInput(
            problems=[
                Problem(
                    where="--calendar",
                    message=f"the contract has no calendar {name!r} (calendars: {known})",
                    value=name,
                )
            ],
            source=str(contract_file),
        )
    return contract.calendars[name]


def _safe_cell(text: str) -> str:
    return neutralise(text)


def render(ids: list[str], seconds: list[int], output_format: ClockFormat) -> str:
    if output_format is ClockFormat.JSON:
        rows = [{"id": i, "business_seconds": s} for i, s in zip(ids, seconds, strict=True)]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if output_format is ClockFormat.TABLE:
        table = Table("id", "business seconds", "business hours")
        for row_id, value in zip(ids, seconds, strict=True):
            table.add_row(escape(row_id), f"{value:,}", f"{value / 3600:,.2f}")
        buffer = io.StringIO()
        Console(file=buffer, width=100, highlight=False).print(table)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "business_seconds"])
    writer.writerows([_safe_cell(i), s] for i, s in zip(ids, seconds, strict=True))
    return buffer.getvalue()


def render_csv_columns(ids: pa.Array, seconds: np.ndarray[Any, np.dtype[np.int64]]) -> str | None:
    """The CSV ``render`` writes, built from the columns; None when an id needs CSV quoting
    (``render`` then writes it)."""
    risky = pc.match_substring_regex(ids, FORMULA_LIKE)  # the rule of domain/cells.py
    if pc.any(risky).as_py():
        ids = pc.if_else(risky, pc.binary_join_element_wise(_QUOTE, ids, _EMPTY), ids)
    table = pa.Table.from_arrays([ids, _int64s(seconds)], names=["id", "business_seconds"])
    sink = pa.BufferOutputStream()
    try:
        # Without quoting Arrow refuses a value holding a comma, a quote, CR or LF: exactly
        # the values csv.writer would quote.
        pa_csv.write_csv(
            table, sink, pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
        )
    except pa.ArrowInvalid:
        return None
    text: str = sink.getvalue().to_pybytes().decode("utf-8")
    return text


def clock_command(
    input_file: Annotated[
        Path,
        typer.Argument(
            help="CSV with the header id,start,end[,pauses]: ISO 8601 times with an offset "
            "or Z; pauses a JSON list of (start, end) pairs of such times, e.g. "
            '[["2026-03-02T10:00+09:00","2026-03-02T11:00+09:00"]] (may be empty).',
            metavar="INPUT.csv",
        ),
    ],
    contract: Annotated[
        Path, typer.Option("--contract", help="The contract file (YAML) that names the calendar.")
    ],
    calendar: Annotated[
        str, typer.Option("--calendar", help="The calendar's name in the contract, e.g. office.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    output_format: Annotated[
        ClockFormat,
        typer.Option(
            "--format", help="csv (id,business_seconds; the default), json, or table (readable)."
        ),
    ] = ClockFormat.CSV,
) -> None:
    """Business seconds of each interval in a contract's calendar, pauses subtracted.

    Each row's result is the working time of the calendar from start (included)
    to end (excluded), less the working part of its merged pauses; 0 when end is
    not after start. Bad rows are
    all reported at once (row, column, value, why) and nothing is written.
    """
    chosen = _calendar(contract, calendar)
    columns = read_interval_columns(input_file) if input_file.is_file() else None
    intervals = columns if columns is not None else _read_rows(input_file).intervals()
    try:
        seconds = business_seconds(
            chosen,
            starts=intervals.starts,
            ends=intervals.ends,
            pause_rows=intervals.pause_rows,
            pause_starts=intervals.pause_starts,
            pause_ends=intervals.pause_ends,
        )
    except ValueError as error:  # e.g. a time outside the years the calendar can cover
        raise InvalidInput(
            problems=[Problem(where="file", message=str(error))], source=str(input_file)
        ) from None
    text = None
    if output_format is ClockFormat.CSV:
        text = render_csv_columns(intervals.ids, seconds)
    if text is None:
        text = render(intervals.ids.to_pylist(), seconds.tolist(), output_format)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _read_rows(input_file: Path) -> Parsed:
    """Every row read one by one; every problem of the file raised at once."""
    try:
        # A bar on stderr for big files only: small ones finish before it would help.
        quiet = input_file.stat().st_size < PROGRESS_FROM_BYTES
        with progress.open(
            input_file,
            "r",
            encoding="utf-8-sig",
            newline="",
            description="Reading intervals",
            console=Console(stderr=True),
            transient=True,
            disable=quiet,
        ) as handle:
            parsed = read_intervals(handle)
    except FileNotFoundError:
        raise InvalidInput(
            problems=[Problem(where="INPUT.csv", message="no such file", value=str(input_file))],
            source=str(input_file),
        ) from None
    except UnicodeDecodeError as error:
        raise InvalidInput(
            problems=[Problem(where=f"byte {error.start}", message="is not UTF-8 text")],
            source=str(input_file),
        ) from None
    if parsed.problems:
        shown = parsed.problems[:MAX_PROBLEMS]
        if len(parsed.problems) > MAX_PROBLEMS:
            shown.append(
                Problem(
                    where="file",
                    message=f"{len(parsed.problems) - MAX_PROBLEMS} more problems not shown",
                )
            )
        raise InvalidInput(problems=shown, source=str(input_file))
    return parsed


def register(app: typer.Typer) -> None:
    app.command(name="clock")(clock_command)
