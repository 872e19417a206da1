"""Migrations: a line of numbered revisions that builds exactly the tables the code declares."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
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
    # The start-up check reads the head from the scripts' names, without Alembic.
    assert migrate.head_revision() == migrate.script_directory().get_current_head()


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


def test_dated_risks_and_survey_entries_are_filled_when_the_schema_is_upgraded(
    empty_db_url: str,
) -> None:
    # Before the revision that dates risks: R-1 was created on 3 October (its first audit
    # entry) and last updated on 20 November, when it was closed; R-2 has no audit entry.
    dated = migrate.script_directory().get_revision("0012")
    assert dated is not None
    assert isinstance(dated.down_revision, str)
    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine, dated.down_revision)

        def at(day: int, month: int) -> datetime:
            return datetime(2026, month, day, 23, 0, tzinfo=UTC)  # 08:00 the next day in Seoul

        risk = {
            "title": "t",
            "category": "contract",
            "likelihood": 2,
            "impact": 2,
            "owner": "o",
            "mitigation": "",
            "contracts": [],
            "vendors": [],
            "source": "manual",
            "explanation": "",
        }
        typed = {
            "contracts": sa.JSON(),
            "vendors": sa.JSON(),
            "at": sa.DateTime(timezone=True),
            "updated_at": sa.DateTime(timezone=True),
        }
        audit = sa.table(
            "audit_log",
            *(
                sa.column(name, typed.get(name))
                for name in [
                    "seq",
                    "at",
                    "actor_user",
                    "actor_role",
                    "entity_type",
                    "entity_id",
                    "action",
                    "prev_hash",
                    "row_hash",
                ]
            ),
        )
        risks = sa.table(
            "risks",
            *(sa.column(n, typed.get(n)) for n in [*risk, "id", "status", "updated_at"]),
        )
        with engine.begin() as connection:
            connection.execute(
                sa.insert(risks),
                [
                    {**risk, "id": "R-1", "status": "closed", "updated_at": at(20, 11)},
                    {**risk, "id": "R-2", "status": "open", "updated_at": at(7, 11)},
                ],
            )
            connection.execute(
                sa.insert(audit),
                [
                    {
                        "seq": seq,
                        "at": when,
                        "actor_user": "alice",
                        "actor_role": "client_manager",
                        "entity_type": "risk",
                        "entity_id": "R-1",
                        "action": action,
                        "prev_hash": "0" * 64,
                        "row_hash": "0" * 64,
                    }
                    for seq, when, action in ((1, at(3, 10), "create"), (2, at(20, 11), "update"))
                ],
            )
            surveys = sa.table(
                "vendor_surveys",
                *(
                    sa.column(n, typed.get(n))
                    for n in ("vendor_id", "quarter", "score", "respondents", "entered_by")
                ),
                sa.column("entered_at", sa.DateTime(timezone=True)),
            )
            connection.execute(
                sa.insert(surveys).values(
                    vendor_id="helpco",
                    quarter="2026-Q4",
                    score="82",
                    respondents=14,
                    entered_at=at(15, 11),
                    entered_by="alice",
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, opened_on, closed_on FROM risks ORDER BY id")
            ).all()
            entries = connection.execute(
                sa.text(
                    "SELECT vendor_id, quarter, version, score, respondents "
                    "FROM vendor_survey_entries"
                )
            ).all()
    finally:
        engine.dispose()
    as_dates = [
        (r[0], *(None if d is None else date.fromisoformat(str(d)[:10]) for d in r[1:]))
        for r in rows
    ]
    assert as_dates == [
        ("R-1", date(2026, 10, 3), date(2026, 11, 20)),
        ("R-2", date(2026, 11, 7), None),
    ]
    # a stored survey is its first entry
    assert [tuple(e) for e in entries] == [("helpco", "2026-Q4", 1, "82", 14)]


@pytest.mark.slow  # a new process
def test_the_start_up_check_reads_the_revision_without_alembic(db_url: str) -> None:
    # Every command checks the schema first; Alembic's import (~0.2 s) is for changing it.
    script = (
        "import sys\n"
        "from servicepact.store.db import migrate\n"
        "from servicepact.store.db.engine import make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "print(migrate.current_revision(engine), migrate.head_revision())\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, db_url],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    head = migrate.script_directory().get_current_head()
    assert done.stdout.split("\n")[:2] == [f"{head} {head}", "False"]


def test_a_database_at_two_revisions_is_refused(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('0012'), ('0013')")
        with pytest.raises(RuntimeError, match="several revisions: 0012, 0013"):
            migrate.current_revision(engine)
    finally:
        engine.dispose()
