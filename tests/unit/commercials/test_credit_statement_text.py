"""What a credit statement says, line by line, with hand-computed amounts (PRODUCT.md §7)."""

from dataclasses import asdict, replace
from decimal import Decimal

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

from servicepact.domain.credits import CreditFlag, CreditOutcome, EarnBackOutcome
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.periods import parse_period
from servicepact.engine.credits import compute_credits

SL = "credits.at_risk_percent; service_levels.{}.allocation_percent"


def test_each_outcome_of_a_month_states_its_clause_and_arithmetic():
    # at risk 12 % × 100,000,000 = 12,000,000. SL-01 breached in March after a breach in
    # January and a month below expected in February: both repeat within 12 months, so
    # 12,000,000 × 40 % × 1.5 = 7,200,000. SL-03 has no March result: flagged.
    contract = make_contract(
        {"SL-01": 40, "SL-02": 30, "SL-03": 20, "SL-04": 10},
        escalation={"within_months": 12, "multiplier": "1.5"},
    )
    months = {
        "2026-01": {"SL-01": BREACHED},
        "2026-02": {"SL-01": BELOW},
        "2026-03": {"SL-01": BREACHED, "SL-02": MET, "SL-04": BELOW},
    }
    stmt = statement(contract, months, "2026-03")
    targets = "measured {} against expected 80 %, minimum 75 %"
    assert [(x.outcome, x.months, x.clause, x.arithmetic) for x in stmt.lines] == [
        (
            CreditOutcome.CREDIT,
            ("2026-03", "2026-02", "2026-01"),
            SL.format("SL-01") + "; credits.escalation",
            f"breached ({targets.format('70.00 %')}): 12 % × 100,000,000 = 12,000,000; "
            "× 40 % × 1.5 (repeat within 12 months of 2026-02, 2026-01) = 7,200,000",
        ),
        (
            CreditOutcome.MET,
            ("2026-03",),
            SL.format("SL-02"),
            f"met: {targets.format('85.00 %')}",
        ),
        (
            CreditOutcome.NO_RESULT,
            ("2026-03",),
            SL.format("SL-03"),
            "no result for this month: no credit, flagged",
        ),
        (
            CreditOutcome.BELOW_EXPECTED,
            ("2026-03",),
            SL.format("SL-04"),
            "below expected but not below minimum: no credit (counts toward escalation); "
            + targets.format("77.00 %"),
        ),
    ]
    assert stmt.flags == (
        CreditFlag("SL-03", "2026-03", "no result for this month: no credit, flagged"),
    )
    summary = {k: v for k, v in asdict(stmt).items() if k not in ("lines", "flags")}
    assert summary == {
        "contract_id": "acme-cs-2026",
        "month": "2026-03",
        "currency": "KRW",
        "monthly_fees": Decimal(100_000_000),
        "at_risk": Decimal(12_000_000),
        "at_risk_arithmetic": "12 % × 100,000,000 = 12,000,000",
        "earn_back": (),
        "cap_applied": False,
        "cap_arithmetic": "",
        "notes": (),
    }
    assert stmt.total == Decimal(7_200_000)
    assert stmt.lines[0].category_percent is None  # SL-01 is in no performance category


def test_a_key_measurement_without_enough_data_shows_no_value():
    contract = make_contract({"SL-01": 40, "KM-01": None})
    stmt = statement(contract, {"2026-03": {"SL-01": MET, "KM-01": NO_DATA}}, "2026-03")
    km = next(x for x in stmt.lines if x.service_level_id == "KM-01")
    assert km.arithmetic == (
        "reported, no credit; measured n/a against expected 80 %, minimum 75 %"
    )


@pytest.mark.parametrize(
    ("expected", "minimum", "shown"),
    [
        ("0.85", "0.75", "expected 85 %, minimum 75 % (improved: the contract's 80 % / 75 %)"),
        ("0.80", "0.78", "expected 80 %, minimum 78 % (improved: the contract's 80 % / 75 %)"),
        ("0.80", "0.75", "expected 80 %, minimum 75 %): "),
    ],
)
def test_the_contracts_targets_are_added_when_either_judged_target_differs(
    expected, minimum, shown
):
    judged = result("SL-01", "2026-03", BREACHED, expected=expected, minimum=minimum)
    stmt = compute_credits(make_contract(), [judged], parse_period("2026-03"), FEES)
    assert f"measured 70.00 % against {shown}" in stmt.lines[0].arithmetic


def test_a_contract_without_credit_terms_says_so():
    contract = make_contract().model_copy(update={"credits": None})
    stmt = statement(contract, {"2026-03": {"SL-01": BREACHED}}, "2026-03", fees=Decimal(5))
    assert asdict(stmt) == {
        "contract_id": "acme-cs-2026",
        "month": "2026-03",
        "currency": "KRW",
        "monthly_fees": Decimal(5),
        "at_risk": Decimal(0),
        "at_risk_arithmetic": "the contract has no credit regime",
        "lines": (),
        "earn_back": (),
        "flags": (),
        "cap_applied": False,
        "cap_arithmetic": "",
        "notes": ("the contract has no credit regime: no credits",),
    }


def test_negative_fees_are_refused_naming_the_field_and_the_value():
    with pytest.raises(InvalidInput) as refused:
        statement(make_contract(), {}, "2026-03", fees=Decimal("-1.5"))
    assert list(refused.value.problems) == [
        Problem("monthly_fees", "must not be negative", value="-1.5")
    ]


def test_results_that_do_not_count_are_skipped_wherever_they_stand_in_the_history():
    # The quarter, the other contract's month and the running month come first; the closed
    # monthly breaches after them still count: 4,800,000 + 3,600,000.
    ignored = [
        result("SL-01", "2026-Q1", MET),
        result("SL-01", "2026-03", MET, contract_id="other-2026"),
        replace(result("SL-02", "2026-03", MET), running=True),
    ]
    counted = [result("SL-01", "2026-03", BREACHED), result("SL-02", "2026-03", BREACHED)]
    stmt = compute_credits(make_contract(), ignored + counted, parse_period("2026-03"), FEES)
    assert [x.charged for x in stmt.lines] == [Decimal(4_800_000), Decimal(3_600_000)]


def test_the_cap_gives_the_last_won_the_largest_remainder_in_a_currency_without_minor_unit():
    # 12,000,000 × 50 % = 6,000,000 twice and × 45 % = 5,400,000; sum 17,400,000 > cap.
    # 6,000,000 × 12,000,000 ÷ 17,400,000 = 4,137,931.03 → 4,137,931 (remainder 0.03), twice;
    # 5,400,000 × 12,000,000 ÷ 17,400,000 = 3,724,137.93 → 3,724,137 (remainder 0.93).
    # 11,999,999 leaves 1 won: it goes to SL-03, the largest remainder.
    contract = make_contract({"SL-01": 50, "SL-02": 50, "SL-03": 45})
    months = {"2026-03": {"SL-01": BREACHED, "SL-02": BREACHED, "SL-03": BREACHED}}
    stmt = statement(contract, months, "2026-03")
    assert [x.charged for x in stmt.lines] == [
        Decimal(4_137_931),
        Decimal(4_137_931),
        Decimal(3_724_138),
    ]
    assert stmt.total == Decimal(12_000_000)


EARN_BACK = "credits.earn_back.after_months_met"


@pytest.mark.parametrize(
    ("window", "partial", "outcome", "returned", "clause", "arithmetic"),
    [
        (
            (MET, MET, MET),
            False,
            EarnBackOutcome.RETURNED,
            Decimal(3_600_000),
            EARN_BACK,
            "met in all 3 months 2026-02..2026-04: the 2026-01 credit of 3,600,000 is returned",
        ),
        (
            # 3,600,000 × 2 ÷ 3 = 2,400,000
            (MET, BELOW, MET),
            True,
            EarnBackOutcome.PARTIAL,
            Decimal(2_400_000),
            EARN_BACK + "; credits.earn_back.partial",
            "met in 2 of 3 months (2026-02, 2026-04): 3,600,000 × 2 ÷ 3 = 2,400,000",
        ),
        (
            (BELOW, BREACHED, MET),
            False,
            EarnBackOutcome.BROKEN,
            Decimal(0),
            EARN_BACK,
            "not met in 2026-02, 2026-03: the 2026-01 credit of 3,600,000 is not returned",
        ),
    ],
)
def test_an_earn_back_line_explains_what_comes_back(
    window, partial, outcome, returned, clause, arithmetic
):
    # January: SL-01 met, SL-02 breached: 12,000,000 × 30 % = 3,600,000 charged.
    contract = make_contract(earn_back={"after_months_met": 3, "partial": partial})
    months = {"2026-01": {"SL-01": MET, "SL-02": BREACHED}} | {
        label: {"SL-01": MET, "SL-02": status}
        for label, status in zip(("2026-02", "2026-03", "2026-04"), window, strict=True)
    }
    (earned,) = statement(contract, months, "2026-04").earn_back
    assert earned.service_level_id == "SL-02"
    assert (earned.outcome, earned.returned, earned.clause, earned.arithmetic) == (
        outcome,
        returned,
        clause,
        arithmetic,
    )


@pytest.mark.parametrize(
    ("currency", "january_fees", "returned"),
    [
        ("KRW", Decimal(0), None),  # 0 at risk: a credit line of 0, nothing to earn back
        ("USD", Decimal("10.00"), Decimal("0.48")),  # 12 % × 10.00 = 1.20; × 40 % = 0.48
    ],
)
def test_only_a_credit_actually_charged_is_earned_back(currency, january_fees, returned):
    contract = make_contract(currency=currency, earn_back={"after_months_met": 1})
    months = {"2026-01": {"SL-01": BREACHED}, "2026-02": {"SL-01": MET}}
    stmt = statement(
        contract, months, "2026-02", fees=Decimal(100), fees_by_month={"2026-01": january_fees}
    )
    assert [x.returned for x in stmt.earn_back] == ([] if returned is None else [returned])
