"""Chunks validated and protected by several threads: the same rows, problems, quarantined
rows and pseudonyms as one thread, in file order."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pytest

from servicepact.domain.contracts import DataProtection
from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_types import BUILT_IN
from servicepact.store.events.reading import open_checked, validated_chunks
from servicepact.store.events.validation import _control_characters

TICKETS = BUILT_IN["tickets"]
KEY = b"unit-test-key"
PROTECTION = DataProtection.model_validate({"personal_data": ["name", "email", "phone"]})
HEADER = "id,created_at,resolved_at,csat,requester_name,requester_phone,summary\n"


ROWS = 30_000  # about 3 MB: the CSV reader's smallest block is 1 MiB, so several chunks


def _file(tmp_path: Path) -> Path:
    lines = [HEADER]
    for i in range(1, ROWS + 1):
        created = f"2026-01-{i % 28 + 1:02d}T09:00:00+09:00"
        csat = "3"
        if i % 7_000 == 0:
            created = "05/01/2026 09:30"  # not ISO 8601
        if i % 11_000 == 0:
            csat = "9"  # above the maximum
        name = f"Kim {'Minji' if i % 2 else 'Jisoo'} {i % 5}"
        summary = f'"{name} called, line {i}\nsecond line"' if i % 9 == 0 else f"{name} called"
        lines.append(f"T{i},{created},,{csat},{name},010-1234-{i % 10_000:04d},{summary}\n")
    lines.append("T3,2026-01-05T09:00:00+09:00,,2,Lee,,again\n")  # id T3 twice, two chunks
    path = tmp_path / "tickets.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _read(path: Path, workers: int) -> list[tuple[object, ...]]:
    source = open_checked(path, TICKETS, chunk_rows=4)
    return [
        (
            chunk.table.to_pylist(),
            chunk.rows.tolist(),
            [asdict(p) for p in chunk.problems],  # every field, "where" too
            chunk.rejected,
            chunk.rows_read,
        )
        for chunk in validated_chunks(
            source, TICKETS, data_protection=PROTECTION, pseudonym_key=KEY, workers=workers
        )
    ]


@pytest.mark.parametrize("workers", [2, 3])
def test_threads_give_what_one_thread_gives_chunk_by_chunk(tmp_path: Path, workers: int) -> None:
    path = _file(tmp_path)
    alone = _read(path, 1)
    assert len(alone) >= 3
    # the file's own errors are there, in chunks of their own
    problems = [(p["row"], p["field"]) for _t, _r, found, _q, _n in alone for p in found]
    assert problems == [
        (7_000, "created_at"),
        (11_000, "csat"),
        (14_000, "created_at"),
        (21_000, "created_at"),
        (22_000, "csat"),
        (28_000, "created_at"),
    ]
    lines = [p["line"] for _t, _r, found, _q, _n in alone for p in found]
    assert lines[0] == 7_000 + 1 + 7_000 // 9  # header, then a line more per two-line summary
    assert _read(path, workers) == alone


def test_pseudonyms_from_threads_are_the_keyed_hash_of_each_value(tmp_path: Path) -> None:
    path = _file(tmp_path)
    names = [
        row["requester_name"]
        for table, *_ in _read(path, 2)
        for row in table  # type: ignore[attr-defined]
    ]
    assert names[0] == "ps_" + hmac.new(KEY, b"Kim Minji 1", hashlib.sha256).hexdigest()[:32]
    assert len(set(names)) == 10 + 1  # two given names x five numbers, and Lee


def test_a_refusal_from_a_thread_is_raised_at_its_place_in_the_file(tmp_path: Path) -> None:
    # An id holding the row's own phone number, under a contract that refuses such ids.
    refusing = DataProtection.model_validate(
        {"personal_data": ["name", "phone"], "personal_data_in_ids": "refuse"}
    )
    lines = [HEADER]
    for i in range(1, ROWS + 1):
        event_id = f"T{i}-Minji" if i == 25_000 else f"T{i}"
        lines.append(f"{event_id},2026-01-05T09:00:00+09:00,,3,Minji,,x\n")
    path = tmp_path / "t.csv"
    path.write_text("".join(lines), encoding="utf-8")
    source = open_checked(path, TICKETS, chunk_rows=4)
    seen: list[int] = []

    def consume() -> None:
        for chunk in validated_chunks(
            source, TICKETS, data_protection=refusing, pseudonym_key=KEY, workers=2
        ):
            seen.extend(chunk.rows.tolist())

    with pytest.raises(InvalidInput) as caught:
        consume()
    assert seen == list(range(1, len(seen) + 1))  # whole chunks, in order, before row 25,000's
    assert 0 < len(seen) < 25_000
    assert [p.row for p in caught.value.problems] == [25_000]  # type: ignore[attr-defined]


def test_control_characters_are_found_in_a_slice_and_not_in_its_neighbours() -> None:
    values = pa.array(["bad\x01", "ok", "tab\tand\nnewline\r", "del\x7f", "fine", "bell\x07"])
    found = _control_characters(values)
    assert [p.tolist() for f in found for p in [f.positions]] == [[0, 3, 5]]
    # the slice's own values are clean, though the buffer around them is not
    assert _control_characters(values.slice(1, 2)) == []
    assert _control_characters(values.slice(4, 1)) == []
    assert [f.positions.tolist() for f in _control_characters(values.slice(3, 3))] == [[0, 2]]
