"""Reading and writing web sessions and failed sign-ins (``tables/sessions.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from servicepact.store.db.tables.sessions import sign_in_failures, web_sessions


@dataclass(frozen=True)
class StoredSession:
    id: str
    user_name: str
    csrf: str
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    ended_why: str | None


class SessionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, session: StoredSession) -> None:
        self._connection.execute(
            sa.insert(web_sessions).values(
                id=session.id,
                user_name=session.user_name,
                csrf=session.csrf,
                started_at=session.started_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
            )
        )

    def get(self, session_id: str) -> StoredSession | None:
        row = self._connection.execute(
            sa.select(web_sessions).where(web_sessions.c.id == session_id)
        ).first()
        return None if row is None else StoredSession(**row._mapping)

    def of_user(self, user_name: str, *, open_only: bool = True) -> list[StoredSession]:
        query = sa.select(web_sessions).where(web_sessions.c.user_name == user_name)
        if open_only:
            query = query.where(web_sessions.c.ended_at.is_(None))
        rows = self._connection.execute(query.order_by(web_sessions.c.started_at))
        return [StoredSession(**row._mapping) for row in rows]

    def touch(self, session_id: str, at: datetime) -> None:
        self._connection.execute(
            sa.update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=at)
        )

    def end(self, session_ids: list[str], *, at: datetime, why: str) -> int:
        if not session_ids:
            return 0
        result = self._connection.execute(
            sa.update(web_sessions)
            .where(web_sessions.c.id.in_(session_ids), web_sessions.c.ended_at.is_(None))
            .values(ended_at=at, ended_why=why)
        )
        return int(result.rowcount or 0)


class SignInFailureRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, key: str, at: datetime) -> None:
        self._connection.execute(sa.insert(sign_in_failures).values(key=key, failed_at=at))

    def since(self, key: str, start: datetime) -> list[datetime]:
        rows = self._connection.execute(
            sa.select(sign_in_failures.c.failed_at)
            .where(sign_in_failures.c.key == key, sign_in_failures.c.failed_at > start)
            .order_by(sign_in_failures.c.failed_at)
        )
        return [row.failed_at for row in rows]

    def clear(self, key: str) -> None:
        self._connection.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.key == key))

    def prune(self, before: datetime) -> None:
        self._connection.execute(
            sa.delete(sign_in_failures).where(sign_in_failures.c.failed_at <= before)
        )
