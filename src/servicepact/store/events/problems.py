"""A problem with one row of a loaded file: which row, which column, which value, why."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from servicepact.domain.cells import neutralise
from servicepact.domain.errors import Problem

# Past this many, further bad rows are counted but not described one by one: a
# file that is wrong in every row would otherwise need gigabytes to explain.
MAX_DESCRIBED = 100_000
_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class RowProblem(Problem):
    """``Problem`` with the row (1-based data row) and the column name kept apart.

    ``reason`` is the message without the place and the value (both are kept apart here), the
    English text a page words in its viewer's language (``locale.translate_message``).
    """

    row: int | None = None
    field: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        return {
            "row": data["row"],
            "line": data["line"],
            "column": data["field"],
            "value": data["value"],
            "reason": data["message"],
        }


def shorten(value: str) -> str:
    return value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"


def row_problem(
    *,
    row: int | None,
    field: str | None,
    message: str,
    value: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> RowProblem:
    parts = []
    if row is not None:
        parts.append(f"row {row}")
    if field is not None:
        parts.append(f"column {field}")
    where = ", ".join(parts) or "file"
    shown = shorten(value) if value is not None else None
    reason = message
    if shown is not None:
        message = f"{message} (value {shown!r})"
    return RowProblem(
        where=where,
        message=message,
        line=line,
        column=column,
        value=shown,
        row=row,
        field=field,
        reason=reason,
    )


def _cell(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def write_problems(problems: Sequence[Problem], path: Path) -> None:
    """Write every problem to ``path``: JSON when it ends in .json, CSV otherwise."""
    rows = [
        p.as_dict()
        if isinstance(p, RowProblem)
        else {"row": None, "line": p.line, "column": None, "value": p.value, "reason": p.render()}
        for p in problems
    ]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["row", "line", "column", "value", "reason"])
        writer.writeheader()
        for row in rows:
            # A value a spreadsheet would run as a formula is prefixed with a quote.
            writer.writerow({key: _cell(value) for key, value in row.items()})
