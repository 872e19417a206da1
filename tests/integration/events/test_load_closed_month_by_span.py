"""A load is refused when an event a KPI counts in every month it spans covers a closed month,
not only when one of its columns falls there: an outage from 20 September to 5 November takes
downtime from October (availability), a ticket created in September and resolved in November
— or still open — is in October's month-end backlog (``backlog_older_than``). Without it, the
rows' columns fell only in the open September and November, and the load was accepted.

October 2026 is closed; September and November are open. Rows count from 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from events_fixtures import apply_contract_data

from period_fixtures import close_month
from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import PeriodClosed
from servicepact.services import loads

CONTRACT = "acme-it-2026"
NOW = datetime(2026, 12, 2, tzinfo=UTC)


LEVEL = {"calendar": "always", "kind": "critical", "allocation_percent": 50}
RESOLVED_IN_4_HOURS = {
    **LEVEL, "id": "SD-01", "name": "Resolved within 4 hours", "kpi": "resolved_within",
    "source": "tickets", "params": {"hours": 4}, "expected": "0.9", "minimum": "0.8",
}  # fmt: skip


def it_contract(levels: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    level = LEVEL
    return {
        "id": CONTRACT,
        "name": "IT operations",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2027-12-31"},
        "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
        "credits": {"at_risk_percent": 10, "pool_percent": 100},
        "service_levels": levels or [
            {**level, "id": "IT-05", "name": "Backlog older than 30 days",
             "kpi": "backlog_older_than", "source": "tickets", "params": {"days": 30},
             "expected": 5, "minimum": 15},
            {**level, "id": "IT-07", "name": "ERP availability", "kpi": "availability",
             "source": "availability", "params": {"service": "erp"},
             "expected": "0.999", "minimum": "0.995"},
        ],
    }  # fmt: skip


@pytest.fixture
def contract(app: App, client_manager: Actor, clock: Any) -> Contract:
    return apply_and_close_october(app, client_manager, clock, it_contract())


def apply_and_close_october(
    app: App, client_manager: Actor, clock: Any, data: dict[str, Any]
) -> Contract:
    clock.now = NOW
    model = apply_contract_data(app, client_manager, data)
    close_month(app, CONTRACT, "2026-10", closed_at=datetime(2026, 11, 3, tzinfo=UTC))
    return model


def outage(n: int, start: str, end: str) -> dict[str, str]:
    return {"id": f"O{n}", "service": "erp", "start": start, "end": end, "planned": "false"}


def ticket(n: int, created: str, resolved: str | None) -> dict[str, str]:
    row = {"id": f"T{n}", "created_at": created}
    return row if resolved is None else {**row, "resolved_at": resolved}


def stored(app: App, source: str) -> int:
    return app.event_store.read(contract_id=CONTRACT, source=source).num_rows


def test_an_outage_across_a_closed_month_is_refused(
    app: App, contract: Contract, vendor_a: Actor
) -> None:
    rows = [
        outage(1, "2026-09-20T10:00:00+09:00", "2026-09-20T11:00:00+09:00"),  # September only
        outage(2, "2026-09-20T10:00:00+09:00", "2026-11-05T10:00:00+09:00"),  # all of October
        outage(3, "2026-11-02T10:00:00+09:00", "2026-11-02T11:00:00+09:00"),  # November only
    ]
    with pytest.raises(PeriodClosed) as caught:
        loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="availability",
                        rows=rows)  # fmt: skip
    message = str(caught.value)
    assert "2026-10 of contract acme-it-2026 is closed" in message
    assert "row 2 (by start to end)" in message
    assert stored(app, "availability") == 0


def test_a_ticket_resolved_after_a_closed_month_or_still_open_is_refused(
    app: App, contract: Contract, vendor_a: Actor
) -> None:
    rows = [
        ticket(1, "2026-09-01T10:00:00+09:00", "2026-09-02T10:00:00+09:00"),  # September
        ticket(2, "2026-09-01T10:00:00+09:00", "2026-11-05T10:00:00+09:00"),  # over October
        ticket(3, "2026-09-10T10:00:00+09:00", None),  # still open on 2 December
        ticket(4, "2026-11-01T10:00:00+09:00", None),  # opened after October
    ]
    with pytest.raises(PeriodClosed) as caught:
        loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=rows)
    assert "rows 2, 3 (by created_at to resolved_at)" in str(caught.value)
    assert stored(app, "tickets") == 0


def test_events_that_stay_out_of_the_closed_month_load(
    app: App, contract: Contract, vendor_a: Actor
) -> None:
    outages = [
        outage(1, "2026-09-20T10:00:00+09:00", "2026-09-30T23:00:00+09:00"),
        outage(2, "2026-11-01T00:00:00+09:00", "2026-12-01T00:00:00+09:00"),
    ]
    tickets = [
        ticket(1, "2026-09-01T10:00:00+09:00", "2026-09-30T10:00:00+09:00"),
        ticket(2, "2026-11-01T10:00:00+09:00", None),
    ]
    assert loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="availability",
                           rows=outages).rows_accepted == 2  # fmt: skip
    assert loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets",
                           rows=tickets).rows_accepted == 2  # fmt: skip


def test_a_ticket_is_refused_only_where_its_kpi_counts_it(
    app: App, client_manager: Actor, vendor_a: Actor, clock: Any
) -> None:
    """Measured by resolution within 4 hours alone (no backlog), a ticket counts once: where
    it was resolved in time, else at its expiry. Ticket 1 (30 September 22:00, resolved late
    in November) expires at 02:00 on 1 October, in the closed month; ticket 2 (10 September,
    resolved late in November) expires on 10 September: October holds nothing of it."""
    apply_and_close_october(app, client_manager, clock, it_contract([RESOLVED_IN_4_HOURS]))
    late = ticket(1, "2026-09-30T22:00:00+09:00", "2026-11-02T10:00:00+09:00")
    early = ticket(2, "2026-09-10T10:00:00+09:00", "2026-11-02T10:00:00+09:00")
    with pytest.raises(PeriodClosed) as caught:
        loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets",
                        rows=[late, early])  # fmt: skip
    assert "2026-10: row 1 (by created_at to resolved_at)" in str(caught.value)
    assert loads.load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets",
                           rows=[early]).rows_accepted == 1  # fmt: skip
