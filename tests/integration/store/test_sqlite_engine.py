"""SQLite as ServicePact opens it: WAL, enforced foreign keys, writers that queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from servicepact.domain.access import Actor
from servicepact.domain.errors import Conflict
from servicepact.store.db.engine import make_engine
from servicepact.store.db.uow import UnitOfWork, utc_now


@pytest.fixture
def sqlite_url(db_url: str) -> str:
    if make_url(db_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite only")
    return db_url


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
                connection.exec_driver_sql(
                    "INSERT INTO users (name, role, party, created_at) "
                    "VALUES ('bob', 'vendor', 'no-such-party', '2026-01-01 00:00:00')"
                )
    finally:
        engine.dispose()


def test_a_writer_that_waits_too_long_gets_a_clear_conflict(sqlite_url: str, admin: Actor) -> None:
    engine = make_engine(sqlite_url, sqlite_busy_timeout=0.1)
    try:
        with UnitOfWork(engine, clock=utc_now) as holder:
            holder.record(actor=admin, entity_type="note", entity_id="1", action="create")
            with pytest.raises(Conflict, match="busy"), UnitOfWork(engine, clock=utc_now):
                pass
            # Readers are not blocked by the writer (WAL).
            with UnitOfWork(engine, clock=utc_now, read_only=True) as reader:
                assert reader.audit.head().seq == 0
    finally:
        engine.dispose()
