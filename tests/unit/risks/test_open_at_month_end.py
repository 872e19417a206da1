"""Which risks and findings a month's end sees: the boundaries of their opened and closed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from servicepact.domain.risks import ControlFinding, FindingSource, FindingStatus, Risk

END_OF_NOVEMBER = date(2026, 12, 1)  # a month's end is exclusive: the first day after it


def _risk(**changes: object) -> Risk:
    data: dict[str, object] = {
        "id": "R-1",
        "title": "t",
        "category": "contract",
        "likelihood": 3,
        "impact": 3,
        "owner": "o",
    }
    data.update(changes)
    return Risk.model_validate(data)


@pytest.mark.parametrize(
    ("changes", "open_at_end"),
    [
        ({"opened": date(2026, 11, 30)}, True),  # opened on the last day
        ({"opened": date(2026, 12, 1)}, False),  # opened the day after
        ({"opened": date(2026, 10, 5), "status": "closed", "closed": date(2026, 11, 30)}, False),
        ({"opened": date(2026, 10, 5), "status": "closed", "closed": date(2026, 12, 1)}, True),
        ({"opened": date(2026, 10, 5), "status": "mitigating"}, True),  # not closed: open
        ({}, True),  # undated (as a file may state it before applying): by its status
        ({"status": "closed"}, False),
    ],
)
def test_a_risk_is_open_at_a_months_end_between_its_opened_and_closed_days(
    changes: dict[str, object], open_at_end: bool
) -> None:
    assert _risk(**changes).open_at_end(END_OF_NOVEMBER) is open_at_end


def test_a_closed_day_needs_the_closed_status_and_comes_after_the_opened_day() -> None:
    with pytest.raises(ValueError, match="is given but the status is open"):
        _risk(closed=date(2026, 11, 1))
    with pytest.raises(ValueError, match="is before opened"):
        _risk(status="closed", opened=date(2026, 11, 2), closed=date(2026, 11, 1))


MIDNIGHT_SEOUL = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 1 December 00:00 in Seoul


def _finding(**changes: object) -> ControlFinding:
    data: dict[str, object] = {
        "key": "load:1",
        "contract_id": "c",
        "source": FindingSource.LOAD,
        "check": "incomplete_day",
        "detail": "d",
    }
    data.update(changes)
    return ControlFinding.model_validate(data)


@pytest.mark.parametrize(
    ("changes", "open_at"),
    [
        ({"opened_at": datetime(2026, 11, 30, 14, 59, tzinfo=UTC)}, True),
        ({"opened_at": MIDNIGHT_SEOUL}, False),  # found at the very start of December
        (
            {
                "opened_at": datetime(2026, 11, 2, tzinfo=UTC),
                "status": FindingStatus.RESOLVED,
                "closed_at": MIDNIGHT_SEOUL,
            },
            False,
        ),
        (
            {
                "opened_at": datetime(2026, 11, 2, tzinfo=UTC),
                "status": FindingStatus.RESOLVED,
                "closed_at": datetime(2026, 12, 4, tzinfo=UTC),
            },
            True,  # closed after the month's end: still open at it
        ),
        ({"status": FindingStatus.OPEN}, True),  # undated: by its status
        ({"status": FindingStatus.ACKNOWLEDGED}, False),
    ],
)
def test_a_finding_is_open_at_a_moment_between_when_it_was_found_and_closed(
    changes: dict[str, object], open_at: bool
) -> None:
    assert _finding(**changes).open_at(MIDNIGHT_SEOUL) is open_at
