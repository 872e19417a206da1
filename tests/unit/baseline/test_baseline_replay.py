"""Replaying a credit regime on history months, against hand-computed credits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pyarrow as pa
from baseline_fixtures import BASELINE_CONTRACT, baseline_contract, month_result
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.domain.periods import month, parse_period
from servicepact.domain.results import ResultStatus
from servicepact.engine.baseline import (
    count_volumes,
    month_fees,
    monthly_evaluation_contract,
    replay,
    replay_contract,
)

LABELS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
# SL-A (expected 80 %, minimum 75 %) month by month, and what each month is:
SHARES = {
    "2025-01": Fraction(70, 100),  # breached
    "2025-02": Fraction(85, 100),  # met
    "2025-03": Fraction(72, 100),  # breached again within 3 months of January: escalated
    "2025-04": Fraction(90, 100),  # met
    "2025-05": Fraction(90, 100),  # met: April and May earn March's credit back
    "2025-06": Fraction(78, 100),  # below expected: no credit
}
FEES = {label: Decimal(10_000_000) for label in LABELS}


def _replayed():  # type: ignore[no-untyped-def]
    contract = baseline_contract()
    months = [parse_period(label) for label in LABELS]
    results = [month_result("SL-A", label, SHARES[label]) for label in LABELS] + [
        month_result("SL-B", label, Fraction(12), kpi="average_speed_of_answer") for label in LABELS
    ]
    return replay(replay_contract(contract, months), results, months, FEES)


def test_the_replayed_term_starts_with_the_first_history_month() -> None:
    months = [parse_period(label) for label in LABELS]
    replayed = replay_contract(baseline_contract(), months)
    assert (replayed.term.start, replayed.term.end) == (date(2025, 1, 1), date(2025, 6, 30))


def test_statuses_are_restated_with_the_contract_levels() -> None:
    statuses = [r.status for r in _replayed().results if r.service_level_id == "SL-A"]
    assert statuses == [
        ResultStatus.BREACHED,
        ResultStatus.MET,
        ResultStatus.BREACHED,
        ResultStatus.MET,
        ResultStatus.MET,
        ResultStatus.BELOW_EXPECTED,
    ]


def test_credits_escalate_and_earn_back_as_the_regime_says() -> None:
    result = _replayed()
    charged = {s.month: s.total for s in result.statements}
    returned = {s.month: s.earn_back_total for s in result.statements}
    # At risk: 10 % × 10,000,000 = 1,000,000. SL-A carries 50 %: 500,000 a breach.
    # January: 500,000. March repeats January's breach within 3 months: × 2 = 1,000,000.
    assert charged == {
        "2025-01": Decimal(500_000),
        "2025-02": Decimal(0),
        "2025-03": Decimal(1_000_000),
        "2025-04": Decimal(0),
        "2025-05": Decimal(0),
        "2025-06": Decimal(0),
    }
    # Earn-back after 2 months met: January's window (Feb, Mar) is broken by March;
    # March's window (Apr, May) is met, so May returns March's 1,000,000.
    assert returned["2025-05"] == Decimal(1_000_000)
    assert sum(returned.values()) == Decimal(1_000_000)


def test_totals_per_level_and_per_year_show_the_share_of_months_breached() -> None:
    result = _replayed()
    a, b = result.levels
    assert (a.met, a.below_expected, a.breached, a.insufficient) == (3, 1, 2, 0)
    assert a.breached_share == Fraction(2, 6)
    # 500,000 + 1,000,000 charged, 1,000,000 earned back: 500,000 net.
    assert (a.charged, a.earned_back, a.net) == (
        Decimal(1_500_000),
        Decimal(1_000_000),
        Decimal(500_000),
    )
    assert not b.credited
    assert b.charged == 0
    assert b.met == 6  # 12 s against expected 15 s
    (year,) = result.years
    assert (year.year, year.months, year.fees, year.at_risk) == (
        2025,
        6,
        Decimal(60_000_000),
        Decimal(6_000_000),
    )
    assert (result.charged, result.earned_back, result.net) == (
        Decimal(1_500_000),
        Decimal(1_000_000),
        Decimal(500_000),
    )


def test_a_harsher_minimum_breaches_more_months_and_charges_more() -> None:
    harsh = baseline_contract(BASELINE_CONTRACT.replace("minimum: 0.75", "minimum: 0.80"))
    months = [parse_period(label) for label in LABELS]
    results = [month_result("SL-A", label, SHARES[label]) for label in LABELS]
    result = replay(replay_contract(harsh, months), results, months, FEES, label="proposed")
    # June (78 %) is now a breach too. "Within 3 months" is June, May and April, so March's
    # breach is too far back to escalate it: 500,000.
    assert result.levels[0].breached == 3
    assert result.statements[-1].total == Decimal(500_000)
    assert result.charged == Decimal(2_000_000)  # 500,000 + 1,000,000 + 500,000
    assert result.label == "proposed"


def test_per_unit_fees_count_the_events_of_the_month_in_the_contract_time_zone() -> None:
    text = BASELINE_CONTRACT.replace(
        "    - {id: base, kind: fixed, amount: 10000000, per: month}\n",
        "    - {id: base, kind: fixed, amount: 10000000, per: month}\n"
        "    - id: calls\n"
        "      kind: per_unit\n"
        "      source: calls\n"
        "      bands: [{upto: 2, price: 100}, {price: 50}]\n",
    )
    contract = baseline_contract(text)
    seoul = ZoneInfo("Asia/Seoul")
    offered = [
        datetime(2025, 1, 31, 23, 30, tzinfo=seoul),  # January in Seoul
        datetime(2025, 2, 1, 0, 10, tzinfo=seoul),  # February
        datetime(2025, 2, 14, 12, 0, tzinfo=seoul),
        datetime(2025, 2, 28, 23, 59, tzinfo=seoul),
        datetime(2025, 3, 1, 0, 0, tzinfo=seoul),  # March
    ]
    table = pa.table({"offered_at": pa.array(offered, pa.timestamp("us", tz="UTC"))})
    february = month(2025, 2)
    volumes = count_volumes(contract, {"calls": table}, february, "Asia/Seoul")
    assert volumes == {"calls": 3}
    # Graduated: 2 × 100 + 1 × 50 = 250, plus the fixed 10,000,000.
    assert month_fees(contract, february, volumes) == Decimal(10_000_250)


@given(
    shares=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=24),
    fee=st.integers(min_value=0, max_value=10**9),
)
@settings(max_examples=40, deadline=None)
def test_no_replayed_month_charges_more_than_its_at_risk_amount(
    shares: list[int], fee: int
) -> None:
    contract = baseline_contract()
    labels = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(len(shares))]
    months = [parse_period(label) for label in labels]
    results = [
        month_result("SL-A", label, Fraction(v, 100))
        for label, v in zip(labels, shares, strict=True)
    ]
    fees = {label: Decimal(fee) for label in labels}
    result = replay(replay_contract(contract, months), results, months, fees)
    for statement in result.statements:
        assert 0 <= statement.total <= statement.at_risk
        assert statement.earn_back_total >= 0
    assert result.charged == sum((level.charged for level in result.levels), Decimal(0))
    assert result.levels[0].breached == sum(v < 75 for v in shares)  # minimum 75 %


def test_a_quarterly_level_is_baselined_month_by_month() -> None:
    quarterly = baseline_contract(
        BASELINE_CONTRACT.replace("      kind: key\n", "      kind: key\n      period: quarter\n")
    )
    assert quarterly.service_level("SL-B").period.value == "quarter"
    monthly = monthly_evaluation_contract(quarterly)
    assert {sl.period.value for sl in monthly.service_levels} == {"month"}
    assert monthly.service_level("SL-A") == quarterly.service_level("SL-A")
