"""A load is refused when a row's anchor — any column a KPI counts it at, not only its
arrival — falls in a closed month (issue: invoices received in August but due in a closed
October were accepted)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from events_fixtures import apply_contract_data, write_csv

from period_fixtures import close_month
from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import PeriodClosed
from servicepact.services import loads

CONTRACT = "acme-ap-2026"
HEADER = "id,received_at,posted_at,paid_at,due_date"


def payables_contract() -> dict[str, Any]:
    return {
        "id": CONTRACT,
        "name": "Accounts payable",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2027-12-31"},
        "calendars": {"office": {"timezone": "Asia/Seoul", "hours": {"mon-fri": "09:00-18:00"}}},
        "credits": {"at_risk_percent": 10, "pool_percent": 100},
        "service_levels": [
            {
                "id": "AP-03",
                "name": "Invoices paid on time",
                "kpi": "on_time_payment",
                "source": "invoices_processed",
                "calendar": "office",
                "expected": "0.97",
                "minimum": "0.95",
                "kind": "critical",
                "allocation_percent": 50,
            }
        ],
    }


@pytest.fixture
def contract(app: App, client_manager: Actor) -> Contract:
    return apply_contract_data(app, client_manager, payables_contract())


def close(app: App, period: str) -> None:
    """Close a month by writing the row ``close_period`` records (no credit engine needed)."""
    close_month(app, CONTRACT, period, closed_at=datetime(2026, 11, 3, tzinfo=UTC))


def invoice(number: int, due: str) -> str:
    return f"I{number},2026-08-{number + 2:02d}T10:00:00+09:00,,,{due}"


def write(tmp_path: Path, lines: list[str]) -> Path:
    return write_csv(tmp_path / "invoices.csv", HEADER, lines)


def load(app: App, actor: Actor, path: Path) -> loads.LoadReport:
    return loads.load_events(
        app, actor=actor, contract_id=CONTRACT, source="invoices_processed", path=path
    )


def stored(app: App) -> int:
    return app.event_store.read(contract_id=CONTRACT, source="invoices_processed").num_rows


def test_invoices_received_in_august_but_due_in_a_closed_october_are_refused(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    # Received 3-6 August (open); due dates: rows 1 and 3 in October (closed), rows 2 and 4
    # in September (data rows count from 1, the first row after the header).
    close(app, "2026-10")
    rows = [
        invoice(1, "2026-10-05"),
        invoice(2, "2026-09-20"),
        invoice(3, "2026-10-31"),
        invoice(4, "2026-09-30"),
    ]
    with pytest.raises(PeriodClosed) as caught:
        load(app, vendor_a, write(tmp_path, rows))
    message = str(caught.value)
    assert "2026-10 of contract acme-ap-2026 is closed" in message
    assert "rows 1, 3 (by due_date)" in message
    assert "2026-08" not in message
    assert "2026-09" not in message
    assert stored(app) == 0
    assert loads.list_batches(app, actor=vendor_a, contract_id=CONTRACT) == []


def test_the_rows_named_are_capped_and_counted(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    close(app, "2026-10")
    rows = [invoice(n, "2026-10-15") for n in range(1, 13)]  # 12 invoices: rows 1 to 12
    with pytest.raises(PeriodClosed) as caught:
        load(app, vendor_a, write(tmp_path, rows))
    assert "rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more (by due_date)" in str(caught.value)


def test_the_same_invoices_due_in_an_open_month_load(
    app: App, contract: Contract, vendor_a: Actor, tmp_path: Path
) -> None:
    close(app, "2026-10")
    rows = [invoice(1, "2026-09-05"), invoice(2, "2026-11-01")]
    assert load(app, vendor_a, write(tmp_path, rows)).rows_accepted == 2
    assert stored(app) == 2
