"""Disputes and acknowledgements of a month's results: rows in, records out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.commercials import credit_statements, period_closes
from servicepact.store.db.tables.evaluation import exclusions, sl_results
from servicepact.store.db.tables.review import acknowledgements, disputes

OPEN = "open"
RESOLVED = "resolved"


@dataclass(frozen=True)
class DisputeRecord:
    id: str
    contract_id: str
    period: str
    service_level_id: str | None
    comment: str
    raised_by: str
    raised_at: datetime
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str

    @property
    def open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class AcknowledgementRecord:
    id: int
    contract_id: str
    period: str
    results_sha256: str
    acknowledged_by: str
    acknowledged_at: datetime


def _dispute(row: sa.Row[Any]) -> DisputeRecord:
    return DisputeRecord(**{c: getattr(row, c) for c in DisputeRecord.__dataclass_fields__})


class ReviewRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add_dispute(self, record: DisputeRecord) -> None:
        self._connection.execute(
            disputes.insert().values(
                {c: getattr(record, c) for c in DisputeRecord.__dataclass_fields__}
            )
        )

    def dispute(self, dispute_id: str) -> DisputeRecord | None:
        row = self._connection.execute(
            sa.select(disputes).where(disputes.c.id == dispute_id)
        ).first()
        return None if row is None else _dispute(row)

    def resolve(self, dispute_id: str, *, by: str, at: datetime, note: str) -> None:
        self._connection.execute(
            disputes.update()
            .where(disputes.c.id == dispute_id)
            .values(status=RESOLVED, resolved_by=by, resolved_at=at, resolution_note=note)
        )

    def disputes(
        self,
        contract_ids: list[str],
        *,
        period: str | None = None,
        only_open: bool = False,
    ) -> list[DisputeRecord]:
        query = sa.select(disputes).where(disputes.c.contract_id.in_(contract_ids))
        if period is not None:
            query = query.where(disputes.c.period == period)
        if only_open:
            query = query.where(disputes.c.status == OPEN)
        rows = self._connection.execute(query.order_by(disputes.c.raised_at, disputes.c.id))
        return [_dispute(row) for row in rows]

    def acknowledge(
        self, *, contract_id: str, period: str, results_sha256: str, by: str, at: datetime
    ) -> int:
        result = self._connection.execute(
            acknowledgements.insert().values(
                contract_id=contract_id,
                period=period,
                results_sha256=results_sha256,
                acknowledged_by=by,
                acknowledged_at=at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def acknowledgements(self, contract_id: str, period: str) -> list[AcknowledgementRecord]:
        rows = self._connection.execute(
            sa.select(acknowledgements)
            .where(
                acknowledgements.c.contract_id == contract_id,
                acknowledgements.c.period == period,
            )
            .order_by(acknowledgements.c.id)
        )
        return [
            AcknowledgementRecord(
                id=row.id,
                contract_id=row.contract_id,
                period=row.period,
                results_sha256=row.results_sha256,
                acknowledged_by=row.acknowledged_by,
                acknowledged_at=row.acknowledged_at,
            )
            for row in rows
        ]

    def acknowledged_months(self, contract_ids: list[str]) -> set[tuple[str, str]]:
        rows = self._connection.execute(
            sa.select(acknowledgements.c.contract_id, acknowledgements.c.period).where(
                acknowledgements.c.contract_id.in_(contract_ids)
            )
        )
        return {(row.contract_id, row.period) for row in rows}


class DashboardRepository:
    """What the review dashboard reads across the visible contracts, in a few queries."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def latest_results(
        self, contract_ids: list[str], periods: list[str]
    ) -> dict[tuple[str, str, str], tuple[str, int]]:
        """(contract, service level, period) → (status, events measured) of the newest version."""
        if not contract_ids or not periods:
            return {}
        rows = self._connection.execute(
            sa.select(
                sl_results.c.contract_id,
                sl_results.c.service_level_id,
                sl_results.c.period,
                sl_results.c.version,
                sl_results.c.status,
                sl_results.c.result,
            ).where(sl_results.c.contract_id.in_(contract_ids), sl_results.c.period.in_(periods))
        ).all()
        newest: dict[tuple[str, str, str], tuple[int, str, int]] = {}
        for row in rows:
            key = (row.contract_id, row.service_level_id, row.period)
            if key not in newest or row.version > newest[key][0]:
                measured = int((row.result or {}).get("sample_size") or 0)
                newest[key] = (row.version, row.status, measured)
        return {key: (status, n) for key, (_, status, n) in newest.items()}

    def latest_statements(
        self, contract_ids: list[str], period: str
    ) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        """contract → (credits, earn-back, amount at risk) of the month's newest statement."""
        if not contract_ids:
            return {}
        rows = self._connection.execute(
            sa.select(
                credit_statements.c.contract_id,
                credit_statements.c.version,
                credit_statements.c.total,
                credit_statements.c.earn_back,
                credit_statements.c.at_risk,
            ).where(
                credit_statements.c.contract_id.in_(contract_ids),
                credit_statements.c.period == period,
            )
        ).all()
        newest: dict[str, tuple[int, Decimal, Decimal, Decimal]] = {}
        for row in rows:
            if row.contract_id not in newest or row.version > newest[row.contract_id][0]:
                newest[row.contract_id] = (
                    row.version, Decimal(row.total), Decimal(row.earn_back), Decimal(row.at_risk)
                )  # fmt: skip
        return {cid: (total, back, risk) for cid, (_, total, back, risk) in newest.items()}

    def pending_exclusions(self, contract_ids: list[str]) -> dict[str, int]:
        if not contract_ids:
            return {}
        rows = self._connection.execute(
            sa.select(exclusions.c.contract_id, sa.func.count())
            .where(exclusions.c.contract_id.in_(contract_ids), exclusions.c.status == "requested")
            .group_by(exclusions.c.contract_id)
        ).all()
        return {row[0]: int(row[1]) for row in rows}

    def closed_months(self, contract_ids: list[str]) -> set[tuple[str, str]]:
        if not contract_ids:
            return set()
        rows = self._connection.execute(
            sa.select(
                period_closes.c.contract_id,
                period_closes.c.period,
                period_closes.c.version,
                period_closes.c.status,
            ).where(period_closes.c.contract_id.in_(contract_ids))
        ).all()
        newest: dict[tuple[str, str], tuple[int, str]] = {}
        for row in rows:
            key = (row.contract_id, row.period)
            if key not in newest or row.version > newest[key][0]:
                newest[key] = (row.version, row.status)
        return {key for key, (_, status) in newest.items() if status == "closed"}
