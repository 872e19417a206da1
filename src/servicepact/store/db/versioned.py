"""Records kept in versions: each (key) has versions 1, 2, ... and the inputs hash they rest on.

Results, credit statements and period closes are stored this way. ``add_version`` is the one
place that reads the latest version, leaves it standing when the inputs are unchanged, and
otherwise inserts the next one; the caller records the audit entry for what was added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class VersionWritten:
    version: int
    added: bool  # False: the latest version already rests on these inputs and stands


def _where(table: sa.Table, key: Mapping[str, Any]) -> list[sa.ColumnElement[bool]]:
    return [table.c[name] == value for name, value in key.items()]


def latest_version(
    connection: sa.Connection, table: sa.Table, key: Mapping[str, Any]
) -> sa.Row[Any] | None:
    """The newest version's row for ``key`` (column name → value), or None."""
    return connection.execute(
        sa.select(table).where(*_where(table, key)).order_by(table.c.version.desc()).limit(1)
    ).first()


def all_versions(
    connection: sa.Connection, table: sa.Table, key: Mapping[str, Any]
) -> list[sa.Row[Any]]:
    """Every version's row for ``key``, oldest first."""
    return list(
        connection.execute(sa.select(table).where(*_where(table, key)).order_by(table.c.version))
    )


def add_version(
    connection: sa.Connection,
    table: sa.Table,
    *,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    inputs_sha256: str | None = None,
    same_also: tuple[str, ...] = (),
) -> VersionWritten:
    """Insert the next version of ``key`` with ``values``.

    With ``inputs_sha256``: when the latest version rests on the same inputs (and has the same
    values in the ``same_also`` columns) nothing is written and that version stands.
    """
    latest = connection.execute(
        sa.select(table.c.version, table.c.inputs_sha256, *(table.c[c] for c in same_also))
        .where(*_where(table, key))
        .order_by(table.c.version.desc())
        .limit(1)
    ).first()
    if (
        inputs_sha256 is not None
        and latest is not None
        and latest.inputs_sha256 == inputs_sha256
        and all(getattr(latest, c) == values.get(c) for c in same_also)
    ):
        return VersionWritten(version=int(latest.version), added=False)
    version = 1 if latest is None else int(latest.version) + 1
    row = {**key, **values, "version": version}
    if inputs_sha256 is not None:
        row["inputs_sha256"] = inputs_sha256
    connection.execute(sa.insert(table).values(**row))
    return VersionWritten(version=version, added=True)


def latest_per_key(rows: Any, key_columns: tuple[str, ...]) -> dict[tuple[Any, ...], Any]:
    """From rows carrying ``version``, the newest row of each key (a tuple of column values)."""
    latest: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = tuple(getattr(row, name) for name in key_columns)
        if key not in latest or row.version > latest[key].version:
            latest[key] = row
    return latest
