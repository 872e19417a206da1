"""Reading and writing web sessions and failed sign-ins (``tables/sessions.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from servicepact.domain.access import Actor, Role
from servicepact.store.db.tables.access import users
from servicepact.store.db.tables.audit import HEAD_ID, audit_head
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


@dataclass(frozen=True)
class SignedIn:
    """A stored session with what every request asks next, read in the same query."""

    session: StoredSession
    actor: Actor | None  # the session's user as it is now; None when the user is gone
    data_state: int | None  # the audit trail's head (None only in a database not initialised)


# One query for a page's request: the session, its user, and the head of the audit trail
# that keys the cached views (services/view_cache.py).
_SIGNED_IN = (
    sa.select(
        web_sessions,
        users.c.role.label("user_role"),
        users.c.party.label("user_party"),
        audit_head.c.seq.label("head_seq"),
    )
    .select_from(
        web_sessions.outerjoin(users, users.c.name == web_sessions.c.user_name).outerjoin(
            audit_head, audit_head.c.id == HEAD_ID
        )
    )
    .where(web_sessions.c.id == sa.bindparam("session_id"))
)
_SESSION_COLUMNS = tuple(column.name for column in web_sessions.columns)


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

    def signed_in(self, session_id: str) -> SignedIn | None:
        """The session with its user and the data state, in one query; None if unknown."""
        row = self._connection.execute(_SIGNED_IN, {"session_id": session_id}).first()
        if row is None:
            return None
        values = row._mapping
        session = StoredSession(**{name: values[name] for name in _SESSION_COLUMNS})
        actor = None
        if values["user_role"] is not None:
            role = Role(values["user_role"])
            actor = Actor(user=session.user_name, role=role, party=values["user_party"])
        return SignedIn(session, actor, values["head_seq"])

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
