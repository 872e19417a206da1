"""What an upload is checked for before it is loaded: its type by content, its name only a
label, zip bombs, spreadsheet formulas in the row-error CSV."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import InvalidInput, Problem, TooLarge
from servicepact.services.uploads import (
    check_workbook,
    display_name,
    may_see,
    neutralise,
    problem_from_json,
    problem_to_json,
    problems_csv,
    receive,
)
from servicepact.store.events.problems import row_problem
from servicepact.store.events.sources import FileFormat, sniff_format


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"PAR1\x15\x04", FileFormat.PARQUET),
        (b"PK\x03\x04\x14\x00", FileFormat.XLSX),
        (b'\xef\xbb\xbf  {"id": "C-1"}\n', FileFormat.JSONL),
        (b"id,offered_at\nC-1,2026-03-02T10:00:00+09:00\n", FileFormat.CSV),
        ("아이디,시각\n".encode("cp949"), FileFormat.CSV),
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"   \n ", None),
    ],
)
def test_the_content_says_what_a_file_is(head: bytes, expected: FileFormat | None) -> None:
    assert sniff_format(head) is expected


def test_a_file_name_is_a_label_never_a_path() -> None:
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\bob\\3월 calls.csv") == "3월 calls.csv"
    assert display_name("..") == "upload"
    assert display_name("a\x00b;rm -rf.csv") == "ab_rm -rf.csv"


def test_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@SUM", "ok", None)] == [
        "'=1+1", "'+1", "'-1", "'@SUM", "ok", ""
    ]  # fmt: skip
    text = problems_csv(
        [row_problem(row=4, field="offered_at", message="not a time", value="=HYPERLINK(1)")]
    )
    assert text.splitlines()[1].startswith("4,,offered_at,'=HYPERLINK(1),")


def test_an_upload_past_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match="limit of 1 MB"):
        receive(io.BytesIO(b"a,b\n" * 300_000), limit=1024 * 1024, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_workbook_that_unpacks_into_too_much_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(InvalidInput, match="zip bomb"):
        check_workbook(bomb, limit=1024 * 1024)
    sound = tmp_path / "calls.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "offered_at"])
    book.active.append(["C-1", "2026-03-02T10:00:00+09:00"])
    book.save(sound)
    check_workbook(sound, limit=1024 * 1024)  # an ordinary workbook passes
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInput, match="broken zip"):
        check_workbook(broken, limit=1024 * 1024)


def test_who_sees_an_upload_job() -> None:
    bob = Actor("bob", Role.VENDOR, "helpco")
    bobs_colleague = Actor("beth", Role.VENDOR, "helpco")
    charlie = Actor("charlie", Role.VENDOR, "otherco")
    alice = Actor("alice", Role.CLIENT_MANAGER)
    root = Actor("root", Role.ADMIN)
    assert may_see(bob, owner="bob", party="helpco")
    assert may_see(bobs_colleague, owner="bob", party="helpco")  # the same vendor
    assert not may_see(charlie, owner="bob", party="helpco")  # never another vendor's
    assert not may_see(alice, owner="bob", party="helpco")
    assert may_see(alice, owner="alice", party=None)
    assert not may_see(root, owner="alice", party=None)  # a client user's are their own
    assert not may_see(Actor("ann", Role.CLIENT_MANAGER), owner="alice", party=None)


def test_a_stored_problem_reads_back_the_same() -> None:
    in_row = row_problem(row=4, field="csat", message="not an integer", value="x", line=5)
    whole = Problem("march.csv: header", "columns named twice: a", line=1)
    assert [problem_from_json(problem_to_json(p)) for p in (in_row, whole)] == [in_row, whole]
