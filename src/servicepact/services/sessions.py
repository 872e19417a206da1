"""Web sign-in sessions, kept in the database so that they can be ended at once.

The browser holds only a random token (256 bits); the database holds its SHA-256, the user,
the CSRF token of the session's forms, when it started, when it was last used and when it ends
at the latest. A session ends:

* when its user signs out (that session);
* when the user's password is set or changed, or an administrator ends them (every session of
  the user);
* after ``session_idle_minutes`` without a request, and at the latest ``session_max_hours``
  after signing in.

An ended or expired session is refused on its next request; nothing in the cookie can extend
it. Starting, ending and ending-by-administrator are recorded in the audit trail (never the
token). Failed sign-ins are kept in the database too (``SignInFailures``), so a restart does
not reset the throttle.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied
from servicepact.services import _sessions
from servicepact.services.ports import Ports
from servicepact.store.db.sessions import (
    SessionRepository,
    SignInFailureRepository,
    StoredSession,
)
from servicepact.store.db.uow import UnitOfWork

TOUCH_EVERY = timedelta(seconds=60)  # last use is written at most once a minute per session


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class StartedSession:
    token: str  # for the cookie only; never stored
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    actor: Actor
    csrf: str
    # The head of the audit trail read with the session: the state of the data the request's
    # cached views are keyed by (services/view_cache.py), read in the same unit of work.
    data_state: int


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _audit_id(stored_id: str) -> str:
    return stored_id[:16]  # enough to tell sessions apart in the trail; useless to sign in


def start(app: Ports, *, actor: Actor, rules: SessionRules) -> StartedSession:
    """Sign in: a new session for ``actor``, with its token for the cookie (shown once)."""
    with app.uow() as uow:
        return _start(uow, actor=actor, rules=rules)


def _start(uow: UnitOfWork, *, actor: Actor, rules: SessionRules) -> StartedSession:
    now = uow.now()
    token = secrets.token_urlsafe(32)
    stored = StoredSession(
        id=session_id(token),
        user_name=actor.user,
        csrf=secrets.token_urlsafe(32),
        started_at=now,
        last_seen_at=now,
        expires_at=now + rules.lifetime,
        ended_at=None,
        ended_why=None,
    )
    uow.repo(SessionRepository).add(stored)
    uow.record(
        actor=actor,
        entity_type="web_session",
        entity_id=_audit_id(stored.id),
        action="create",
        after={"user": actor.user, "expires_at": stored.expires_at.isoformat()},
    )
    return StartedSession(token=token, csrf=stored.csrf, expires_at=stored.expires_at)


def resolve(app: Ports, *, token: str, rules: SessionRules) -> ActiveSession | None:
    """The signed-in user of a session token; None when unknown, ended, idle or expired.

    Reads in a read-only unit of work; writes only when there is something to write: an idle
    or expired session is ended where it is found, and last use is recorded once a minute."""
    if not token or len(token) > 128:
        return None
    stored_id = session_id(token)
    with app.uow(read_only=True) as uow:
        found = uow.repo(SessionRepository).signed_in(stored_id)  # with its user and the state
        if found is None or found.session.ended_at is not None:
            return None
        stored = found.session
        now = uow.now()
        why = (
            "expired"
            if now >= stored.expires_at
            else "idle"
            if now - stored.last_seen_at >= rules.idle
            else None
        )
        actor = None
        if why is None:
            if found.actor is None:  # the user was removed
                return None
            actor = found.actor
            # no head row: the audit trail's own read names the problem
            state = found.data_state if found.data_state is not None else uow.audit.head().seq
    if why is not None:
        with app.uow() as uow:
            uow.repo(SessionRepository).end([stored_id], at=now, why=why)
        return None
    if now - stored.last_seen_at >= TOUCH_EVERY:
        with app.uow() as uow:
            uow.repo(SessionRepository).touch(stored_id, now)
    assert actor is not None
    return ActiveSession(actor=actor, csrf=stored.csrf, data_state=state)


def end(app: Ports, *, actor: Actor, token: str) -> None:
    """Sign out: this session ends now."""
    with app.uow() as uow:
        _end(uow, actor=actor, token=token)


def _end(uow: UnitOfWork, *, actor: Actor, token: str) -> None:
    stored_id = session_id(token)
    if uow.repo(SessionRepository).end([stored_id], at=uow.now(), why="signed out"):
        uow.record(
            actor=actor,
            entity_type="web_session",
            entity_id=_audit_id(stored_id),
            action="delete",
            after={"why": "signed out"},
        )


def end_all(app: Ports, *, actor: Actor, user: str, why: str) -> int:
    """End every open session of ``user`` (administrators, or the user for themself)."""
    with app.uow() as uow:
        return _sessions.end_all(uow, actor=actor, user=user, why=why)


def list_open(app: Ports, *, actor: Actor, user: str) -> list[StoredSession]:
    if actor.role not in (Role.ADMIN, Role.AUDITOR) and actor.user != user:
        raise AccessDenied("only administrators and auditors can list another user's sessions")
    with app.uow(read_only=True) as uow:
        return uow.repo(SessionRepository).of_user(user)


# --- failed sign-ins -----------------------------------------------------------------------


def _failure_key(user: str, address: str) -> str:
    # a hash: the table holds neither what was typed as a user name nor the address
    return hashlib.sha256(f"{user.strip().lower()}\x1f{address}".encode()).hexdigest()


class SignInFailures:
    """The throttle's store of failures, in the database (see web/throttle.py)."""

    def __init__(self, app: Ports) -> None:
        self._app = app

    def now(self) -> datetime:
        return self._app.now()

    def since(self, user: str, address: str, start: datetime) -> list[datetime]:
        with self._app.uow(read_only=True) as uow:
            return uow.repo(SignInFailureRepository).since(_failure_key(user, address), start)

    def add(self, user: str, address: str, at: datetime, *, forget_before: datetime) -> None:
        with self._app.uow() as uow:
            repo = uow.repo(SignInFailureRepository)
            repo.prune(forget_before)
            repo.add(_failure_key(user, address), at)

    def clear(self, user: str, address: str) -> None:
        with self._app.uow() as uow:
            uow.repo(SignInFailureRepository).clear(_failure_key(user, address))
