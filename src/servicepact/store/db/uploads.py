"""Reading and writing upload jobs (``tables/uploads.py``; used by ``services/uploads.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicepact.store.db.tables.uploads import upload_jobs

OPEN_STATES = ("queued", "running")


@dataclass(frozen=True)
class StoredUploadJob:
    id: str
    user_name: str
    party: str | None
    contract_id: str
    source: str
    file_name: str
    size: int
    accept_valid: bool
    status: str
    bytes_done: int
    message: str
    report: dict[str, Any] | None
    problems: list[dict[str, Any]] | None
    problem_count: int
    runner: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime


class UploadJobRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, job: StoredUploadJob) -> None:
        self._connection.execute(sa.insert(upload_jobs).values(**job.__dict__))

    def get(self, job_id: str) -> StoredUploadJob | None:
        row = self._connection.execute(
            sa.select(upload_jobs).where(upload_jobs.c.id == job_id)
        ).first()
        return None if row is None else StoredUploadJob(**row._mapping)

    def start(self, job_id: str, *, runner: str, at: datetime) -> None:
        self._connection.execute(
            sa.update(upload_jobs)
            .where(upload_jobs.c.id == job_id, upload_jobs.c.status == "queued")
            .values(status="running", runner=runner, started_at=at, heartbeat_at=at)
        )

    def progress(self, job_id: str, *, bytes_done: int, at: datetime) -> None:
        self._connection.execute(
            sa.update(upload_jobs)
            .where(upload_jobs.c.id == job_id, upload_jobs.c.status.in_(OPEN_STATES))
            .values(bytes_done=bytes_done, heartbeat_at=at)
        )

    def beat(self, job_ids: list[str], *, at: datetime) -> None:
        """The runner is alive: its open jobs' heartbeats move on."""
        if job_ids:
            self._connection.execute(
                sa.update(upload_jobs)
                .where(upload_jobs.c.id.in_(job_ids), upload_jobs.c.status.in_(OPEN_STATES))
                .values(heartbeat_at=at)
            )

    def finish(
        self,
        job_id: str,
        *,
        status: str,
        message: str,
        report: dict[str, Any] | None,
        problems: list[dict[str, Any]],
        at: datetime,
    ) -> bool:
        """End an open job; False when it had already ended (e.g. given up as stalled)."""
        result = self._connection.execute(
            sa.update(upload_jobs)
            .where(upload_jobs.c.id == job_id, upload_jobs.c.status.in_(OPEN_STATES))
            .values(
                status=status,
                message=message,
                report=report,
                problems=problems,
                problem_count=len(problems),
                finished_at=at,
                heartbeat_at=at,
            )
        )
        return bool(result.rowcount)

    def give_up_stalled(self, *, silent_since: datetime, message: str, at: datetime) -> int:
        """Fail every open job whose runner gave no sign of life since ``silent_since``."""
        result = self._connection.execute(
            sa.update(upload_jobs)
            .where(
                upload_jobs.c.status.in_(OPEN_STATES),
                upload_jobs.c.heartbeat_at < silent_since,
            )
            .values(status="failed", message=message, problems=[], finished_at=at)
        )
        return int(result.rowcount or 0)

    def prune(self, *, finished_before: datetime) -> int:
        result = self._connection.execute(
            sa.delete(upload_jobs).where(
                upload_jobs.c.status.not_in(OPEN_STATES),
                upload_jobs.c.finished_at < finished_before,
            )
        )
        return int(result.rowcount or 0)
