"""Creating, upgrading and extending the schema with Alembic, without an alembic.ini.

The migration scripts ship inside the package (``store/db/migrations``), so an
installed wheel can run ``servicepact init`` anywhere. Revisions are numbered
``0001``, ``0002``, … and form one line: two heads fail the test suite.

Every command checks that the database is at this release's revision before it runs. That
check reads the version table and the scripts' file names without Alembic, whose import (with
Mako and the dialects' DDL) costs a command about 0.2 s; Alembic is imported to change the
schema only.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
# Alembic names a script after its revision (``0013_contract_version_effective_from.py``).
_SCRIPT_NAME = re.compile(r"(\d{4})_\w*\.py")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    # The scripts ship with the package and do not change while it runs: read them once per
    # directory (the health probe asks on every call).
    return _head_of(str(MIGRATIONS_DIR))


@functools.cache
def _head_of(directory: str) -> str:
    """The newest revision: the highest-numbered script, as the revisions form one numbered
    line (a test checks this against Alembic's own reading of the scripts)."""
    numbers = [
        match.group(1)
        for path in (Path(directory) / "versions").iterdir()
        if (match := _SCRIPT_NAME.fullmatch(path.name))
    ]
    if not numbers:
        raise RuntimeError("no migrations found; the package is incomplete")
    return max(numbers)


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, from Alembic's version table (None: no schema)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
        revisions = [str(row[0]) for row in versions]
    if len(revisions) > 1:
        raise RuntimeError(f"the database is at several revisions: {', '.join(sorted(revisions))}")
    return revisions[0] if revisions else None


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str = "base") -> None:
    from alembic import command

    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)


def next_revision_id() -> str:
    numbers = [
        int(match.group(1))
        for script in script_directory().walk_revisions()
        if (match := re.fullmatch(r"(\d+)", script.revision))
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(engine: sa.Engine, *, message: str, autogenerate: bool) -> Path:
    """Write a new migration script after the current head; returns its path.

    With ``autogenerate`` Alembic compares the tables in ``store/db/tables`` with
    the database (which must be at head) and drafts the operations; review them.
    """
    from alembic import command

    with engine.connect() as connection:
        scripts = command.revision(
            alembic_config(connection),
            message=message,
            autogenerate=autogenerate,
            rev_id=next_revision_id(),
        )
    script = scripts[0] if isinstance(scripts, list) else scripts
    if script is None:
        raise RuntimeError("alembic wrote no revision")
    _head_of.cache_clear()  # a new head
    return Path(script.path)


# The database refuses UPDATE and DELETE on the audit trail (migration 0001 creates these).
# Someone with the database's owner rights can drop them; `servicepact init` puts them back.
APPEND_ONLY = "audit_log is append-only: rows can be added, never changed or removed"
_SQLITE_TRIGGERS = {
    f"audit_log_no_{event.lower()}": (
        f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    )
    for event in ("UPDATE", "DELETE")
}
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
)
_PG_TRIGGER = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
)


def audit_triggers(connection: sa.Connection) -> set[str]:
    """The names of the append-only triggers present (and enabled) on the audit trail."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('audit_log') "
            "AND NOT tgisinternal AND tgenabled <> 'D'"
        )
    else:
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
    return {str(row[0]) for row in rows}


def restore_audit_triggers(engine: sa.Engine) -> list[str]:
    """Create any append-only trigger of the audit trail that is missing; the names created."""
    restored: list[str] = []
    with engine.begin() as connection:
        present = audit_triggers(connection)
        if connection.dialect.name == "postgresql":
            if "audit_log_append_only" not in present:
                # dropped, or only disabled: replaced either way
                connection.exec_driver_sql(_PG_FUNCTION)
                connection.exec_driver_sql(
                    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"
                )
                connection.exec_driver_sql(_PG_TRIGGER)
                restored.append("audit_log_append_only")
        else:
            for name, statement in _SQLITE_TRIGGERS.items():
                if name not in present:
                    connection.exec_driver_sql(statement)
                    restored.append(name)
    return restored
