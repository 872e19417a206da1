"""The clock command's column-wise reader agrees with its row-by-row reader.

Every file the column reader takes must give exactly the ids, instants and pauses the row
reader gives; every other file (odd shapes, every file with a problem) must be left to the
row reader, which names the problems.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicepact.cli.clock import (
    PY_SPACE,
    ClockFormat,
    Intervals,
    read_interval_columns,
    read_intervals,
    render,
    render_csv_columns,
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _instant(seconds: int, offset_minutes: int, with_seconds: bool) -> str:
    zone = UTC if offset_minutes == 0 else timezone(timedelta(minutes=offset_minutes))
    moment = (BASE + timedelta(seconds=seconds)).astimezone(zone)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S" if with_seconds else "%Y-%m-%dT%H:%M")
    if offset_minutes == 0:
        return text + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    return f"{text}{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"


instants = st.builds(
    _instant,
    st.integers(0, 700 * 86400),
    st.sampled_from([0, 540, -300, 330, -570, 0]),
    st.booleans(),
)
pause_cells = st.one_of(
    st.just(""),
    st.just("[]"),
    st.lists(st.tuples(instants, instants), max_size=3).map(
        lambda pairs: json.dumps([list(p) for p in pairs])
    ),
    st.lists(st.tuples(instants, instants), min_size=1, max_size=2).map(
        lambda pairs: json.dumps([list(p) for p in pairs], separators=(",", ":"))
    ),
)
ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=0,
    max_size=8,
) | st.from_regex(r"T-[0-9]{1,6}", fullmatch=True)
rows = st.lists(st.tuples(ids, instants, instants, pause_cells), min_size=1, max_size=30)


def _write(path: Path, header: list[str], body: list[tuple[str, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _row_by_row(path: Path) -> Intervals | None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        parsed = read_intervals(handle)
    return None if parsed.problems else parsed.intervals()


def _same(a: Intervals, b: Intervals) -> None:
    assert a.ids.to_pylist() == b.ids.to_pylist()
    for name in ("starts", "ends", "pause_rows", "pause_starts", "pause_ends"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=rows)
def test_columns_equal_rows_whenever_the_column_reader_takes_the_file(
    tmp_path: Path, body: list[tuple[str, str, str, str]]
) -> None:
    path = tmp_path / "intervals.csv"
    _write(path, ["id", "start", "end", "pauses"], body)
    columns = read_interval_columns(path)
    rows_read = _row_by_row(path)
    if columns is None:
        return  # left to the row reader, which is the reference
    assert rows_read is not None, "the column reader took a file the row reader rejects"
    _same(columns, rows_read)
    seconds = np.arange(len(body), dtype=np.int64) * 37
    fast = render_csv_columns(columns.ids, seconds)
    if fast is not None:
        assert fast == render(rows_read.ids.to_pylist(), seconds.tolist(), ClockFormat.CSV)


def test_plain_files_are_taken_by_the_column_reader(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    _write(
        path,
        ["id", "start", "end", "pauses"],
        [
            ("T-1", "2026-09-23T16:00+09:00", "2026-09-28T11:00+09:00", "[]"),
            (
                "=T-2",
                "2026-11-23T16:00+09:00",
                "2026-11-24T12:00:30+09:00",
                '[["2026-11-23T17:00+09:00", "2026-11-24T10:00+09:00"], '
                '["2026-11-24T11:00Z", "2026-11-24T11:30Z"]]',
            ),
            ("T-3", "2026-11-23T00:00Z", "2026-11-23T09:00-05:00", ""),
        ],
    )
    columns = read_interval_columns(path)
    assert columns is not None
    reference = _row_by_row(path)
    assert reference is not None
    _same(columns, reference)
    assert columns.pause_rows.tolist() == [1, 1]
    text = render_csv_columns(columns.ids, np.array([1, 2, 3], dtype=np.int64))
    assert text == "id,business_seconds\nT-1,1\n'=T-2,2\nT-3,3\n"


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("id,start,end", "T-1,2026-09-23 16:00+09:00,2026-09-28T11:00+09:00"),  # space
        ("id,start,end", "T-1,2026-09-23T16:00:00.5+09:00,2026-09-28T11:00+09:00"),  # fraction
        ("id,start,end", "T-1,2026-02-30T16:00+09:00,2026-09-28T11:00+09:00"),  # no such day
        ("id,start,end", "T-1,2026-09-23T16:00,2026-09-28T11:00+09:00"),  # no offset
        ("id,start,end", " T-1,2026-09-23T16:00+09:00,2026-09-28T11:00+09:00"),  # spaced id
        ("id,start,end", ",2026-09-23T16:00+09:00,2026-09-28T11:00+09:00"),  # no id
        ("id,start,end", "T-1,2026-09-23T16:00+09:00"),  # short row
        ("id,start,end,pauses", 'T-1,2026-09-23T16:00Z,2026-09-28T11:00Z,"[[1,2]]"'),
        ("id,start", "T-1,2026-09-23T16:00Z"),  # no end column
        ("id,id,start,end", "a,b,2026-09-23T16:00Z,2026-09-28T11:00Z"),  # repeated column
    ],
)
def test_unusual_files_are_left_to_the_row_reader(tmp_path: Path, header: str, row: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    assert read_interval_columns(path) is None


def test_an_id_that_needs_quoting_is_written_by_the_row_writer(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('id,start,end\n"a,b",2026-09-23T16:00Z,2026-09-28T11:00Z\n', encoding="utf-8")
    columns = read_interval_columns(path)
    assert columns is not None
    assert columns.ids.to_pylist() == ["a,b"]
    assert render_csv_columns(columns.ids, np.array([5], dtype=np.int64)) is None


def test_the_list_of_spaces_is_what_str_strip_removes() -> None:
    every = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert sorted(PY_SPACE) == sorted(every)
