"""Steps inside a caller's unit of work: ending a user's web sign-in sessions.

``sessions.end_all`` runs it as a use case of its own; setting a password runs it in the same
transaction as the new password (``users.set_password``), so both happen or neither does.
"""

from __future__ import annotations

from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied, NotFound
from servicepact.store.db.sessions import SessionRepository
from servicepact.store.db.uow import UnitOfWork


def end_all(uow: UnitOfWork, *, actor: Actor, user: str, why: str) -> int:
    """End every open session of ``user`` (administrators, or the user for themself)."""
    if actor.role is not Role.ADMIN and actor.user != user:
        raise AccessDenied("only administrators can end another user's sessions")
    if uow.users.get(user) is None:
        raise NotFound(f"no user {user!r}", where="user")
    repo = uow.repo(SessionRepository)
    ended = repo.end([s.id for s in repo.of_user(user)], at=uow.now(), why=why)
    if ended:
        uow.record(
            actor=actor,
            entity_type="web_session",
            entity_id=user,
            action="delete",
            after={"sessions_ended": ended, "why": why},
        )
    return ended
