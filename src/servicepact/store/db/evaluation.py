"""Service-level results (versioned per contract, service level and period) and exclusions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from servicepact.domain.exclusions import Exclusion, ExclusionReason, ExclusionStatus
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.store.db.tables.evaluation import exclusions as exclusions_table
from servicepact.store.db.tables.evaluation import sl_results
from servicepact.store.db.versioned import add_version, latest_per_key

# --- results as stored JSON -----------------------------------------------------------------


def _exact(value: int | Fraction | Decimal | None) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return f"{value.numerator}/{value.denominator}"


def _fraction(value: Any) -> Fraction | None:
    return None if value is None else Fraction(str(value))


def result_to_json(result: ServiceLevelResult) -> dict[str, Any]:
    return {
        "contract_id": result.contract_id,
        "contract_version": result.contract_version,
        "service_level_id": result.service_level_id,
        "kpi": result.kpi,
        "period": result.period,
        "period_start": result.period_start,
        "period_end": result.period_end,
        "value": _exact(result.value),
        "numerator": _exact(result.numerator),
        "denominator": result.denominator,
        "sample_size": result.sample_size,
        "expected": _exact(result.expected),
        "minimum": _exact(result.minimum),
        "status": result.status.value,
        "excluded": result.excluded,
        "completeness": _exact(result.completeness),
        "running": result.running,
        "inputs_hash": result.inputs_hash,
        "notes": list(result.notes),
        "calendar_hash": result.calendar_hash,
    }


def result_from_json(doc: dict[str, Any]) -> ServiceLevelResult:
    numerator = doc["numerator"]
    return ServiceLevelResult(
        contract_id=doc["contract_id"],
        contract_version=int(doc["contract_version"]),
        service_level_id=doc["service_level_id"],
        kpi=doc["kpi"],
        period=doc["period"],
        period_start=doc["period_start"],
        period_end=doc["period_end"],
        value=_fraction(doc["value"]),
        numerator=numerator
        if numerator is None or isinstance(numerator, int)
        else Fraction(numerator),
        denominator=doc["denominator"],
        sample_size=int(doc["sample_size"]),
        expected=Decimal(doc["expected"]),
        minimum=Decimal(doc["minimum"]),
        status=ResultStatus(doc["status"]),
        excluded=int(doc["excluded"]),
        completeness=_fraction(doc["completeness"]),
        running=bool(doc["running"]),
        inputs_hash=doc["inputs_hash"],
        notes=tuple(doc["notes"]),
        calendar_hash=doc.get("calendar_hash"),
    )


class ResultRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self,
        result: ServiceLevelResult,
        *,
        document: dict[str, Any],
        batches: Sequence[str],
        at: datetime,
        by: str,
    ) -> bool:
        """Store the result as the next version; False when the latest rests on the same inputs.

        ``document`` is the stored JSON: ``result_to_json(result)`` and what the service adds
        about the inputs (services/evaluation.py)."""
        written = add_version(
            self._connection,
            sl_results,
            key={
                "contract_id": result.contract_id,
                "service_level_id": result.service_level_id,
                "period": result.period,
            },
            inputs_sha256=result.inputs_hash,
            # A result measured with other holiday lists is a new version (a version stored
            # before the lists were kept, measured again after `servicepact init` fixed them).
            same_also=("calendar_sha256",),
            values={
                "contract_version": result.contract_version,
                "kpi": result.kpi,
                "value": _exact(result.value),
                "status": result.status.value,
                "running": result.running,
                "batches": list(batches),
                "result": document,
                "calendar_sha256": result.calendar_hash,
                "evaluated_at": at,
                "evaluated_by": by,
            },
        )
        return written.added

    def latest(self, contract_id: str, period: str | None = None) -> list[ServiceLevelResult]:
        """The newest result per service level and period, by period then service level."""
        query = sa.select(sl_results).where(sl_results.c.contract_id == contract_id)
        if period is not None:
            query = query.where(sl_results.c.period == period)
        newest = latest_per_key(self._connection.execute(query), ("service_level_id", "period"))
        ordered = sorted(newest.values(), key=lambda row: (row.period, row.service_level_id))
        return [result_from_json(row.result) for row in ordered]

    def latest_of_periods(
        self, contract_id: str, periods: Sequence[str]
    ) -> list[ServiceLevelResult]:
        """The newest result per service level of each of the named periods."""
        if not periods:
            return []
        query = sa.select(sl_results).where(
            sl_results.c.contract_id == contract_id, sl_results.c.period.in_(list(periods))
        )
        newest = latest_per_key(self._connection.execute(query), ("service_level_id", "period"))
        ordered = sorted(newest.values(), key=lambda row: (row.period, row.service_level_id))
        return [result_from_json(row.result) for row in ordered]

    def latest_statuses(
        self, contract_ids: Sequence[str], periods: Sequence[str]
    ) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        """(contract, service level, period) → (status, exact value) of the newest version."""
        if not contract_ids or not periods:
            return {}
        rows = self._connection.execute(
            sa.select(
                sl_results.c.contract_id,
                sl_results.c.service_level_id,
                sl_results.c.period,
                sl_results.c.version,
                sl_results.c.status,
                sl_results.c.value,
            ).where(
                sl_results.c.contract_id.in_(list(contract_ids)),
                sl_results.c.period.in_(list(periods)),
            )
        )
        newest = latest_per_key(rows, ("contract_id", "service_level_id", "period"))
        return {key: (row.status, row.value) for key, row in newest.items()}


# --- exclusions -----------------------------------------------------------------------------


def _exclusion(row: Any) -> Exclusion:
    return Exclusion(
        id=row.id,
        contract_id=row.contract_id,
        source=row.source,
        service_level_id=row.service_level_id,
        event_ids=tuple(row.event_ids),
        period=row.period,
        reason=ExclusionReason(row.reason),
        note=row.note,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=ExclusionStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class ExclusionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def of_contract(
        self, contract_id: str, *, status: ExclusionStatus | None = None
    ) -> list[Exclusion]:
        """The contract's exclusions in the order they were requested."""
        query = sa.select(exclusions_table).where(exclusions_table.c.contract_id == contract_id)
        if status is not None:
            query = query.where(exclusions_table.c.status == status.value)
        rows = self._connection.execute(
            query.order_by(exclusions_table.c.requested_at, exclusions_table.c.id)
        )
        return [_exclusion(row) for row in rows]

    def get(self, exclusion_id: str) -> Exclusion | None:
        row = self._connection.execute(
            sa.select(exclusions_table).where(exclusions_table.c.id == exclusion_id)
        ).first()
        return None if row is None else _exclusion(row)

    def add(self, exclusion: Exclusion) -> None:
        self._connection.execute(
            exclusions_table.insert().values(
                id=exclusion.id,
                contract_id=exclusion.contract_id,
                source=exclusion.source,
                service_level_id=exclusion.service_level_id,
                event_ids=list(exclusion.event_ids),
                period=exclusion.period,
                reason=exclusion.reason.value,
                note=exclusion.note,
                requested_by=exclusion.requested_by,
                requested_at=exclusion.requested_at,
                status=ExclusionStatus.REQUESTED.value,
                decision_note="",
            )
        )

    def decide(
        self, exclusion_id: str, *, status: ExclusionStatus, by: str, at: datetime, note: str
    ) -> None:
        self._connection.execute(
            exclusions_table.update()
            .where(exclusions_table.c.id == exclusion_id)
            .values(status=status.value, decided_by=by, decided_at=at, decision_note=note)
        )
