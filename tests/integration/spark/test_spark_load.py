"""`servicepact load --engine spark DIR`: the local loader's batches, problems, pseudonyms and
rules, with the files validated and pseudonymised side by side in Spark tasks.

Two fresh worlds (database + event store) load the same directory — one with the local
engine, one with Spark — and must hold the same thing afterwards. Spark runs are few (they
cost CPU): one load of three files, one reload, one killed load.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from servicepact.bootstrap import build_app
from servicepact.config import Settings
from servicepact.services import bulk_loads, loads
from servicepact.services.audit import list_entries
from servicepact.services.evaluation import evaluate_periods
from servicepact.store.db.evaluation import result_to_json

CONTRACT = """\
servicepact: 1
contract:
  id: acme-it-2026
  name: IT service desk
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2027-12-31}
  calendars: {always: {timezone: Asia/Seoul, hours: 24x7}}
  credits: {at_risk_percent: 10}
  data_protection: {personal_data: [email, name], treatment: pseudonymise}
  service_levels:
    - {id: IT-01, name: Reopen rate, kpi: reopen_rate, source: tickets,
       expected: 0.05, minimum: 0.08, allocation_percent: 30}
"""
HEADER = "id,created_at,resolved_at,reopened,requester_email,requester_name\n"
FILES = {
    # 3 tickets, one reopened
    "2026-02-a.csv": HEADER
    + "T1,2026-02-02T09:00:00+09:00,2026-02-02T17:00:00+09:00,no,kim@example.com,Kim Minsu\n"
    + "T2,2026-02-03T09:00:00+09:00,2026-02-03T17:00:00+09:00,yes,lee@example.com,Lee Jiwon\n"
    + "T3,2026-02-04T09:00:00+09:00,2026-02-04T17:00:00+09:00,no,kim@example.com,Kim Minsu\n",
    # row 2 (line 3) has a reopened flag that is no boolean: the whole file is refused
    "2026-02-b.csv": HEADER
    + "T4,2026-02-05T09:00:00+09:00,2026-02-05T17:00:00+09:00,no,park@example.com,Park Sora\n"
    + "T5,2026-02-06T09:00:00+09:00,2026-02-06T17:00:00+09:00,maybe,choi@example.com,Choi Yuna\n",
    # corrects T2 (no longer reopened) and adds T6: loaded after a.csv, so T2 is a correction
    "2026-02-c.csv": HEADER
    + "T2,2026-02-03T09:00:00+09:00,2026-02-03T17:00:00+09:00,no,lee@example.com,Lee Jiwon\n"
    + "T6,2026-02-07T09:00:00+09:00,2026-02-07T17:00:00+09:00,yes,kim@example.com,Kim Minsu\n",
}
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
Invoke = Callable[..., Any]  # tests/conftest.py's run_servicepact


def _world(settings: Settings, monkeypatch: pytest.MonkeyPatch, run: Invoke, tmp: Path) -> None:
    """Point the command line at ``settings`` and apply the contract there."""
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SERVICEPACT_DATABASE_URL", settings.resolved_database_url)
    contract = tmp / "it.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    applied = run("contract", "apply", str(contract))
    assert applied.code == 0, applied.err


def _inputs(tmp: Path) -> Path:
    directory = tmp / "exports"
    directory.mkdir()
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def _held(settings: Settings) -> dict[str, Any]:
    """What a world holds after the loads: the batches, each stored batch's rows (pseudonyms
    included, read back through the store), the files or objects under the store's root,
    and the month's results."""
    from servicepact.store.events.location import event_root

    app = build_app(settings, clock=lambda: NOW)
    try:
        actor = app.cli_actor()
        batches = loads.list_batches(app, actor=actor, contract_id="acme-it-2026")
        root = event_root(settings)
        stored = {
            b.content_sha256: root.open_parquet(f"acme-it-2026/tickets/{b.content_sha256}.parquet")
            .read()
            .to_pylist()
            for b in batches
        }
        files = (
            root.files()
            if root.local is None
            else sorted(p.relative_to(root.local).as_posix() for p in root.local.rglob("*.*"))
        )
        results = evaluate_periods(
            app, actor=actor, contract_id="acme-it-2026", period_labels=["2026-02"],
            now=NOW, engine="local",
        )  # fmt: skip
        return {
            "batches": [
                (b.seq, b.file_name, b.content_sha256, b.rows_read, b.rows_accepted, b.corrections)
                for b in batches
            ],
            "stored": stored,
            "objects": files,
            "results": [result_to_json(r) for r in results],
        }
    finally:
        app.close()


def test_a_directory_loaded_on_spark_holds_what_the_local_loader_stores(
    spark: Any,
    settings: Settings,
    cli_env: Settings,
    another_database: Callable[[str], Settings],
    run_servicepact: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    exports = _inputs(tmp_path)
    arguments = ["load", "--contract", "acme-it-2026", "--source", "tickets", "--format", "json"]

    _world(settings, monkeypatch, run_servicepact, tmp_path)
    local = run_servicepact(*arguments, str(exports))
    local_again = run_servicepact(*arguments, str(exports))
    held_locally = _held(settings)

    on_spark_world = another_database("spark-world")
    _world(on_spark_world, monkeypatch, run_servicepact, tmp_path)
    on_spark = run_servicepact(*arguments, "--engine", "spark", str(exports))
    spark_again = run_servicepact(*arguments, "--engine", "spark", str(exports))
    held_on_spark = _held(on_spark_world)

    # b.csv is refused on both: exit 2, the same JSON document per file, in file order
    assert (local.code, on_spark.code) == (2, 2), (local.err, on_spark.err)
    assert on_spark.out == local.out
    documents = json.loads(local.out)
    assert [(d["file"], d["status"]) for d in documents] == [
        ("2026-02-a.csv", "loaded"),
        ("2026-02-b.csv", "rejected"),
        ("2026-02-c.csv", "loaded"),
    ]
    assert documents[1]["problem_count"] == 1
    assert "line 3" in documents[1]["problems"][0]
    assert "reopened" in documents[1]["problems"][0]
    assert documents[2]["corrections"] == 1  # T2 of a.csv, committed before c.csv
    # loading again changes nothing: a and c already loaded, b refused again
    assert spark_again.out == local_again.out
    assert [d["status"] for d in json.loads(spark_again.out)] == [
        "already_loaded",
        "rejected",
        "already_loaded",
    ]
    # the same batches (hashes, sequences, counts), stored rows and pseudonyms, and results
    assert held_on_spark == held_locally
    assert len(held_locally["batches"]) == 2
    rows = [r for table in held_locally["stored"].values() for r in table]
    assert {r["requester_email"] for r in rows}.isdisjoint({"kim@example.com", "lee@example.com"})
    # kim's pseudonym is the same in every row and batch: T1, T3, T6 → one value; T2 → another
    assert len({r["requester_email"] for r in rows}) == 2
    assert None not in {r["requester_email"] for r in rows}
    # reopen rate of February, corrections applied: T1 no, T2 no (corrected), T3 no, T6 yes
    # → 1/4 = 0.25
    assert held_locally["results"][0]["value"] == "1/4"


def test_the_problems_are_the_local_loaders_field_by_field(
    spark: Any,
    settings: Settings,
    cli_env: Settings,
    run_servicepact: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The refused file's problems — row, line, column, field, message — are those the local
    loader finds, from a Spark task; nothing is stored either way."""
    _world(settings, monkeypatch, run_servicepact, tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "b.csv").write_text(FILES["2026-02-b.csv"] + "T7,not a time,,no,,\n", encoding="utf-8")
    app = build_app(settings, clock=lambda: NOW)
    try:
        actor = app.cli_actor()
        common: dict[str, Any] = {
            "actor": actor,
            "contract_id": "acme-it-2026",
            "source": "tickets",
            "paths": bulk_loads.input_files(str(bad)),
            "options": bulk_loads.LoadOptions(),
        }
        here = bulk_loads.load_files(app, engine="local", **common)
        there = bulk_loads.load_files(app, engine="spark", **common)
        assert here[0].refused is not None
        assert there[0].refused is not None
        assert list(there[0].refused.problems) == list(here[0].refused.problems)
        # T5's reopened "maybe" (row 2, line 3, 4th column), T7's created_at (row 3, line 4)
        assert [(p.where, p.line, p.column) for p in here[0].refused.problems] == [
            ("row 2, column reopened", 3, 4),
            ("row 3, column created_at", 4, 2),
        ]
        assert loads.list_batches(app, actor=actor, contract_id="acme-it-2026") == []
    finally:
        app.close()


def test_a_python_worker_killed_mid_load_commits_nothing_and_leaves_nothing(
    spark: Any,
    settings: Settings,
    cli_env: Settings,
    run_servicepact: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """local[2] gives each task one attempt (Spark's spark.task.maxFailures is 1 in local
    mode): the worker staging the second file dies once its batch is written — after the
    first file's batch is written too — so the job fails with both batches on disk,
    uncommitted."""
    _world(settings, monkeypatch, run_servicepact, tmp_path)
    exports = tmp_path / "two"
    exports.mkdir()
    for name in ("2026-02-a.csv", "2026-02-c.csv"):
        (exports / name).write_text(FILES[name], encoding="utf-8")
    staging = bulk_loads._stage_item

    def dying(job: loads.StageJob, paths: Any, hashes: Any, item: int) -> bytes:
        summary = staging(job, paths, hashes, item)
        if item == 1:
            assert job.root.local is not None
            other = job.root.local / loads.staged_batch(
                contract_id=job.contract_id, source=job.source,
                batch_id=hashes[0], token=job.token,
            )  # fmt: skip
            waited = 0.0
            while not other.exists() and waited < 60:  # the first file's batch is written
                time.sleep(0.1)
                waited += 0.1
            os._exit(1)  # as a worker killed by the system: no clean-up of its own
        return summary

    monkeypatch.setattr(bulk_loads, "_stage_item", dying)
    failed = run_servicepact(
        "load", "--contract", "acme-it-2026", "--source", "tickets", "--engine", "spark",
        str(exports),
    )  # fmt: skip
    assert failed.code == 8, (failed.out, failed.err)
    assert "the Spark job to load the files failed (a Python worker died" in failed.err
    assert "Traceback" not in failed.err

    app = build_app(settings, clock=lambda: NOW)
    try:
        actor = app.cli_actor()
        assert loads.list_batches(app, actor=actor, contract_id="acme-it-2026") == []
        events_root = settings.data_dir / "events"
        left = [p for p in events_root.rglob("*") if p.is_file()] if events_root.exists() else []
        assert left == []
        loaded = list_entries(app, actor=actor, entity_type="event_batch")
        assert loaded == []
    finally:
        app.close()


def _s3_world(settings: Settings) -> None:
    from servicepact.contractfile import parse_contract_text
    from servicepact.services.contracts import apply_contract

    app = build_app(settings, clock=lambda: NOW)
    try:
        apply_contract(app, actor=app.cli_actor(), document=parse_contract_text(CONTRACT))
    finally:
        app.close()


def test_a_directory_loaded_on_spark_into_object_storage_holds_what_the_local_loader_stores(
    spark: Any,
    s3_settings: Settings,
    s3_server: Any,
    another_database: Callable[[str], Settings],
    tmp_path: Path,
) -> None:
    """The executors write each batch as a temporary object beside its final name; the
    driver downloads it for the controls and commits it under its final name, removing the
    temporary object: the bucket ends with the local loader's objects, byte for byte."""
    exports = _inputs(tmp_path)
    files = bulk_loads.input_files(str(exports))
    worlds = {}
    for engine in ("local", "spark"):
        settings = s3_settings
        if engine == "spark":
            other = another_database("spark-on-s3")
            settings = other.model_copy(
                update={
                    "events_root": f"s3://{s3_server.bucket()}/events",
                    "events_s3_endpoint": s3_settings.events_s3_endpoint,
                    "events_s3_region": s3_settings.events_s3_region,
                }
            )
        _s3_world(settings)
        app = build_app(settings, clock=lambda: NOW)
        try:
            outcomes = bulk_loads.load_files(
                app, actor=app.cli_actor(), contract_id="acme-it-2026", source="tickets",
                paths=files, options=bulk_loads.LoadOptions(), engine=engine,
            )  # fmt: skip
        finally:
            app.close()
        assert [o.refused is None for o in outcomes] == [True, False, True]
        worlds[engine] = _held(settings)
    assert worlds["spark"] == worlds["local"]
    assert len(worlds["local"]["batches"]) == 2
    assert worlds["local"]["objects"] == sorted(
        f"acme-it-2026/tickets/{sha}.parquet" for sha in worlds["local"]["stored"]
    )  # no temporary object left behind
    assert worlds["local"]["results"][0]["value"] == "1/4"  # as on a directory, above
