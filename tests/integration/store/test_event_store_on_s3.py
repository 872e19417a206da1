"""The event store on S3-compatible object storage (``SERVICEPACT_EVENTS_ROOT=s3://…``), against
a moto server this test session starts on 127.0.0.1 (tests/conftest.py): the same batches,
rows and results as a local directory; the crash-safety rule (data first, then the manifest)
without a rename; one clear error, without credentials, when the storage cannot be reached.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from conftest import S3_ACCESS_KEY, S3_SECRET_KEY, TEST_PSEUDONYM_KEY, FrozenClock, S3Server
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.services import loads
from servicepact.services.contracts import apply_contract
from servicepact.services.evaluation import evaluate_periods
from servicepact.store.db.evaluation import result_to_json
from servicepact.store.events.location import EventRoot, EventStoreUnreachable

CONTRACT = "acme-it-2026"
HEADER = "id,created_at,resolved_at,priority,requester_name,requester_email,requester_phone,summary"
CONTRACT_DATA: dict[str, Any] = {
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
    "expected_daily_volume": {"tickets": 4},
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


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def february(tmp_path: Path) -> Path:
    """Twelve P1 tickets over three February days; three are resolved late (09:00 + 5 h)."""
    lines = []
    for day in (24, 25, 26):
        for i in range(1, 5):
            late = i == 4
            resolved = f"2026-02-{day}T{14 if late else 10}:00:00+09:00"
            lines.append(
                f"T{day}{i},2026-02-{day}T09:00:00+09:00,{resolved},P1,"
                f"Kim Minji {i},minji{i}@example.com,010-1234-567{i},printer broken"
            )
    return _csv(tmp_path / "february.csv", lines)


def correction(tmp_path: Path) -> Path:
    """A later file resolving one of the late tickets in time (a correction: it wins)."""
    return _csv(
        tmp_path / "correction.csv",
        ["T244,2026-02-24T09:00:00+09:00,2026-02-24T10:30:00+09:00,P1,Kim,k@example.com,,fixed"],
    )


def _app(settings: Settings, clock: FrozenClock) -> App:
    return build_app(settings, clock=clock)


def _load(app: App, actor: Actor, path: Path) -> loads.LoadReport:
    return loads.load_events(app, actor=actor, contract_id=CONTRACT, source="tickets", path=path)


def _contract(app: App, actor: Actor) -> None:
    model = Contract.model_validate(CONTRACT_DATA)
    document = ContractDocument(
        contract=model,
        document=canonical_document(model),
        source=f"{model.id}.yaml",
        sha256=contract_hash(model),
    )
    with app.uow() as uow:
        apply_contract(uow, actor=actor, document=document)


def _through_the_store(
    app: App, actor: Actor, alice: Actor, tmp_path: Path
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Load February and its correction, evaluate February: batch ids, rows, results."""
    _contract(app, alice)
    first = _load(app, actor, february(tmp_path))
    second = _load(app, actor, correction(tmp_path))
    assert (first.status, second.status) == (loads.LoadStatus.LOADED, loads.LoadStatus.LOADED)
    rows = app.event_store.read(contract_id=CONTRACT, source="tickets").to_pylist()
    results = evaluate_periods(app, actor=alice, contract_id=CONTRACT, period_labels=["2026-02"])
    return [first.batch_id, second.batch_id], rows, [result_to_json(r) for r in results]


def test_a_local_directory_and_an_s3_bucket_hold_the_same_batches_rows_and_results(
    settings: Settings,
    s3_settings: Settings,
    another_db_url: str,
    clock: FrozenClock,
    vendor_a: Actor,
    client_manager: Actor,
    tmp_path: Path,
) -> None:
    local_app = _app(settings, clock)
    try:
        on_disk = _through_the_store(local_app, vendor_a, client_manager, tmp_path)
    finally:
        local_app.close()
    s3_app = _app(s3_settings.model_copy(update={"database_url": another_db_url}), clock)
    try:
        on_s3 = _through_the_store(s3_app, vendor_a, client_manager, tmp_path)
        objects = s3_app.event_store.root.files()
    finally:
        s3_app.close()
    assert on_s3[0] == on_disk[0]  # the same batch ids (SHA-256 of the content)
    assert on_s3[1] == on_disk[1]  # the same stored rows, in the same order
    assert on_s3[2] == on_disk[2]  # the same results: values, statuses, inputs hashes
    # Hand-computed: 12 tickets, 3 late, one corrected in time → 10 of 12 within 4 h.
    [february_result] = on_s3[2]
    assert (february_result["numerator"], february_result["denominator"]) == (10, 12)
    assert len(on_s3[1]) == 12
    assert objects == sorted(f"{CONTRACT}/tickets/{b}.parquet" for b in on_s3[0])


def test_loading_the_same_file_twice_changes_nothing_on_s3(
    s3_settings: Settings,
    clock: FrozenClock,
    vendor_a: Actor,
    client_manager: Actor,
    tmp_path: Path,
) -> None:
    app = _app(s3_settings, clock)
    try:
        _contract(app, client_manager)
        path = february(tmp_path)
        first = _load(app, vendor_a, path)
        objects = app.event_store.root.files()
        again = _load(app, vendor_a, path)
        assert again.status is loads.LoadStatus.ALREADY_LOADED
        assert again.duplicate_of == first.batch_seq
        assert (
            app.event_store.root.files()
            == objects
            == [f"{CONTRACT}/tickets/{first.batch_id}.parquet"]
        )
        assert len(app.event_store.read(contract_id=CONTRACT, source="tickets")) == 12
    finally:
        app.close()


def test_a_crash_between_the_upload_and_the_manifest_leaves_nothing_visible_and_a_retry_succeeds(
    s3_settings: Settings,
    clock: FrozenClock,
    vendor_a: Actor,
    client_manager: Actor,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app(s3_settings, clock)
    try:
        _contract(app, client_manager)

        def crash(*args: object, **kwargs: object) -> int:
            raise RuntimeError("power cut before the manifest commit")

        monkeypatch.setattr(loads.BatchRepository, "add", crash)
        with pytest.raises(RuntimeError):
            _load(app, vendor_a, february(tmp_path))
        monkeypatch.undo()
        # The object is there under its final name, but no manifest row points at it.
        [orphan] = app.event_store.orphans()
        assert orphan.startswith(f"{s3_settings.events_root}/{CONTRACT}/tickets/")
        assert app.event_store.read(contract_id=CONTRACT, source="tickets").num_rows == 0
        assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []
        retry = _load(app, vendor_a, february(tmp_path))
        assert retry.status is loads.LoadStatus.LOADED
        assert app.event_store.read(contract_id=CONTRACT, source="tickets").num_rows == 12
        assert app.event_store.orphans() == []  # the retry committed that very object
        assert loads.clean_orphans(app, actor=admin) == []
    finally:
        app.close()


def test_a_failed_upload_commits_nothing_and_an_orphan_is_cleaned(
    s3_settings: Settings,
    clock: FrozenClock,
    vendor_a: Actor,
    client_manager: Actor,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app(s3_settings, clock)
    try:
        _contract(app, client_manager)

        def broken(self: EventRoot, source: Path, relative: str) -> None:
            with self.reaching(f"write {relative}"):
                raise OSError("AWS Error NETWORK_CONNECTION during UploadPart operation")

        monkeypatch.setattr(EventRoot, "upload", broken)
        with pytest.raises(EventStoreUnreachable) as failed:
            _load(app, vendor_a, february(tmp_path))
        monkeypatch.undo()
        assert "could not write" in str(failed.value)
        assert app.event_store.root.files() == []
        assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []
        # An object a crash left (no manifest row) is listed as an s3 URL and removed.
        root = app.event_store.root
        stray = tmp_path / "stray.parquet"
        stray.write_bytes(b"PAR1")
        root.upload(stray, f"{CONTRACT}/tickets/{'0' * 64}.parquet")
        removed = loads.clean_orphans(app, actor=admin)
        assert removed == [f"{s3_settings.events_root}/{CONTRACT}/tickets/{'0' * 64}.parquet"]
        assert root.files() == []
    finally:
        app.close()


def test_an_unreachable_endpoint_is_one_clear_error_that_never_shows_credentials(
    tmp_path: Path,
    db_url: str,
    s3_server: S3Server,
    clock: FrozenClock,
    client_manager: Actor,
    vendor_a: Actor,
    run_servicepact: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    dead = f"http://127.0.0.1:{closed}"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        pseudonym_key=TEST_PSEUDONYM_KEY,  # type: ignore[arg-type]
        events_root="s3://nowhere-bucket/events",
        events_s3_endpoint=dead,
        events_s3_region="us-east-1",
    )
    caplog.set_level(logging.DEBUG)
    app = _app(settings, clock)
    try:
        _contract(app, client_manager)
        with pytest.raises(EventStoreUnreachable) as failed:
            _load(app, vendor_a, february(tmp_path))
        assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []
    finally:
        app.close()
    [problem] = failed.value.problems
    assert problem.where == "event store s3://nowhere-bucket/events"
    assert problem.message.startswith("could not write acme-it-2026/tickets/")
    assert "connect" in problem.message.lower()

    # The command line: one line on stderr, no traceback, no credential anywhere.
    for name, value in {
        "SERVICEPACT_DATA_DIR": str(settings.data_dir),
        "SERVICEPACT_DATABASE_URL": db_url,
        "SERVICEPACT_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "SERVICEPACT_EVENTS_ROOT": "s3://nowhere-bucket/events",
        "SERVICEPACT_EVENTS_S3_ENDPOINT": dead,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SERVICEPACT_USER", raising=False)
    result = run_servicepact(
        "load", str(february(tmp_path)), "--contract", CONTRACT, "--source", "tickets"
    )
    assert result.code != 0
    assert "Traceback" not in result.err + result.out
    assert "event store s3://nowhere-bucket/events: could not write" in result.err
    everything = result.err + result.out + str(failed.value) + caplog.text
    assert S3_SECRET_KEY not in everything
    assert S3_ACCESS_KEY not in everything


def test_a_bad_events_root_stops_the_command_with_one_line(
    cli_env: Settings, run_servicepact: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICEPACT_EVENTS_ROOT", "gs://acme-events/x")
    result = run_servicepact("load", "--clean-orphans")
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "SERVICEPACT_EVENTS_ROOT" in result.err
    assert "s3://bucket/prefix" in result.err
