"""The unit of work: one transaction, its repositories, and the audit trail.

    with app.uow() as uow:
        uow.contracts.head(...)
        uow.record(actor=actor, entity_type="contract", entity_id=..., action="create", after=...)

Leaving the block commits; an exception rolls everything back, audit rows
included, so the trail only ever records what really happened. A unit of work
that wrote rows without recording an audit entry refuses to commit: every write
is audited by construction, not by convention.

Do not open a read-write unit of work inside another: on SQLite the inner
one waits for the outer one's write lock, which is only released when the
outer one ends. Read-only ones may nest.

Other parts of the product add their own repositories without editing this
file: ``uow.repo(MyRepository)`` builds one from ``uow.connection`` once per
unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa

from servicepact.domain.access import Actor
from servicepact.domain.errors import Conflict
from servicepact.store.db.audit import AuditEntry, AuditRepository
from servicepact.store.db.engine import READ_ONLY_OPTION
from servicepact.store.db.repositories import (
    ContractRepository,
    DecisionRepository,
    PartyRepository,
    ProcessRepository,
    TokenRepository,
    UserRepository,
)

Clock = Callable[[], datetime]
R = TypeVar("R")

_WRITES_KEY = "servicepact.uow_writes"
# Tables of request bookkeeping, written on reads (a session's last use, a failed sign-in):
# their writes need no audit entry of their own. Starting and ending sessions is still audited
# by services/sessions.py; no business data lives here. An upload job's progress is written
# many times while it runs; receiving the file is audited by services/uploads.py and the load
# itself by services/loads.py.
HOUSEKEEPING_TABLES = frozenset({"web_sessions", "sign_in_failures", "upload_jobs"})


def _written_table(context: Any) -> str | None:
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _count_writes(
    connection: sa.Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        if _written_table(context) in HOUSEKEEPING_TABLES:
            return
        counter = connection.info.get(_WRITES_KEY)
        if counter is not None:
            connection.info[_WRITES_KEY] = counter + 1


def track_writes(engine: sa.Engine) -> None:
    """Count INSERT/UPDATE/DELETE statements per unit of work (see ``UnitOfWork.__exit__``)."""
    if not sa.event.contains(engine, "after_cursor_execute", _count_writes):
        sa.event.listen(engine, "after_cursor_execute", _count_writes)


class UnauditedWrite(RuntimeError):
    """A programming error: rows were written without an audit entry."""


class ReadOnlyViolation(RuntimeError):
    """A programming error: a read-only unit of work tried to record a change."""


class UnitOfWork:
    connection: sa.Connection
    parties: PartyRepository
    processes: ProcessRepository
    decisions: DecisionRepository
    contracts: ContractRepository
    users: UserRepository
    tokens: TokenRepository
    audit: AuditRepository

    def __init__(self, engine: sa.Engine, *, clock: Clock, read_only: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self.read_only = read_only
        self._audited = 0
        self._repos: dict[Callable[..., Any], Any] = {}

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self.read_only:
            connection = connection.execution_options(**{READ_ONLY_OPTION: True})
        self.connection = connection
        try:
            self._transaction = connection.begin()
        except sa.exc.OperationalError as error:
            connection.close()
            if "locked" in str(error.orig):
                # SQLite: another writer held the lock for the whole busy timeout.
                raise Conflict(
                    "the database is busy with another change; nothing was saved — try again"
                ) from error
            raise
        connection.info[_WRITES_KEY] = 0
        self.parties = PartyRepository(connection)
        self.processes = ProcessRepository(connection)
        self.decisions = DecisionRepository(connection)
        self.contracts = ContractRepository(connection)
        self.users = UserRepository(connection)
        self.tokens = TokenRepository(connection)
        self.audit = AuditRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            writes = self.connection.info.pop(_WRITES_KEY, 0)
            if exc_type is not None or self.read_only:
                self._transaction.rollback()
                if isinstance(exc, sa.exc.IntegrityError):
                    # Two writers raced for the same key (e.g. the same new contract on
                    # PostgreSQL). Say so without echoing the row: it may hold values
                    # that must not reach a terminal or a log.
                    raise Conflict(
                        "the change collides with data stored at the same time (or twice in "
                        "one request); nothing was saved — run it again"
                    ) from exc
                return
            if writes and not self._audited:
                self._transaction.rollback()
                raise UnauditedWrite(
                    f"{writes} statement(s) changed data without an audit entry; "
                    "call uow.record(...) for every change"
                )
            self._transaction.commit()
        finally:
            self.connection.close()

    def now(self) -> datetime:
        """The injected clock's time, always aware and in UTC."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(UTC)

    def repo(self, factory: Callable[[sa.Connection], R]) -> R:
        """A repository built on this unit of work's connection, once per unit of work."""
        if factory not in self._repos:
            self._repos[factory] = factory(self.connection)
        repository: R = self._repos[factory]
        return repository

    def record(
        self,
        *,
        actor: Actor,
        entity_type: str,
        entity_id: str,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> AuditEntry:
        """Append one audit entry for a change made in this unit of work.

        ``before``/``after`` are JSON-able summaries (Decimals, dates and enums are
        converted). Never put personal data in them: store pseudonyms or counts.
        """
        if self.read_only:
            raise ReadOnlyViolation("a read-only unit of work cannot record changes")
        entry = self.audit.append(
            actor=actor,
            at=self.now(),
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
        )
        self._audited += 1
        return entry
