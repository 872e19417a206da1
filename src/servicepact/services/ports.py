"""What the services need from the running application, and nothing more.

``bootstrap.App`` provides it (the one composition root); services name only this
protocol, so they never import the concrete wiring and tests may pass any object
of this shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from servicepact.config import Settings
from servicepact.store.db.uow import UnitOfWork
from servicepact.store.events.store import EventStore


class Ports(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def event_store(self) -> EventStore:
        """The stored events (Parquet files, with the database as their manifest)."""
        ...

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work: one transaction, audited writes."""
        ...

    def now(self) -> datetime: ...
