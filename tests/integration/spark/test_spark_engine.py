"""The Spark engine gives the local engine's results: same values (exact fractions), same
statuses, same inputs hashes, same result documents — on the demo portfolio from the event
store (corrections included: the demo re-exports 120 March IT tickets), on files without a
database, and on declared percentiles with a correction worked out by hand.

One Spark session in local[2] serves every test (conftest.py); the data are small.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spark_fixtures import CHECKS
from typer.testing import CliRunner

from servicepact.bootstrap import build_app
from servicepact.cli.main import app as cli
from servicepact.config import Settings
from servicepact.contractfile import parse_contract_text
from servicepact.demo.run import run_demo
from servicepact.domain.event_schemas import BATCH_COLUMN, ROW_COLUMN, arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import month
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.engine.spark import SparkSource, evaluate_contract_spark
from servicepact.services.commercials import state_credits
from servicepact.services.evaluation import evaluate_periods
from servicepact.services.open_periods import closed_months
from servicepact.store.db.evaluation import result_to_json

AFTER_THE_YEAR = datetime(2027, 1, 11, 0, 30, tzinfo=UTC)
SCALE = 0.03
runner = CliRunner()


def test_the_demo_portfolio_gives_the_same_results_documents_credits_and_closes_on_both_engines(
    spark: Any, settings: Settings, cli_env: Settings
) -> None:
    app = build_app(settings, clock=lambda: AFTER_THE_YEAR)
    try:
        summary = run_demo(app, scale=SCALE)
        actor = app.cli_actor()
        compared = 0
        for contract in summary.contracts:
            closed = set(closed_months(app, contract_id=contract.id))
            labels = [p for p in summary.periods if p not in closed]
            if not labels:
                continue
            local = evaluate_periods(
                app, actor=actor, contract_id=contract.id, period_labels=labels,
                now=AFTER_THE_YEAR, engine="local",
            )  # fmt: skip
            on_spark = evaluate_periods(
                app, actor=actor, contract_id=contract.id, period_labels=labels,
                now=AFTER_THE_YEAR, engine="spark",
            )  # fmt: skip
            assert on_spark == local, contract.id
            assert [result_to_json(r) for r in on_spark] == [result_to_json(r) for r in local]
            compared += len(local)
        assert compared >= 100  # most of the portfolio's open months, every contract's levels
    finally:
        app.close()

    # The command of the issue, on the demo: the same JSON, byte for byte.
    arguments = ["evaluate", "--contract", "hanbit-itops-2026", "--period", "2026-10",
                 "--format", "json", "--now", AFTER_THE_YEAR.isoformat()]  # fmt: skip
    local_run = runner.invoke(cli, arguments)
    spark_run = runner.invoke(cli, [*arguments, "--engine", "spark"])
    assert local_run.exit_code == 0, local_run.output
    assert spark_run.exit_code == 0, spark_run.output
    assert spark_run.stdout == local_run.stdout
    documents = json.loads(local_run.stdout)
    assert {d["service_level_id"] for d in documents} >= {"IT-01", "IT-03"}
    _credits_and_the_close_agree_on_both_engines(settings)


def _credits_and_the_close_agree_on_both_engines(settings: Settings) -> None:
    """``credits`` and ``close`` count the month's tickets per fee (a per-unit fee and a
    volume band) on Spark: the same units, the same statement, the same close hashes."""
    contract, period = "hanbit-itops-2026", "2026-10"
    app = build_app(settings, clock=lambda: AFTER_THE_YEAR)
    try:
        actor = app.cli_actor()
        local = state_credits(app, actor=actor, contract_id=contract, period=period)
        on_spark = state_credits(
            app, actor=actor, contract_id=contract, period=period, engine="spark"
        )
    finally:
        app.close()
    assert set(local.volumes) == {"tickets", "ticket-volume"}
    assert all(units > 0 for units in local.volumes.values())
    assert on_spark.volumes == local.volumes
    assert on_spark.inputs_sha256 == local.inputs_sha256
    assert on_spark.credits == local.credits

    arguments = ["credits", "--contract", contract, "--period", period, "--format", "json"]
    local_run = runner.invoke(cli, arguments)
    spark_run = runner.invoke(cli, [*arguments, "--engine", "spark"])
    assert local_run.exit_code == 0, local_run.output
    assert spark_run.exit_code == 0, spark_run.output
    assert spark_run.stdout == local_run.stdout

    close = ["close", "--contract", contract, "--period", period, "--format", "json"]
    closed_here = runner.invoke(cli, close)
    assert closed_here.exit_code == 0, closed_here.output
    reopened = runner.invoke(
        cli, ["reopen", "--contract", contract, "--period", period, "--reason", "on Spark"]
    )
    assert reopened.exit_code == 0, reopened.output
    closed_on_spark = runner.invoke(cli, [*close, "--engine", "spark"])
    assert closed_on_spark.exit_code == 0, closed_on_spark.output
    first, second = json.loads(closed_here.stdout), json.loads(closed_on_spark.stdout)
    assert second["version"] == first["version"] + 1
    assert second["inputs_sha256"] == first["inputs_sha256"]
    assert second["outputs_sha256"] == first["outputs_sha256"]
    assert second["snapshot"] == first["snapshot"]


def _batch(
    contract: Any, batch: str, rows: list[tuple[str, int, int | None, int, int]]
) -> pa.Table:
    """Checks opened on 1 April 2026 at ``hour`` (UTC) and closed ``hours`` later."""
    schema = arrow_schema(contract.declared_event_types["checks"], with_provenance=True)
    opened = [datetime(2026, 4, 1, hour, tzinfo=UTC) for _, hour, _, _, _ in rows]
    closed = [
        None
        if hours is None
        else datetime(2026, 4, 1 + (hour + hours) // 24, (hour + hours) % 24, tzinfo=UTC)
        for _, hour, hours, _, _ in rows
    ]
    return pa.Table.from_pydict(
        {
            "id": [r[0] for r in rows],
            "opened_at": opened,
            "closed_at": closed,
            "items": [r[3] for r in rows],
            "errors": [r[4] for r in rows],
            BATCH_COLUMN: [batch] * len(rows),
            ROW_COLUMN: list(range(len(rows))),
        },
        schema=schema,
    )


def test_a_correction_in_a_later_batch_wins_in_spark_as_on_a_local_read(
    spark: Any, tmp_path: Path
) -> None:
    contract = parse_contract_text(CHECKS).contract
    # batch a: e1..e5 take 1, 2, 3, 10, 20 hours (e5 still open in b's view: corrected)
    first = _batch(contract, "a", [("e1", 1, 1, 10, 1), ("e2", 1, 2, 10, 0), ("e3", 2, 3, 10, 2),
                                   ("e4", 3, 10, 10, 0), ("e5", 4, 20, 10, 5)])  # fmt: skip
    # batch b, loaded later: e5 took 5 hours and had 1 error; e6 is new (7 hours)
    second = _batch(contract, "b", [("e5", 4, 5, 10, 1), ("e6", 5, 7, 10, 0)])
    paths = []
    for name, table in (("a", first), ("b", second)):
        paths.append(str(tmp_path / f"{name}.parquet"))
        pq.write_table(table, paths[-1])
    source = SparkSource(
        contract.declared_event_types["checks"], tuple(paths), sequences={"a": 1, "b": 2}
    )
    april = [month(2026, 4)]
    found = evaluate_contract_spark(spark, contract, {"checks": source}, april, now=AFTER_THE_YEAR)
    # current versions: hours 1, 2, 3, 10, 5, 7 → sorted 1 2 3 5 7 10; the median's rank
    # ⌈0.5 × 6⌉ = 3 → 3 h; the longest 10 h; errors 1+0+2+0+1+0 = 4 of 60 items
    by_id = {r.service_level_id: r for r in found.results}
    assert by_id["P50"].value == Fraction(3)
    assert by_id["MAX"].value == Fraction(10)
    assert by_id["ERR"].value == Fraction(4, 60)
    assert found.batches == {"checks": ["a", "b"]}
    current = pa.concat_tables([first.filter(pa.compute.field("id") != "e5"), second])
    local = evaluate_contract(
        contract, {"checks": current}, april, clock_cache=ClockCache(), now=AFTER_THE_YEAR
    )
    assert found.results == local


def test_batches_that_correct_nothing_are_read_by_the_tasks_themselves(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches with no id in common: Spark looks (ids only) and finds no correction, so
    each task reads its row groups through pyarrow and evaluates them; the results are the
    local engine's. With a correction the events go through the window over the id (the
    test above)."""
    from servicepact.engine import spark as engine

    contract = parse_contract_text(CHECKS).contract
    first = _batch(contract, "a", [("e1", 1, 1, 10, 1), ("e2", 1, 2, 10, 0), ("e3", 2, 3, 10, 2)])
    second = _batch(contract, "b", [("e4", 3, 10, 10, 0), ("e5", 4, 5, 10, 1)])
    paths = []
    for name, table in (("a", first), ("b", second)):
        paths.append(str(tmp_path / f"{name}.parquet"))
        pq.write_table(table, paths[-1])
    event_type = contract.declared_event_types["checks"]
    apart = SparkSource(event_type, tuple(paths), sequences={"a": 1, "b": 2})
    assert not engine._corrected(spark, apart, "in this test")
    overlapping = tmp_path / "c.parquet"
    pq.write_table(_batch(contract, "c", [("e2", 1, 4, 10, 0)]), overlapping)
    corrected = SparkSource(
        event_type, (*paths, str(overlapping)), sequences={"a": 1, "b": 2, "c": 3}
    )
    assert engine._corrected(spark, corrected, "in this test")

    read_in_tasks = []
    original = engine._states_read_in_tasks
    monkeypatch.setattr(
        engine,
        "_states_read_in_tasks",
        lambda *args: read_in_tasks.append(args[1]) or original(*args),
    )
    april = [month(2026, 4)]
    found = evaluate_contract_spark(spark, contract, {"checks": apart}, april, now=AFTER_THE_YEAR)
    assert read_in_tasks == [apart]
    by_id = {r.service_level_id: r for r in found.results}
    # hours 1, 2, 3, 10, 5 → sorted 1 2 3 5 10: the median's rank ⌈0.5 × 5⌉ = 3 → 3 h
    assert by_id["P50"].value == Fraction(3)
    assert by_id["MAX"].value == Fraction(10)
    assert by_id["ERR"].value == Fraction(4, 50)  # 1+0+2+0+1 errors of 50 items
    assert found.batches == {"checks": ["a", "b"]}
    local = evaluate_contract(
        contract,
        {"checks": pa.concat_tables([first, second])},
        april,
        clock_cache=ClockCache(),
        now=AFTER_THE_YEAR,
    )
    assert found.results == local


def test_files_without_a_database_give_the_same_json_on_both_engines(
    spark: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = ["id,offered_at,answered_at,abandoned_at,talk_seconds,csat,resolved_first_contact"]
    for i in range(40):
        offered = f"2026-03-{1 + i % 28:02d}T{9 + i % 8:02d}:00:00+09:00"
        answered = f"2026-03-{1 + i % 28:02d}T{9 + i % 8:02d}:00:{5 + 3 * i % 50:02d}+09:00"
        rows.append(f"C{i},{offered},{answered},,{120 + i},{1 + i % 5},{str(i % 3 > 0).lower()}")
    (data / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    contract = Path(__file__).parents[3] / "examples" / "contact-centre.yaml"
    arguments = ["evaluate", "--contract", str(contract), "--data", str(data), "--period",
                 "2026-03", "--format", "json", "--now", "2026-04-02T00:00:00+09:00"]  # fmt: skip
    local_run = runner.invoke(cli, arguments)
    spark_run = runner.invoke(cli, [*arguments, "--engine", "spark"])
    assert local_run.exit_code == 0, local_run.output
    assert spark_run.exit_code == 0, spark_run.output
    assert spark_run.stdout == local_run.stdout
    assert any(d["sample_size"] == 40 for d in json.loads(local_run.stdout))


def test_an_event_store_on_s3_is_read_by_the_executors_with_the_same_results(
    spark: Any, s3_settings: Settings, clock: Any, tmp_path: Path
) -> None:
    """Object storage without s3a jars: the executors read the objects through pyarrow's S3
    filesystem; the local engine reads them in this process. Same results, the correction
    of the later batch winning on both."""
    from s3_fixtures import CONTRACT, apply_desk_contract, correction, february, load_tickets
    from servicepact.domain.access import Actor, Role

    alice = Actor(user="alice", role=Role.CLIENT_MANAGER)
    bob = Actor(user="bob", role=Role.VENDOR, party="helpco")
    app = build_app(s3_settings, clock=clock)
    try:
        apply_desk_contract(app, alice)
        load_tickets(app, bob, february(tmp_path))
        load_tickets(app, bob, correction(tmp_path))
        local = evaluate_periods(
            app, actor=alice, contract_id=CONTRACT, period_labels=["2026-02"], engine="local"
        )
        on_spark = evaluate_periods(
            app, actor=alice, contract_id=CONTRACT, period_labels=["2026-02"], engine="spark"
        )
    finally:
        app.close()
    assert [result_to_json(r) for r in on_spark] == [result_to_json(r) for r in local]
    [result] = on_spark
    assert (result.numerator, result.denominator) == (10, 12)  # hand-computed: see s3_fixtures
    assert on_spark == local  # values, statuses and inputs hashes (which name both batches)


def test_the_baseline_study_and_its_replay_are_the_same_on_both_engines(spark: Any) -> None:
    """``baseline --replay`` evaluates the in-house history (11,817 calls of 2025) and counts
    each month's calls for the per-unit fee on Spark: the same study, byte for byte."""
    root = Path(__file__).parents[3]
    arguments = ["baseline", "--contract", str(root / "examples" / "contact-centre.yaml"),
                 "--data", str(root / "examples" / "baseline"), "--from", "2025-01",
                 "--to", "2025-12", "--replay", "--format", "json"]  # fmt: skip
    local_run = runner.invoke(cli, arguments)
    spark_run = runner.invoke(cli, [*arguments, "--engine", "spark"])
    assert local_run.exit_code == 0, local_run.output
    assert spark_run.exit_code == 0, spark_run.output
    assert spark_run.stdout == local_run.stdout
    current, proposed = json.loads(spark_run.stdout)["replays"]
    # the documented figures (tests/integration/baseline): the fees rest on the calls counted
    assert current["fees"] == proposed["fees"] == "836904600"
    assert current["charged"] == "33553978"


HANDOFFS = """servicepact: 1
contract:
  id: handoffs-2026
  name: Hand-offs
  client: c
  vendor: v
  term: {start: 2026-01-01, end: 2026-12-31}
  calendars:
    office: {timezone: Asia/Seoul, hours: {mon-fri: "09:00-18:00"}, holidays: {country: KR}}
  service_levels:
    - {id: ALL, name: All, kpi: responded_within, source: tickets, params: {hours: 4},
       calendar: office, expected: 0.9, minimum: 0.8, kind: key}
    - {id: OLA, name: Desk, kpi: responded_within, source: tickets,
       params: {hours: 4, clock_from: handoff, party: desk}, calendar: office, expected: 0.9,
       minimum: 0.8, kind: key}
"""


def _kst(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour - 9, tzinfo=UTC)


def test_a_clock_from_a_hand_off_reads_the_hand_offs_on_spark_as_locally(
    spark: Any, tmp_path: Path
) -> None:
    # The hand-offs (``assignments``) are sent to the executors only for a level that reads
    # them: here one does, so the desk's clock starts at its hand-off on both engines.
    contract = parse_contract_text(HANDOFFS).contract
    schema = arrow_schema(BUILT_IN["tickets"], with_provenance=True)
    # t1: created Tue 09:00, answered 15:00 (6 h: misses ALL); handed to the desk at 13:00,
    #     so 2 h for the desk (meets OLA).
    # t2: created Tue 09:00, answered 11:00 (meets ALL); never handed to the desk: not in OLA.
    # t3: created Wed 09:00, handed to the desk 10:00, answered 16:00: 6 h and 6 h, misses both.
    rows = [
        ("t1", _kst(10, 9), _kst(10, 15), [{"party": "desk", "from": _kst(10, 13), "to": None}]),
        ("t2", _kst(10, 9), _kst(10, 11), [{"party": "l2", "from": _kst(10, 10), "to": None}]),
        ("t3", _kst(11, 9), _kst(11, 16), [{"party": "desk", "from": _kst(11, 10), "to": None}]),
    ]
    columns = {
        "id": [r[0] for r in rows],
        "created_at": [r[1] for r in rows],
        "first_response_at": [r[2] for r in rows],
        "assignments": [r[3] for r in rows],
        BATCH_COLUMN: ["h"] * len(rows),
        ROW_COLUMN: list(range(1, len(rows) + 1)),
    }
    table = pa.Table.from_arrays(
        [pa.array(columns.get(f.name, [None] * len(rows)), f.type) for f in schema], schema=schema
    )
    path = tmp_path / "h.parquet"
    pq.write_table(table, path)
    march = [month(2026, 3)]
    source = SparkSource(BUILT_IN["tickets"], (str(path),), sequences={"h": 1})
    found = evaluate_contract_spark(spark, contract, {"tickets": source}, march, now=AFTER_THE_YEAR)
    by_id = {r.service_level_id: r for r in found.results}
    assert by_id["ALL"].value == Fraction(1, 3)  # t2 of t1, t2, t3
    assert by_id["OLA"].value == Fraction(1, 2)  # t1 of t1, t3
    local = evaluate_contract(
        contract, {"tickets": table}, march, clock_cache=ClockCache(), now=AFTER_THE_YEAR
    )
    assert found.results == local
