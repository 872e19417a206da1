"""One line per measured figure in ``benchmarks/out/summary.jsonl``, for ``make bench``'s table.

Each benchmark calls ``record`` for its headline figures; ``_summary.py`` prints them as one
table (``make bench`` empties the file first, so the table is that run's).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

SUMMARY = Path(__file__).resolve().parent / "out" / "summary.jsonl"


def record(
    bench: str,
    case: str,
    value: float,
    unit: str,
    *,
    target: str = "",
    met: bool | None = None,
    note: str = "",
) -> None:
    """Append one figure, with the machine's 1-minute load average at the time."""
    SUMMARY.parent.mkdir(exist_ok=True)
    line = {
        "bench": bench,
        "case": case,
        "value": value,
        "unit": unit,
        "target": target,
        "met": met,
        "note": note,
        "load": round(os.getloadavg()[0], 1),
        "at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    with SUMMARY.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
