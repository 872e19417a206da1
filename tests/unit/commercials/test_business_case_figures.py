"""Business case figures with hand-computed values (docs/business-case.md)."""

from decimal import Decimal

import pytest
from commercials_fixtures import make_contract
from pydantic import ValidationError

from servicepact.domain.business_case import ActualMonth, BusinessCaseInputs
from servicepact.domain.errors import InvalidInput
from servicepact.engine.business_case import against_actuals, business_case

FEES = [
    {"id": "base", "kind": "fixed", "amount": 40000000},
    {"id": "calls", "kind": "per_unit", "source": "calls", "bands": [{"price": 1000}]},
    {"id": "transition", "kind": "one_time", "amount": 60000000, "month": "2026-01-01"},
]
CASE = {
    "contract_id": "acme-cs-2026",
    "currency": "KRW",
    "months": 12,
    "start": "2026-01",
    "discount_rate_percent": 0,
    "unit": "call",
    "unit_fee": "calls",
    "monthly_volume": {"calls": 60000},
    "in_house": {
        "fte": 40,
        "loaded_cost_per_fte": 3500000,
        "facilities": 5000000,
        "systems": 3000000,
        "overhead": 2000000,
    },
    "outsourced": {"retained_organisation": 10000000, "governance": 5000000},
    "broker": {"margin_percent": 8},
    "sensitivity": {"volume_percent": [0, 10], "price_percent": [0, 10]},
}


def run(**changes):
    inputs = BusinessCaseInputs.model_validate({**CASE, **changes})
    return business_case(inputs, make_contract(fees=FEES))


def test_savings_roi_and_payback_month_of_a_twelve_month_case():
    # in-house: 40 × 3,500,000 = 140,000,000 + 5,000,000 + 3,000,000 + 2,000,000 = 150,000,000
    # outsourced: fees 40,000,000 + 60,000 × 1,000 = 100,000,000; + 10,000,000 + 5,000,000
    #   = 115,000,000; month 1 adds the 60,000,000 transition fee = 175,000,000
    # saving: month 1 −25,000,000; months 2-12 +35,000,000; cumulative turns ≥ 0 in month 2
    # total −25,000,000 + 11 × 35,000,000 = 360,000,000; ROI 360,000,000 ÷ 60,000,000 = 600 %
    result = run()
    assert result.months[0].in_house == Decimal(150_000_000)
    assert result.months[0].outsourced == Decimal(175_000_000)
    assert result.months[0].saving == Decimal(-25_000_000)
    assert result.months[1].saving == Decimal(35_000_000)
    assert result.months[1].cumulative == Decimal(10_000_000)
    assert result.payback_month == 2
    assert result.saving_total == Decimal(360_000_000)
    assert result.investment == Decimal(60_000_000)
    assert result.roi_percent == Decimal("600.0")
    assert result.npv == Decimal(360_000_000)  # no discounting at 0 %


def test_npv_discounts_each_month_at_the_annual_rate():
    # month 12 at 12 %: 35,000,000 ÷ 1.12^(12/12) = 31,250,000
    # month 6 at 21 %: 35,000,000 ÷ 1.21^(6/12) = 35,000,000 ÷ 1.1 = 31,818,181.8… → 31,818,182
    assert run(discount_rate_percent=12).months[11].discounted == Decimal(31_250_000)
    assert run(discount_rate_percent=21).months[5].discounted == Decimal(31_818_182)
    assert run(discount_rate_percent=12).npv < Decimal(360_000_000)


def test_cost_per_unit_in_house_and_outsourced():
    # in-house 150,000,000 ÷ 60,000 calls = 2,500; outsourced 115,000,000 ÷ 60,000 = 1,916.67
    # → 1,917 KRW (one-time costs left out of a unit cost)
    result = run()
    assert result.cost_per_unit_in_house == Decimal(2500)
    assert result.cost_per_unit_outsourced == Decimal(1917)


def test_sensitivity_to_volume_and_price():
    # volume +10 %: 66,000 calls → fees 106,000,000; in-house staff 140,000,000 × 1.1 =
    # 154,000,000 → 164,000,000; monthly saving 164 − 121 = 43,000,000; month 1 − 60,000,000
    # → total −17,000,000 + 11 × 43,000,000 = 456,000,000
    # price +10 %: fees 110,000,000 (month 1 also transition 66,000,000); saving months 2-12:
    # 150 − 125 = 25,000,000; month 1: 150 − (176 + 15) = −41,000,000 → total 234,000,000
    cells = {(c.volume_percent, c.price_percent): c.total_saving for c in run().sensitivity}
    assert cells[(0, 0)] == Decimal(360_000_000)
    assert cells[(10, 0)] == Decimal(456_000_000)
    assert cells[(0, 10)] == Decimal(234_000_000)


def test_the_broker_margin_is_its_share_of_the_recurring_fees():
    # 8 % × 100,000,000 = 8,000,000 a month
    assert run().broker_margin_monthly == Decimal(8_000_000)


def test_planned_savings_against_realised_ones():
    # February invoice after credits 95,000,000: realised 150 − (95 + 15) = 40,000,000,
    # planned 35,000,000 → +5,000,000
    inputs = BusinessCaseInputs.model_validate(CASE)
    contract = make_contract(fees=FEES)
    result = business_case(inputs, contract)
    rows = against_actuals(
        inputs, contract, result, [ActualMonth(month="2026-02", invoiced=Decimal(95_000_000))]
    )
    february = rows[1]
    assert february.realised_saving == Decimal(40_000_000)
    assert february.difference == Decimal(5_000_000)
    assert rows[0].realised_saving is None
    assert rows[2].realised_cumulative is None


def test_a_discount_rate_out_of_range_is_refused():
    with pytest.raises(ValidationError, match="out of range"):
        run(discount_rate_percent=150)
    with pytest.raises(ValidationError, match="out of range"):
        run(discount_rate_percent=-1)


def test_a_case_in_another_currency_or_without_a_needed_volume_is_refused():
    with pytest.raises(InvalidInput, match="the business case is in USD, the contract in KRW"):
        run(currency="USD")
    with pytest.raises(ValidationError, match="unit_fee 'calls' has no monthly_volume"):
        run(monthly_volume={})
