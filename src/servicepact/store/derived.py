"""Computed tables kept on disk, opened again without computing them.

A derived entry is two Arrow tables and a JSON document, written once under a key that
names everything it was computed from (the caller's business), and opened memory-mapped:
opening a million rows reads nothing until a row is asked for. Entries are written whole
(a temporary folder renamed into place) so a reader never sees half an entry; the oldest
are removed past ``keep``. Every failure to write or read an entry is a miss, never an
error: the entry is only ever a shortcut to a computation the caller can always redo.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

_FIRST, _SECOND, _DOCUMENT = "events.arrow", "items.arrow", "document.json"


@dataclass(frozen=True)
class DerivedEntry:
    """An entry opened again: its two tables (memory-mapped) and its JSON document."""

    first: pa.Table
    second: pa.Table
    document: dict[str, Any]


class DerivedCache:
    """Entries in ``root`` (created on first write), at most ``keep`` of them."""

    def __init__(self, root: Path, *, keep: int = 8) -> None:
        self.root = root
        self.keep = keep

    def _entry(self, key: str) -> Path:
        if not key.isalnum():  # keys are hex digests: never a path of the caller's choosing
            raise ValueError("a derived entry's key is letters and digits")
        return self.root / key

    def load(self, key: str) -> DerivedEntry | None:
        """The entry under ``key``, or None when there is none or it cannot be read."""
        entry = self._entry(key)
        try:
            document = json.loads((entry / _DOCUMENT).read_text(encoding="utf-8"))
            first = _open(entry / _FIRST)
            second = _open(entry / _SECOND)
        except (OSError, ValueError, pa.ArrowException):
            return None
        with contextlib.suppress(OSError):  # a read-only data directory: still a good entry
            os.utime(entry)  # recently used: kept longer
        return DerivedEntry(first=first, second=second, document=document)

    def save(self, key: str, first: pa.Table, second: pa.Table, document: dict[str, Any]) -> bool:
        """Write the entry (True), or leave it (False: already there, or not writable)."""
        entry = self._entry(key)
        if entry.exists():
            return False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=".writing-", dir=self.root))
            try:
                _write(folder / _FIRST, first)
                _write(folder / _SECOND, second)
                (folder / _DOCUMENT).write_text(json.dumps(document), encoding="utf-8")
                os.rename(folder, entry)  # whole or not at all
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        except (OSError, pa.ArrowException):
            return False
        self._prune()
        return True

    def save_document(self, key: str, name: str, document: Any) -> None:
        """A JSON document beside an entry (something computed later from it)."""
        if not name.isidentifier():
            raise ValueError("a document's name is a plain word")
        entry = self._entry(key)
        try:
            if not entry.is_dir():
                return
            temporary = entry / f".{name}.{os.getpid()}.json"
            temporary.write_text(json.dumps(document), encoding="utf-8")
            os.replace(temporary, entry / f"{name}.json")
        except OSError:
            return

    def load_document(self, key: str, name: str) -> Any | None:
        if not name.isidentifier():
            raise ValueError("a document's name is a plain word")
        try:
            return json.loads((self._entry(key) / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _prune(self) -> None:
        try:
            entries = [p for p in self.root.iterdir() if p.is_dir() and p.name.isalnum()]
            entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in entries[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)


def _write(path: Path, table: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _open(path: Path) -> pa.Table:
    source = pa.memory_map(str(path), "r")
    return ipc.open_file(source).read_all()
