"""Broker analysis: the margin and the performance across the broker layer."""

from dataclasses import replace
from decimal import Decimal

from commercials_fixtures import BREACHED, MET, NO_DATA, make_contract, result

from servicepact.domain.business_case import BrokerTerms
from servicepact.engine.broker import Comparison, broker_analysis


def months(statuses, contract_id):
    return [
        result("SL-01", f"2026-{n:02d}", s, contract_id=contract_id)
        for n, s in enumerate(statuses, start=1)
    ]


def test_the_margin_from_a_percent_and_from_the_vendors_fees():
    contract = make_contract()
    # 8 % × 100,000,000 = 8,000,000; vendor receives 92,000,000
    by_percent = broker_analysis(
        contract,
        [],
        {},
        client_fees_monthly=Decimal(100_000_000),
        terms=BrokerTerms(margin_percent=Decimal(8)),
    )
    assert by_percent.margin_monthly == Decimal(8_000_000)
    assert by_percent.vendor_fees_monthly == Decimal(92_000_000)
    # 100,000,000 − 90,000,000 = 10,000,000 = 10.0 %
    by_fees = broker_analysis(
        contract,
        [],
        {},
        client_fees_monthly=Decimal(100_000_000),
        terms=BrokerTerms(vendor_fees_monthly=Decimal(90_000_000)),
    )
    assert by_fees.margin_monthly == Decimal(10_000_000)
    assert by_fees.margin_percent == Decimal("10.0")


def test_performance_worse_than_comparable_direct_contracts_is_called_out():
    contract = make_contract()
    # brokered: 2 of 4 measured months met = 50.0 % (the no-data month is not counted)
    mine = months([MET, BREACHED, MET, BREACHED, NO_DATA], "acme-cs-2026")
    # direct: 3 of 4 = 75.0 % and 4 of 4 = 100 % → pooled 7 of 8 = 87.5 %
    direct = {
        "direct-a": months([MET, MET, MET, BREACHED], "direct-a"),
        "direct-b": months([MET, MET, MET, MET], "direct-b"),
    }
    analysis = broker_analysis(contract, mine, direct, client_fees_monthly=Decimal(1), terms=None)
    kpi, overall = analysis.comparisons
    assert overall.kpi == "(all service levels)"
    assert (kpi.brokered_met_percent, kpi.direct_met_percent) == (Decimal("50.0"), Decimal("87.5"))
    assert kpi.difference_points == Decimal("-37.5")
    assert kpi.comparison is Comparison.WORSE
    assert kpi.direct_contracts == ("direct-a", "direct-b")
    assert analysis.margin_monthly is None


def test_a_kpi_no_direct_contract_measures_has_no_comparison_but_the_overall_row_does():
    other_kpi = [
        replace(r, kpi="abandonment_rate", service_level_id="SL-09")
        for r in months([MET, MET], "direct-a")
    ]
    analysis = broker_analysis(
        make_contract(),
        months([MET, BREACHED], "acme-cs-2026"),
        {"direct-a": other_kpi},
        client_fees_monthly=Decimal(1),
        terms=None,
    )
    same_kpi, overall = analysis.comparisons
    assert same_kpi.comparison is Comparison.NO_COMPARISON
    # 1 of 2 brokered level-months met (50.0 %) against 2 of 2 direct (100.0 %)
    assert overall.difference_points == Decimal("-50.0")
    assert overall.comparison is Comparison.WORSE


def test_five_points_better_than_direct_is_material():
    # brokered 10 of 10 = 100.0 %; direct 10 of 10 and 9 of 10 → pooled 19 of 20 = 95.0 %
    # 100.0 − 95.0 = +5.0 points: exactly the material threshold → better
    analysis = broker_analysis(
        make_contract(),
        months([MET] * 10, "acme-cs-2026"),
        {
            "direct-a": months([MET] * 10, "direct-a"),
            "direct-b": months([MET] * 9 + [BREACHED], "direct-b"),
        },
        client_fees_monthly=Decimal(1),
        terms=None,
    )
    kpi, overall = analysis.comparisons
    assert (kpi.difference_points, kpi.comparison) == (Decimal("5.0"), Comparison.BETTER)
    assert (overall.difference_points, overall.comparison) == (Decimal("5.0"), Comparison.BETTER)


def test_a_running_month_is_not_compared_and_a_broker_fee_is_explained():
    # brokered: 3 of 4 closed months met = 75.0 %; the running month (breached so far) is left
    # out — counted, it would make 3 of 5 = 60.0 %. Direct: 3 of 4 = 75.0 % → 0.0 points.
    mine = months([MET, BREACHED, MET, MET], "acme-cs-2026")
    mine.append(replace(months([BREACHED] * 5, "acme-cs-2026")[4], running=True))
    analysis = broker_analysis(
        make_contract(),
        mine,
        {"direct-a": months([MET, MET, BREACHED, MET], "direct-a")},
        client_fees_monthly=Decimal(100_000_000),
        terms=BrokerTerms(margin_percent=Decimal(8), fee_monthly=Decimal(500_000)),
    )
    kpi, _ = analysis.comparisons
    assert (kpi.brokered_months, kpi.brokered_met_percent) == (4, Decimal("75.0"))
    assert (kpi.difference_points, kpi.comparison) == (Decimal("0.0"), Comparison.SIMILAR)
    assert analysis.broker_fee_monthly == Decimal(500_000)
    assert analysis.explanation[1] == "plus a broker fee of 500,000 a month"  # KRW, no minor unit
