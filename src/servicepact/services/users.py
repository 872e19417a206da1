"""Users, their role and party, and API tokens.

A token is shown once when created; the database keeps only its SHA-256, so a
copy of the database does not hand out working tokens. (A fast hash suffices:
the token is 256 random bits, not a password someone could guess.)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pwdlib import PasswordHash

from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound, Problem
from servicepact.domain.portfolio import PartyKind
from servicepact.services import _sessions
from servicepact.services.ports import Ports
from servicepact.services.view_cache import read_with_state
from servicepact.store.db.credentials import CredentialRepository
from servicepact.store.db.repositories import StoredToken, StoredUser
from servicepact.store.db.uow import UnitOfWork

TOKEN_PREFIX = "sp_"  # noqa: S105 — not a secret: recognisable in logs and by secret scanners
TOKEN_BYTES = 32  # 256 bits of randomness
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_PARTY_KIND_FOR_ROLE = {Role.VENDOR: PartyKind.VENDOR, Role.BROKER: PartyKind.BROKER}


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the secret: shown once, never stored
    id: int
    user: str
    label: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_admin(actor: Actor, what: str) -> None:
    if actor.role is not Role.ADMIN:
        raise AccessDenied(f"only administrators can {what}")


def add_user(
    app: Ports, *, actor: Actor, name: str, role: Role, party: str | None = None
) -> StoredUser:
    """A new user with a role (and, for vendor and broker users, the party it acts for)."""
    with app.uow() as uow:
        return _add_user(uow, actor=actor, name=name, role=role, party=party)


def _add_user(
    uow: UnitOfWork, *, actor: Actor, name: str, role: Role, party: str | None = None
) -> StoredUser:
    _require_admin(actor, "add users")
    problems: list[Problem] = []
    if not _USER_NAME.match(name):
        problems.append(
            Problem(
                "name",
                "use 1-64 letters, digits and . _ @ - (starting with a letter or digit)",
                value=name,
            )
        )
    if role in _PARTY_KIND_FOR_ROLE and not party:
        problems.append(Problem("party", f"a {role.value} user must belong to a party (--party)"))
    if party:
        stored = uow.parties.get(party)
        wanted = _PARTY_KIND_FOR_ROLE.get(role)
        if stored is None:
            problems.append(Problem("party", f"unknown party {party!r}", value=party))
        elif wanted is not None and stored.party.kind is not wanted:
            problems.append(
                Problem(
                    "party",
                    f"{party!r} is a {stored.party.kind.value}; a {role.value} user belongs "
                    f"to a {wanted.value}",
                    value=party,
                )
            )
    if problems:
        raise InvalidInput(problems=problems)
    if uow.users.get(name) is not None:
        raise Conflict(f"user {name!r} already exists", where="name")
    user = uow.users.add(name=name, role=role, party=party or None, at=uow.now())
    uow.record(
        actor=actor,
        entity_type="user",
        entity_id=name,
        action="create",
        after={"role": role, "party": party or None},
    )
    return user


def list_users(app: Ports, *, actor: Actor) -> list[StoredUser]:
    if actor.role not in (Role.ADMIN, Role.AUDITOR):
        raise AccessDenied("only administrators and auditors can list users")
    with app.uow(read_only=True) as uow:
        return uow.users.list()


def _get_actor(uow: UnitOfWork, *, name: str) -> Actor:
    stored = uow.users.get(name)
    if stored is None:
        raise NotFound(f"no user {name!r}", where="user")
    return stored.actor()


def create_token(app: Ports, *, actor: Actor, user: str, label: str = "") -> IssuedToken:
    _require_admin(actor, "create API tokens")
    with app.uow() as uow:
        return _create_token(uow, actor=actor, user=user, label=label)


def _create_token(uow: UnitOfWork, *, actor: Actor, user: str, label: str) -> IssuedToken:
    if uow.users.get(user) is None:
        raise NotFound(f"no user {user!r}; add it first with `servicepact user add`", where="user")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    stored = uow.tokens.add(user_name=user, token_hash=token_hash(token), label=label, at=uow.now())
    uow.record(
        actor=actor,
        entity_type="api_token",
        entity_id=str(stored.id),
        action="create",
        after={"user": user, "label": label},
    )
    return IssuedToken(token=token, id=stored.id, user=user, label=label)


def revoke_token(app: Ports, *, actor: Actor, token_id: int) -> StoredToken:
    _require_admin(actor, "revoke API tokens")
    with app.uow() as uow:
        return _revoke_token(uow, actor=actor, token_id=token_id)


def _revoke_token(uow: UnitOfWork, *, actor: Actor, token_id: int) -> StoredToken:
    stored = uow.tokens.get(token_id)
    if stored is None:
        raise NotFound(f"no API token {token_id}", where="token")
    if stored.revoked_at is not None:
        return stored
    at = uow.now()
    uow.tokens.revoke(token_id, at=at)
    uow.record(
        actor=actor,
        entity_type="api_token",
        entity_id=str(token_id),
        action="revoke",
        before={"revoked": False},
        after={"revoked": True},
    )
    return StoredToken(
        id=stored.id,
        user_name=stored.user_name,
        label=stored.label,
        created_at=stored.created_at,
        revoked_at=at,
    )


def authenticate_token(app: Ports, *, token: str) -> Actor:
    """The user a bearer token acts as; one answer for unknown and revoked tokens."""
    with app.uow(read_only=True) as uow:
        return _authenticate_token(uow, token=token)


def authenticate_token_with_state(app: Ports, *, token: str) -> tuple[int, Actor]:
    """The data state and the user a bearer token acts as, read in one unit of work.

    One query of the data state answers a known token until the next write (revoking a
    token or changing a user is a write); the state is kept for the request's cached reads.
    """
    return read_with_state(
        app,
        name="token",
        args=(token_hash(token),),
        read=lambda uow: _authenticate_token(uow, token=token),
    )


def _authenticate_token(uow: UnitOfWork, *, token: str) -> Actor:
    stored = uow.tokens.find_by_hash(token_hash(token))
    if stored is None or stored.revoked_at is not None:
        raise AccessDenied("invalid or revoked API token")
    return _get_actor(uow, name=stored.user_name)


# --- Web sign-in passwords -------------------------------------------------------------------
# Passwords are hashed with Argon2id (pwdlib's recommended parameters): a slow, memory-hard hash,
# because unlike API tokens a password is chosen by a person and can be guessed.

MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B §5.1.1.2: at least 8 characters for user-chosen secrets
MAX_PASSWORD_LENGTH = 256  # bounds the hashing work a request can cause


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


# A hash of a random string, verified when the user is unknown, so an unknown name and a wrong
# password take the same time and give the same answer.
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def set_password(app: Ports, *, actor: Actor, user: str, password: str) -> None:
    """Set a user's web sign-in password (administrators, or the user for themself); every
    session of the user ends with it."""
    with app.uow() as uow:
        _set_password(uow, actor=actor, user=user, password=password)


def _set_password(uow: UnitOfWork, *, actor: Actor, user: str, password: str) -> None:
    if actor.role is not Role.ADMIN and actor.user != user:
        raise AccessDenied("only administrators can set another user's password")
    if uow.users.get(user) is None:
        raise NotFound(f"no user {user!r}", where="user")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            problems=[
                Problem(
                    "password",
                    f"use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
                )
            ]
        )
    created = uow.repo(CredentialRepository).put(
        user_name=user, password_hash=_hasher().hash(password), at=uow.now()
    )
    # The trail records that a password was set, never the password or its hash.
    uow.record(
        actor=actor,
        entity_type="user_password",
        entity_id=user,
        action="create" if created else "update",
        after={"set": True},
    )
    # Whoever knew the old password may hold a session: every session of the user ends now.
    _sessions.end_all(uow, actor=actor, user=user, why="password changed")


def authenticate_password(app: Ports, *, name: str, password: str) -> Actor:
    """The user a name and password sign in as; one answer for every kind of failure."""
    with app.uow(read_only=True) as uow:
        return _authenticate_password(uow, name=name, password=password)


def _authenticate_password(uow: UnitOfWork, *, name: str, password: str) -> Actor:
    stored_hash = None
    if len(password) <= MAX_PASSWORD_LENGTH and uow.users.get(name) is not None:
        stored_hash = uow.repo(CredentialRepository).password_hash(name)
    if stored_hash is None:
        _hasher().verify(password[:MAX_PASSWORD_LENGTH], _dummy_hash())
        raise AccessDenied("unknown user or wrong password")
    if not _hasher().verify(password, stored_hash):
        raise AccessDenied("unknown user or wrong password")
    return _get_actor(uow, name=name)


@dataclass(frozen=True)
class DemoLogin:
    name: str
    role: Role
    party: str | None
    password: str


def ensure_users(app: Ports, *, actor: Actor, logins: Sequence[DemoLogin]) -> list[DemoLogin]:
    """Create each user that is missing and set its password; existing users are left alone.

    Made for the demo (``servicepact demo`` calls it with its known logins and prints
    them), so running the demo twice changes nothing. Returns the users created.
    """
    created: list[DemoLogin] = []
    with app.uow() as uow:
        for login in logins:
            if uow.users.get(login.name) is not None:
                continue
            _add_user(uow, actor=actor, name=login.name, role=login.role, party=login.party)
            _set_password(uow, actor=actor, user=login.name, password=login.password)
            created.append(login)
    return created


# The demo portfolio's sign-ins (``servicepact demo`` creates them with ``ensure_users`` and
# prints them; ``servicepact serve`` lists them). Demo only: known passwords, never production.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("alice", Role.CLIENT_MANAGER, None, "alice-demo-pass"),
    DemoLogin("bob", Role.VENDOR, "callnet", "bob-demo-pass"),
    DemoLogin("charlie", Role.VENDOR, "nextit", "charlie-demo-pass"),
    DemoLogin("audrey", Role.AUDITOR, None, "audrey-demo-pass"),
)
