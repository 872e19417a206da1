"""The one composition root: settings → engine → units of work, for CLI, API and tests.

    app = build_app()                      # settings from the environment
    with app.uow() as uow: ...             # one transaction, audited writes
    actor = app.cli_actor()                # who the local command line acts as

Tests build their own: ``build_app(Settings(data_dir=tmp), clock=frozen)``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa

from servicepact.config import Settings, load_settings
from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import Conflict, NotFound
from servicepact.store.db import migrate
from servicepact.store.db.engine import make_engine, masked_url, missing_sqlite_file
from servicepact.store.db.uow import Clock, UnitOfWork, track_writes, utc_now
from servicepact.store.events.location import event_root
from servicepact.store.events.repository import DatabaseManifest
from servicepact.store.events.store import EventStore

LOCAL_USER_FALLBACK = "local"  # when the OS cannot tell who is logged in (some containers)


@dataclass
class App:
    settings: Settings
    engine: sa.Engine
    clock: Clock = field(default=utc_now)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; use it in a ``with`` block.

        ``read_only=True`` for pure queries: on SQLite it does not take the write
        lock, and it refuses to record changes.
        """
        return UnitOfWork(self.engine, clock=self.clock, read_only=read_only)

    def now(self) -> datetime:
        return self.clock()

    def cli_actor(self) -> Actor:
        """Who the local command line acts as.

        By default the operator is an administrator named after the OS user: the
        person at the console already holds the database file. ``--as NAME`` (or
        ``SERVICEPACT_USER``) acts as a stored user instead, with that user's
        role and party, e.g. to see exactly what a vendor user sees.
        """
        name = self.settings.user
        if not name:
            try:
                os_user = getpass.getuser()
            except (OSError, KeyError):
                os_user = LOCAL_USER_FALLBACK
            return Actor(user=os_user or LOCAL_USER_FALLBACK, role=Role.ADMIN)
        with self.uow(read_only=True) as uow:
            stored = uow.users.get(name)
        if stored is None:
            raise NotFound(
                f"no user {name!r}; add one with `servicepact user add {name} --role ROLE`",
                where="--as",
            )
        return stored.actor()

    @cached_property
    def event_store(self) -> EventStore:
        """The event store: Parquet files, with this database as their manifest."""
        return EventStore(event_root(self.settings), DatabaseManifest(self.uow))

    @property
    def database_label(self) -> str:
        """The database URL with any password masked, to show."""
        return masked_url(self.settings.resolved_database_url)

    def schema_revision(self) -> str | None:
        """The schema revision the database is at (None: not initialised)."""
        return migrate.current_revision(self.engine)

    def upgrade_schema(self) -> None:
        """Create the database, or upgrade it to this release's schema (safe to repeat)."""
        migrate.upgrade(self.engine)

    def restore_audit_triggers(self) -> list[str]:
        """Create any missing append-only trigger of the audit trail; the names created."""
        return migrate.restore_audit_triggers(self.engine)

    def new_schema_revision(self, *, message: str, autogenerate: bool) -> Path:
        """Write the next numbered migration (for developers adding tables)."""
        return migrate.new_revision(self.engine, message=message, autogenerate=autogenerate)

    def check_schema(self) -> None:
        """Fail with a clear message when the database is missing or behind this release.

        A missing SQLite file is reported without connecting, which would leave an empty
        database file (and its folder) behind."""
        if missing_sqlite_file(self.engine) is not None:
            current = None
        else:
            current = migrate.current_revision(self.engine)
        head = migrate.head_revision()
        if current != head:
            state = "is not initialised" if current is None else f"is at revision {current}"
            raise Conflict(
                f"the database {state}; this release needs revision {head}: run `servicepact init`",
                where=masked_url(self.engine.url),
            )

    def close(self) -> None:
        """Release database connections (tests call this; processes just exit)."""
        self.engine.dispose()


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or load_settings()
    engine = make_engine(settings.resolved_database_url)
    track_writes(engine)
    return App(settings=settings, engine=engine, clock=clock or utc_now)
