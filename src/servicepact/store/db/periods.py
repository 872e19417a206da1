"""Period closes: each close of a contract's month is a version; a reopen marks it reopened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.commercials import period_closes
from servicepact.store.db.versioned import add_version, all_versions, latest_per_key, latest_version


class CloseStatus(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


@dataclass(frozen=True)
class PeriodCloseRecord:
    contract_id: str
    period: str
    version: int
    status: CloseStatus
    contract_version: int
    inputs_sha256: str
    outputs_sha256: str
    closed_at: datetime
    closed_by: str
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None
    snapshot: dict[str, Any]


def _record(row: Any) -> PeriodCloseRecord:
    columns = row._mapping
    return PeriodCloseRecord(
        contract_id=columns["contract_id"],
        period=columns["period"],
        version=columns["version"],
        status=CloseStatus(columns["status"]),
        contract_version=columns["contract_version"],
        inputs_sha256=columns["inputs_sha256"],
        outputs_sha256=columns["outputs_sha256"],
        closed_at=columns["closed_at"],
        closed_by=columns["closed_by"],
        reopened_at=columns["reopened_at"],
        reopened_by=columns["reopened_by"],
        reopen_reason=columns["reopen_reason"],
        snapshot=columns["snapshot"],
    )


class PeriodCloseRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def latest(self, contract_id: str, period: str) -> PeriodCloseRecord | None:
        row = latest_version(
            self._connection, period_closes, {"contract_id": contract_id, "period": period}
        )
        return None if row is None else _record(row)

    def latest_of(self, contract_id: str, periods: Sequence[str]) -> dict[str, PeriodCloseRecord]:
        """The latest close of each of ``periods`` that was ever closed."""
        rows = self._connection.execute(
            sa.select(period_closes).where(
                period_closes.c.contract_id == contract_id, period_closes.c.period.in_(periods)
            )
        ).all()
        return {key[0]: _record(row) for key, row in latest_per_key(rows, ("period",)).items()}

    def latest_all(self, contract_id: str) -> dict[str, PeriodCloseRecord]:
        """The latest close of every month of the contract that was ever closed."""
        rows = self._connection.execute(
            sa.select(period_closes).where(period_closes.c.contract_id == contract_id)
        ).all()
        return {key[0]: _record(row) for key, row in latest_per_key(rows, ("period",)).items()}

    def history(self, contract_id: str, period: str) -> list[PeriodCloseRecord]:
        """Every close of the month, oldest first."""
        key = {"contract_id": contract_id, "period": period}
        return [_record(row) for row in all_versions(self._connection, period_closes, key)]

    def add_close(
        self,
        *,
        contract_id: str,
        period: str,
        contract_version: int,
        inputs_sha256: str,
        outputs_sha256: str,
        snapshot: dict[str, Any],
        at: datetime,
        by: str,
    ) -> int:
        """Store a new close of the month; returns its version."""
        written = add_version(
            self._connection,
            period_closes,
            key={"contract_id": contract_id, "period": period},
            values={
                "status": CloseStatus.CLOSED.value,
                "contract_version": contract_version,
                "inputs_sha256": inputs_sha256,
                "outputs_sha256": outputs_sha256,
                "snapshot": snapshot,
                "closed_at": at,
                "closed_by": by,
            },
        )
        return written.version

    def mark_reopened(
        self, *, contract_id: str, period: str, version: int, at: datetime, by: str, reason: str
    ) -> None:
        self._connection.execute(
            period_closes.update()
            .where(
                period_closes.c.contract_id == contract_id,
                period_closes.c.period == period,
                period_closes.c.version == version,
            )
            .values(
                status=CloseStatus.REOPENED.value,
                reopened_at=at,
                reopened_by=by,
                reopen_reason=reason,
            )
        )
