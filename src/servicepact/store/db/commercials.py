"""Credit statements (versioned per contract and month), invoice checks, and business cases
(versioned per contract)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.commercials import (
    business_cases,
    credit_statements,
    invoice_checks,
)
from servicepact.store.db.versioned import (
    VersionWritten,
    add_version,
    all_versions,
    latest_per_key,
    latest_version,
)


@dataclass(frozen=True)
class StatementAmounts:
    """The amounts of one stored statement version."""

    contract_id: str
    period: str
    version: int
    monthly_fees: Decimal
    total: Decimal
    earn_back: Decimal


class CreditStatementRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def latest_amounts(
        self, contract_ids: Sequence[str]
    ) -> dict[tuple[str, str], StatementAmounts]:
        """(contract, period) → the amounts of the newest statement of that period."""
        if not contract_ids:
            return {}
        rows = self._connection.execute(
            sa.select(
                credit_statements.c.contract_id,
                credit_statements.c.period,
                credit_statements.c.version,
                credit_statements.c.monthly_fees,
                credit_statements.c.total,
                credit_statements.c.earn_back,
            ).where(credit_statements.c.contract_id.in_(list(contract_ids)))
        ).all()
        newest = latest_per_key(rows, ("contract_id", "period"))
        return {
            (row.contract_id, row.period): StatementAmounts(
                contract_id=row.contract_id,
                period=row.period,
                version=row.version,
                monthly_fees=Decimal(row.monthly_fees),
                total=Decimal(row.total),
                earn_back=Decimal(row.earn_back),
            )
            for row in newest.values()
        }

    def latest(self, contract_id: str, period: str) -> dict[str, Any] | None:
        """The newest statement of the month, every column."""
        row = latest_version(
            self._connection, credit_statements, {"contract_id": contract_id, "period": period}
        )
        return None if row is None else dict(row._mapping)

    def versions(self, contract_id: str, period: str) -> list[dict[str, Any]]:
        """Every statement of the month, oldest first."""
        key = {"contract_id": contract_id, "period": period}
        return [
            dict(row._mapping) for row in all_versions(self._connection, credit_statements, key)
        ]

    def add(
        self, *, contract_id: str, period: str, inputs_sha256: str, values: dict[str, Any]
    ) -> VersionWritten:
        """The next version, unless the newest one rests on the same inputs (it stands)."""
        return add_version(
            self._connection,
            credit_statements,
            key={"contract_id": contract_id, "period": period},
            values=values,
            inputs_sha256=inputs_sha256,
        )


class InvoiceCheckRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def list(self, contract_id: str, period: str | None = None) -> list[dict[str, Any]]:
        """Stored checks of a contract (of one month when given), newest first."""
        query = sa.select(
            invoice_checks.c.id,
            invoice_checks.c.period,
            invoice_checks.c.source_name,
            invoice_checks.c.verdict,
            invoice_checks.c.expected_total,
            invoice_checks.c.invoiced_total,
            invoice_checks.c.currency,
            invoice_checks.c.created_at,
            invoice_checks.c.created_by,
            invoice_checks.c.details,
        ).where(invoice_checks.c.contract_id == contract_id)
        if period is not None:
            query = query.where(invoice_checks.c.period == period)
        rows = self._connection.execute(query.order_by(invoice_checks.c.id.desc())).all()
        return [dict(row._mapping) for row in rows]

    def credits_taken_before(self, contract_id: str, period: str) -> set[tuple[str, str]]:
        """(service level, month) credits deducted on the latest check of each other month."""
        rows = self._connection.execute(
            sa.select(invoice_checks.c.period, invoice_checks.c.credits_taken)
            .where(invoice_checks.c.contract_id == contract_id, invoice_checks.c.period != period)
            .order_by(invoice_checks.c.id)
        ).all()
        latest: dict[str, list[list[str]]] = {}
        for month, taken in rows:
            latest[month] = taken
        return {(level, when) for taken in latest.values() for level, when in taken}

    def latest_of_file(
        self, contract_id: str, period: str, file_sha256: str
    ) -> tuple[int, str | None] | None:
        """(id, inputs hash) of the latest check of this file for the month, or None."""
        row = self._connection.execute(
            sa.select(invoice_checks.c.id, invoice_checks.c.details)
            .where(
                invoice_checks.c.contract_id == contract_id,
                invoice_checks.c.period == period,
                invoice_checks.c.file_sha256 == file_sha256,
            )
            .order_by(invoice_checks.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return int(row.id), row.details.get("inputs_sha256")

    def add(self, **values: Any) -> int:
        """Store a check; returns its id."""
        result = self._connection.execute(invoice_checks.insert().values(**values))
        key = result.inserted_primary_key
        assert key is not None  # an INSERT into a table with an autoincrement key returns it
        return int(key[0])


@dataclass(frozen=True)
class StoredBusinessCase:
    contract_id: str
    version: int
    inputs: dict[str, Any]  # the validated business case as JSON values
    inputs_sha256: str
    source_name: str
    applied_at: datetime
    applied_by: str


def _case(row: Any) -> StoredBusinessCase:
    return StoredBusinessCase(
        contract_id=row.contract_id,
        version=row.version,
        inputs=dict(row.inputs),
        inputs_sha256=row.inputs_sha256,
        source_name=row.source_name,
        applied_at=row.applied_at,
        applied_by=row.applied_by,
    )


class BusinessCaseRepository:
    """Each contract's business case (with its broker terms), in versions."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def latest(self, contract_id: str) -> StoredBusinessCase | None:
        row = latest_version(self._connection, business_cases, {"contract_id": contract_id})
        return None if row is None else _case(row)

    def versions(self, contract_id: str) -> list[StoredBusinessCase]:
        """Every version, oldest first."""
        key = {"contract_id": contract_id}
        return [_case(row) for row in all_versions(self._connection, business_cases, key)]

    def add(
        self,
        *,
        contract_id: str,
        inputs: dict[str, Any],
        inputs_sha256: str,
        source_name: str,
        at: datetime,
        by: str,
    ) -> VersionWritten:
        """The next version, unless the latest rests on the same inputs (then it stands)."""
        return add_version(
            self._connection,
            business_cases,
            key={"contract_id": contract_id},
            values={
                "inputs": inputs,
                "source_name": source_name,
                "applied_at": at,
                "applied_by": by,
            },
            inputs_sha256=inputs_sha256,
        )
