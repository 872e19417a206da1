"""The event store on S3-compatible object storage (``SERVICEPACT_EVENTS_ROOT=s3://…``), against
a moto server this test session starts on 127.0.0.1 (tests/conftest.py): the same batches,
rows and results as a local directory; the crash-safety rule (data first, then the manifest)
without a rename; one clear error, without credentials, when the storage cannot be reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from s3_fixtures import (
    CONTRACT,
    S3_ACCESS_KEY,
    S3_SECRET_KEY,
    apply_desk_contract,
    correction,
    february,
    load_tickets,
)
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.domain.access import Actor
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.services import loads
from servicepact.services.evaluation import evaluate_periods
from servicepact.store.db.evaluation import result_to_json
from servicepact.store.events.location import EventRoot, EventStoreUnreachable
from servicepact.store.events.store import EventStore, InMemoryManifest


def _app(settings: Settings, clock: Any) -> App:
    return build_app(settings, clock=clock)


def _through_the_store(
    app: App, actor: Actor, alice: Actor, tmp_path: Path
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Load February and its correction, evaluate February: batch ids, rows, results."""
    apply_desk_contract(app, alice)
    first = load_tickets(app, actor, february(tmp_path))
    second = load_tickets(app, actor, correction(tmp_path))
    assert (first.status, second.status) == (loads.LoadStatus.LOADED, loads.LoadStatus.LOADED)
    rows = app.event_store.read(contract_id=CONTRACT, source="tickets").to_pylist()
    results = evaluate_periods(app, actor=alice, contract_id=CONTRACT, period_labels=["2026-02"])
    return [first.batch_id, second.batch_id], rows, [result_to_json(r) for r in results]


def test_a_local_directory_and_an_s3_bucket_hold_the_same_batches_rows_and_results(
    settings: Settings,
    s3_settings: Settings,
    another_database: Callable[[str], Settings],
    clock: Any,
    vendor_a: Actor,
    client_manager: Actor,
    tmp_path: Path,
) -> None:
    local_app = _app(settings, clock)
    try:
        on_disk = _through_the_store(local_app, vendor_a, client_manager, tmp_path)
    finally:
        local_app.close()
    second = another_database("on-s3").database_url  # the s3 store's own manifest
    s3_app = _app(s3_settings.model_copy(update={"database_url": second}), clock)
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
    clock: Any,
    vendor_a: Actor,
    client_manager: Actor,
    tmp_path: Path,
) -> None:
    app = _app(s3_settings, clock)
    try:
        apply_desk_contract(app, client_manager)
        path = february(tmp_path)
        first = load_tickets(app, vendor_a, path)
        objects = app.event_store.root.files()
        again = load_tickets(app, vendor_a, path)
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
    clock: Any,
    vendor_a: Actor,
    client_manager: Actor,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app(s3_settings, clock)
    try:
        apply_desk_contract(app, client_manager)

        def crash(*args: object, **kwargs: object) -> int:
            raise RuntimeError("power cut before the manifest commit")

        monkeypatch.setattr(loads.BatchRepository, "add", crash)
        with pytest.raises(RuntimeError):
            load_tickets(app, vendor_a, february(tmp_path))
        monkeypatch.undo()
        # The object is there under its final name, but no manifest row points at it.
        [orphan] = app.event_store.orphans()
        assert orphan.startswith(f"{s3_settings.events_root}/{CONTRACT}/tickets/")
        assert app.event_store.read(contract_id=CONTRACT, source="tickets").num_rows == 0
        assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []
        retry = load_tickets(app, vendor_a, february(tmp_path))
        assert retry.status is loads.LoadStatus.LOADED
        assert app.event_store.read(contract_id=CONTRACT, source="tickets").num_rows == 12
        assert app.event_store.orphans() == []  # the retry committed that very object
        assert loads.clean_orphans(app, actor=admin) == []
    finally:
        app.close()


def test_a_failed_upload_commits_nothing_and_an_orphan_is_cleaned(
    s3_settings: Settings,
    clock: Any,
    vendor_a: Actor,
    client_manager: Actor,
    admin: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app(s3_settings, clock)
    try:
        apply_desk_contract(app, client_manager)

        def broken(self: EventRoot, source: Path, relative: str) -> None:
            with self.reaching(f"write {relative}"):
                raise OSError("AWS Error NETWORK_CONNECTION during UploadPart operation")

        monkeypatch.setattr(EventRoot, "upload", broken)
        with pytest.raises(EventStoreUnreachable) as failed:
            load_tickets(app, vendor_a, february(tmp_path))
        monkeypatch.undo()
        assert "could not write" in str(failed.value)
        assert app.event_store.root.files() == []
        assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []
        # An object a crash left (no manifest row) is listed as an s3 URL and removed.
        root = app.event_store.root
        stray = tmp_path / "stray.parquet"
        stray.write_bytes(b"PAR1")
        root.upload(stray, f"{CONTRACT}/tickets/{'0' * 64}.parquet")
        # So is a batch a load on Spark kept for its driver, if the driver itself stopped.
        root.upload(stray, f"{CONTRACT}/tickets/{'1' * 64}.parquet.tmp-0123abcd")
        removed = loads.clean_orphans(app, actor=admin)
        assert removed == [
            f"{s3_settings.events_root}/{CONTRACT}/tickets/{'0' * 64}.parquet",
            f"{s3_settings.events_root}/{CONTRACT}/tickets/{'1' * 64}.parquet.tmp-0123abcd",
        ]
        assert root.files() == []
    finally:
        app.close()


def test_an_unreachable_endpoint_is_one_clear_error_that_never_shows_credentials(
    tmp_path: Path,
    settings: Settings,
    clock: Any,
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
    unreachable = settings.model_copy(
        update={
            "events_root": "s3://nowhere-bucket/events",
            "events_s3_endpoint": dead,
            "events_s3_region": "us-east-1",
        }
    )
    caplog.set_level(logging.DEBUG)
    app = _app(unreachable, clock)
    try:
        apply_desk_contract(app, client_manager)
        with pytest.raises(EventStoreUnreachable) as failed:
            load_tickets(app, vendor_a, february(tmp_path))
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
        "SERVICEPACT_DATABASE_URL": settings.resolved_database_url,
        "SERVICEPACT_PSEUDONYM_KEY": settings.pseudonym_key_bytes.decode(),
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


def _two_batches(store: EventStore, manifest: InMemoryManifest) -> None:
    """b1: A, B, C on 5 and 6 January; b2 corrects B (moved to 7 January) and adds D."""
    when = datetime(2026, 1, 5, 1, tzinfo=UTC)
    schema = arrow_schema(BUILT_IN["tickets"])
    for batch_id, rows in (
        ("b1", [("A", 0, "P1"), ("B", 0, "P2"), ("C", 1, "P3")]),
        ("b2", [("B", 2, "P1"), ("D", 1, "P2")]),
    ):
        table = pa.Table.from_pylist(
            [
                {n: {"id": i, "created_at": when + timedelta(days=d), "priority": p}.get(n)
                 for n in schema.names}
                for i, d, p in rows
            ],
            schema=schema,
        )  # fmt: skip
        with store.writer(contract_id="c", source="tickets", batch_id=batch_id) as writer:
            writer.write(table, np.arange(1, table.num_rows + 1))
            writer.commit()
        manifest.add("c", "tickets", batch_id, store.relative_path("c", "tickets", batch_id))


def test_every_read_of_the_store_gives_the_same_on_s3_as_in_a_directory(
    tmp_path: Path, s3_server: Any
) -> None:
    on_disk = EventStore(tmp_path / "events", disk_manifest := InMemoryManifest())
    on_s3 = EventStore(
        EventRoot.parse(f"s3://{s3_server.bucket()}/store", endpoint=s3_server.endpoint),
        s3_manifest := InMemoryManifest(),
    )
    _two_batches(on_disk, disk_manifest)
    _two_batches(on_s3, s3_manifest)
    candidate = tmp_path / "candidate.parquet"
    pq.write_table(pa.table({"id": ["B", "D", "E"]}), candidate)
    for store in (on_disk, on_s3):
        current = store.read(contract_id="c", source="tickets", columns=["id", "priority"])
        assert current.to_pylist() == [
            {"id": "A", "priority": "P1"},
            {"id": "C", "priority": "P3"},
            {"id": "B", "priority": "P1"},
            {"id": "D", "priority": "P2"},
        ]
        first = store.read(contract_id="c", source="tickets", batches=["b1"], columns=["id"])
        assert first.column("id").to_pylist() == ["A", "B", "C"]
        assert store.existing_ids(contract_id="c", source="tickets", candidate=candidate) == (
            2,
            ["B", "D"],
        )
        # On 5-6 January: A (5th), C (6th) and D (6th); B moved to the 7th, E is about to
        # replace nothing there.
        values = store.current_values(
            contract_id="c",
            source="tickets",
            column="created_at",
            low=datetime(2026, 1, 5, tzinfo=UTC),
            high=datetime(2026, 1, 6, 23, tzinfo=UTC),
            excluding=candidate,
        )
        assert sorted(v.day for v in values.to_pylist()) == [5, 6]  # D is left out: in candidate
        streamed = [
            t.column("id").to_pylist()
            for t in store.iter_batch(store.relative_path("c", "tickets", "b2"), ["id"])
        ]
        assert streamed == [["B", "D"]]
    assert on_s3.read(contract_id="c", source="tickets").equals(
        on_disk.read(contract_id="c", source="tickets")
    )
    assert on_s3.uri("c/tickets/b1.parquet").endswith("/store/c/tickets/b1.parquet")
    assert on_s3.orphans() == on_disk.orphans() == []
