"""The demo end to end, on the configured database: portfolio, contracts, data, loads, results."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from servicepact.bootstrap import App, build_app
from servicepact.cli.main import app as cli
from servicepact.config import Settings
from servicepact.demo.people import FAMILY_NAMES, GIVEN_NAMES
from servicepact.demo.run import run_demo
from servicepact.demo.summary import DemoSummary

# After the demo year: every month of 2026 is over, so all twelve are evaluated whatever
# the date the suite runs on.
AFTER_THE_YEAR = datetime(2027, 1, 11, 0, 30, tzinfo=UTC)
SCALE = 0.25  # a quarter of the volumes keeps the story (and the breaches) at a quarter of the time

CLEAR_CONTACT = re.compile(r"010-\d{4}-\d{4}|@hanbit\.co\.kr")
# Every full name the demo can draw (family name + given name, as the feeds write them).
CLEAR_NAME = re.compile(f"[{''.join(FAMILY_NAMES)}](?:{'|'.join(GIVEN_NAMES)})")

runner = CliRunner()


@pytest.fixture
def demo_app(settings: Settings) -> Iterator[App]:
    application = build_app(settings, clock=lambda: AFTER_THE_YEAR)
    try:
        yield application
    finally:
        application.close()


def _statuses(summary: DemoSummary, contract_id: str, sl_id: str) -> dict[str, str]:
    contract = next(c for c in summary.contracts if c.id == contract_id)
    return next(sl for sl in contract.service_levels if sl.id == sl_id).statuses


@pytest.mark.slow
def test_the_demo_builds_measures_tells_the_story_and_changes_nothing_when_run_again(
    demo_app: App,
) -> None:
    summary = run_demo(demo_app, scale=SCALE)

    assert {c.id for c in summary.contracts} == {
        "hanbit-cc-2026",
        "hanbit-itops-2026",
        "hanbit-hr-2026",
        "hanbit-ap-2026",
        "hanbit-logistics-2026",
        "hanbit-mkt-2026",
        "hanbit-proc-2026",
        "hanbit-mo-2026",
    }
    assert summary.periods == [f"2026-{m:02d}" for m in range(1, 13)]
    for contract in summary.contracts:
        for sl in contract.service_levels:
            assert set(sl.statuses) == set(summary.periods), (contract.id, sl.id)
    totals = summary.totals()
    assert totals["rejected"] == 0
    assert totals["accepted"] == totals["rows"]
    assert totals["corrections"] == 120  # the March re-export of IT tickets
    orders = next(f for f in summary.files if f.source == "orders")
    assert orders.findings >= 1  # August's lost export: incomplete working days

    # NextIT degrades from July: its P3/P4 resolution target breaks in the last quarter.
    p3p4 = _statuses(summary, "hanbit-itops-2026", "IT-03")
    assert all(p3p4[f"2026-{m:02d}"] == "met" for m in range(1, 7))
    assert "breached" in {p3p4[f"2026-{m:02d}"] for m in (10, 11, 12)}
    # CallNet answers too slowly until March and then recovers.
    answered = _statuses(summary, "hanbit-cc-2026", "CC-01")
    assert answered["2026-01"] == "breached"
    assert answered["2026-06"] == "met"
    # September's Chuseok bonus run had errors; May's bank file was late.
    assert _statuses(summary, "hanbit-hr-2026", "HR-01")["2026-09"] == "breached"
    assert _statuses(summary, "hanbit-hr-2026", "HR-02")["2026-05"] == "breached"

    # Measured only by what their contracts declare: a buyer short in September slows
    # procurement; the middle office's April backlog misses its review targets.
    assert _statuses(summary, "hanbit-proc-2026", "PR-01")["2026-09"] == "breached"
    assert _statuses(summary, "hanbit-proc-2026", "PR-01")["2026-03"] == "met"
    assert _statuses(summary, "hanbit-mo-2026", "MO-01")["2026-04"] == "breached"
    for declared in ("hanbit-proc-2026", "hanbit-mo-2026"):
        row = next(c for c in summary.contracts if c.id == declared)
        assert row.credits is not None
        assert Decimal(row.credits) > 0

    # The breaches cost credits; the vendor that degrades ranks last.
    itops = next(c for c in summary.contracts if c.id == "hanbit-itops-2026")
    assert itops.credit_months == 12
    assert itops.credits is not None
    assert Decimal(itops.credits) > 0
    assert {i.verdict for i in summary.invoices} <= {"correct", "dispute"}
    assert len(summary.invoices) >= 1
    assert summary.vendors[-1].vendor_id == "nextit"
    assert summary.governance.ranking_period == "2026-12"
    assert summary.governance.open_risks >= summary.governance.risks_applied
    # Tickets bounce between NextIT and the client's own teams.
    it_handoffs = next(h for h in summary.handoffs if h.contract_id == "hanbit-itops-2026")
    assert it_handoffs.tickets_with_handoff > 0
    assert it_handoffs.bounced > 0
    assert all(s.winner for s in summary.selections)

    # The feeds carry names, phone numbers and e-mail addresses (also inside free text,
    # "연락 바랍니다 김민준 010-…"); none is stored in clear.
    stored = 0
    for path in (demo_app.settings.event_store_dir).rglob("*.parquet"):
        table = pq.read_table(path)
        for name in table.column_names:
            if pa.types.is_string(table.schema.field(name).type):
                text = "\n".join(v for v in table.column(name).to_pylist() if v)
                assert not CLEAR_CONTACT.search(text), (path.parent.name, name)
                assert not CLEAR_NAME.search(text), (path.parent.name, name)
        stored += table.num_rows
    assert stored >= totals["accepted"]

    # Running it again finds everything in place and changes nothing.
    again = run_demo(demo_app, scale=SCALE)
    assert summary.changed
    assert not again.changed
    assert not again.data_generated
    assert sum(f.accepted for f in again.files) == 0
    assert [c.version for c in again.contracts] == [c.version for c in summary.contracts]
    for before, after in zip(summary.contracts, again.contracts, strict=True):
        assert [sl.statuses for sl in before.service_levels] == [
            sl.statuses for sl in after.service_levels
        ]


DECLARED_ONLY = {"hanbit-proc-2026", "hanbit-mo-2026"}


@pytest.mark.slow
def test_the_demo_command_prints_its_summary_as_json(cli_env: Settings) -> None:
    result = runner.invoke(cli, ["demo", "--scale", "0.02", "--format", "json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert len(summary["contracts"]) == 8
    declared = {c["id"]: c for c in summary["contracts"] if c["id"] in DECLARED_ONLY}
    # the two contracts measured only by the event types and KPIs they declare
    assert set(declared) == DECLARED_ONLY
    for contract in declared.values():
        assert contract["credits"] is not None
        assert all(level["statuses"] for level in contract["service_levels"])
    assert summary["data_dir"] == str(cli_env.data_dir)
    assert summary["totals"]["rejected"] == 0
    assert summary["periods"]  # at least the running month of the demo year, or all twelve
    assert summary["changed"] is True
    assert (cli_env.data_dir / "demo-input" / "hanbit-cc-2026" / "calls.csv").exists()
