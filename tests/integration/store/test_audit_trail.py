"""The audit trail: every write recorded, hash-chained, append-only, never forked."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied, Conflict
from servicepact.domain.portfolio import Party, PartyKind
from servicepact.services.audit import list_entries, verify_chain
from servicepact.store.db.repositories import PartyOrigin
from servicepact.store.db.tables.audit import audit_log
from servicepact.store.db.uow import ReadOnlyViolation, UnauditedWrite


def _record(app: App, actor: Actor, n: int) -> None:
    for index in range(n):
        with app.uow() as uow:
            uow.record(
                actor=actor,
                entity_type="note",
                entity_id=f"n{index}",
                action="create",
                after={"index": index},
            )


def _audit_rows(app: App) -> int:
    with app.engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        )


def _tamper(app: App, statement: str, **params: object) -> None:
    """Change the trail behind the application's back, as an attacker with SQL access could."""
    postgres = app.engine.dialect.name == "postgresql"
    with app.engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
            )
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.execute(sa.text(statement), params)
        if postgres:
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def test_each_row_links_to_the_previous_one_and_the_trail_verifies(
    app: App, client_manager: Actor, auditor: Actor
) -> None:
    _record(app, client_manager, 3)
    with app.uow(read_only=True) as uow:
        entries = list(uow.audit.iter_entries())
    report = verify_chain(app, actor=auditor)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].row_hash
    assert entries[2].prev_hash == entries[1].row_hash
    assert report.ok
    assert report.render() == f"ok: 3 rows, head {entries[2].row_hash}"


def test_an_entry_records_who_when_and_what(app: App, clock: object, client_manager: Actor) -> None:
    _record(app, client_manager, 1)
    with app.uow(read_only=True) as uow:
        (entry,) = uow.audit.list()
    assert (entry.actor_user, entry.actor_role) == ("alice", "client_manager")
    assert entry.at == clock()  # type: ignore[operator]
    assert (entry.entity_type, entry.entity_id, entry.action) == ("note", "n0", "create")
    assert entry.after == {"index": 0}


def test_an_edited_row_breaks_the_chain_at_exactly_that_row(
    app: App, client_manager: Actor, admin: Actor
) -> None:
    _record(app, client_manager, 5)
    _tamper(app, "UPDATE audit_log SET actor_user = 'mallory' WHERE seq = 3")
    report = verify_chain(app, actor=admin)
    assert not report.ok
    assert report.broken_at == 3
    assert report.render().startswith("broken at row 3: ")
    assert "changed" in (report.reason or "")


def test_a_removed_row_breaks_the_chain_where_it_was(
    app: App, client_manager: Actor, admin: Actor
) -> None:
    _record(app, client_manager, 4)
    _tamper(app, "DELETE FROM audit_log WHERE seq = 2")
    report = verify_chain(app, actor=admin)
    assert (report.ok, report.broken_at) == (False, 3)


def test_rows_cut_off_the_end_are_noticed_through_the_chain_head(
    app: App, client_manager: Actor, admin: Actor
) -> None:
    _record(app, client_manager, 4)
    _tamper(app, "DELETE FROM audit_log WHERE seq = 4")
    report = verify_chain(app, actor=admin)
    assert (report.ok, report.broken_at) == (False, 4)
    assert "removed from the end" in (report.reason or "")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"],
)
def test_the_database_refuses_to_change_or_remove_audit_rows(
    app: App, client_manager: Actor, statement: str
) -> None:
    _record(app, client_manager, 1)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), app.engine.begin() as connection:
        connection.execute(sa.text(statement))
    assert _audit_rows(app) == 1


def test_a_failed_unit_of_work_leaves_neither_data_nor_audit_rows(
    app: App, client_manager: Actor
) -> None:
    def change_then_fail() -> None:
        with app.uow() as uow:
            uow.parties.put(
                Party(id="helpco", kind=PartyKind.VENDOR, name="HelpCo"),
                origin=PartyOrigin.PORTFOLIO,
                at=uow.now(),
            )
            uow.record(
                actor=client_manager, entity_type="party", entity_id="helpco", action="create"
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        change_then_fail()
    with app.uow(read_only=True) as uow:
        assert uow.parties.get("helpco") is None
    assert _audit_rows(app) == 0


def test_a_write_without_an_audit_entry_is_refused_and_rolled_back(app: App) -> None:
    with pytest.raises(UnauditedWrite), app.uow() as uow:
        uow.parties.put(
            Party(id="helpco", kind=PartyKind.VENDOR, name="HelpCo"),
            origin=PartyOrigin.PORTFOLIO,
            at=uow.now(),
        )
    with app.uow(read_only=True) as uow:
        assert uow.parties.get("helpco") is None


def test_a_read_only_unit_of_work_cannot_record_changes(app: App, admin: Actor) -> None:
    with pytest.raises(ReadOnlyViolation), app.uow(read_only=True) as uow:
        uow.record(actor=admin, entity_type="note", entity_id="x", action="create")


def test_only_auditors_and_administrators_read_or_verify_the_trail(
    app: App, client_manager: Actor, vendor_a: Actor, auditor: Actor
) -> None:
    _record(app, client_manager, 2)
    for actor in (client_manager, vendor_a):
        with pytest.raises(AccessDenied):
            verify_chain(app, actor=actor)
        with pytest.raises(AccessDenied):
            list_entries(app, actor=actor)
    newest_first = list_entries(app, actor=auditor, entity_type="note")
    assert [e.entity_id for e in newest_first] == ["n1", "n0"]


def test_timestamps_come_from_the_injected_clock(app: App, clock: object, admin: Actor) -> None:
    _record(app, admin, 1)
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    _record(app, admin, 1)
    with app.uow(read_only=True) as uow:
        newer, older = uow.audit.list()
    assert newer.at - older.at == timedelta(hours=1)


def test_concurrent_writers_queue_up_and_never_fork_the_chain(
    settings: Settings, clock: object, admin: Actor
) -> None:
    writers, per_writer = 4, 8
    apps = [build_app(settings, clock=clock) for _ in range(writers)]  # type: ignore[arg-type]
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def work(app: App) -> None:
        try:
            start.wait()
            _record(app, admin, per_writer)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        report = verify_chain(apps[0], actor=admin)
        assert report.ok, report.render()
        assert report.rows == writers * per_writer
    finally:
        for a in apps:
            a.close()


def test_a_key_stored_twice_is_a_conflict_that_saves_nothing(app: App, admin: Actor) -> None:
    def add_twice() -> None:
        with app.uow() as uow:
            for _ in range(2):
                uow.users.add(name="dana", role=Role.AUDITOR, party=None, at=uow.now())
                uow.record(actor=admin, entity_type="user", entity_id="dana", action="create")

    with pytest.raises(Conflict, match="nothing was saved"):
        add_twice()
    with app.uow(read_only=True) as uow:
        assert uow.users.get("dana") is None
    assert _audit_rows(app) == 0


def test_korean_text_floats_and_large_numbers_verify_after_the_round_trip(
    app: App, admin: Actor
) -> None:
    with app.uow() as uow:
        uow.record(
            actor=admin,
            entity_type="process",
            entity_id="고객센터",
            action="update",
            before={"이름": "고객 지원", "share": 0.85, "big": 10**15},
            after={"이름": "고객센터", "share": 0.1, "big": -(10**15), "nested": [{"x": None}]},
        )
    report = verify_chain(app, actor=admin)
    with app.uow(read_only=True) as uow:
        (entry,) = uow.audit.list()
    assert report.ok, report.render()
    assert entry.after["이름"] == "고객센터"
