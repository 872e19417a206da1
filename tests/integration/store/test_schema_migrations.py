"""Migrations: a line of numbered revisions that builds exactly the tables the code declares."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from servicepact.store.db import migrate
from servicepact.store.db.engine import make_engine
from servicepact.store.db.tables import metadata


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_downgrade_and_upgrade_again_round_trips_the_schema(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert set(metadata.tables) <= _tables(engine)

        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert _tables(engine) <= {"alembic_version"}

        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert set(metadata.tables) <= _tables(engine)
    finally:
        engine.dispose()


def test_the_migrations_build_exactly_the_declared_tables(db_url: str) -> None:
    # A table or column added in store/db/tables without a migration fails here.
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_revisions_form_one_numbered_line() -> None:
    scripts = list(migrate.script_directory().walk_revisions())  # newest first
    assert len(migrate.script_directory().get_heads()) == 1, "two heads: renumber one revision"
    numbers = [int(script.revision) for script in reversed(scripts)]
    assert numbers == list(range(1, len(numbers) + 1))
    for older, newer in zip(reversed(scripts[1:]), reversed(scripts[:-1]), strict=True):
        assert newer.down_revision == older.revision
    assert migrate.next_revision_id() == f"{len(numbers) + 1:04d}"


def test_a_new_revision_is_numbered_after_the_head_and_empty_when_nothing_changed(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Work on a copy: the real versions folder belongs to the source tree.
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)
    head = migrate.head_revision()
    engine = make_engine(db_url)
    try:
        path = migrate.new_revision(engine, message="nothing new", autogenerate=True)
    finally:
        engine.dispose()
    expected_id = f"{int(head) + 1:04d}"
    assert path.name == f"{expected_id}_nothing_new.py"
    text = path.read_text()
    assert f"down_revision: str | None = {head!r}" in text
    assert "op." not in text.split("def upgrade() -> None:")[1]  # nothing to migrate
    assert migrate.head_revision() == expected_id
