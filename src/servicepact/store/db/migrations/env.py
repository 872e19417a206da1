"""Alembic environment: run migrations on the connection the caller hands in.

``servicepact init`` and the tests pass a connection through
``config.attributes["connection"]`` (see ``store/db/migrate.py``); without one
the database comes from the settings, so a plain ``alembic`` call works too.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext

from servicepact.config import load_settings
from servicepact.store.db.columns import UtcDateTime
from servicepact.store.db.engine import make_engine
from servicepact.store.db.tables import metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import application types that may later change or move.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: sa.Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite rebuilds a table to alter it ("batch" mode); with foreign keys
        # enforced, dropping the old copy would fail or cascade. The pragma is a
        # no-op inside a transaction, so it goes straight to the driver first.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
            render_item=_render_item,
            user_module_prefix="sa.",
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.commit()
            if problems:
                raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(load_settings().resolved_database_url)
    try:
        with engine.connect() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `servicepact init`")
run_migrations_online()
