"""Baseline statistics and proposals, checked against hand-computed figures (docs/baseline.md)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from baseline_fixtures import baseline_contract, month_result
from hypothesis import given
from hypothesis import strategies as st

from servicepact.contractfile import dump_contract, parse_contract_text
from servicepact.domain.errors import InvalidInput
from servicepact.domain.kpis import Direction
from servicepact.domain.results import ResultStatus, ServiceLevelResult, status_for
from servicepact.engine.baseline import (
    Trend,
    baseline_of,
    nearest_rank,
    propose,
    round_lenient,
    trend_slope,
    with_targets,
)

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]

# Calls answered within 20 s, per mille, January to December.
SHARES = [780, 820, 745, 801, 812, 790, 760, 835, 808, 771, 799, 826]
# Average speed of answer in half seconds (so 27 is 13.5 s), January to December.
ASA_HALF_SECONDS = [28, 36, 22, 32, 26, 40, 30, 24, 34, 38, 27, 31]


def _shares() -> list[ServiceLevelResult]:
    return [
        month_result("SL-A", label, Fraction(v, 1000))
        for label, v in zip(MONTHS, SHARES, strict=True)
    ]


def _asa() -> list[ServiceLevelResult]:
    return [
        month_result("SL-B", label, Fraction(v, 2), kpi="average_speed_of_answer")
        for label, v in zip(MONTHS, ASA_HALF_SECONDS, strict=True)
    ]


def test_twelve_shares_give_the_hand_computed_median_quartiles_best_and_worst_month() -> None:
    sl = baseline_contract().service_level("SL-A")
    baseline = baseline_of(sl, _shares())
    # Worst first (ascending, higher is better):
    # 745 760 771 | 780 790 799 | 801 808 812 | 820 826 835  (n = 12)
    # worst quartile: rank ⌈12/4⌉ = 3 → 0.771; median: rank ⌈12/2⌉ = 6 → 0.799 (the worse of
    # the middle two, 0.799 and 0.801); best quartile: rank ⌈12·3/4⌉ = 9 → 0.812.
    assert baseline.worst_quartile == Fraction(771, 1000)
    assert baseline.median == Fraction(799, 1000)
    assert baseline.best_quartile == Fraction(812, 1000)
    assert baseline.best_month is not None
    assert (baseline.best_month.period, baseline.best_month.value) == (
        "2025-08",
        Fraction(835, 1000),
    )
    assert baseline.worst_month is not None
    assert baseline.worst_month.period == "2025-03"
    assert len(baseline.used) == 12
    assert baseline.left_out == ()


def test_proposal_is_median_and_worst_quartile_rounded_down_to_half_a_point() -> None:
    sl = baseline_contract().service_level("SL-A")
    proposal = propose(sl, baseline_of(sl, _shares()))
    # expected: 0.799 / 0.005 = 159.8 → 159 × 0.005 = 0.795 (down: higher is better)
    # minimum:  0.771 / 0.005 = 154.2 → 154 × 0.005 = 0.770
    assert proposal.expected == Decimal("0.795")
    assert proposal.minimum == Decimal("0.770")
    assert (proposal.current_expected, proposal.current_minimum) == (
        Decimal("0.80"),
        Decimal("0.75"),
    )


def test_improvement_moves_a_share_part_of_its_gap_to_one_before_rounding() -> None:
    sl = baseline_contract().service_level("SL-A")
    proposal = propose(sl, baseline_of(sl, _shares()), improve_percent=Decimal(10))
    # expected: 0.799 + 10 % × (1 − 0.799) = 0.8191 → 163.82 steps → 163 × 0.005 = 0.815
    # minimum:  0.771 + 10 % × (1 − 0.771) = 0.7939 → 158.78 steps → 158 × 0.005 = 0.790
    assert proposal.expected_exact == Fraction(8191, 10000)
    assert proposal.minimum_exact == Fraction(7939, 10000)
    assert (proposal.expected, proposal.minimum) == (Decimal("0.815"), Decimal("0.790"))


def test_lower_is_better_counts_from_the_largest_value_and_rounds_up() -> None:
    sl = baseline_contract().service_level("SL-B")
    baseline = baseline_of(sl, _asa())
    # Seconds, worst first (descending): 20 19 18 | 17 16 15.5 | 15 14 13.5 | 13 12 11
    # worst quartile rank 3 → 18; median rank 6 → 15.5; best quartile rank 9 → 13.5.
    assert baseline.worst_quartile == 18
    assert baseline.median == Fraction(31, 2)
    assert baseline.best_quartile == Fraction(27, 2)
    assert baseline.worst_month is not None
    assert baseline.worst_month.period == "2025-06"  # 20 s
    assert baseline.best_month is not None
    assert baseline.best_month.period == "2025-03"  # 11 s
    proposal = propose(sl, baseline)
    # expected 15.5 s → up to 16 s; minimum 18 s stays 18 s (step 1 s).
    assert (proposal.expected, proposal.minimum) == (Decimal(16), Decimal(18))
    improved = propose(sl, baseline, improve_percent=Decimal(10))
    # 15.5 × 0.9 = 13.95 → 14; 18 × 0.9 = 16.2 → 17.
    assert (improved.expected, improved.minimum) == (Decimal(14), Decimal(17))


def test_months_without_enough_data_are_left_out_and_listed() -> None:
    sl = baseline_contract(_with_min_sample(500)).service_level("SL-A")
    results = _shares()
    results[0] = month_result("SL-A", "2025-01", None, sample_size=0)
    results[4] = month_result("SL-A", "2025-05", Fraction(1, 2), running=True)
    results[6] = month_result("SL-A", "2025-07", Fraction(9, 10), sample_size=499)
    baseline = baseline_of(sl, results)
    assert [(m.period, m.left_out) for m in baseline.left_out] == [
        ("2025-01", "no events"),
        ("2025-05", "the month has not ended"),
        ("2025-07", "499 events, fewer than the minimum sample of 500"),
    ]
    # January, May and July are out; the nine left, worst first (per mille):
    # 745 771 790 | 799 801 808 | 820 826 835; ranks ⌈9/4⌉ = 3, ⌈9/2⌉ = 5, ⌈27/4⌉ = 7.
    assert len(baseline.used) == 9
    assert baseline.worst_quartile == Fraction(790, 1000)
    assert baseline.median == Fraction(801, 1000)
    assert baseline.best_quartile == Fraction(820, 1000)


def _with_min_sample(n: int) -> str:
    from baseline_fixtures import BASELINE_CONTRACT

    return BASELINE_CONTRACT.replace(
        "      allocation_percent: 50\n", f"      allocation_percent: 50\n      min_sample: {n}\n"
    )


def test_a_level_with_no_usable_month_keeps_the_contract_levels() -> None:
    sl = baseline_contract().service_level("SL-A")
    baseline = baseline_of(sl, [month_result("SL-A", "2025-01", None, sample_size=0)])
    assert baseline.median is None
    assert baseline.trend is None
    proposal = propose(sl, baseline)
    assert not proposal.proposed
    assert (proposal.expected, proposal.minimum) == (Decimal("0.80"), Decimal("0.75"))
    assert "kept" in proposal.note


def test_an_odd_number_of_months_takes_the_true_median() -> None:
    values = [Fraction(v) for v in (5, 1, 4, 2, 3)]
    ordered = sorted(values)
    # n = 5: rank ⌈5/2⌉ = 3 → 3; rank ⌈5/4⌉ = 2 → 2; rank ⌈15/4⌉ = 4 → 4.
    assert nearest_rank(ordered, Fraction(1, 2)) == 3
    assert nearest_rank(ordered, Fraction(1, 4)) == 2
    assert nearest_rank(ordered, Fraction(3, 4)) == 4


def test_trend_is_the_exact_least_squares_slope_and_reads_with_the_direction() -> None:
    # 0.70, 0.71, 0.72, 0.73: a straight line rising 1/100 a month.
    assert trend_slope([(i, Fraction(70 + i, 100)) for i in range(4)]) == Fraction(1, 100)
    # y = 1, 2, 1 at x = 0, 1, 2: x̄ = 1, ȳ = 4/3; Σ(x−x̄)(y−ȳ) = (−1)(−1/3) + 0 + (1)(−1/3) = 0.
    assert trend_slope([(0, Fraction(1)), (1, Fraction(2)), (2, Fraction(1))]) == 0
    assert trend_slope([(0, Fraction(1))]) is None
    asa = baseline_contract().service_level("SL-B")
    falling = [
        month_result("SL-B", label, Fraction(20 - i), kpi="average_speed_of_answer")
        for i, label in enumerate(MONTHS[:3])
    ]
    assert baseline_of(asa, falling).trend is Trend.IMPROVING  # fewer seconds is better
    share = baseline_contract().service_level("SL-A")
    rising = [month_result("SL-A", m, Fraction(i + 1, 10)) for i, m in enumerate(MONTHS[:3])]
    falling_shares = list(reversed([r.value for r in rising]))
    sinking = [month_result("SL-A", m, v) for m, v in zip(MONTHS[:3], falling_shares, strict=True)]
    assert baseline_of(share, rising).trend is Trend.IMPROVING
    assert baseline_of(share, sinking).trend is Trend.WORSENING


def test_rounding_goes_to_the_lenient_side_and_keeps_exact_multiples() -> None:
    higher, lower = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
    assert round_lenient(Fraction(7999, 10000), Decimal("0.005"), higher) == Decimal("0.795")
    assert round_lenient(Fraction(7999, 10000), Decimal("0.005"), lower) == Decimal("0.800")
    assert round_lenient(Fraction(4, 5), Decimal("0.005"), higher) == Decimal("0.800")
    assert round_lenient(Fraction(4, 5), Decimal("0.005"), lower) == Decimal("0.800")
    assert round_lenient(Fraction(101, 10), Decimal(1), lower) == Decimal(11)


@pytest.mark.parametrize("percent", ["-1", "100", "250"])
def test_an_improvement_outside_zero_to_below_one_hundred_percent_is_refused(
    percent: str,
) -> None:
    sl = baseline_contract().service_level("SL-A")
    with pytest.raises(InvalidInput, match="improve-percent"):
        propose(sl, baseline_of(sl, _shares()), improve_percent=Decimal(percent))


def test_the_proposed_contract_validates_and_round_trips_through_the_canonical_file() -> None:
    contract = baseline_contract()
    sl = contract.service_level("SL-A")
    proposal = propose(sl, baseline_of(sl, _shares()))
    proposed = with_targets(contract, [proposal])
    assert proposed.service_level("SL-A").expected == Decimal("0.795")
    assert proposed.service_level("SL-B") == contract.service_level("SL-B")
    text = dump_contract(proposed)
    assert parse_contract_text(text).contract == proposed


@given(
    values=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=36),
    lower=st.booleans(),
)
def test_with_no_improvement_half_the_months_meet_and_under_a_quarter_breach(
    values: list[int], lower: bool
) -> None:
    contract = baseline_contract()
    # A share either way: abandonment (lower is better) or answered within (higher).
    sl = contract.service_level("SL-A")
    if lower:
        sl = sl.model_copy(update={"kpi": "abandonment_rate", "params": {}})
    results = [
        month_result(sl.id, f"{2020 + i // 12}-{i % 12 + 1:02d}", Fraction(v, 1000))
        for i, v in enumerate(values)
    ]
    proposal = propose(sl, baseline_of(sl, results))
    statuses = [
        status_for(
            r.value,
            expected=proposal.expected,
            minimum=proposal.minimum,
            direction=sl.direction,
            sample_size=r.sample_size,
        )
        for r in results
    ]
    n = len(values)
    met = statuses.count(ResultStatus.MET)
    breached = statuses.count(ResultStatus.BREACHED)
    assert 2 * met >= n
    assert 4 * breached < n


def test_a_trend_reads_signed_and_a_share_moves_in_percentage_points() -> None:
    from servicepact.domain.kpis import Unit
    from servicepact.engine.baseline import trend_text

    # 0.003 a month is 0.30 percentage points, not 0.30 %.
    assert trend_text(Fraction(3, 1000), Unit.RATIO) == "+0.30 pp / month"
    assert trend_text(Fraction(-13, 100), Unit.SECONDS) == "-0.13 s / month"
    assert trend_text(Fraction(0), Unit.SECONDS) == "±0.00 s / month"
    assert trend_text(None, Unit.SECONDS) is None
