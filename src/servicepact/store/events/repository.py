"""The event store's manifest, quarantine and control findings in the database.

Used through a unit of work: ``uow.repo(BatchRepository)``. It is also the
``Manifest`` an ``EventStore`` reads committed batches from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa

from servicepact.domain.load_findings import Finding
from servicepact.store.db.tables.events import control_findings, event_batches, quarantined_rows
from servicepact.store.events.store import BatchRef


class BatchStatus(StrEnum):
    COMPLETE = "complete"  # every row of the input was stored
    PARTIAL = "partial"  # stored the good rows; the rest is in quarantine


class QuarantineStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a later batch brought a valid row with the same id


class FindingStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    WITHDRAWN = "withdrawn"  # later data showed it was not so (e.g. the day is complete now)


@dataclass(frozen=True)
class BatchRecord:
    seq: int
    contract_id: str
    source: str
    content_sha256: str
    file_name: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    corrections: int
    loaded_at: datetime
    loaded_by: str
    parquet_path: str
    status: BatchStatus


@dataclass(frozen=True)
class QuarantinedRow:
    id: int
    batch_seq: int
    contract_id: str
    source: str
    row_number: int | None
    line: int | None
    event_id: str | None
    values: dict[str, Any]  # personal data masked
    reasons: list[str]
    status: QuarantineStatus


@dataclass(frozen=True)
class StoredFinding:
    id: int
    contract_id: str
    source: str
    batch_seq: int | None
    kind: str
    severity: str
    count: int
    detail: str
    examples: list[str]
    status: FindingStatus
    found_at: datetime
    closed_at: datetime | None = None  # when it stopped being open


def _batch(row: sa.Row[Any]) -> BatchRecord:
    return BatchRecord(
        seq=row.seq,
        contract_id=row.contract_id,
        source=row.source,
        content_sha256=row.content_sha256,
        file_name=row.file_name,
        rows_read=row.rows_read,
        rows_accepted=row.rows_accepted,
        rows_rejected=row.rows_rejected,
        corrections=row.corrections,
        loaded_at=row.loaded_at,
        loaded_by=row.loaded_by,
        parquet_path=row.parquet_path,
        status=BatchStatus(row.status),
    )


class BatchRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    # -- the manifest ----------------------------------------------------------------

    def committed(self, contract_id: str, source: str) -> Sequence[BatchRef]:
        rows = self.connection.execute(
            sa.select(
                event_batches.c.content_sha256, event_batches.c.seq, event_batches.c.parquet_path
            )
            .where(event_batches.c.contract_id == contract_id, event_batches.c.source == source)
            .order_by(event_batches.c.seq)
        )
        return [BatchRef(r.content_sha256, r.seq, r.parquet_path) for r in rows]

    def all_committed(self) -> list[tuple[str, str, BatchRef]]:
        rows = self.connection.execute(sa.select(event_batches).order_by(event_batches.c.seq))
        return [
            (r.contract_id, r.source, BatchRef(r.content_sha256, r.seq, r.parquet_path))
            for r in rows
        ]

    def all_paths(self) -> set[str]:
        return {r[0] for r in self.connection.execute(sa.select(event_batches.c.parquet_path))}

    def content_hashes(self, contract_id: str) -> dict[str, list[str]]:
        """Source → the content hashes of its committed batches in load order (an inputs hash).

        A row exists only once its batch is committed (complete or partial): every row counts.
        """
        rows = self.connection.execute(
            sa.select(event_batches.c.source, event_batches.c.content_sha256)
            .where(event_batches.c.contract_id == contract_id)
            .order_by(event_batches.c.seq)
        )
        hashes: dict[str, list[str]] = {}
        for source, sha256 in rows:
            hashes.setdefault(source, []).append(sha256)
        return hashes

    def find(self, *, contract_id: str, source: str, content_sha256: str) -> BatchRecord | None:
        row = self.connection.execute(
            sa.select(event_batches).where(
                event_batches.c.contract_id == contract_id,
                event_batches.c.source == source,
                event_batches.c.content_sha256 == content_sha256,
            )
        ).first()
        return None if row is None else _batch(row)

    def batches(self, *, contract_id: str, source: str | None = None) -> list[BatchRecord]:
        query = sa.select(event_batches).where(event_batches.c.contract_id == contract_id)
        if source is not None:
            query = query.where(event_batches.c.source == source)
        return [_batch(r) for r in self.connection.execute(query.order_by(event_batches.c.seq))]

    def add(
        self,
        *,
        contract_id: str,
        source: str,
        content_sha256: str,
        file_name: str | None,
        rows_read: int,
        rows_accepted: int,
        rows_rejected: int,
        corrections: int,
        loaded_at: datetime,
        loaded_by: str,
        parquet_path: str,
        status: BatchStatus,
    ) -> int:
        result = self.connection.execute(
            event_batches.insert().values(
                contract_id=contract_id,
                source=source,
                content_sha256=content_sha256,
                file_name=file_name,
                rows_read=rows_read,
                rows_accepted=rows_accepted,
                rows_rejected=rows_rejected,
                corrections=corrections,
                loaded_at=loaded_at,
                loaded_by=loaded_by,
                parquet_path=parquet_path,
                status=status.value,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    # -- quarantine ------------------------------------------------------------------

    def quarantine(
        self, *, batch_seq: int, contract_id: str, source: str, rows: Iterable[dict[str, Any]]
    ) -> int:
        values = [
            {
                "batch_seq": batch_seq,
                "contract_id": contract_id,
                "source": source,
                "row_number": row.get("row"),
                "line": row.get("line"),
                "event_id": row.get("event_id"),
                "row_values": row.get("values", {}),
                "reasons": row.get("reasons", []),
                "status": QuarantineStatus.OPEN.value,
            }
            for row in rows
        ]
        if values:
            self.connection.execute(quarantined_rows.insert(), values)
        return len(values)

    def open_quarantined_ids(self, *, contract_id: str, source: str) -> set[str]:
        rows = self.connection.execute(
            sa.select(quarantined_rows.c.event_id).where(
                quarantined_rows.c.contract_id == contract_id,
                quarantined_rows.c.source == source,
                quarantined_rows.c.status == QuarantineStatus.OPEN.value,
                quarantined_rows.c.event_id.is_not(None),
            )
        )
        return {r[0] for r in rows}

    def resolve(
        self, *, contract_id: str, source: str, event_ids: Iterable[str], by_seq: int
    ) -> int:
        ids = list(event_ids)
        if not ids:
            return 0
        result = self.connection.execute(
            quarantined_rows.update()
            .where(
                quarantined_rows.c.contract_id == contract_id,
                quarantined_rows.c.source == source,
                quarantined_rows.c.status == QuarantineStatus.OPEN.value,
                quarantined_rows.c.event_id.in_(ids),
            )
            .values(status=QuarantineStatus.RESOLVED.value, resolved_by_seq=by_seq)
        )
        return int(result.rowcount or 0)

    def quarantined(
        self,
        *,
        contract_id: str,
        source: str | None = None,
        status: QuarantineStatus | None = QuarantineStatus.OPEN,
        limit: int = 1000,
    ) -> list[QuarantinedRow]:
        query = sa.select(quarantined_rows).where(quarantined_rows.c.contract_id == contract_id)
        if source is not None:
            query = query.where(quarantined_rows.c.source == source)
        if status is not None:
            query = query.where(quarantined_rows.c.status == status.value)
        rows = self.connection.execute(query.order_by(quarantined_rows.c.id).limit(limit))
        return [
            QuarantinedRow(
                id=r.id,
                batch_seq=r.batch_seq,
                contract_id=r.contract_id,
                source=r.source,
                row_number=r.row_number,
                line=r.line,
                event_id=r.event_id,
                values=dict(r.row_values),
                reasons=list(r.reasons),
                status=QuarantineStatus(r.status),
            )
            for r in rows
        ]

    # -- control findings ------------------------------------------------------------

    def add_findings(
        self,
        *,
        contract_id: str,
        source: str,
        batch_seq: int | None,
        findings: Sequence[Finding],
        at: datetime,
    ) -> None:
        if not findings:
            return
        self.connection.execute(
            control_findings.insert(),
            [
                {
                    "contract_id": contract_id,
                    "source": source,
                    "batch_seq": batch_seq,
                    "kind": f.kind.value,
                    "severity": f.severity.value,
                    "count": f.count,
                    "detail": f.detail,
                    "examples": list(f.examples),
                    "status": FindingStatus.OPEN.value,
                    "found_at": at,
                }
                for f in findings
            ],
        )

    def revise_finding(
        self, finding_id: int, *, count: int, detail: str, examples: Sequence[str]
    ) -> None:
        """A finding narrowed by later data (fewer days short): its count, detail, examples."""
        self.connection.execute(
            control_findings.update()
            .where(control_findings.c.id == finding_id)
            .values(count=count, detail=detail[:1000], examples=list(examples))
        )

    def withdraw_finding(self, finding_id: int, *, detail: str, at: datetime) -> None:
        """A finding later data disproved: withdrawn at ``at``, its detail saying why (audited
        by the caller)."""
        self.connection.execute(
            control_findings.update()
            .where(control_findings.c.id == finding_id)
            .values(status=FindingStatus.WITHDRAWN.value, detail=detail[:1000], closed_at=at)
        )

    def findings(self, *, contract_id: str, source: str | None = None) -> list[StoredFinding]:
        query = sa.select(control_findings).where(control_findings.c.contract_id == contract_id)
        if source is not None:
            query = query.where(control_findings.c.source == source)
        rows = self.connection.execute(query.order_by(control_findings.c.id))
        return [
            StoredFinding(
                id=r.id,
                contract_id=r.contract_id,
                source=r.source,
                batch_seq=r.batch_seq,
                kind=r.kind,
                severity=r.severity,
                count=r._mapping["count"],
                detail=r.detail,
                examples=list(r.examples),
                status=FindingStatus(r.status),
                found_at=r.found_at,
                closed_at=r.closed_at,
            )
            for r in rows
        ]


class _ReadOnlyUnits(Protocol):
    def __call__(self, *, read_only: bool = False) -> Any: ...


class DatabaseManifest:
    """The event store's manifest kept in the database: each question is a short read-only
    unit of work, so no connection stays open while files are read or written."""

    def __init__(self, units: _ReadOnlyUnits) -> None:
        self._units = units

    def committed(self, contract_id: str, source: str) -> Sequence[BatchRef]:
        with self._units(read_only=True) as uow:
            result: Sequence[BatchRef] = uow.repo(BatchRepository).committed(contract_id, source)
            return result

    def all_paths(self) -> set[str]:
        with self._units(read_only=True) as uow:
            paths: set[str] = uow.repo(BatchRepository).all_paths()
            return paths
