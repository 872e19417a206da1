"""Reading stored service-level results with what they were measured on (for the drill-down
and for telling a current result from an out-of-date one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.evaluation import exclusions, sl_results


@dataclass(frozen=True)
class ResultRecord:
    contract_id: str
    service_level_id: str
    period: str
    version: int
    contract_version: int
    batches: tuple[str, ...]
    document: dict[str, Any]  # the result's JSON (services.evaluation.result_to_json)
    evaluated_at: datetime
    evaluated_by: str


def _record(row: Any) -> ResultRecord:
    return ResultRecord(
        contract_id=row.contract_id,
        service_level_id=row.service_level_id,
        period=row.period,
        version=int(row.version),
        contract_version=int(row.contract_version),
        batches=tuple(row.batches or ()),
        document=dict(row.result),
        evaluated_at=row.evaluated_at,
        evaluated_by=row.evaluated_by,
    )


class ResultRecords:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def latest(self, contract_id: str, service_level_id: str, period: str) -> ResultRecord | None:
        row = self.connection.execute(
            sa.select(sl_results)
            .where(
                sl_results.c.contract_id == contract_id,
                sl_results.c.service_level_id == service_level_id,
                sl_results.c.period == period,
            )
            .order_by(sl_results.c.version.desc())
            .limit(1)
        ).first()
        return None if row is None else _record(row)

    def latest_of_contract(self, contract_id: str) -> list[ResultRecord]:
        """The newest version of every stored (service level, period) of the contract."""
        rows = self.connection.execute(
            sa.select(sl_results).where(sl_results.c.contract_id == contract_id)
        ).all()
        latest: dict[tuple[str, str], Any] = {}
        for row in rows:
            key = (row.service_level_id, row.period)
            if key not in latest or row.version > latest[key].version:
                latest[key] = row
        return [
            _record(r)
            for r in sorted(latest.values(), key=lambda r: (r.period, r.service_level_id))
        ]

    def approved_exclusions(self, contract_id: str) -> list[Any]:
        """The contract's approved exclusion rows (id, source, level, period, decided_at)."""
        return list(
            self.connection.execute(
                sa.select(
                    exclusions.c.id,
                    exclusions.c.source,
                    exclusions.c.service_level_id,
                    exclusions.c.period,
                    exclusions.c.decided_at,
                ).where(exclusions.c.contract_id == contract_id, exclusions.c.status == "approved")
            ).all()
        )
