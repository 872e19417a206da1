"""Row validation against an event type, vectorised over a chunk with pyarrow.compute.

Every value is parsed column by column over the whole chunk; Python only runs for
the rows that fail (to word a precise message) and for JSON columns (pauses,
assignments). The rules — what a timestamp, a boolean, an integer may look like —
are listed in docs/loading.md; nothing is coerced: a value is read exactly as
written or it is a problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_schemas import ARROW_TYPES, DECIMAL, TIMESTAMP, arrow_schema
from servicepact.domain.event_types import BUILT_IN, Column, ColumnType, EventType
from servicepact.store import pii
from servicepact.store.events.problems import RowProblem, row_problem
from servicepact.store.events.sources import LINE_COLUMN, RawChunk

# The spellings accepted for booleans, compared after trimming and lower-casing.
TRUE_WORDS = ("true", "1", "yes", "y")
FALSE_WORDS = ("false", "0", "no", "n")

# ISO 8601 date and time, a space allowed for the "T", minutes, seconds and up to
# six fractional digits (microseconds, what is stored) optional, then Z or an
# offset. Exactly the forms Arrow's ISO 8601 parser reads, so the fast path (one
# cast of the whole column) and the slow path (this pattern) agree.
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}(?::[0-9]{2}"
    r"(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
_TOO_PRECISE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{7,}"
_OFFSET = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INTEGER_PATTERN = r"^[+-]?[0-9]{1,18}$"  # 18 digits always fit in int64
_DECIMAL_LIKE = r"^[+-]?[0-9]+\.[0-9]+$"
# decimal128(20, 6): at most 14 digits before the point and 6 after.
DECIMAL_PATTERN = r"^[+-]?[0-9]{1,14}(?:\.[0-9]{1,6})?$"
_TOO_MANY_DECIMALS = r"^[+-]?[0-9]+\.[0-9]{7,}$"

TIMESTAMP_HINT = "expected ISO 8601 such as 2026-01-05T09:30:00+09:00"


@dataclass
class Failure:
    """Rows of a chunk (positions) that fail one rule, and why."""

    positions: np.ndarray
    reason: str | list[str]


@dataclass
class ValidatedChunk:
    """One chunk after validation: the good rows typed, the bad ones explained."""

    table: pa.Table  # typed schema of the event type (no provenance columns)
    rows: np.ndarray  # data row number of each row of ``table``
    problems: list[RowProblem]
    rows_read: int
    rejected: list[dict[str, object]] = field(default_factory=list)  # raw bad rows, masked
    bytes_read: int | None = None


# -- the header --------------------------------------------------------------------------


def check_header(header: Sequence[str], event_type: EventType, *, file_name: str) -> None:
    """Refuse a file whose columns do not fit the event type, saying how to fix it."""
    names = set(event_type.column_names)
    present = set(header)
    missing = [c.name for c in event_type.columns if c.required and c.name not in present]
    extra = [h for h in header if h not in names]
    if not missing and not extra:
        return
    problems: list[Problem] = []
    better = _better_type(present, event_type)
    if better is not None:
        problems.append(
            Problem(
                where=f"{file_name}: header",
                message=(
                    f"this looks like a {better!r} file, not {event_type.name!r}: its columns "
                    f"match {better!r} better. Load it as source {better!r}, or check the file"
                ),
            )
        )
    if missing:
        problems.append(
            Problem(
                where=f"{file_name}: header",
                message=(
                    f"required columns missing: {', '.join(missing)}. {event_type.name} needs "
                    f"{', '.join(c.name for c in event_type.columns if c.required)}"
                ),
            )
        )
    if extra:
        problems.append(
            Problem(
                where=f"{file_name}: header",
                message=(
                    f"columns {event_type.name} does not have: {', '.join(extra)}. Remove or "
                    f"rename them (its columns are {', '.join(event_type.column_names)}); "
                    "nothing is loaded while the file has columns that would be ignored"
                ),
            )
        )
    raise InvalidInput(problems=problems)


def _better_type(present: set[str], event_type: EventType) -> str | None:
    def fit(candidate: EventType) -> float:
        names = set(candidate.column_names)
        required = {c.name for c in candidate.columns if c.required}
        if not required <= present:
            return 0.0
        return len(present & names) / len(present | names)

    own = fit(event_type)
    scores = {name: fit(t) for name, t in BUILT_IN.items() if name != event_type.name}
    if not scores:
        return None
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] > own else None


# -- values ------------------------------------------------------------------------------


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _positions(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def _each(
    strings: pa.Array, candidates: np.ndarray, convert: Callable[[pa.Array], pa.Array]
) -> tuple[np.ndarray, list[str]]:
    """Convert candidates one by one to find which fail: only after a whole-chunk failure."""
    failed: list[int] = []
    reasons: list[str] = []
    for position in candidates:
        try:
            convert(strings.slice(int(position), 1))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
            failed.append(int(position))
            reasons.append(_why(str(error)))
    return np.array(failed, dtype=np.int64), reasons


def _why(message: str) -> str:
    if "doesn't exist in timezone" in message:
        return "does not exist in that time zone (the clock skipped it: daylight saving)"
    if "ambiguous" in message.lower():
        return "is ambiguous in that time zone (the clock passed it twice): add an offset"
    return "is not a valid date or time (e.g. month 13, 30 February, hour 24)"


def _converted(
    strings: pa.Array, usable: np.ndarray, convert: Callable[[pa.Array], pa.Array]
) -> tuple[pa.Array, Failure | None]:
    """Convert the usable rows at once; if that fails, find the culprits and retry."""
    candidates = pa.array(usable)
    subset = pc.if_else(candidates, strings, pa.scalar(None, strings.type))
    try:
        return convert(subset), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        failed, reasons = _each(strings, _positions(usable), convert)
        keep = usable.copy()
        keep[failed] = False
        subset = pc.if_else(pa.array(keep), strings, pa.scalar(None, strings.type))
        return convert(subset), Failure(failed, reasons)


def _fast(strings: pa.Array, convert: Callable[[pa.Array], pa.Array]) -> pa.Array | None:
    """Convert the whole column at once; None when any value needs a closer look."""
    try:
        return convert(strings)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None


def _local(timezone: str) -> Callable[[pa.Array], pa.Array]:
    def convert(s: pa.Array) -> pa.Array:
        wall = pc.cast(s, pa.timestamp("us"))
        return pc.assume_timezone(
            wall, timezone=timezone, ambiguous="raise", nonexistent="raise"
        ).cast(TIMESTAMP)

    return convert


def _aware(s: pa.Array) -> pa.Array:
    return pc.cast(s, TIMESTAMP)


def parse_timestamps(strings: pa.Array, timezone: str | None) -> tuple[pa.Array, list[Failure]]:
    """ISO 8601 strings (nulls for missing) to UTC microseconds, with every failure."""
    # Fast path: every value has an offset (or, with a zone given, none has).
    quick = _fast(strings, _aware if timezone is None else _local(timezone))
    if quick is not None:
        return quick, []
    failures: list[Failure] = []
    present = _np(pc.is_valid(strings))
    well_formed = _np(pc.match_substring_regex(strings, TIMESTAMP_PATTERN)) & present
    too_precise = _np(pc.match_substring_regex(strings, _TOO_PRECISE)) & present & ~well_formed
    malformed = present & ~well_formed & ~too_precise
    if malformed.any():
        failures.append(Failure(_positions(malformed), f"not a timestamp: {TIMESTAMP_HINT}"))
    if too_precise.any():
        failures.append(
            Failure(
                _positions(too_precise),
                "has more than 6 fractional digits; timestamps are kept to the microsecond",
            )
        )
    has_offset = _np(pc.match_substring_regex(strings, _OFFSET)) & well_formed
    naive = well_formed & ~has_offset
    result: pa.Array = pa.nulls(len(strings), TIMESTAMP)
    if has_offset.any():
        aware, failure = _converted(strings, has_offset, _aware)
        result = aware
        if failure is not None:
            failures.append(failure)
    if naive.any():
        if timezone is None:
            failures.append(
                Failure(
                    _positions(naive),
                    "has no time zone offset: add one (e.g. +09:00 or Z), or pass "
                    "--timezone (e.g. Asia/Seoul) to read times without one in that zone",
                )
            )
        else:
            localised, failure = _converted(strings, naive, _local(timezone))
            result = pc.if_else(pa.array(naive), localised, result)
            if failure is not None:
                failures.append(failure)
    return result, failures


def check_timezone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            problems=[
                Problem(
                    where="--timezone",
                    message=f"{timezone!r} is not an IANA time zone (e.g. Asia/Seoul)",
                    value=timezone,
                )
            ]
        ) from None


def _parse_integers(strings: pa.Array) -> tuple[pa.Array, list[Failure]]:
    present = _np(pc.is_valid(strings))
    good = _np(pc.match_substring_regex(strings, INTEGER_PATTERN)) & present
    decimals = _np(pc.match_substring_regex(strings, _DECIMAL_LIKE)) & present & ~good
    other = present & ~good & ~decimals
    failures = []
    if decimals.any():
        failures.append(Failure(_positions(decimals), "is an integer column: no decimals"))
    if other.any():
        failures.append(Failure(_positions(other), "not an integer"))
    unsigned = pc.replace_substring_regex(strings, pattern=r"^\+", replacement="")
    subset = pc.if_else(pa.array(good), unsigned, pa.scalar(None, pa.string()))
    return pc.cast(subset, pa.int64()), failures


def _parse_decimals(strings: pa.Array) -> tuple[pa.Array, list[Failure]]:
    present = _np(pc.is_valid(strings))
    good = _np(pc.match_substring_regex(strings, DECIMAL_PATTERN)) & present
    precise = _np(pc.match_substring_regex(strings, _TOO_MANY_DECIMALS)) & present & ~good
    other = present & ~good & ~precise
    failures = []
    if precise.any():
        failures.append(
            Failure(_positions(precise), "has more than 6 decimal places (kept exactly to 6)")
        )
    if other.any():
        failures.append(
            Failure(_positions(other), "not a decimal number (digits, optional '.', no exponent)")
        )
    unsigned = pc.replace_substring_regex(strings, pattern=r"^\+", replacement="")
    subset = pc.if_else(pa.array(good), unsigned, pa.scalar(None, pa.string()))
    return pc.cast(subset, DECIMAL), failures


def _parse_booleans(strings: pa.Array) -> tuple[pa.Array, list[Failure]]:
    words = pc.utf8_lower(strings)
    is_true = _np(pc.is_in(words, value_set=pa.array(TRUE_WORDS)))
    is_false = _np(pc.is_in(words, value_set=pa.array(FALSE_WORDS)))
    present = _np(pc.is_valid(strings))
    bad = present & ~is_true & ~is_false
    failures = []
    if bad.any():
        failures.append(
            Failure(
                _positions(bad),
                "not a boolean: use true/false, 1/0, yes/no or y/n (any case)",
            )
        )
    values = pa.array(is_true, pa.bool_())
    return pc.if_else(pa.array(is_true | is_false), values, pa.scalar(None, pa.bool_())), failures


def _parse_dates(strings: pa.Array) -> tuple[pa.Array, list[Failure]]:
    present = _np(pc.is_valid(strings))
    good = _np(pc.match_substring_regex(strings, DATE_PATTERN)) & present
    failures = []
    if (present & ~good).any():
        failures.append(Failure(_positions(present & ~good), "not a date: expected YYYY-MM-DD"))
    values, failure = _converted(strings, good, lambda s: pc.cast(s, pa.date32()))
    if failure is not None:
        failure.reason = "is not a valid date (e.g. month 13 or 30 February)"
        failures.append(failure)
    return values, failures


def _json_list(
    strings: pa.Array, column: Column, timezone: str | None
) -> tuple[pa.Array, list[Failure]]:
    """Pauses (``[[start, end], ...]``) or assignments (``[{party, from, to}, ...]``)."""
    texts = strings.to_pylist()
    intervals = column.type is ColumnType.INTERVALS
    parsed: list[list[tuple[str | None, str | None, str | None]] | None] = [None] * len(texts)
    failed: list[int] = []
    reasons: list[str] = []
    stamps: list[str | None] = []  # every timestamp string, parsed at once afterwards
    for position, text in enumerate(texts):
        if text is None:
            continue
        try:
            items = _json_items(text, intervals)
        except ValueError as error:
            failed.append(position)
            reasons.append(str(error))
            continue
        parsed[position] = items
        for _party, start, end in items:
            stamps.extend((start, end))
    values, stamp_failures = parse_timestamps(pa.array(stamps, pa.string()), timezone)
    bad_stamps: set[int] = set()
    for failure in stamp_failures:
        bad_stamps.update(int(p) for p in failure.positions)
    times = values.to_pylist()
    cursor = 0
    rows: list[list[dict[str, object]] | None] = [None] * len(texts)
    for position, maybe in enumerate(parsed):
        if maybe is None:
            continue
        out: list[dict[str, object]] = []
        problem = None
        for index, (party, _start, _end) in enumerate(maybe):
            a, b = cursor, cursor + 1
            cursor += 2
            if problem is not None:
                continue
            if a in bad_stamps or b in bad_stamps:
                problem = f"item {index + 1} has a timestamp that is not valid: {TIMESTAMP_HINT}"
                continue
            start, end = times[a], times[b]
            if start is not None and end is not None and end < start:
                problem = f"item {index + 1} ends before it starts"
                continue
            if intervals:
                out.append({"start": start, "end": end})
            else:
                out.append({"party": party, "from": start, "to": end})
        if problem is not None:
            failed.append(position)
            reasons.append(problem)
        else:
            rows[position] = out
    failures = [Failure(np.array(failed, dtype=np.int64), reasons)] if failed else []
    return pa.array(rows, type=ARROW_TYPES[column.type]), failures


def _json_items(text: str, intervals: bool) -> list[tuple[str | None, str | None, str | None]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"is not valid JSON ({error.msg} at character {error.pos + 1})") from None
    if not isinstance(value, list):
        raise ValueError("must be a JSON array")
    items: list[tuple[str | None, str | None, str | None]] = []
    for index, item in enumerate(value, start=1):
        if intervals:
            if isinstance(item, dict) and set(item) == {"start", "end"}:
                start, end = item["start"], item["end"]
            elif isinstance(item, list) and len(item) == 2:
                start, end = item
            else:
                raise ValueError(f'item {index} must be [start, end] or {{"start", "end"}}')
            if not isinstance(start, str) or not isinstance(end, str):
                raise ValueError(f"item {index} needs a start and an end timestamp")
            items.append((None, start, end))
        else:
            if not isinstance(item, dict) or not {"party", "from"} <= set(item) <= {
                "party",
                "from",
                "to",
            }:
                raise ValueError(f'item {index} must be {{"party", "from", "to"}}')
            party, start, end = item["party"], item["from"], item.get("to")
            if not isinstance(party, str) or not party:
                raise ValueError(f"item {index} needs a party")
            if not isinstance(start, str) or (end is not None and not isinstance(end, str)):
                raise ValueError(f"item {index}: from and to are timestamps (to may be null)")
            items.append((party, start, end))
    return items


def parse_column(
    values: pa.Array, column: Column, timezone: str | None
) -> tuple[pa.Array, list[Failure]]:
    """Parse one column of raw values; typed input of the right type passes through."""
    target = ARROW_TYPES[column.type]
    if values.type == target:
        return values, []
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        try:
            values = pc.cast(values, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            everyone = _positions(_np(pc.is_valid(values)))
            return pa.nulls(len(values), target), [
                Failure(everyone, f"a {values.type} column cannot be read as {column.type.value}")
            ]
    if column.type in (ColumnType.STRING, ColumnType.TEXT):
        # Strings are kept exactly as written; only a blank cell means "no value".
        blank = pc.or_(pc.equal(values, ""), pc.utf8_is_space(values))
        if pc.any(blank).as_py():
            values = pc.if_else(blank, pa.scalar(None, pa.string()), values)
        return values, []
    # Fast path: one cast of the whole column, before any trimming. What Arrow
    # reads here is a subset of the accepted forms (booleans: true/false/1/0 in
    # any case; integers: digits with an optional minus; ISO 8601 timestamps);
    # anything else takes the slow path, which words a reason per row.
    if column.type in (ColumnType.INTEGER, ColumnType.BOOLEAN, ColumnType.DATE):
        parsed = _fast(values, lambda s: pc.cast(s, target))
        if parsed is not None:
            return parsed, []
    if column.type is ColumnType.TIMESTAMP:
        parsed = _fast(values, _aware if timezone is None else _local(timezone))
        if parsed is not None:
            return parsed, []
    trimmed = pc.utf8_trim_whitespace(values)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    if column.type is ColumnType.TIMESTAMP:
        return parse_timestamps(trimmed, timezone)
    if column.type is ColumnType.INTEGER:
        return _parse_integers(trimmed)
    if column.type is ColumnType.DECIMAL:
        return _parse_decimals(trimmed)
    if column.type is ColumnType.BOOLEAN:
        return _parse_booleans(trimmed)
    if column.type is ColumnType.DATE:
        return _parse_dates(trimmed)
    return _json_list(trimmed, column, timezone)


# C0 controls and DEL, but tab, LF and CR (text may hold those): refused in every column, as at
# every other input (PostgreSQL text cannot even hold NUL).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


_ALLOWED_CONTROL = np.array([0x09, 0x0A, 0x0D], dtype=np.uint8)  # tab, LF, CR


def _may_hold_control(strings: pa.Array) -> bool:
    """False when no value's bytes hold a refused control character: one numpy pass over
    the column's bytes instead of a regular expression per value. In UTF-8 these bytes
    never occur inside a longer character, so a byte test is exact; bytes of a slice's
    neighbours can only make this say True, and the pattern then decides."""
    data_buffer = strings.buffers()[2]
    if data_buffer is None or len(strings) == 0:
        return False
    size = 8 if pa.types.is_large_string(strings.type) else 4
    offsets = np.frombuffer(
        strings.buffers()[1],
        dtype=np.int64 if size == 8 else np.int32,
        count=len(strings) + 1,
        offset=strings.offset * size,
    )
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    low = data[data < 0x20]
    if low.size and not np.isin(low, _ALLOWED_CONTROL).all():
        return True
    return bool((data == 0x7F).any())


def _control_characters(strings: pa.Array) -> list[Failure]:
    if not pa.types.is_string(strings.type) and not pa.types.is_large_string(strings.type):
        return []
    if not _may_hold_control(strings):
        return []
    found = _np(pc.match_substring_regex(strings, _CONTROL))
    if not found.any():
        return []
    return [Failure(_positions(found), "holds a control character (e.g. NUL); remove it")]


def _rules(values: pa.Array, column: Column) -> list[Failure]:
    """Required, allowed values, minimum and maximum — on parsed values."""
    failures = []
    if column.allowed is not None:
        outside = _np(pc.invert(pc.is_in(values, value_set=pa.array(column.allowed))))
        outside &= _np(pc.is_valid(values))
        if outside.any():
            failures.append(
                Failure(
                    _positions(outside),
                    f"not one of the allowed values: {', '.join(column.allowed)}",
                )
            )
    for bound, compare, word in (
        (column.minimum, pc.less, "below the minimum"),
        (column.maximum, pc.greater, "above the maximum"),
    ):
        if bound is None:
            continue
        limit: object = Decimal(str(bound)) if column.type is ColumnType.DECIMAL else bound
        scalar = pa.scalar(limit, type=DECIMAL if column.type is ColumnType.DECIMAL else None)
        out = _np(compare(values, scalar))
        if out.any():
            shown = int(bound) if float(bound).is_integer() else bound
            failures.append(Failure(_positions(out), f"{word} of {shown}"))
    return failures


# -- a whole chunk -----------------------------------------------------------------------


def validate_chunk(
    raw: RawChunk,
    event_type: EventType,
    *,
    timezone: str | None,
    header: Sequence[str],
) -> ValidatedChunk:
    """Parse and check every row of ``raw``; the good rows come back typed."""
    table = raw.table
    n = table.num_rows
    checked = _check_columns(table, event_type, timezone)
    bad, why = checked.bad, checked.why
    rows = raw.rows
    _duplicates(checked.typed, event_type, rows, bad, why)
    problems, rejected = _rejections(raw, event_type, header, why)
    schema = arrow_schema(event_type)
    good = pa.array(~bad)
    typed = checked.typed
    kept = typed.filter(good).cast(schema) if bad.any() else typed.cast(schema)
    return ValidatedChunk(
        table=kept,
        rows=rows[~bad],
        problems=problems,
        rows_read=n + sum(1 for p in raw.problems if p.row is not None),
        rejected=rejected,
        bytes_read=raw.bytes_read,
    )


@dataclass
class _Checked:
    """A chunk's columns parsed to their types, which rows failed, and why (by position)."""

    typed: pa.Table
    bad: np.ndarray
    why: dict[int, list[tuple[Column, str]]]


def _check_columns(table: pa.Table, event_type: EventType, timezone: str | None) -> _Checked:
    """Every column of the event type parsed and checked (a missing optional column is
    all nulls); a row that fails any check is marked bad, with each reason kept."""
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    why: dict[int, list[tuple[Column, str]]] = {}
    schema = arrow_schema(event_type)
    arrays: list[pa.Array] = []
    for column in event_type.columns:
        target = ARROW_TYPES[column.type]
        if column.name not in table.column_names:
            arrays.append(pa.nulls(n, target))
            continue
        values = table.column(column.name).combine_chunks()
        parsed, failures = parse_column(values, column, timezone)
        failures += _control_characters(values)
        failures += _rules(parsed, column)
        if column.required and parsed.null_count:  # no null: nothing required is missing
            failed_here = np.zeros(n, dtype=bool)
            for failure in failures:
                failed_here[failure.positions] = True
            missing = ~_np(pc.is_valid(parsed)) & ~failed_here
            if missing.any():
                failures.append(Failure(_positions(missing), "required value missing"))
        for failure in failures:
            bad[failure.positions] = True
            for index, position in enumerate(failure.positions):
                reason = (
                    failure.reason if isinstance(failure.reason, str) else failure.reason[index]
                )
                why.setdefault(int(position), []).append((column, reason))
        arrays.append(parsed)
    typed = pa.Table.from_arrays(arrays, schema=pa.schema([f.with_nullable(True) for f in schema]))
    return _Checked(typed, bad, why)


def _rejections(
    raw: RawChunk,
    event_type: EventType,
    header: Sequence[str],
    why: dict[int, list[tuple[Column, str]]],
) -> tuple[list[RowProblem], list[dict[str, object]]]:
    """One problem per failed check (row, line, column, field; personal values masked) and
    one rejected-row record per failed row, after the reader's own problems."""
    table = raw.table
    rows = raw.rows
    lines = table.column(LINE_COLUMN).to_numpy() if LINE_COLUMN in table.column_names else None
    column_numbers = {name: i + 1 for i, name in enumerate(header)}
    personal = pii.personal_columns(event_type)
    categories = pii.personal_categories(event_type)
    problems = list(raw.problems)
    rejected: list[dict[str, object]] = []
    for position in sorted(why):
        raw_row = _raw_row(table, position, header)
        line = int(lines[position]) if lines is not None else None
        for column, reason in why[position]:
            raw_value = raw_row.get(column.name)
            problems.append(
                row_problem(
                    row=int(rows[position]),
                    field=column.name,
                    message=reason,
                    value=_shown(raw_value, column, personal),
                    line=line,
                    column=column_numbers.get(column.name),
                )
            )
        rejected.append(
            {
                "row": int(rows[position]),
                "line": line,
                "values": pii.mask_row(raw_row, personal, categories),
                "reasons": [f"{c.name}: {r}" for c, r in why[position]],
            }
        )
    for problem in raw.problems:
        if problem.row is not None:
            rejected.append(
                {
                    "row": problem.row,
                    "line": problem.line,
                    "values": {},
                    "reasons": [problem.message],
                }
            )
    return problems, rejected


def _duplicates(
    typed: pa.Table,
    event_type: EventType,
    rows: np.ndarray,
    bad: np.ndarray,
    why: dict[int, list[tuple[Column, str]]],
) -> None:
    """Ids that occur twice in the chunk: every occurrence is a problem (which one is right?)."""
    ids = typed.column(event_type.id_column)
    column = event_type.column(event_type.id_column)
    looks_personal = _np(pii.column_has_personal_data(ids))
    for position in _positions(looks_personal):
        bad[position] = True
        why.setdefault(int(position), []).append(
            (
                column,
                "looks like personal data (phone, e-mail or resident number): use an opaque id",
            )
        )
    counts = pc.value_counts(ids)
    repeated = pc.filter(
        counts.field("values"),
        pc.and_(pc.greater(counts.field("counts"), 1), pc.is_valid(counts.field("values"))),
    )
    if len(repeated) == 0:
        return
    mask = _np(pc.is_in(ids, value_set=repeated))
    positions = _positions(mask)
    by_id: dict[object, list[int]] = {}
    for position, value in zip(
        positions, pc.take(ids, pa.array(positions)).to_pylist(), strict=True
    ):
        by_id.setdefault(value, []).append(int(position))
    for group in by_id.values():
        for position in group:
            others = ", ".join(str(int(rows[p])) for p in group if p != position)
            bad[position] = True
            why.setdefault(position, []).append((column, f"duplicate id: also in row {others}"))


def _raw_row(table: pa.Table, position: int, header: Sequence[str]) -> dict[str, object]:
    return {
        name: table.column(name)[position].as_py() for name in header if name in table.column_names
    }


def _shown(value: object, column: Column, personal: frozenset[str]) -> str | None:
    if value is None:
        return None
    if column.name in personal:
        return pii.mask_value(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return pii.mask_text(str(value))
