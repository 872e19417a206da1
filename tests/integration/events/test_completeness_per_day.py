"""Completeness is judged per day over every committed batch of the source, not per batch,
and a finding later data disproves is withdrawn — audited and visible (issue: a one-row batch
on a day that already had 117 tickets raised an "incomplete day" finding).

The contract expects 4 tickets a working day (Seoul office, Monday to Friday): a day holding
fewer than 2 (50 %) is short.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from events_fixtures import apply_contract_data, write_csv

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.risks import FindingStatus as ControlStatus
from servicepact.services import loads
from servicepact.services.audit import list_entries
from servicepact.services.risks import load_findings
from servicepact.store.events.repository import FindingStatus

CONTRACT = "acme-it-2026"
HEADER = "id,created_at,resolved_at,priority,requester_name,requester_email,requester_phone,summary"


@pytest.fixture
def contract(app: App, client_manager: Actor) -> Contract:
    return apply_contract_data(
        app,
        client_manager,
        {
            "id": CONTRACT,
            "name": "IT service desk",
            "client": "acme",
            "vendor": "helpco",
            "term": {"start": "2026-01-01", "end": "2028-12-31"},
            "calendars": {
                "office": {"timezone": "Asia/Seoul", "hours": {"mon-fri": "09:00-18:00"}}
            },
            "credits": {"at_risk_percent": 12, "pool_percent": 150},
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
        },
    )


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    return write_csv(tmp_path / name, HEADER, lines)


def load(app: App, actor: Actor, path: Path) -> loads.LoadReport:
    return loads.load_events(app, actor=actor, contract_id=CONTRACT, source="tickets", path=path)


def tickets(day: str, *ids: str) -> list[str]:
    return [f"{t},{day}T0{n + 1}:00:00+09:00,,P1,,,," for n, t in enumerate(ids)]


def kinds(report: loads.LoadReport) -> list[str]:
    """The completeness findings of a load (the others — lateness, say — are not judged here)."""
    return [f.kind.value for f in report.findings if f.kind.value == "incomplete_day"]


def test_a_one_row_batch_on_a_day_already_complete_finds_nothing(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Friday 27 Feb: 4 tickets in the first batch; a second batch brings one more. The day
    # holds 5 (≥ 2): no finding, though the batch alone holds 1 (< 2).
    first = load(app, vendor_a, write(tmp_path, "a.csv", tickets("2026-02-27", *"ABCD")))
    assert kinds(first) == []
    second = load(app, vendor_a, write(tmp_path, "b.csv", tickets("2026-02-27", "E")))
    assert kinds(second) == []
    assert loads.list_findings(app, actor=vendor_a, contract_id=CONTRACT) == []


def test_a_day_still_short_over_all_batches_is_found(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Monday 2 Mar: nothing before, one ticket now: 1 < 2 → one finding for that day.
    report = load(app, vendor_a, write(tmp_path, "a.csv", tickets("2026-03-02", "A")))
    (finding,) = report.findings
    assert (finding.kind.value, finding.count, finding.examples) == (
        "incomplete_day",
        1,
        ("2026-03-02",),
    )


def test_a_finding_later_data_completes_is_withdrawn_audited_and_shown(
    app: App, contract: Contract, vendor_a: Actor, auditor: Actor, tmp_path: Path
) -> None:
    # Batch 1: Monday 2 Mar holds 1 ticket → finding. Batch 2: 3 more tickets that day → the
    # day holds 4 (≥ 2): batch 2 finds nothing and batch 1's finding is withdrawn.
    first = load(app, vendor_a, write(tmp_path, "a.csv", tickets("2026-03-02", "A")))
    assert kinds(first) == ["incomplete_day"]
    second = load(app, vendor_a, write(tmp_path, "b.csv", tickets("2026-03-02", *"BCD")))
    assert kinds(second) == []
    (revision,) = second.revised
    assert (revision.withdrawn, revision.batch_seq, revision.before, revision.after) == (
        True,
        first.batch_seq,
        1,
        0,
    )
    (stored,) = loads.list_findings(app, actor=vendor_a, contract_id=CONTRACT)
    assert stored.status is FindingStatus.WITHDRAWN
    assert stored.detail.startswith("withdrawn: later loads completed every day it found short")
    assert "2026-03-02" in stored.detail
    # withdrawn: no longer open for alerts, risks and the scorecard
    assert stored.closed_at is not None  # stored: when it was withdrawn
    (control,) = load_findings(app, actor=vendor_a, contract_id=CONTRACT)
    assert control.status is ControlStatus.RESOLVED
    # ... and a month's scorecard counts it for no month: open from finding to finding
    assert control.closed_at == control.opened_at
    entries = list_entries(app, actor=auditor, entity_type="control_finding")
    assert [(e.action, e.entity_id) for e in entries] == [
        ("withdraw", f"{CONTRACT}/tickets/{stored.id}")
    ]
    assert entries[0].before["status"] == "open"
    assert entries[0].after["by_batch"] == second.batch_seq


def test_a_finding_partly_completed_is_narrowed_to_the_days_still_short(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Batch 1: Wed 25 Feb and Thu 26 Feb hold 1 ticket each → one finding of 2 days.
    # Batch 2: 3 more tickets on Wed 25 Feb → Wed holds 4, Thu still 1: the finding now
    # counts 1 day (26 Feb), and batch 2 (only Wed) finds nothing.
    rows = tickets("2026-02-25", "A") + tickets("2026-02-26", "B")
    first = load(app, vendor_a, write(tmp_path, "a.csv", rows))
    assert [(f.count, f.examples) for f in first.findings if f.kind.value == "incomplete_day"] == [
        (2, ("2026-02-25", "2026-02-26"))
    ]
    second = load(app, vendor_a, write(tmp_path, "b.csv", tickets("2026-02-25", *"CDE")))
    assert kinds(second) == []
    (revision,) = second.revised
    assert (revision.withdrawn, revision.before, revision.after) == (False, 2, 1)
    (stored,) = [
        f
        for f in loads.list_findings(app, actor=vendor_a, contract_id=CONTRACT)
        if f.kind == "incomplete_day"
    ]
    assert stored.status is FindingStatus.OPEN
    assert (stored.count, stored.examples) == (1, ["2026-02-26"])
    assert "later loads completed 1 of the 2 days first found short" in stored.detail


def test_a_corrected_event_counts_once_so_resending_it_completes_nothing(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Fri 27 Feb holds A alone (1 < 2) → finding. A correction of A (same id, another hour)
    # replaces it: the day still holds 1 event, not 2, so the finding stays and a new one is
    # raised for the correcting batch's day.
    first = load(app, vendor_a, write(tmp_path, "a.csv", tickets("2026-02-27", "A")))
    assert kinds(first) == ["incomplete_day"]
    corrected = ["A,2026-02-27T05:00:00+09:00,,P1,,,,"]
    second = load(app, vendor_a, write(tmp_path, "b.csv", corrected))
    assert second.corrections == 1
    assert [(f.count, f.examples) for f in second.findings if f.kind.value == "incomplete_day"] == [
        (1, ("2026-02-27",))
    ]
    assert second.revised == ()
