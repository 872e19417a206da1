"""Service credits with hand-computed values (PRODUCT.md §7, docs/credits.md)."""

from dataclasses import asdict, replace
from decimal import Decimal
from fractions import Fraction

import pytest
from commercials_fixtures import (
    BELOW,
    BREACHED,
    FEES,
    MET,
    NO_DATA,
    make_contract,
    result,
    statement,
)

from servicepact.domain.credits import CreditOutcome, EarnBackOutcome
from servicepact.domain.kpis import Direction
from servicepact.domain.periods import parse_period
from servicepact.domain.results import status_for
from servicepact.engine.credits import compute_credits


def line(stmt, sl_id):
    return next(x for x in stmt.lines if x.service_level_id == sl_id)


def test_the_product_example_credits_both_breaches_under_the_cap():
    # at risk 12 % × 100,000,000 = 12,000,000
    # SL-01 40 % → 4,800,000; SL-02 30 % → 3,600,000; total 8,400,000 < 12,000,000
    stmt = statement(
        make_contract(), {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED}}, "2026-03"
    )
    assert stmt.at_risk == Decimal(12_000_000)
    assert line(stmt, "SL-01").charged == Decimal(4_800_000)
    assert line(stmt, "SL-02").charged == Decimal(3_600_000)
    assert stmt.total == Decimal(8_400_000)
    assert not stmt.cap_applied
    assert "12 % × 100,000,000 = 12,000,000; × 40 % = 4,800,000" in line(stmt, "SL-01").arithmetic
    assert line(stmt, "SL-01").months == ("2026-03",)
    assert "service_levels.SL-01.allocation_percent" in line(stmt, "SL-01").clause


def test_a_met_and_a_below_expected_level_earn_no_credit():
    stmt = statement(make_contract(), {"2026-03": {"SL-01": MET, "SL-02": BELOW}}, "2026-03")
    assert stmt.total == 0
    assert line(stmt, "SL-01").outcome is CreditOutcome.MET
    assert line(stmt, "SL-02").outcome is CreditOutcome.BELOW_EXPECTED
    assert "counts toward escalation" in line(stmt, "SL-02").arithmetic


def test_a_month_over_the_cap_shares_the_at_risk_amount_among_the_breaches():
    # pool 150 %: 50 + 50 + 50; each 12,000,000 × 50 % = 6,000,000; sum 18,000,000
    # capped at 12,000,000: each 6,000,000 × 12,000,000 ÷ 18,000,000 = 4,000,000
    contract = make_contract({"SL-01": 50, "SL-02": 50, "SL-03": 50})
    months = {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED, "SL-03": BREACHED}}
    stmt = statement(contract, months, "2026-03")
    assert stmt.total_before_cap == Decimal(18_000_000)
    assert stmt.cap_applied
    assert [x.charged for x in stmt.lines] == [Decimal(4_000_000)] * 3
    assert stmt.total == stmt.at_risk == Decimal(12_000_000)
    assert "18,000,000 exceed the at-risk amount 12,000,000" in stmt.cap_arithmetic


def test_the_cap_is_shared_to_the_cent_with_the_largest_remainders_first():
    # USD 1,000.00 × 12 % = 120.00; 50 % → 60.00, 50 % → 60.00, 45 % → 54.00; sum 174.00
    # shares: 60 × 120 ÷ 174 = 41.3793… → 41.37 (+0.0093 left), same, 54 × 120 ÷ 174 = 37.2413…
    # → 37.24 (+0.0013); 119.98 leaves 0.02: one cent each to the two largest remainders
    contract = make_contract({"SL-01": 50, "SL-02": 50, "SL-03": 45}, currency="USD")
    months = {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED, "SL-03": BREACHED}}
    stmt = statement(contract, months, "2026-03", fees=Decimal("1000.00"))
    assert [x.charged for x in stmt.lines] == [Decimal("41.38"), Decimal("41.38"), Decimal("37.24")]
    assert stmt.total == Decimal("120.00")


def test_a_pool_over_100_percent_is_not_capped_while_the_breaches_stay_under_the_at_risk_amount():
    # pool 150 % but only SL-01 (50 %) and SL-02 (50 %) breach: 6,000,000 + 6,000,000 = 12,000,000
    contract = make_contract({"SL-01": 50, "SL-02": 50, "SL-03": 50})
    months = {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED, "SL-03": MET}}
    stmt = statement(contract, months, "2026-03")
    assert stmt.total == Decimal(12_000_000)
    assert not stmt.cap_applied


def test_a_category_allocation_multiplies_the_level_allocation():
    # 12,000,000 × category service 60 % × SL-01 50 % = 3,600,000
    # 12,000,000 × category quality 40 % × SL-02 50 % = 2,400,000
    contract = make_contract(
        {"SL-01": 50, "SL-02": 50},
        categories=[
            {"id": "service", "allocation_percent": 60},
            {"id": "quality", "allocation_percent": 40},
        ],
        levels={"SL-01": {"category": "service"}, "SL-02": {"category": "quality"}},
    )
    stmt = statement(contract, {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED}}, "2026-03")
    assert line(stmt, "SL-01").charged == Decimal(3_600_000)
    assert line(stmt, "SL-02").charged == Decimal(2_400_000)
    assert "× category service 60 % × 50 % = 3,600,000" in line(stmt, "SL-01").arithmetic


def test_a_second_breach_within_twelve_months_is_multiplied():
    # January breach: 4,800,000; March breach repeats it: 4,800,000 × 1.5 = 7,200,000
    contract = make_contract(escalation={"within_months": 12, "multiplier": "1.5"})
    months = {
        "2026-01": {"SL-01": BREACHED},
        "2026-02": {"SL-01": MET},
        "2026-03": {"SL-01": BREACHED},
    }
    stmt = statement(contract, months, "2026-03")
    sl01 = line(stmt, "SL-01")
    assert sl01.charged == Decimal(7_200_000)
    assert sl01.months == ("2026-03", "2026-01")
    assert sl01.multiplier == Decimal("1.5")
    assert "credits.escalation" in sl01.clause
    assert "× 40 % × 1.5 (repeat within 12 months of 2026-01) = 7,200,000" in sl01.arithmetic


def test_a_breach_twelve_months_later_is_not_a_repeat_but_eleven_months_later_is():
    contract = make_contract(escalation={"within_months": 12, "multiplier": "1.5"})
    twelve = statement(
        contract, {"2026-01": {"SL-01": BREACHED}, "2027-01": {"SL-01": BREACHED}}, "2027-01"
    )
    eleven = statement(
        contract, {"2026-02": {"SL-01": BREACHED}, "2027-01": {"SL-01": BREACHED}}, "2027-01"
    )
    assert line(twelve, "SL-01").charged == Decimal(4_800_000)
    assert line(eleven, "SL-01").charged == Decimal(7_200_000)


def test_a_month_below_expected_counts_toward_escalation_unless_the_contract_says_otherwise():
    months = {"2026-02": {"SL-01": BELOW}, "2026-03": {"SL-01": BREACHED}}
    counted = make_contract(escalation={"multiplier": "2"})
    not_counted = make_contract(escalation={"multiplier": "2", "count_below_expected": False})
    # 4,800,000 × 2 = 9,600,000 when February's shortfall counts
    assert line(statement(counted, months, "2026-03"), "SL-01").charged == Decimal(9_600_000)
    assert line(statement(not_counted, months, "2026-03"), "SL-01").charged == Decimal(4_800_000)


def test_a_credit_is_earned_back_after_three_months_met():
    # January credit 4,800,000; February, March, April met → returned in April
    contract = make_contract(earn_back={"after_months_met": 3})
    months = {
        "2026-01": {"SL-01": BREACHED, "SL-02": MET},
        "2026-02": {"SL-01": MET, "SL-02": MET},
        "2026-03": {"SL-01": MET, "SL-02": MET},
        "2026-04": {"SL-01": MET, "SL-02": MET},
    }
    april = statement(contract, months, "2026-04")
    (earned,) = april.earn_back
    assert earned.outcome is EarnBackOutcome.RETURNED
    assert earned.credit_month == "2026-01"
    assert earned.window == ("2026-02", "2026-03", "2026-04")
    assert earned.credited == earned.returned == Decimal(4_800_000)
    assert april.total == 0
    assert april.net == Decimal(-4_800_000)
    # March is only two months in: nothing is returned yet
    assert statement(contract, months, "2026-03").earn_back == ()


def test_an_earn_back_is_broken_by_a_month_not_met():
    contract = make_contract(earn_back={"after_months_met": 3})
    months = {
        "2026-01": {"SL-01": BREACHED},
        "2026-02": {"SL-01": MET},
        "2026-03": {"SL-01": BELOW},
        "2026-04": {"SL-01": MET},
    }
    (earned,) = statement(contract, months, "2026-04").earn_back
    assert earned.outcome is EarnBackOutcome.BROKEN
    assert earned.returned == 0
    assert "not met in 2026-03" in earned.arithmetic


def test_a_partial_earn_back_returns_a_share_for_each_month_met():
    # 4,800,000 × 2 ÷ 3 = 3,200,000 (February and April met, March not)
    contract = make_contract(earn_back={"after_months_met": 3, "partial": True})
    months = {
        "2026-01": {"SL-01": BREACHED},
        "2026-02": {"SL-01": MET},
        "2026-03": {"SL-01": BREACHED},
        "2026-04": {"SL-01": MET},
    }
    (earned,) = statement(contract, months, "2026-04").earn_back
    assert earned.outcome is EarnBackOutcome.PARTIAL
    assert earned.returned == Decimal(3_200_000)
    assert earned.months_met == ("2026-02", "2026-04")


def test_an_earn_back_uses_the_fees_of_the_credit_month_when_given():
    # January fees 50,000,000: 12 % = 6,000,000 × 40 % = 2,400,000 returned in April
    contract = make_contract(earn_back={"after_months_met": 3})
    months = {"2026-01": {"SL-01": BREACHED}} | {
        m: {"SL-01": MET} for m in ("2026-02", "2026-03", "2026-04")
    }
    april = statement(contract, months, "2026-04", fees_by_month={"2026-01": Decimal(50_000_000)})
    assert april.earn_back[0].returned == Decimal(2_400_000)
    assert april.notes == ()
    assumed = statement(contract, months, "2026-04")
    assert assumed.earn_back[0].returned == Decimal(4_800_000)
    assert "assumes" in assumed.notes[0]


def test_a_contract_year_ratchet_breaches_a_value_that_met_the_minimum_in_year_one():
    # Year 2 with 10 % of the gap: expected 0.80 + 10 % × 0.20 = 0.82; minimum 0.75 + 10 % × 0.25
    # = 0.775. A value of 77 % was below expected in year 1 (≥ 75 %) but is breached in year 2.
    from fractions import Fraction

    contract = make_contract(levels={"SL-01": {"improvement": {"per_year_percent_of_gap": 10}}})
    value = Fraction(77, 100)
    year_one = status_for(
        value,
        expected=Decimal("0.80"),
        minimum=Decimal("0.75"),
        direction=Direction.HIGHER_IS_BETTER,
        sample_size=100,
    )
    year_two = status_for(
        value,
        expected=Decimal("0.82"),
        minimum=Decimal("0.775"),
        direction=Direction.HIGHER_IS_BETTER,
        sample_size=100,
    )
    assert (year_one, year_two) == (BELOW, BREACHED)
    # The targets engine gives the same year-2 levels the result carries.
    from servicepact.engine.targets import targets_for

    march_2027 = parse_period("2027-03")
    expected, minimum = targets_for(contract, contract.service_level("SL-01"), march_2027)
    assert (expected, minimum) == (Decimal("0.82"), Decimal("0.775"))
    res = result("SL-01", "2027-03", year_two, expected=str(expected), minimum=str(minimum))
    stmt = compute_credits(contract, [res], march_2027, FEES)
    sl01 = line(stmt, "SL-01")
    assert sl01.charged == Decimal(4_800_000)
    assert (sl01.expected, sl01.minimum) == (Decimal("0.82"), Decimal("0.775"))
    assert (
        "expected 82 %, minimum 77.5 % (improved: contract year 2, 10 % of the gap to "
        "perfection a year; the contract's 80 % / 75 %)"
    ) in sl01.arithmetic


def test_a_month_with_insufficient_data_earns_no_credit_and_is_flagged():
    stmt = statement(make_contract(), {"2026-03": {"SL-01": NO_DATA}}, "2026-03")
    assert stmt.total == 0
    assert line(stmt, "SL-01").outcome is CreditOutcome.INSUFFICIENT_DATA
    assert line(stmt, "SL-02").outcome is CreditOutcome.NO_RESULT
    assert [f.service_level_id for f in stmt.flags] == ["SL-01", "SL-02"]


def test_a_key_measurement_is_reported_and_never_credited():
    contract = make_contract({"SL-01": 40, "KM-01": None})
    stmt = statement(contract, {"2026-03": {"SL-01": MET, "KM-01": BREACHED}}, "2026-03")
    km = line(stmt, "KM-01")
    assert km.outcome is CreditOutcome.KEY_MEASUREMENT
    assert km.charged == 0
    assert stmt.total == 0


def test_an_approved_exclusion_waives_the_credit():
    stmt = statement(
        make_contract(),
        {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED}},
        "2026-03",
        waived={("SL-01", "2026-03")},
    )
    assert line(stmt, "SL-01").outcome is CreditOutcome.WAIVED
    assert stmt.total == Decimal(3_600_000)


def test_usd_credits_round_half_up_to_the_cent_once_per_line():
    # 12 % × 123,456.78 = 14,814.8136 → 14,814.81; × 33 % = 4,888.8873 → 4,888.89
    contract = make_contract({"SL-01": 33}, currency="USD")
    stmt = statement(contract, {"2026-03": {"SL-01": BREACHED}}, "2026-03", Decimal("123456.78"))
    assert stmt.at_risk == Decimal("14814.81")
    assert line(stmt, "SL-01").charged == Decimal("4888.89")
    assert "12 % × 123,456.78 = 14,814.81; × 33 % = 4,888.89" in line(stmt, "SL-01").arithmetic


def test_negative_fees_are_refused():
    from servicepact.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="must not be negative"):
        statement(make_contract(), {}, "2026-03", fees=Decimal(-1))


def test_allocations_over_the_pool_or_the_per_level_cap_are_refused_by_the_contract():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="above the pool of 100"):
        make_contract({"SL-01": 50, "SL-02": 50, "SL-03": 10}, pool_percent=100)
    with pytest.raises(ValidationError, match="above the per-level cap of 50"):
        make_contract({"SL-01": 60})


def test_results_of_other_contracts_quarters_and_running_months_are_not_credited():
    # Only SL-01's closed March result of this contract counts: 12 % × 40 % = 4,800,000.
    running = replace(result("SL-02", "2026-03", BREACHED), running=True)
    results = [
        result("SL-01", "2026-03", BREACHED),
        result("SL-02", "2026-03", BREACHED, contract_id="other-2026"),
        result("SL-02", "2026-Q1", BREACHED),
        running,
    ]
    stmt = compute_credits(make_contract(), results, parse_period("2026-03"), FEES)
    assert line(stmt, "SL-01").charged == Decimal(4_800_000)
    assert line(stmt, "SL-02").charged == 0
    assert stmt.total == Decimal(4_800_000)


def test_a_quarterly_level_is_left_to_its_own_period():
    contract = make_contract(levels={"SL-02": {"period": "quarter"}})
    stmt = statement(contract, {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED}}, "2026-03")
    assert [x.service_level_id for x in stmt.lines] == ["SL-01"]
    assert stmt.total == Decimal(4_800_000)


def test_a_contract_without_credit_terms_has_an_empty_statement():
    contract = make_contract()
    contract = contract.model_copy(update={"credits": None})
    stmt = statement(contract, {"2026-03": {"SL-01": BREACHED}}, "2026-03")
    assert (stmt.total, stmt.lines) == (0, ())


def test_targets_a_result_was_judged_against_are_shown_when_they_differ():
    # A result judged against 0.85 / 0.78 while the contract now says 0.80 / 0.75.
    judged = result("SL-01", "2026-03", BREACHED, expected="0.85", minimum="0.78")
    stmt = compute_credits(make_contract(), [judged], parse_period("2026-03"), FEES)
    assert (
        "against expected 85 %, minimum 78 % (improved: the contract's 80 % / 75 %)"
        in line(stmt, "SL-01").arithmetic
    )


def test_every_field_of_each_kind_of_line_is_stated():
    # SL-01, SL-03 and SL-04 in category "service" (50 %); KM-01 a key measurement.
    in_service = {"category": "service"}
    contract = make_contract(
        {"SL-01": 40, "KM-01": None, "SL-03": 30, "SL-04": 20},
        categories=[{"id": "service", "allocation_percent": 50}],
        levels={"SL-01": in_service, "SL-03": in_service, "SL-04": in_service},
    )
    months = {"2026-03": {"SL-01": BREACHED, "KM-01": BELOW, "SL-03": BREACHED, "SL-04": NO_DATA}}
    stmt = statement(contract, months, "2026-03", waived={("SL-03", "2026-03")})
    common = {"months": ("2026-03",), "multiplier": Decimal(1)}
    targets = {"expected": Decimal("0.80"), "minimum": Decimal("0.75")}
    assert [asdict(x) for x in stmt.lines] == [
        {
            **common,
            **targets,
            "service_level_id": "SL-01",
            "name": "Calls answered within 20 s (SL-01)",
            "outcome": CreditOutcome.CREDIT,
            "clause": (
                "credits.at_risk_percent; service_levels.SL-01.allocation_percent; "
                "credits.categories.service"
            ),
            # 12 % × 100,000,000 = 12,000,000; × 50 % × 40 % = 2,400,000
            "arithmetic": (
                "breached (measured 70.00 % against expected 80 %, minimum 75 %): "
                "12 % × 100,000,000 = 12,000,000; × category service 50 % × 40 % = 2,400,000"
            ),
            "value": "70.00 %",
            "allocation_percent": Decimal(40),
            "category_percent": Decimal(50),
            "amount": Decimal(2_400_000),
            "charged": Decimal(2_400_000),
        },
        {
            **common,
            **targets,
            "service_level_id": "KM-01",
            "name": "Calls answered within 20 s (KM-01)",
            "outcome": CreditOutcome.KEY_MEASUREMENT,
            "clause": "service_levels.KM-01: key measurement (kind: key)",
            "arithmetic": (
                "reported, no credit; measured 77.00 % against expected 80 %, minimum 75 %"
            ),
            "value": "77.00 %",
            "allocation_percent": None,
            "category_percent": None,
            "amount": Decimal(0),
            "charged": Decimal(0),
        },
        {
            **common,
            **targets,
            "service_level_id": "SL-03",
            "name": "Calls answered within 20 s (SL-03)",
            "outcome": CreditOutcome.WAIVED,
            "clause": (
                "credits.at_risk_percent; service_levels.SL-03.allocation_percent; "
                "approved exclusion"
            ),
            "arithmetic": "an approved exclusion covers this month: no credit",
            "value": "70.00 %",
            "allocation_percent": Decimal(30),
            "category_percent": None,
            "amount": Decimal(0),
            "charged": Decimal(0),
        },
        {
            **common,
            **targets,
            "service_level_id": "SL-04",
            "name": "Calls answered within 20 s (SL-04)",
            "outcome": CreditOutcome.INSUFFICIENT_DATA,
            "clause": (
                "credits.at_risk_percent; service_levels.SL-04.allocation_percent; "
                "service_levels.SL-04.min_sample"
            ),
            "arithmetic": "insufficient data (0 events, at least 1 needed): no credit, flagged",
            "value": None,
            "allocation_percent": Decimal(20),
            "category_percent": None,
            "amount": Decimal(0),
            "charged": Decimal(0),
        },
    ]


def test_a_key_measurement_without_a_result_says_only_that_it_is_reported():
    contract = make_contract({"SL-01": 40, "KM-01": None})
    stmt = statement(contract, {"2026-03": {"SL-01": MET}}, "2026-03")
    km = line(stmt, "KM-01")
    assert (km.arithmetic, km.value, km.expected) == ("reported, no credit", None, None)


def test_a_value_in_seconds_is_shown_in_its_unit():
    # Average speed of answer 905/20 = 45.25 s against 30 s expected, 40 s minimum.
    asa = {"kpi": "average_speed_of_answer", "params": {}, "expected": "30", "minimum": "40"}
    contract = make_contract({"SL-01": 40}, levels={"SL-01": asa})
    measured = replace(
        result("SL-01", "2026-03", BREACHED, expected="30", minimum="40"), value=Fraction(905, 20)
    )
    stmt = compute_credits(contract, [measured], parse_period("2026-03"), FEES)
    assert line(stmt, "SL-01").value == "45.25 seconds"
    assert line(stmt, "SL-01").arithmetic.startswith(
        "breached (measured 45.25 seconds against expected 30, minimum 40): "
    )
