"""Service level × period → result: status, sample, filters, exclusions, running periods."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from evaluate_fixtures import answered_sl, calls, contract, kst, table

from servicepact.domain.errors import InvalidInput
from servicepact.domain.exclusions import Exclusion, ExclusionReason, ExclusionStatus
from servicepact.domain.periods import month, parse_period
from servicepact.domain.results import ResultStatus
from servicepact.engine.evaluate import (
    ENGINE_VERSION,
    ClockCache,
    evaluate_contract,
    evaluate_service_level,
)

MARCH = month(2026, 3)


def evaluate(c, events, period=MARCH, **kw):  # type: ignore[no-untyped-def]
    return evaluate_service_level(
        c, c.service_levels[0], period, events, clock_cache=ClockCache(), **kw
    )


def test_19_of_20_against_95_percent_is_met_exactly() -> None:
    # 19/20 = 0.95 exactly → met (no float rounding)
    result = evaluate(contract(answered_sl()), table("calls", calls(19, 1)))
    assert (result.numerator, result.denominator) == (19, 20)
    assert result.value == Fraction(19, 20)
    assert result.status is ResultStatus.MET


def test_between_minimum_and_expected_is_below_expected_and_under_minimum_is_breached() -> None:
    # 18/20 = 0.90 = minimum → below expected; 17/20 = 0.85 → breached
    assert (
        evaluate(contract(answered_sl()), table("calls", calls(18, 2))).status
        is ResultStatus.BELOW_EXPECTED
    )
    assert (
        evaluate(contract(answered_sl()), table("calls", calls(17, 3))).status
        is ResultStatus.BREACHED
    )


def test_too_few_events_is_insufficient_data_and_never_zero_or_hundred_percent() -> None:
    # min_sample 30, 20 calls → insufficient data, value kept but status grey
    result = evaluate(contract(answered_sl(min_sample=30)), table("calls", calls(20, 0)))
    assert result.status is ResultStatus.INSUFFICIENT_DATA
    empty = evaluate(contract(answered_sl()), table("calls", []))
    assert empty.status is ResultStatus.INSUFFICIENT_DATA
    assert empty.value is None
    assert empty.sample_size == 0


def test_filters_select_events_before_anything_else() -> None:
    # phone: 10 in time; chat: 0 of 10 in time; filter phone → 10/10, both → 10/20
    events = table("calls", calls(10, 0, channel="phone") + calls(0, 10, channel="chat"))
    phone = evaluate(contract(answered_sl(filter={"channel": "phone"})), events)
    assert (phone.numerator, phone.denominator) == (10, 10)
    both = evaluate(contract(answered_sl(filter={"channel": ["phone", "chat"]})), events)
    assert (both.numerator, both.denominator) == (10, 20)


def test_a_filter_on_a_missing_column_names_where_it_is() -> None:
    with pytest.raises(InvalidInput, match=r"filter\.region"):
        evaluate(contract(answered_sl(filter={"region": "north"})), table("calls", calls(1, 0)))


def exclusion(**kw: object) -> Exclusion:
    base: dict[str, object] = {
        "id": "X-1",
        "contract_id": "acme-cs",
        "source": "calls",
        "reason": ExclusionReason.CLIENT_CAUSED,
        "requested_by": "vendor-user",
        "requested_at": datetime(2026, 4, 2, tzinfo=UTC),
        "status": ExclusionStatus.APPROVED,
        "decided_by": "client-user",
    }
    base.update(kw)
    return Exclusion.model_validate(base)


def test_approved_exclusions_remove_events_from_numerator_and_denominator_and_are_listed() -> None:
    # 17 in time + 3 late = 17/20 breached; excluding 2 late calls → 17/18 = 0.944 below expected
    rows = calls(17, 3)
    late_ids = (rows[17]["id"], rows[18]["id"])
    waiver = exclusion(event_ids=late_ids)
    result = evaluate(contract(answered_sl()), table("calls", rows), exclusions=[waiver])
    assert (result.numerator, result.denominator, result.excluded) == (17, 18, 2)
    assert result.status is ResultStatus.BELOW_EXPECTED
    assert any("X-1" in note for note in result.notes)


def test_requested_or_rejected_exclusions_change_nothing() -> None:
    rows = calls(17, 3)
    pending = exclusion(
        event_ids=(rows[19]["id"],), status=ExclusionStatus.REQUESTED, decided_by=None
    )
    result = evaluate(contract(answered_sl()), table("calls", rows), exclusions=[pending])
    assert (result.numerator, result.denominator, result.excluded) == (17, 20, 0)


def test_a_whole_period_exclusion_leaves_no_measure() -> None:
    waiver = exclusion(period="2026-03", reason=ExclusionReason.FORCE_MAJEURE)
    result = evaluate(contract(answered_sl()), table("calls", calls(17, 3)), exclusions=[waiver])
    assert result.status is ResultStatus.INSUFFICIENT_DATA
    assert result.excluded == 20
    assert result.notes[0].startswith("period excluded")


def test_an_exclusion_for_another_service_level_does_not_apply() -> None:
    rows = calls(17, 3)
    other = exclusion(event_ids=(rows[19]["id"],), service_level_id="SL-99")
    result = evaluate(contract(answered_sl()), table("calls", rows), exclusions=[other])
    assert result.excluded == 0


def test_a_running_period_is_evaluated_up_to_now() -> None:
    # calls on 10 Mar (10 in time) and 20 Mar (10 late); now = 15 Mar → 10/10, running
    events = table("calls", calls(10, 0, day=10) + calls(0, 10, day=20))
    result = evaluate(contract(answered_sl()), events, now=kst(2026, 3, 15, 12))
    assert result.running
    assert (result.numerator, result.denominator) == (10, 10)
    closed = evaluate(contract(answered_sl()), events, now=kst(2026, 4, 2))
    assert not closed.running
    assert (closed.numerator, closed.denominator) == (10, 20)


def test_continuous_improvement_applies_in_later_contract_years() -> None:
    # 0.95/0.90 with 10 % of the gap: year 2 (2027) → 0.955 / 0.91
    c = contract(answered_sl(improvement={"per_year_percent_of_gap": 10}))
    result = evaluate(c, table("calls", []), period=month(2027, 3))
    assert (result.expected, result.minimum) == (Decimal("0.955"), Decimal("0.91"))


def test_completeness_compares_received_events_with_the_declared_daily_volume() -> None:
    # 20 calls received; 10 a day expected "per working day". The level runs on the 24×7
    # calendar, so the working days are the contract's office calendar's: March 2026 has 22
    # weekdays, less 2 March (substitute holiday for 삼일절 on Sunday 1 March) = 21 → 20/210.
    c = contract(answered_sl(), expected_daily_volume={"calls": 10})
    result = evaluate(c, table("calls", calls(19, 1)))
    assert result.completeness == Fraction(20, 210)


def test_completeness_counts_every_day_when_the_contract_has_only_a_24x7_calendar() -> None:
    # No calendar with working hours: every day counts → 31 days × 10 = 310 → 20/310.
    c = contract(answered_sl(), expected_daily_volume={"calls": 10})
    c = c.model_copy(update={"calendars": {"always": c.calendars["always"]}})
    result = evaluate(c, table("calls", calls(19, 1)))
    assert result.completeness == Fraction(20, 310)


def test_inputs_hash_changes_with_the_batches_and_is_stable_otherwise() -> None:
    c = contract(answered_sl())
    a = evaluate(c, table("calls", calls(19, 1), batch="b1"))
    again = evaluate(c, table("calls", calls(19, 1), batch="b1"))
    other = evaluate(c, table("calls", calls(19, 1), batch="b2"))
    assert a.inputs_hash == again.inputs_hash != other.inputs_hash
    assert len(a.inputs_hash) == 64


def test_inputs_hash_changes_with_the_engine_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # A result computed by another engine version must not look up to date.
    import servicepact.engine.evaluate as engine_evaluate

    c = contract(answered_sl())
    before = evaluate(c, table("calls", calls(19, 1), batch="b1")).inputs_hash
    monkeypatch.setattr(engine_evaluate, "ENGINE_VERSION", ENGINE_VERSION + ".next")
    after = evaluate(c, table("calls", calls(19, 1), batch="b1")).inputs_hash
    assert before != after


def test_evaluate_contract_runs_each_service_level_for_the_periods_of_its_kind() -> None:
    c = contract(
        answered_sl(),
        answered_sl(id="SL-02", period="quarter", kind="key", allocation_percent=None),
    )
    events = table("calls", calls(19, 1))
    monthly = evaluate_contract(
        c, {"calls": events}, [parse_period("2026-03"), parse_period("2026-04")]
    )
    assert [(r.service_level_id, r.period) for r in monthly] == [
        ("SL-01", "2026-03"),
        ("SL-01", "2026-04"),
    ]
    quarterly = evaluate_contract(c, {"calls": events}, [parse_period("2026-Q1")])
    assert [(r.service_level_id, r.numerator, r.denominator) for r in quarterly] == [
        ("SL-02", 19, 20)
    ]


def test_a_source_without_events_gives_insufficient_data() -> None:
    results = evaluate_contract(contract(answered_sl()), {}, [MARCH])
    assert results[0].status is ResultStatus.INSUFFICIENT_DATA


def test_a_period_that_has_not_started_is_neither_running_nor_measured() -> None:
    result = evaluate(contract(answered_sl()), table("calls", calls(19, 1)), now=kst(2026, 2, 10))
    assert not result.running
    assert result.status is ResultStatus.INSUFFICIENT_DATA
    assert "the period has not started" in result.notes
