"""Internal controls on a load, over small typed tables with a fixed load time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from servicepact.domain.calendars import Calendar
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.load_findings import FindingKind, Severity
from servicepact.engine.controls import ControlTally

TICKETS = BUILT_IN["tickets"]
LOADED_AT = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # Monday 09:30 in Seoul
OFFICE = Calendar(timezone="Asia/Seoul", hours={"mon-fri": "09:00-18:00"}, holidays=None)


def tickets(rows: list[dict[str, object]]) -> pa.Table:
    schema = arrow_schema(TICKETS)
    full = [{name: row.get(name) for name in schema.names} for row in rows]
    return pa.Table.from_pylist(full, schema=schema)


def at(day: int, hour: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def tally() -> ControlTally:
    return ControlTally(event_type=TICKETS, loaded_at=LOADED_AT, zone="Asia/Seoul")


def test_a_working_day_below_half_the_expected_volume_is_a_finding() -> None:
    # Expected 4 a day. Thu 26 Feb: 2 (50 %, not below); Fri 27 Feb: 1 (25 %, below);
    # Sat 28 Feb and Sun 1 Mar are not working days; Mon 2 Mar: 4.
    rows = [{"id": f"A{i}", "created_at": at(26, 1)} for i in range(2)]
    rows += [{"id": "B0", "created_at": at(27, 1)}]
    rows += [{"id": f"C{i}", "created_at": at(2, 0, month=3)} for i in range(4)]
    counts = tally()
    counts.add(tickets(rows))
    [finding] = counts.findings(expected_daily=4, calendar=OFFICE)
    assert finding.kind is FindingKind.INCOMPLETE_DAY
    assert finding.severity is Severity.WARNING
    assert finding.examples == ("2026-02-27",)


def test_days_are_local_days_of_the_contract_zone() -> None:
    # 26 Feb 20:00 UTC is 27 Feb 05:00 in Seoul: it counts for Friday.
    counts = tally()
    counts.add(tickets([{"id": "A", "created_at": at(26, 20)}]))
    assert counts.per_day == {date(2026, 2, 27): 1}


def test_resolution_before_creation_is_out_of_order() -> None:
    counts = tally()
    counts.add(
        tickets(
            [
                {"id": "OK", "created_at": at(27, 1), "resolved_at": at(27, 2)},
                {"id": "BAD", "created_at": at(27, 3), "resolved_at": at(27, 2)},
            ]
        )
    )
    [finding] = counts.findings(expected_daily=None, calendar=None)
    assert finding.kind is FindingKind.OUT_OF_ORDER
    assert finding.examples == ("BAD",)
    assert "resolved_at before created_at" in finding.detail


def test_timestamps_after_the_load_time_are_an_error_finding() -> None:
    counts = tally()
    counts.add(tickets([{"id": "F", "created_at": LOADED_AT + timedelta(seconds=1)}]))
    [finding] = counts.findings(expected_daily=None, calendar=None)
    assert (finding.kind, finding.severity, finding.count) == (
        FindingKind.FUTURE_TIMESTAMP,
        Severity.ERROR,
        1,
    )


def test_events_loaded_more_than_five_days_after_their_anchor_are_late() -> None:
    # Loaded 2 Mar 00:30 UTC: 25 Feb 00:30 is exactly five days before (not late),
    # 25 Feb 00:29 is more than five days before (late).
    counts = tally()
    counts.add(
        tickets(
            [
                {"id": "ON_TIME", "created_at": datetime(2026, 2, 25, 0, 30, tzinfo=UTC)},
                {"id": "LATE", "created_at": datetime(2026, 2, 25, 0, 29, tzinfo=UTC)},
            ]
        )
    )
    [finding] = counts.findings(expected_daily=None, calendar=None)
    assert (finding.kind, finding.examples) == (FindingKind.LATE_SUBMISSION, ("LATE",))


def test_tallies_add_up_across_chunks() -> None:
    counts = tally()
    counts.add(tickets([{"id": "A", "created_at": at(27, 1)}]))
    counts.add(tickets([{"id": "B", "created_at": at(27, 2)}]))
    assert counts.per_day == {date(2026, 2, 27): 2}


def test_corrections_are_reported_as_information() -> None:
    [finding] = tally().findings(expected_daily=None, calendar=None, corrections=(3, ["A", "B"]))
    assert (finding.kind, finding.severity, finding.count) == (
        FindingKind.CORRECTIONS,
        Severity.INFO,
        3,
    )
