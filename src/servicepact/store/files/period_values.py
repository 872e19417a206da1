"""Values over a reporting period kept once computed: ``DATA_DIR/cache/period-values/``.

A reporting period's value (the year to date in a review pack, say) is recomputed from the
events of every month it holds. Once the period is over, that value changes only if its
inputs change, so the services keep it here under a key made of those inputs (the contract
version, the batches committed for each source, the exclusions, the period and the instant
it runs to): a changed input is a new key, and an entry is never updated in place. Each
entry is one small JSON file, written whole (a temporary file renamed into place) so a
reader never sees half of one; an unreadable entry is treated as missing. The entries hold
aggregate numbers only, never an event or a personal datum.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from servicepact.files import write_atomically

CACHE_DIR = Path("cache") / "period-values"  # under the data directory
_KEY = re.compile(r"^[0-9a-f]{64}$")


class PeriodValueFiles:
    """JSON documents by SHA-256 key under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def under(cls, data_dir: Path) -> PeriodValueFiles:
        return cls(data_dir / CACHE_DIR)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"a period-value key is a SHA-256 in hex, not {key[:80]!r}")
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The document kept under ``key``, or None (never kept, or unreadable)."""
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, document: Any) -> None:
        """Keep ``document`` under ``key``; a failure to write only means no entry."""
        path = self._path(key)
        try:
            write_atomically(path, json.dumps(document, sort_keys=True))
        except OSError:
            return
