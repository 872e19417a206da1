"""Loading files through the service, on a real database (SQLite or PostgreSQL).

Personas: alice manages contracts for acme; bob works for vendor helpco (the
tickets contract's vendor), charlie for otherco.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from events_fixtures import apply_contract_data, write_csv
from pydantic import SecretStr

from period_fixtures import close_month
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import AccessDenied, InvalidInput, NotFound, PeriodClosed, Problem
from servicepact.domain.event_types import BUILT_IN
from servicepact.services import loads
from servicepact.services.periods import reopen_period
from servicepact.store.events.sources import records_source
from servicepact.store.events.store import BatchWriter

CONTRACT = "acme-it-2026"
HEADER = "id,created_at,resolved_at,priority,requester_name,requester_email,requester_phone,summary"
KEY = "test-pseudonym-key-not-secret"


def tickets_contract(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": CONTRACT,
        "name": "IT service desk",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
        "calendars": {
            "office": {
                "timezone": "Asia/Seoul",
                "hours": {"mon-fri": "09:00-18:00"},
                "holidays": {"country": "KR"},
            }
        },
        "credits": {"at_risk_percent": 12, "pool_percent": 150},
        "data_protection": {"personal_data": ["name", "email", "phone"]},
        "service_levels": [
            {
                "id": "SL-02",
                "name": "P1 resolved within 4 business hours",
                "kpi": "resolved_within",
                "source": "tickets",
                "params": {"hours": 4},
                "calendar": "office",
                "expected": "0.95",
                "minimum": "0.90",
                "kind": "critical",
                "allocation_percent": 30,
            }
        ],
    }
    data.update(extra)
    return data


def apply_tickets_contract(app: App, actor: Actor) -> Contract:
    return apply_contract_data(app, actor, tickets_contract(expected_daily_volume={"tickets": 4}))


@pytest.fixture
def contract(app: App, client_manager: Actor) -> Contract:
    return apply_tickets_contract(app, client_manager)


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    return write_csv(tmp_path / name, HEADER, lines)


def good_rows() -> list[str]:
    # 2026-02-27 is a Friday: 4 tickets, as many as expected per working day.
    return [
        f"T{i},2026-02-27T0{i}:00:00+09:00,2026-02-27T1{i}:00:00+09:00,P1,"
        f"Kim Minji {i},minji{i}@example.com,010-1234-567{i},printer broken"
        for i in range(1, 5)
    ]


def load(app: App, actor: Actor, path: Path, **kw: Any) -> loads.LoadReport:
    return loads.load_events(
        app, actor=actor, contract_id=CONTRACT, source="tickets", path=path, **kw
    )


def read(app: App) -> list[dict[str, Any]]:
    table = app.event_store.read(contract_id=CONTRACT, source="tickets")
    return table.to_pylist()


def test_a_valid_file_is_stored_once_and_reloading_it_changes_nothing(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "tickets.csv", good_rows())
    first = load(app, vendor_a, path)
    assert first.status is loads.LoadStatus.LOADED
    assert (first.rows_read, first.rows_accepted, first.rows_rejected) == (4, 4, 0)
    again = load(app, vendor_a, path)
    assert again.status is loads.LoadStatus.ALREADY_LOADED
    assert again.duplicate_of == first.batch_seq
    assert len(read(app)) == 4
    assert len(loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT)) == 1


def test_one_bad_row_rejects_the_whole_file_and_stores_nothing(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    rows = [*good_rows(), "T9,yesterday,,P1,,,,"]
    path = write(tmp_path, "tickets.csv", rows)
    with pytest.raises(InvalidInput) as caught:
        load(app, vendor_a, path)
    [problem] = caught.value.problems
    assert problem.line == 6
    assert "created_at" in problem.where
    assert read(app) == []
    assert not [p for p in app.settings.event_store_dir.rglob("*") if p.is_file()]


def test_accept_valid_stores_the_good_rows_and_quarantines_the_rest_until_fixed(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    rows = [*good_rows(), "T9,2026-02-27T09:00:00,,P1,Lee,lee@example.com,,call 010-9999-8888"]
    report = load(app, vendor_a, write(tmp_path, "a.csv", rows), accept_valid=True)
    assert report.status is loads.LoadStatus.PARTIAL
    assert (report.rows_accepted, report.rows_rejected) == (4, 1)
    [held] = loads.list_quarantine(app, actor=vendor_a, contract_id=CONTRACT)
    assert held.event_id == "T9"
    assert held.row_number == 5
    assert "lee@example.com" not in str(held.values)
    assert "010-9999-8888" not in str(held.values)
    fixed = ["T9,2026-02-27T09:00:00+09:00,,P1,Lee,lee@example.com,,"]
    load(app, vendor_a, write(tmp_path, "b.csv", fixed))
    assert loads.list_quarantine(app, actor=vendor_a, contract_id=CONTRACT) == []
    assert {r["id"] for r in read(app)} == {"T1", "T2", "T3", "T4", "T9"}


def test_a_later_batch_corrects_an_event_and_the_old_version_stays_on_disk(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    load(app, vendor_a, write(tmp_path, "a.csv", good_rows()))
    correction = ["T2,2026-02-27T02:00:00+09:00,2026-02-27T03:30:00+09:00,P2,,,,"]
    report = load(app, vendor_a, write(tmp_path, "b.csv", correction))
    assert report.corrections == 1
    assert any(f.kind.value == "corrections" for f in report.findings)
    current = {r["id"]: r for r in read(app)}
    assert len(current) == 4
    assert current["T2"]["priority"] == "P2"
    files = sorted(app.settings.event_store_dir.rglob("*.parquet"))
    assert sum(pq.read_table(f).num_rows for f in files) == 5  # the old T2 is kept for audit


def test_personal_data_never_reaches_storage_in_clear(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Requesters type their names (Latin and Hangul) into the summary, next to contacts.
    rows = [
        r.replace("printer broken", f"Minji {i} here; call 010-1234-567{i}")
        for i, r in enumerate(good_rows(), start=1)
    ]
    rows.append(
        "T5,2026-02-27T09:30:00+09:00,,P2,박서준,seojun@example.com,010-2222-3333,"
        "박서준님 모니터 고장 seojun@example.com"
    )
    load(app, vendor_a, write(tmp_path, "a.csv", rows))
    raw_values = [f"Kim Minji {i}" for i in range(1, 5)]
    raw_values += [f"minji{i}@example.com" for i in range(1, 5)]
    raw_values += [f"010-1234-567{i}" for i in range(1, 5)]
    raw_values += ["Minji", "박서준", "seojun@example.com", "010-2222-3333"]
    files = list(app.settings.event_store_dir.rglob("*.parquet"))
    assert files
    stored = b"".join(f.read_bytes() for f in files)
    # Every value of every stored file, decompressed (the bytes alone are compressed).
    texts = " ".join(
        str(v) for f in files for r in pq.read_table(f).to_pylist() for v in r.values()
    )
    with app.engine.connect() as connection:
        database = " ".join(
            str(tuple(row))
            for name in sa.inspect(connection).get_table_names()
            for row in connection.execute(sa.text(f'SELECT * FROM "{name}"'))
        )
    for value in raw_values:
        assert value.encode() not in stored
        assert value not in texts
        assert value not in database
    assert all(r["requester_email"].startswith("ps_") for r in read(app))
    summaries = {r["id"]: r["summary"] for r in read(app)}
    assert summaries["T1"] == "[name] 1 here; call [phone]"
    assert summaries["T5"] == "[name]님 모니터 고장 [email]"


def keyed_pseudonym(key: str, value: str) -> str:
    """The documented pseudonym, computed here independently of store/pii.py."""
    digest = hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
    return "ps_" + digest[:32]


@pytest.mark.parametrize("key", ["first-configured-key", "second-configured-key"])
def test_pseudonyms_are_keyed_by_the_configured_key(
    settings: Settings,
    clock: Any,
    client_manager: Actor,
    vendor_a: Actor,
    tmp_path: Path,
    key: str,
) -> None:
    # The same values under two configured keys: each load uses its own key, so the
    # pseudonyms are those of that key and not of the other one (nor of a built-in key).
    other = next(k for k in ("first-configured-key", "second-configured-key") if k != key)
    configured = Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        pseudonym_key=SecretStr(key),
        user=None,
    )
    keyed_app = build_app(configured, clock=clock)
    try:
        apply_tickets_contract(keyed_app, client_manager)
        load(keyed_app, vendor_a, write(tmp_path, "tickets.csv", good_rows()))
        stored = {r["id"]: r for r in read(keyed_app)}
    finally:
        keyed_app.close()
    for i in range(1, 5):
        row = stored[f"T{i}"]
        assert row["requester_email"] == keyed_pseudonym(key, f"minji{i}@example.com")
        assert row["requester_name"] == keyed_pseudonym(key, f"Kim Minji {i}")
        assert row["requester_phone"] == keyed_pseudonym(key, f"010-1234-567{i}")
        assert row["requester_email"] != keyed_pseudonym(other, f"minji{i}@example.com")


def test_a_vendor_cannot_load_into_another_vendors_contract(
    app: App, contract: Contract, vendor_b: Actor, auditor: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.csv", good_rows())
    with pytest.raises(NotFound):
        load(app, vendor_b, path)
    with pytest.raises(AccessDenied):
        load(app, auditor, path)


def test_a_source_the_contract_does_not_measure_is_refused(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("id,offered_at\nC1,2026-02-27T09:00:00Z\n")
    with pytest.raises(InvalidInput, match="does not measure 'calls'"):
        loads.load_events(app, actor=vendor_a, contract_id=CONTRACT, source="calls", path=path)


def test_a_crash_after_the_rename_leaves_an_orphan_that_reads_ignore_and_cleaning_removes(
    app: App,
    contract: Contract,
    vendor_a: Actor,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*args: object, **kwargs: object) -> int:
        raise RuntimeError("power cut before the manifest commit")

    monkeypatch.setattr(loads.BatchRepository, "add", crash)
    with pytest.raises(RuntimeError):
        load(app, vendor_a, write(tmp_path, "a.csv", good_rows()))
    monkeypatch.undo()
    assert len(list(app.settings.event_store_dir.rglob("*.parquet"))) == 1
    assert read(app) == []
    removed = loads.clean_orphans(app, actor=admin)
    assert len(removed) == 1
    assert not list(app.settings.event_store_dir.rglob("*.parquet"))


def test_a_crash_before_the_rename_leaves_nothing_visible(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: BatchWriter) -> None:
        raise RuntimeError("power cut while writing")

    monkeypatch.setattr(BatchWriter, "commit", crash)
    with pytest.raises(RuntimeError):
        load(app, vendor_a, write(tmp_path, "a.csv", good_rows()))
    assert read(app) == []
    assert not list(app.settings.event_store_dir.rglob("*.parquet"))


def test_controls_flag_incomplete_days_and_timestamps_in_the_future(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # The clock stands at 2026-03-02 00:30 UTC. Friday 27 Feb has 1 of 4 expected
    # tickets (25 % < 50 %) and one ticket was "resolved" in 2027.
    rows = [
        "T1,2026-02-27T09:00:00+09:00,2027-01-01T00:00:00+09:00,P1,,,,",
        "T2,2026-03-02T08:00:00+09:00,,P1,,,,",
        "T3,2026-03-02T08:10:00+09:00,,P1,,,,",
        "T4,2026-03-02T08:20:00+09:00,,P1,,,,",
        "T5,2026-03-02T08:30:00+09:00,,P1,,,,",
    ]
    report = load(app, vendor_a, write(tmp_path, "a.csv", rows))
    kinds = {f.kind.value: f for f in report.findings}
    assert kinds["incomplete_day"].examples == ("2026-02-27",)
    assert kinds["future_timestamp"].examples == ("T1",)
    stored = loads.list_findings(app, actor=vendor_a, contract_id=CONTRACT)
    assert {f.kind for f in stored} >= {"incomplete_day", "future_timestamp"}


def test_controls_count_the_rows_left_once_repeated_ids_are_set_aside(
    app: App,
    contract: Contract,
    vendor_a: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # T2 comes twice, in different chunks: with --accept-valid both are set aside after the
    # file is written, so Friday 27 Feb keeps 1 of 4 expected tickets (25 % < 50 %), an
    # incomplete day, though 3 of its rows were read.
    monkeypatch.setattr(loads, "LOAD_CHUNK_ROWS", 2)
    stamps = [
        ("T1", "2026-02-27T09:00:00+09:00"),
        ("T2", "2026-02-27T10:00:00+09:00"),
        *((f"T{i}", f"2026-03-02T08:0{i}:00+09:00") for i in range(3, 7)),
        ("T2", "2026-02-27T11:00:00+09:00"),
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": i, "created_at": at, "resolved_at": "", "priority": "P1"}) + "\n"
            for i, at in stamps
        )
    )
    report = load(app, vendor_a, path, accept_valid=True)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (7, 5, 2)
    assert sorted(r["id"] for r in read(app)) == ["T1", "T3", "T4", "T5", "T6"]
    kinds = {f.kind.value: f for f in report.findings}
    assert kinds["incomplete_day"].examples == ("2026-02-27",)


def test_an_api_batch_is_keyed_by_its_canonical_rows(
    app: App, contract: Contract, vendor_a: Actor
) -> None:
    rows = [{"id": "A1", "created_at": "2026-02-27T09:00:00+09:00", "priority": "P1"}]
    first = loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=rows)
    reordered = [{"priority": "P1", "created_at": "2026-02-27T09:00:00+09:00", "id": "A1"}]
    again = loads.load_rows(
        app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=reordered
    )
    assert first.status is loads.LoadStatus.LOADED
    assert again.status is loads.LoadStatus.ALREADY_LOADED
    assert again.batch_id == first.batch_id


# Closed months (PRODUCT.md §2.3 "Period close"): a month is closed here by writing the
# row ``close_period`` records, so these tests do not depend on the credit engine;
# reopening goes through the real ``reopen_period``.


def close(app: App, period: str) -> None:
    close_month(app, CONTRACT, period, closed_at=datetime(2026, 4, 2, tzinfo=UTC))


def row(ticket: str, created: str) -> str:
    return f"{ticket},{created},,P2,Kim Minji,minji@example.com,010-1234-5678,printer broken"


def stored_files(app: App) -> list[Path]:
    return [p for p in app.settings.event_store_dir.rglob("*") if p.is_file()]


def test_a_file_with_one_event_in_a_closed_month_is_refused_and_nothing_is_stored(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    close(app, "2026-03")
    path = write(
        tmp_path,
        "t.csv",
        [row("T1", "2026-04-02T10:00:00+09:00"), row("T2", "2026-03-31T10:00:00+09:00")],
    )
    with pytest.raises(PeriodClosed) as caught:
        load(app, vendor_a, path)
    message = str(caught.value)
    assert "2026-03" in message
    assert f"servicepact reopen --contract {CONTRACT} --period 2026-03 --reason" in message
    assert read(app) == []
    assert stored_files(app) == []
    assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []


def test_the_month_is_the_contracts_local_month_not_the_utc_one(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # 2026-03-31T16:00Z is 2026-04-01 01:00 in Seoul (UTC+9), the contract's zone:
    # the event belongs to April, so a closed March does not stop it.
    close(app, "2026-03")
    report = load(app, vendor_a, write(tmp_path, "t.csv", [row("T1", "2026-03-31T16:00:00Z")]))
    assert report.rows_accepted == 1


def test_every_closed_month_is_named_when_a_file_spans_several(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    close(app, "2026-01")
    close(app, "2026-03")
    rows = [
        row("T1", "2026-01-10T10:00:00+09:00"),
        row("T2", "2026-02-10T10:00:00+09:00"),
        row("T3", "2026-03-10T10:00:00+09:00"),
    ]
    with pytest.raises(PeriodClosed) as caught:
        load(app, vendor_a, write(tmp_path, "t.csv", rows))
    message = str(caught.value)
    assert "2026-01, 2026-03" in message
    assert "2026-02" not in message
    assert "servicepact reopen" in message


def test_a_closed_month_without_events_in_the_file_does_not_block_it(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    close(app, "2026-02")
    rows = [row("T1", "2026-01-10T10:00:00+09:00"), row("T3", "2026-03-10T10:00:00+09:00")]
    assert load(app, vendor_a, write(tmp_path, "t.csv", rows)).rows_accepted == 2


def test_after_an_explained_reopen_the_same_file_loads(
    app: App, contract: Contract, vendor_a: Actor, client_manager: Actor, tmp_path: Path
) -> None:
    close(app, "2026-03")
    path = write(tmp_path, "t.csv", [row("T1", "2026-03-05T10:00:00+09:00")])
    with pytest.raises(PeriodClosed):
        load(app, vendor_a, path)
    reopen_period(
        app, actor=client_manager, contract_id=CONTRACT, period="2026-03", reason="late tickets"
    )
    assert load(app, vendor_a, path).status is loads.LoadStatus.LOADED


def test_an_api_batch_for_a_closed_month_is_refused_too(
    app: App, contract: Contract, vendor_a: Actor
) -> None:
    close(app, "2026-03")
    batch = [{"id": "T1", "created_at": "2026-03-05T10:00:00+09:00", "summary": "printer"}]
    with pytest.raises(PeriodClosed, match="2026-03"):
        loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=batch)
    assert read(app) == []


def _ids_with_contacts() -> list[str]:
    # A vendor's system builds its ticket ids from the caller's user name.
    return [
        f"REQ-minjikim{i}-0{i},2026-02-27T0{i}:00:00+09:00,2026-02-27T1{i}:00:00+09:00,"
        f"P1,minjikim{i},minji{i}@example.com,010-1234-567{i},printer broken"
        for i in range(1, 5)
    ]


def test_an_id_holding_its_rows_personal_value_stores_the_pseudonym_instead(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    load(app, vendor_a, write(tmp_path, "a.csv", _ids_with_contacts()))
    stored = read(app)
    ids = sorted(r["id"] for r in stored)
    assert len(ids) == 4
    assert not any("minjikim" in i for i in ids)
    # the id's part is the same pseudonym the name column stores
    names = {r["requester_name"] for r in stored}
    assert {i.removeprefix("REQ-").rsplit("-", 1)[0] for i in ids} == names
    assert all(n.startswith("ps_") for n in names)
    files = list(app.settings.event_store_dir.rglob("*.parquet"))
    assert b"minjikim1" not in b"".join(f.read_bytes() for f in files)
    # A correction sent with the raw id finds its event: same id, same pseudonym.
    correction = [_ids_with_contacts()[1].replace(",P1,", ",P2,")]
    report = load(app, vendor_a, write(tmp_path, "b.csv", correction))
    assert report.corrections == 1
    current = read(app)
    assert len(current) == 4
    assert sorted(r["priority"] for r in current) == ["P1", "P1", "P1", "P2"]


def test_a_contract_may_refuse_ids_holding_personal_data(
    app: App, client_manager: Actor, vendor_a: Actor, tmp_path: Path
) -> None:
    apply_contract_data(
        app,
        client_manager,
        tickets_contract(
            data_protection={
                "personal_data": ["name", "email", "phone"],
                "personal_data_in_ids": "refuse",
            }
        ),
    )
    with pytest.raises(InvalidInput) as caught:
        load(app, vendor_a, write(tmp_path, "a.csv", _ids_with_contacts()))
    problems = caught.value.problems
    assert [p.row for p in problems] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    assert all("requester_name" in p.message for p in problems)
    assert "minjikim1" not in str(caught.value)
    assert read(app) == []


def _ahead(contract: Contract, opener: Any, ahead: int) -> Any:
    tickets = contract.declared_event_types.get("tickets") or BUILT_IN["tickets"]
    return loads._Validated(
        opener,
        tickets,
        contract.data_protection,
        pseudonym_key=KEY.encode(),
        timezone=None,
        ahead=ahead,
    )


def test_chunks_read_ahead_come_in_file_order_and_stop_when_told(contract: Contract) -> None:
    records = [
        {"id": f"T{i}", "created_at": "2026-02-27T09:00:00+09:00", "priority": "P1"}
        for i in range(1, 11)
    ]
    taken = _ahead(contract, lambda: records_source(records, name="api", chunk_rows=2), 2)
    assert [r for c in taken for r in c.table.column("id").to_pylist()] == [
        f"T{i}" for i in range(1, 11)
    ]
    taken.stop()
    # Never taken: the reading thread waits with at most 2 chunks, then ends when stopped.
    waiting = _ahead(contract, lambda: records_source(records, name="api", chunk_rows=1), 2)
    waiting.stop()
    assert waiting._thread is not None
    assert not waiting._thread.is_alive()


def test_an_error_while_reading_ahead_is_raised_where_the_chunks_are_taken(
    contract: Contract,
) -> None:
    def refused() -> Any:
        raise InvalidInput(problems=[Problem(where="t.csv: header", message="no")])

    validated = _ahead(contract, refused, 4)  # nothing raised yet: the file may be loaded already
    with pytest.raises(InvalidInput, match="no"):
        list(validated)
    validated.stop()
