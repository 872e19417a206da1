from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicepact.domain.contracts import PeriodKind, Term
from servicepact.domain.kpis import Direction
from servicepact.domain.money import format_money, round_money
from servicepact.domain.periods import (
    Period,
    contract_year,
    contract_year_of,
    measured_periods_within,
    month,
    months_between,
    parse_period,
    parse_report_period,
    period_of,
)
from servicepact.domain.results import ResultStatus, status_for

H, L = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def status(value, expected, minimum, direction=H, sample=10, min_sample=1):
    return status_for(
        value,
        expected=Decimal(expected),
        minimum=Decimal(minimum),
        direction=direction,
        sample_size=sample,
        min_sample=min_sample,
    )


def test_nineteen_of_twenty_against_ninety_five_percent_is_met_exactly():
    # 19/20 = 0.95 exactly; a float comparison could land a hair below.
    assert status(Fraction(19, 20), "0.95", "0.90") is ResultStatus.MET


def test_one_below_expected_but_at_minimum_is_below_expected():
    # 18/20 = 0.90 = minimum → not breached.
    assert status(Fraction(18, 20), "0.95", "0.90") is ResultStatus.BELOW_EXPECTED


def test_below_minimum_is_breached():
    # 17/20 = 0.85 < 0.90.
    assert status(Fraction(17, 20), "0.95", "0.90") is ResultStatus.BREACHED


def test_lower_is_better_mirrors_the_rule():
    # ASA 30 s expected, 45 s minimum: 30 met, 40 below expected, 45 below expected, 46 breached.
    assert status(Fraction(30), "30", "45", L) is ResultStatus.MET
    assert status(Fraction(40), "30", "45", L) is ResultStatus.BELOW_EXPECTED
    assert status(Fraction(45), "30", "45", L) is ResultStatus.BELOW_EXPECTED
    assert status(Fraction(46), "30", "45", L) is ResultStatus.BREACHED


def test_a_sample_below_min_sample_is_insufficient_data_never_zero_or_hundred():
    assert status(Fraction(1), "0.95", "0.90", sample=4, min_sample=5) is (
        ResultStatus.INSUFFICIENT_DATA
    )
    assert status(None, "0.95", "0.90", sample=0) is ResultStatus.INSUFFICIENT_DATA


def test_a_sample_of_exactly_min_sample_is_judged():
    # min_sample is the smallest sample that counts: 5 of 5 is judged, 4 of 5 is not.
    assert status(Fraction(1), "0.95", "0.90", sample=5, min_sample=5) is ResultStatus.MET
    assert status(Fraction(0), "0.95", "0.90", sample=5, min_sample=5) is ResultStatus.BREACHED
    # Without min_sample, one event is enough (the default is 1).
    one = {"expected": Decimal("0.95"), "minimum": Decimal("0.90"), "direction": H}
    assert status_for(Fraction(1), sample_size=1, **one) is ResultStatus.MET
    assert status_for(Fraction(1), sample_size=0, **one) is ResultStatus.INSUFFICIENT_DATA
    assert status(Fraction(1), "0.95", "0.90", sample=0) is ResultStatus.INSUFFICIENT_DATA


@given(
    st.fractions(min_value=0, max_value=1),
    st.decimals(min_value=0, max_value=1, places=4),
    st.decimals(min_value=0, max_value=1, places=4),
)
def test_a_better_value_never_gets_a_worse_status(value, a, b):
    expected, minimum = max(a, b), min(a, b)
    rank = {ResultStatus.MET: 0, ResultStatus.BELOW_EXPECTED: 1, ResultStatus.BREACHED: 2}
    worse = status(value, expected, minimum)
    better = status(min(Fraction(1), value + Fraction(1, 1000)), expected, minimum)
    assert rank[better] <= rank[worse]


def test_months_run_from_the_first_to_the_first_of_the_next_month():
    march = month(2026, 3)
    assert (march.start, march.end, march.label) == (date(2026, 3, 1), date(2026, 4, 1), "2026-03")
    december = month(2026, 12)
    assert december.end == date(2027, 1, 1)


def test_a_month_is_local_midnight_to_local_midnight_in_the_contract_zone():
    # 2026-03-01 00:00 KST = 2026-02-28 15:00 UTC = 1772290800.
    start, end = month(2026, 3).bounds_epoch("Asia/Seoul")
    assert start == 1772290800
    assert end - start == 31 * 86400


def test_a_new_york_month_with_the_dst_change_is_an_hour_short():
    # March 2026 in New York loses one hour on 8 March.
    start, end = month(2026, 3).bounds_epoch("America/New_York")
    assert end - start == 31 * 86400 - 3600


def test_parse_period_accepts_month_quarter_and_contract_year():
    term = Term(start=date(2026, 4, 1), end=date(2029, 3, 31))
    assert parse_period("2026-03").label == "2026-03"
    q = parse_period("2026-Q2")
    assert (q.start, q.end) == (date(2026, 4, 1), date(2026, 7, 1))
    y2 = parse_period("Y2", term=term)
    assert (y2.start, y2.end) == (date(2027, 4, 1), date(2028, 4, 1))


@pytest.mark.parametrize("label", ["2026-13", "2026/03", "Q1-2026", "", "Y1"])
def test_parse_period_rejects_what_is_not_a_period(label):
    with pytest.raises(ValueError, match=r"period|month|contract"):
        parse_period(label)


def test_the_last_contract_year_is_clipped_to_the_term():
    term = Term(start=date(2026, 1, 1), end=date(2027, 6, 30))
    assert contract_year(term, 2).end == date(2027, 7, 1)
    assert contract_year_of(term, date(2026, 12, 31)) == 1
    assert contract_year_of(term, date(2027, 1, 1)) == 2


def test_period_of_and_months_between():
    term = Term(start=date(2026, 1, 1), end=date(2027, 12, 31))
    assert period_of(PeriodKind.QUARTER, date(2026, 5, 17), term).label == "2026-Q2"
    labels = [p.label for p in months_between(date(2026, 11, 15), date(2027, 2, 1))]
    assert labels == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_money_rounds_half_up_at_the_currency_minor_unit():
    assert round_money(Decimal("1234.5"), "KRW") == Decimal("1235")
    assert round_money(Decimal("1.005"), "USD") == Decimal("1.01")
    assert format_money(Decimal("12000000"), "KRW") == "12,000,000 KRW"
    assert format_money(Decimal("1234.5"), "USD") == "1,234.50 USD"
    with pytest.raises(ValueError, match="not a supported currency"):
        round_money(Decimal(1), "XXX")


def _result(contract: str, level: str, start: str, *, running: bool = False):  # type: ignore[no-untyped-def]
    from servicepact.domain.results import ServiceLevelResult

    return ServiceLevelResult(
        contract_id=contract,
        contract_version=1,
        service_level_id=level,
        kpi="answered_within",
        period=start[:7],
        period_start=start,
        period_end=start,
        value=None,
        numerator=None,
        denominator=None,
        sample_size=0,
        expected=Decimal("0.9"),
        minimum=Decimal("0.8"),
        status=ResultStatus.INSUFFICIENT_DATA,
        running=running,
    )


def test_the_latest_closed_result_of_each_level_skips_running_periods():
    from servicepact.domain.results import latest_closed_by_level

    results = [
        _result("c1", "SL-01", "2026-02-01"),
        _result("c1", "SL-01", "2026-04-01", running=True),  # still running: not closed
        _result("c1", "SL-01", "2026-03-01"),
        _result("c1", "SL-01", "2026-01-01"),  # older, seen after a newer one
        _result("c1", "SL-02", "2026-01-01"),
        _result("c2", "SL-01", "2026-02-01"),
    ]
    latest = latest_closed_by_level(results)
    assert {key: r.period_start for key, r in latest.items()} == {
        ("c1", "SL-01"): "2026-03-01",
        ("c1", "SL-02"): "2026-01-01",
        ("c2", "SL-01"): "2026-02-01",
    }
    assert latest_closed_by_level([_result("c1", "SL-01", "2026-04-01", running=True)]) == {}


def test_contract_years_inside_a_reporting_period_are_those_wholly_inside() -> None:
    # Term 1 Apr 2026 – 31 Mar 2029: Y1 Apr 2026–Mar 2027, Y2 Apr 2027–Mar 2028, Y3 to Mar 2029
    term = Term(start=date(2026, 4, 1), end=date(2029, 3, 31))
    today = date(2029, 6, 1)
    y = PeriodKind.CONTRACT_YEAR
    # the calendar year 2027 straddles Y1 and Y2 and holds neither whole
    assert measured_periods_within(y, parse_report_period("2027", today=today), term) == []
    assert measured_periods_within(y, parse_report_period("Y2", today=today, term=term), term) == [
        Period(date(2027, 4, 1), date(2028, 4, 1), y, "Y2")
    ]


def test_a_contract_year_cut_by_the_term_end_is_inside_the_calendar_year_holding_it() -> None:
    # The term ends 30 Sep 2028: Y3 is 1 Apr – 30 Sep 2028 (end exclusive 1 Oct), inside 2028;
    # Y2 (Apr 2027 – Mar 2028) begins before 2028 and is not.
    term = Term(start=date(2026, 4, 1), end=date(2028, 9, 30))
    report = parse_report_period("2028", today=date(2029, 1, 15))
    assert measured_periods_within(PeriodKind.CONTRACT_YEAR, report, term) == [
        Period(date(2028, 4, 1), date(2028, 10, 1), PeriodKind.CONTRACT_YEAR, "Y3")
    ]


def test_a_reporting_period_counts_the_closed_months_of_each_status():
    from dataclasses import replace

    from servicepact.domain.results import PeriodCompliance

    def closed(start: str, status: ResultStatus, running: bool = False):  # type: ignore[no-untyped-def]
        return replace(_result("c1", "SL-01", start, running=running), status=status)

    # Q1 closed: Jan met, Feb breached, Mar insufficient data; Apr met but still running.
    # Judged: Jan and Feb (insufficient data is not judged) → 1 met of 2 = 1/2.
    quarter = PeriodCompliance(
        contract_id="c1",
        service_level_id="SL-01",
        kpi="answered_within",
        period="2026-Q1",
        period_start="2026-01-01",
        period_end="2026-05-01",
        measured_in="month",
        results=(
            closed("2026-01-01", ResultStatus.MET),
            closed("2026-02-01", ResultStatus.BREACHED),
            closed("2026-03-01", ResultStatus.INSUFFICIENT_DATA),
            closed("2026-04-01", ResultStatus.MET, running=True),
        ),
    )
    assert [quarter.count(s) for s in ResultStatus] == [1, 0, 1, 1]
    assert (quarter.judged, quarter.share_met) == (2, Fraction(1, 2))
    assert quarter.running_periods == ("2026-04",)
