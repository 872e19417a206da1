"""Forecast for the running period, hand-computed (engine/forecast.py states the rules)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from evaluate_fixtures import answered_sl, calls, contract, kst, table

from servicepact.domain.periods import month
from servicepact.domain.results import ResultStatus
from servicepact.engine.evaluate import ClockCache
from servicepact.engine.forecast import forecast_service_level

MARCH = month(2026, 3)
NOW = kst(2026, 3, 16)  # 15 of March's 31 days have passed: elapsed share 15/31


def forecast(rows, **sl):  # type: ignore[no-untyped-def]
    c = contract(answered_sl(**sl))
    return forecast_service_level(
        c, c.service_levels[0], MARCH, table("calls", rows), clock_cache=ClockCache(), now=NOW
    )


def test_fast_burn_in_both_windows_is_at_risk_with_the_budget_and_projection_by_hand() -> None:
    # 5 Mar: 100 in time; 10 Mar: 45 in time, 5 late; 15 Mar: 35 in time, 15 late
    # so far 180/200 = 0.90; allowed failure share = 1 − 0.90 = 0.10
    # 1-day window (15 Mar): 15/50 = 0.30 → burn 3.0 > 2.0
    # 7-day window (9-15 Mar): 20/100 = 0.20 → burn 2.0 > 1.0 → at risk
    # projected volume ⌊200 ÷ 15/31⌋ = ⌊413.3⌋ = 413; remaining 213 fail at 0.20 → 42.6
    # projected value 1 − (20 + 42.6)/413 = 350.4/413; budget ⌊0.1 × 413⌋ = 41, 21 left
    rows = calls(100, 0, day=5) + calls(45, 5, day=10) + calls(35, 15, day=15)
    result = forecast(rows)
    assert result.elapsed_share == Fraction(15, 31)
    assert (result.numerator, result.denominator, result.failures_so_far) == (180, 200, 20)
    assert [r.burn_rate for r in result.burn_rates] == [Fraction(3), Fraction(2)]
    assert result.at_risk
    assert result.projected_denominator == 413
    assert result.projected_value == Fraction(3504, 4130)
    assert result.projected_status is ResultStatus.BREACHED
    assert (result.allowed_failures, result.budget_remaining) == (41, 21)


def test_a_one_day_blip_is_not_at_risk_when_the_week_is_fine() -> None:
    # 10 Mar: 190 in time; 15 Mar: 7 in time, 3 late
    # 1 day: 3/10 = 0.3 → burn 3.0 (> 2); 7 days: 3/200 = 0.015 → burn 0.15 (≤ 1) → not at risk
    result = forecast(calls(190, 0, day=10) + calls(7, 3, day=15))
    assert [r.burn_rate for r in result.burn_rates] == [Fraction(3), Fraction(3, 20)]
    assert not result.at_risk


def test_windows_without_events_do_not_burn() -> None:
    # only 5 Mar has calls: neither window holds events → no burn, not at risk;
    # the remaining volume is projected at the period's own failure share (0)
    result = forecast(calls(10, 0, day=5))
    assert all(r.burn_rate is None for r in result.burn_rates)
    assert not result.at_risk
    assert result.projected_value == 1


def test_a_forecast_needs_now_inside_the_period() -> None:
    c = contract(answered_sl())
    with pytest.raises(ValueError, match="not inside"):
        forecast_service_level(
            c,
            c.service_levels[0],
            MARCH,
            table("calls", []),
            clock_cache=ClockCache(),
            now=kst(2026, 4, 2),
        )


def test_for_a_lower_is_better_ratio_failures_are_the_numerator() -> None:
    # abandonment: expected 0.05, minimum 0.10 → allowed share 0.10
    # 15 Mar: 20 offered, 4 abandoned (after 30 s) → 1-day share 0.2 → burn 2.0 (not > 2.0)
    # 7 days: the same 20 calls → burn 2.0 > 1.0; at risk needs both → not at risk
    rows = [
        {
            "id": f"a{i}",
            "offered_at": kst(2026, 3, 15, 10, i),
            **(
                {"abandoned_at": kst(2026, 3, 15, 10, i, 30)}
                if i < 4
                else {"answered_at": kst(2026, 3, 15, 10, i, 10)}
            ),
        }
        for i in range(20)
    ]
    c = contract(
        answered_sl(kpi="abandonment_rate", params={}, expected="0.05", minimum="0.10", id="SL-09")
    )
    result = forecast_service_level(
        c, c.service_levels[0], MARCH, table("calls", rows), clock_cache=ClockCache(), now=NOW
    )
    assert (result.numerator, result.denominator, result.failures_so_far) == (4, 20, 4)
    assert [r.burn_rate for r in result.burn_rates] == [Fraction(2), Fraction(2)]
    assert not result.at_risk
    # projected ⌊20 ÷ 15/31⌋ = 41; 21 more at 0.2 → 4 + 4.2 = 8.2 → 8.2/41 = 0.2; budget ⌊4.1⌋ = 4
    assert result.projected_value == Fraction(1, 5)
    assert (result.allowed_failures, result.budget_remaining) == (4, 0)
