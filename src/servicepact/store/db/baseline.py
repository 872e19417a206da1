"""Kept baseline studies: what a study found and proposed, with the hashes of what it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.baseline import baseline_studies


@dataclass(frozen=True)
class HistoryFile:
    source: str
    name: str  # the file's name only: a directory can say who exported it
    sha256: str
    bytes: int


@dataclass(frozen=True)
class StoredStudy:
    id: int
    contract_id: str
    contract_sha256: str
    first_month: str
    last_month: str
    improve_percent: str
    inputs_sha256: str
    files: tuple[HistoryFile, ...]
    study: dict[str, Any]
    proposal: str  # canonical YAML of the contract with the proposed levels
    note: str
    created_at: datetime
    created_by: str


def _stored(row: Any) -> StoredStudy:
    return StoredStudy(
        id=row.id,
        contract_id=row.contract_id,
        contract_sha256=row.contract_sha256,
        first_month=row.first_month,
        last_month=row.last_month,
        improve_percent=row.improve_percent,
        inputs_sha256=row.inputs_sha256,
        files=tuple(HistoryFile(**f) for f in row.files),
        study=row.study,
        proposal=row.proposal,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
    )


class BaselineStudyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, **values: Any) -> int:
        """Keep a study; returns its id."""
        inserted = self._connection.execute(sa.insert(baseline_studies).values(**values))
        key = inserted.inserted_primary_key
        assert key is not None  # an insert of one row always has its key
        return int(key[0])

    def list(self, *, contract_id: str | None = None) -> list[StoredStudy]:
        """Kept studies, newest first; of one contract when given."""
        query = sa.select(baseline_studies).order_by(baseline_studies.c.id.desc())
        if contract_id is not None:
            query = query.where(baseline_studies.c.contract_id == contract_id)
        return [_stored(row) for row in self._connection.execute(query)]

    def get(self, study_id: int) -> StoredStudy | None:
        row = self._connection.execute(
            sa.select(baseline_studies).where(baseline_studies.c.id == study_id)
        ).one_or_none()
        return None if row is None else _stored(row)
