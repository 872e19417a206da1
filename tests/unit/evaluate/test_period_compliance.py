"""A service level over a reporting period (quarter, year, year to date): the value recomputed
from the events of the whole period, and the months met / below / breached / insufficient."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any

import pytest
from evaluate_fixtures import SEOUL, answered_sl, contract, kst, table

from servicepact.domain.exclusions import Exclusion, ExclusionReason, ExclusionStatus
from servicepact.domain.periods import ReportForm, months_between, parse_report_period
from servicepact.domain.results import ResultStatus
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.engine.period_report import SNAPSHOT_NOTE, period_compliance

DECEMBER = kst(2026, 12, 1)


def month_calls(month: int, in_time: int, late: int) -> list[dict[str, Any]]:
    """Calls on the 10th of ``month`` 2026: ``in_time`` answered after 10 s, ``late`` after 50 s."""
    rows = []
    for i in range(in_time + late):
        offered = kst(2026, month, 10, 9, i, 0)
        wait = 10 if i < in_time else 50
        rows.append(
            {
                "id": f"{month}-{i}",
                "offered_at": offered,
                "answered_at": datetime.fromtimestamp(offered.timestamp() + wait, SEOUL),
            }
        )
    return rows


# July 9 of 10 in time (90 %), August 0 of 2 (0 %), September 8 of 8 (100 %).
Q3_CALLS = month_calls(7, 9, 1) + month_calls(8, 0, 2) + month_calls(9, 8, 0)


def compliance(c, rows, label="2026-Q3", *, now=DECEMBER, exclusions=()):  # type: ignore[no-untyped-def]
    report = parse_report_period(label, today=now.date(), term=c.term)
    events = table("calls", rows)
    months = months_between(report.start, report.end.replace(day=1).fromordinal(
        report.end.toordinal() - 1))  # fmt: skip
    results = evaluate_contract(c, {"calls": events}, months, exclusions=exclusions, now=now)
    sl = c.service_levels[0]
    return period_compliance(
        c, sl, report, [r for r in results if r.service_level_id == sl.id], events,
        clock_cache=ClockCache(), exclusions=exclusions, now=now,
    )  # fmt: skip


def test_a_quarter_is_pooled_from_its_events_not_the_mean_of_its_months() -> None:
    found = compliance(contract(answered_sl()), Q3_CALLS)
    # pooled: (9 + 0 + 8) of (10 + 2 + 8) = 17/20 = 85 %; the months' mean would be 63.33 %
    assert (found.numerator, found.denominator, found.sample_size) == (17, 20, 20)
    assert found.value == Fraction(17, 20)
    assert found.value != (Fraction(9, 10) + Fraction(0, 2) + Fraction(8, 8)) / 3
    # expected 95 %, minimum 90 %: July 90 % below expected, August breached, September met
    assert [r.period for r in found.results] == ["2026-07", "2026-08", "2026-09"]
    assert found.count(ResultStatus.MET) == 1
    assert found.count(ResultStatus.BELOW_EXPECTED) == 1
    assert found.count(ResultStatus.BREACHED) == 1
    assert found.count(ResultStatus.INSUFFICIENT_DATA) == 0
    assert found.share_met == Fraction(1, 3)
    assert not found.running
    assert found.not_aggregated is None


def test_a_mean_kpi_is_the_mean_over_every_event_of_the_period() -> None:
    sl = {"id": "SL-02", "name": "ASA", "kpi": "average_speed_of_answer", "source": "calls",
          "expected": "15", "minimum": "20", "kind": "key"}  # fmt: skip
    found = compliance(contract(sl), Q3_CALLS)
    # July 9×10 + 50 = 140 s, August 2×50 = 100 s, September 8×10 = 80 s: 320 s / 20 = 16 s
    # (the months' mean would be (14 + 50 + 10) / 3 = 24.67 s)
    assert (found.numerator, found.denominator) == (320, 20)
    assert found.value == 16
    assert found.count(ResultStatus.MET) == 2
    assert found.count(ResultStatus.BREACHED) == 1
    assert found.share_met == Fraction(2, 3)


def test_insufficient_months_are_counted_apart_and_not_judged() -> None:
    found = compliance(contract(answered_sl(min_sample=5)), Q3_CALLS)
    # August has 2 calls, under the minimum sample of 5: insufficient, not judged
    assert found.count(ResultStatus.INSUFFICIENT_DATA) == 1
    assert found.judged == 2
    assert found.share_met == Fraction(1, 2)  # September met of July and September
    assert found.value == Fraction(17, 20)  # the pooled value still counts August's calls


def test_a_month_excluded_whole_is_left_out_of_the_value() -> None:
    waiver = Exclusion(
        id="X-AUG", contract_id="acme-cs", source="calls", period="2026-08",
        reason=ExclusionReason.FORCE_MAJEURE, requested_by="bob",
        requested_at=kst(2026, 9, 1), status=ExclusionStatus.APPROVED,
        decided_by="alice", decided_at=kst(2026, 9, 2),
    )  # fmt: skip
    found = compliance(contract(answered_sl()), Q3_CALLS, exclusions=[waiver])
    # July and September only: 17 of 18; August's 2 calls are excluded
    assert (found.numerator, found.denominator, found.excluded) == (17, 18, 2)


def test_a_snapshot_kpi_says_it_is_not_aggregated_and_still_counts_its_months() -> None:
    sl = {"id": "SL-09", "name": "Backlog", "kpi": "backlog_older_than", "source": "tickets",
          "params": {"days": 5}, "expected": "3", "minimum": "5", "kind": "key"}  # fmt: skip
    c = contract(sl)
    report = parse_report_period("2026-Q3", today=DECEMBER.date())
    months = months_between(date(2026, 7, 1), date(2026, 9, 1))
    events = table("tickets", [])
    results = evaluate_contract(c, {"tickets": events}, months, now=DECEMBER)
    found = period_compliance(
        c, c.service_levels[0], report, results, events, clock_cache=ClockCache(), now=DECEMBER
    )
    assert found.not_aggregated == SNAPSHOT_NOTE
    assert found.value is None
    assert len(found.results) == 3  # the months are still listed and counted


def test_the_running_month_counts_up_to_now_and_is_not_judged_yet() -> None:
    now = kst(2026, 8, 20)
    found = compliance(contract(answered_sl()), Q3_CALLS, now=now)
    # July 9/10 and August (so far) 0/2; September has not begun
    assert found.value == Fraction(9, 12)
    assert found.running
    assert found.running_periods == ("2026-08",)
    assert found.to_come == ("2026-09",)
    assert found.judged == 1
    assert found.share_met == 0


def test_the_year_to_date_runs_from_january_to_the_end_of_the_running_month() -> None:
    ytd = parse_report_period("2026-YTD", today=date(2026, 8, 15))
    assert (ytd.start, ytd.end, ytd.form) == (date(2026, 1, 1), date(2026, 9, 1),
                                              ReportForm.YEAR_TO_DATE)  # fmt: skip
    # once the year is over, its year to date is the whole year
    assert parse_report_period("2026-YTD", today=date(2027, 2, 1)).end == date(2027, 1, 1)
    # on 1 January, January alone
    assert parse_report_period("2026-YTD", today=date(2026, 1, 1)).end == date(2026, 2, 1)
    with pytest.raises(ValueError, match="2027 has not begun"):
        parse_report_period("2027-YTD", today=date(2026, 8, 15))


def test_quarter_and_year_bounds() -> None:
    today = date(2026, 8, 15)
    q3 = parse_report_period("2026-Q3", today=today)
    assert (q3.start, q3.end, q3.form) == (date(2026, 7, 1), date(2026, 10, 1), ReportForm.QUARTER)
    year = parse_report_period("2026", today=today)
    assert (year.start, year.end, year.form) == (date(2026, 1, 1), date(2027, 1, 1),
                                                 ReportForm.YEAR)  # fmt: skip
    assert parse_report_period("2026-03", today=today).form is ReportForm.MONTH


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2026-Q5", "a quarter is Q1, Q2, Q3 or Q4"),
        ("2026-Q0", "a quarter is Q1, Q2, Q3 or Q4"),
        ("2026-13", "month must be 01-12"),
        ("abc", "is not a period"),
        ("2026-ytd", "is not a period"),
        ("", "is not a period"),
    ],
)
def test_an_unknown_period_form_is_an_error_naming_it(label: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_report_period(label, today=date(2026, 8, 15))
