"""Engines for the two supported databases: SQLite (default) and PostgreSQL.

SQLite gets WAL (readers never block the writer), enforced foreign keys, a
busy timeout so a second writer waits instead of failing, and ``BEGIN
IMMEDIATE`` for every read-write transaction: taking the write lock at the
start means a transaction that read something can never fail later with
"database is locked" when it tries to write, and it is what serialises the
audit chain on SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

# How long a SQLite writer waits for another to finish before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30

READ_ONLY_OPTION = "servicepact_read_only"
"""Execution option: a SQLite transaction that only reads starts as a plain BEGIN."""


def normalise_url(url: str | URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean PostgreSQL through psycopg 3."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def masked_url(url: str | URL) -> str:
    """The URL as it may be printed or logged: the password replaced by ``***``."""
    return normalise_url(url).render_as_string(hide_password=True)


def make_engine(
    url: str | URL,
    *,
    echo: bool = False,
    sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS,
) -> Engine:
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, echo=echo, busy_timeout=sqlite_busy_timeout)
    if backend == "postgresql":
        return sa.create_engine(parsed, echo=echo, pool_pre_ping=True)
    raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_engine(url: URL, *, echo: bool, busy_timeout: float) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
    if not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin,
        # so the BEGIN below is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        # NORMAL is durable across application crashes in WAL mode; a power loss
        # may lose the last commits but never corrupts the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
