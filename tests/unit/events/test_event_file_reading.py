"""Reading event files: formats, encodings, headers and every kind of bad row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from servicepact.domain.contracts import DataProtection
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.store.events import read_event_file, read_events_for_evaluation
from servicepact.store.events.problems import RowProblem

TICKETS = BUILT_IN["tickets"]
KEY = b"unit-test-key"
OPEN = DataProtection()  # personal data undeclared: dropped


def read(path: Path, **kw: object) -> pa.Table:
    return read_events_for_evaluation(
        path,
        TICKETS,
        data_protection=OPEN,
        pseudonym_key=KEY,
        **kw,  # type: ignore[arg-type]
    )


def problems(path: Path, **kw: object) -> list[Problem]:
    """What reading refused: whole-file problems or row problems, at least one."""
    with pytest.raises(InvalidInput) as caught:
        read(path, **kw)
    found = list(caught.value.problems)
    assert found, "an invalid file must name at least one problem"
    assert all(isinstance(p, Problem) for p in found)
    return found


def row_problems(path: Path, **kw: object) -> list[RowProblem]:
    """Problems that each name a row and a column of the file."""
    found = problems(path, **kw)
    rows = [p for p in found if isinstance(p, RowProblem)]
    assert rows == found, f"expected row problems only, got {found}"
    return rows


def csv(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_good_csv_comes_back_in_the_typed_schema(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        "\ufeffid,created_at,reopened,csat\nT1,2026-01-05T09:00:00+09:00,yes,5\n",
    )
    table = read(path)
    assert table.schema == arrow_schema(TICKETS)
    [row] = table.to_pylist()
    # 09:00 in Seoul (+09:00) is 00:00 UTC.
    assert row["created_at"] == datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
    assert row["reopened"] is True
    assert row["csat"] == 5


def test_cp949_korean_text_round_trips(tmp_path: Path) -> None:
    text = "id,created_at,category\nT1,2026-01-05T09:00:00Z,배송 지연 문의\n"
    path = csv(tmp_path, text, encoding="cp949")
    assert read(path).column("category").to_pylist() == ["배송 지연 문의"]


def test_a_file_in_neither_utf8_nor_cp949_names_the_encoding_problem(tmp_path: Path) -> None:
    path = csv(
        tmp_path, "id,created_at,category\nT1,2026-01-05T09:00:00Z,café crème\n", encoding="cp1252"
    )
    [problem] = problems(path)
    assert "neither UTF-8 nor CP949" in problem.message
    assert "line 2" in problem.message


def test_a_utf8_file_with_a_bad_byte_in_the_middle_says_where(tmp_path: Path) -> None:
    good = "".join(f"T{i},2026-01-05T09:00:00Z,ok\n" for i in range(3000))
    raw = b"id,created_at,category\n" + good.encode() + b"T9,2026-01-05T09:00:00Z,\xff\n"
    path = tmp_path / "t.csv"
    path.write_bytes(raw)
    [problem] = problems(path, encoding="utf-8")
    assert problem.line == 3002
    assert f"byte {len(raw) - 2}" in problem.message


def test_missing_required_and_unknown_columns_are_refused_with_the_fix(tmp_path: Path) -> None:
    path = csv(tmp_path, "id,opened,prio\nT1,x,y\n")
    messages = " | ".join(p.message for p in problems(path))
    assert "required columns missing: created_at" in messages
    assert "opened, prio" in messages
    assert "Remove or rename them" in messages


def test_a_file_of_another_event_type_is_recognised(tmp_path: Path) -> None:
    path = csv(tmp_path, "id,offered_at,answered_at,talk_seconds\nC1,2026-01-05T09:00:00Z,,\n")
    first = problems(path)[0]
    assert "looks like a 'calls' file" in first.message


def test_an_empty_file_and_a_header_only_file_are_reported(tmp_path: Path) -> None:
    empty = csv(tmp_path, "", name="empty.csv")
    assert "empty" in problems(empty)[0].message
    header_only = csv(tmp_path, "id,created_at\n", name="header.csv")
    assert read(header_only).num_rows == 0


def test_every_bad_row_is_reported_in_one_pass_with_row_line_column_and_reason(
    tmp_path: Path,
) -> None:
    path = csv(
        tmp_path,
        "id,created_at,reopened,csat,pauses\n"
        "T1,2026-01-05 09:00,maybe,3.5,\n"  # no offset, bad boolean, decimal integer
        'T2,"2026-02-30T09:00:00Z",no,9,"[[""2026-01-05T10:00:00Z"",""2026-01-05T09:00:00Z""]]"\n'
        "T3,soon,y,1,[[\n",
    )
    found = {(p.row, p.field): p for p in row_problems(path)}
    assert set(found) == {
        (1, "created_at"),
        (1, "reopened"),
        (1, "csat"),
        (2, "created_at"),
        (2, "csat"),
        (2, "pauses"),
        (3, "created_at"),
        (3, "pauses"),
    }
    assert "no time zone offset" in found[1, "created_at"].message
    assert "--timezone" in found[1, "created_at"].message
    assert "no decimals" in found[1, "csat"].message
    assert "above the maximum of 5" in found[2, "csat"].message
    assert "ends before it starts" in found[2, "pauses"].message
    assert "not valid JSON" in found[3, "pauses"].message
    assert found[3, "created_at"].line == 4
    assert found[3, "created_at"].value == "soon"


def test_naive_times_are_read_in_the_zone_the_user_names(tmp_path: Path) -> None:
    path = csv(tmp_path, "id,created_at\nT1,2026-01-05 09:00:00\n")
    [stamp] = read(path, timezone="Asia/Seoul").column("created_at").to_pylist()
    assert stamp == datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 KST = 00:00 UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Yes", True), ("n", False)],
)
def test_the_documented_boolean_spellings_are_accepted(
    tmp_path: Path, text: str, expected: bool
) -> None:
    path = csv(tmp_path, f"id,created_at,reopened\nT1,2026-01-05T09:00:00Z,{text}\n")
    assert read(path).column("reopened").to_pylist() == [expected]


def test_duplicate_ids_are_reported_with_the_other_row_even_across_chunks(
    tmp_path: Path,
) -> None:
    ids = ["T0", "T1", "T2", "T3", "T4", "T1"]
    path = tmp_path / "t.jsonl"
    path.write_text(
        "".join(json.dumps({"id": i, "created_at": "2026-01-05T09:00:00Z"}) + "\n" for i in ids)
    )
    found = row_problems(path, chunk_rows=2)  # rows 2 and 6 fall in different chunks
    assert sorted((p.row, p.message) for p in found) == [
        (2, "duplicate id: also in row 6"),
        (6, "duplicate id: also in row 2"),
    ]


def test_a_row_with_too_many_cells_is_reported_not_dropped(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        "id,created_at\nT1,2026-01-05T09:00:00Z\nT2,2026-01-05T09:00:00Z,extra\nT3,later\n",
    )
    cells, later = sorted(row_problems(path), key=lambda p: p.row or 0)
    assert (cells.row, cells.line) == (2, 3)
    assert "3 cells where the header has 2" in cells.message
    assert (later.row, later.line, later.field) == (3, 4, "created_at")  # numbering holds


def test_json_lines_read_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    lines = [
        {"id": "T1", "created_at": "2026-01-05T09:00:00Z", "csat": 4, "reopened": False},
        {"id": "T2", "created_at": "2026-01-05T09:00:00Z", "csat": 4.5},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{oops\n")
    found = row_problems(path)
    assert sorted((p.row, p.line) for p in found) == [(2, 2), (3, 3)]


def test_parquet_in_the_typed_schema_passes_and_a_truncated_one_is_refused(
    tmp_path: Path,
) -> None:
    table = pa.table(
        {
            "id": ["T1"],
            "created_at": pa.array(
                [datetime(2026, 1, 5, tzinfo=UTC)], pa.timestamp("us", tz="UTC")
            ),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    assert read(path).column("id").to_pylist() == ["T1"]
    truncated = tmp_path / "cut.parquet"
    truncated.write_bytes(path.read_bytes()[:-20])
    [problem] = problems(truncated)
    assert "not a readable Parquet file" in problem.message


def test_excel_formulas_are_read_as_text_never_evaluated(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "created_at", "csat", "category"])
    sheet.append(["T1", "2026-01-05T09:00:00Z", 4, "=1+1"])
    sheet.append(["T2", "2026-01-05T09:00:00Z", "=2+2", "plain"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    [problem] = row_problems(path)
    assert (problem.row, problem.field, problem.line) == (2, "csat", 3)
    assert problem.value == "=2+2"


def test_decimals_keep_their_digits_and_refuse_more_than_six_places(tmp_path: Path) -> None:
    calls = BUILT_IN["calls"]
    path = csv(tmp_path, "id,offered_at,qa_score\nC1,2026-01-05T09:00:00Z,87.125\n")
    table = read_events_for_evaluation(path, calls, data_protection=OPEN, pseudonym_key=KEY)
    assert table.column("qa_score").to_pylist() == [Decimal("87.125000")]
    bad = csv(tmp_path, "id,offered_at,qa_score\nC1,2026-01-05T09:00:00Z,1.1234567\n", "b.csv")
    with pytest.raises(InvalidInput, match="more than 6 decimal places"):
        read_events_for_evaluation(bad, calls, data_protection=OPEN, pseudonym_key=KEY)


def test_a_stream_of_chunks_keeps_memory_to_the_chunk_size(tmp_path: Path) -> None:
    rows = "".join(f"T{i},2026-01-05T09:00:00Z\n" for i in range(10))
    path = csv(tmp_path, "id,created_at\n" + rows)
    chunks = list(
        read_event_file(path, TICKETS, data_protection=OPEN, pseudonym_key=KEY, chunk_rows=3)
    )
    assert sum(c.table.num_rows for c in chunks) == 10
    assert [int(c.rows[0]) for c in chunks if c.table.num_rows] == [
        int(c.rows[0]) for c in chunks if c.table.num_rows
    ]
