"""Contact-centre KPIs, hand-computed (KPIS.md "Contact centre")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from kpi_fixtures import kst, month_window, one, table

MARCH = month_window(2026, 3)
T0 = kst(2026, 3, 10, 9)


def call(
    i: int, *, answer: float | None = None, abandon: float | None = None, **kw: object
) -> dict:
    row: dict[str, object] = {"id": f"c{i}", "offered_at": T0 + timedelta(minutes=i)}
    if answer is not None:
        row["answered_at"] = row["offered_at"] + timedelta(seconds=answer)  # type: ignore[operator]
    if abandon is not None:
        row["abandoned_at"] = row["offered_at"] + timedelta(seconds=abandon)  # type: ignore[operator]
    row.update(kw)
    return row


def test_a_call_answered_exactly_at_the_target_second_counts_as_within() -> None:
    # answered at 20 s and 20.000001 s against 20 s → 1 of 2
    events = table("calls", [call(1, answer=20), call(2, answer=20.000001)])
    result = one("answered_within", events, MARCH, params={"seconds": 20})
    assert (result.numerator, result.denominator) == (1, 2)


def test_short_abandons_leave_the_denominator_and_the_boundary_at_5_s_is_short() -> None:
    # 4 answered in time, abandoned at 5 s (short: excluded), at 6 s (counted, not answered)
    # → answered within: 4 ÷ (6 offered − 1 short) = 4/5; abandonment: 1 ÷ 5
    rows = [call(i, answer=10) for i in range(4)] + [call(10, abandon=5), call(11, abandon=6)]
    events = table("calls", rows)
    within = one("answered_within", events, MARCH, params={"seconds": 20})
    assert (within.numerator, within.denominator) == (4, 5)
    abandoned = one("abandonment_rate", events, MARCH)
    assert (abandoned.numerator, abandoned.denominator) == (1, 5)
    assert abandoned.value == Fraction(1, 5)


def test_the_short_abandon_threshold_is_a_parameter() -> None:
    # with short_abandon_seconds 0, an abandon at 5 s counts: 1 ÷ 2
    events = table("calls", [call(1, answer=3), call(2, abandon=5)])
    result = one("abandonment_rate", events, MARCH, params={"short_abandon_seconds": 0})
    assert (result.numerator, result.denominator) == (1, 2)


def test_calls_are_anchored_at_offered_at_in_local_time() -> None:
    # offered 2026-03-31 23:59:59 KST (in March) and 2026-04-01 00:00:00 KST (April)
    rows = [
        {
            "id": "m",
            "offered_at": kst(2026, 3, 31, 23, 59, 59),
            "answered_at": kst(2026, 4, 1, 0, 0, 5),
        },
        {"id": "a", "offered_at": kst(2026, 4, 1), "answered_at": kst(2026, 4, 1, 0, 0, 5)},
    ]
    result = one("answered_within", table("calls", rows), MARCH, params={"seconds": 20})
    assert (result.numerator, result.denominator) == (1, 1)


def test_average_speed_of_answer_is_the_exact_mean_wait_of_answered_calls() -> None:
    # waits 10 s, 15 s, 20.5 s → 45.5 / 3 = 91/6 s; the abandoned call is not in it
    events = table(
        "calls", [call(1, answer=10), call(2, answer=15), call(3, answer=20.5), call(4, abandon=30)]
    )
    result = one("average_speed_of_answer", events, MARCH)
    assert result.value == Fraction(91, 6)
    assert result.sample_size == 3


def test_average_handle_time_adds_talk_hold_and_wrap() -> None:
    # (300 + 60 + 30) and (200 + 0 + 10, hold missing = 0) → (390 + 210) / 2 = 300 s
    events = table(
        "calls",
        [
            call(1, answer=5, talk_seconds=300, hold_seconds=60, wrap_seconds=30),
            call(2, answer=5, talk_seconds=200, wrap_seconds=10),
            call(3, abandon=40, talk_seconds=999),
        ],
    )
    assert one("average_handle_time", events, MARCH).value == 300


def test_first_contact_resolution_counts_answered_calls_with_a_value() -> None:
    # answered: true, false, null (not counted); abandoned true (not counted) → 1/2
    events = table(
        "calls",
        [
            call(1, answer=5, resolved_first_contact=True),
            call(2, answer=5, resolved_first_contact=False),
            call(3, answer=5),
            call(4, abandon=30, resolved_first_contact=True),
        ],
    )
    result = one("first_contact_resolution", events, MARCH)
    assert (result.numerator, result.denominator) == (1, 2)


def test_csat_average_and_top_two_box_use_scored_calls_only() -> None:
    # scores 5, 4, 3, 1 and one unscored → average 13/4; top-2: 2 of 4
    rows = [call(i, answer=5, csat=s) for i, s in enumerate([5, 4, 3, 1])] + [call(9, answer=5)]
    events = table("calls", rows)
    assert one("csat_average", events, MARCH).value == Fraction(13, 4)
    top2 = one("csat_top2", events, MARCH)
    assert (top2.numerator, top2.denominator) == (2, 4)


def test_quality_score_mean_keeps_decimals_exact() -> None:
    # 90.5 + 80.25 + 70.000001 = 240.750001 → / 3 = 80.250000333…
    rows = [
        call(1, answer=5, qa_score=Decimal("90.5")),
        call(2, answer=5, qa_score=Decimal("80.25")),
        call(3, answer=5, qa_score=Decimal("70.000001")),
        call(4, answer=5),
    ]
    result = one("quality_score", table("calls", rows), MARCH)
    assert result.value == Fraction(Decimal("240.750001")) / 3


def test_a_call_neither_answered_nor_abandoned_stays_offered_and_is_no_short_abandon() -> None:
    # one call answered at 10 s, one with no answer and no abandon time (still queued):
    # answered within 20 s: 1 ÷ (2 offered − 0 short) = 1/2; abandonment: 0 ÷ 2
    events = table("calls", [call(1, answer=10), call(2)])
    within = one("answered_within", events, MARCH, params={"seconds": 20})
    assert (within.numerator, within.denominator) == (1, 2)
    abandoned = one("abandonment_rate", events, MARCH)
    assert (abandoned.numerator, abandoned.denominator) == (0, 2)
