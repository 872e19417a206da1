"""Creating, upgrading and extending the schema with Alembic, without an alembic.ini.

The migration scripts ship inside the package (``store/db/migrations``), so an
installed wheel can run ``servicepact init`` anywhere. Revisions are numbered
``0001``, ``0002``, … and form one line: two heads fail the test suite.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    # The scripts ship with the package and do not change while it runs: read them once per
    # directory (the health probe asks on every call).
    return _head_of(str(MIGRATIONS_DIR))


@functools.cache
def _head_of(_directory: str) -> str:
    head = script_directory().get_current_head()
    if head is None:
        raise RuntimeError("no migrations found; the package is incomplete")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str = "base") -> None:
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
