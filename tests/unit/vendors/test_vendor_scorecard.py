"""Vendor scorecards computed by hand: components, gaps, composite, standing, ranking, trend."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from servicepact.domain.results import ResultStatus
from servicepact.domain.scorecards import Band, Component, ScorecardWeights, StandingAction
from servicepact.engine.scorecard import (
    CreditsInput,
    InvoiceInput,
    Scorecard,
    ScorecardInputs,
    SlInput,
    SurveyInput,
    compare_scorecards,
    rank_vendors,
    scorecard_trend,
    standing_change,
    vendor_scorecard,
)

WEIGHTS = ScorecardWeights()


def _sl(
    sl_id: str, status: ResultStatus, allocation: int | None, period: str = "2026-03"
) -> SlInput:
    return SlInput(
        "acme-cs",
        sl_id,
        period,
        status,
        None if allocation is None else Decimal(allocation),
        "no calls offered" if status is ResultStatus.INSUFFICIENT_DATA else "",
    )


def _march(**overrides: object) -> ScorecardInputs:
    values: dict[str, object] = {
        "service_levels": (
            _sl("SL-01", ResultStatus.MET, 40),
            _sl("SL-02", ResultStatus.BREACHED, 30),
            _sl("SL-03", ResultStatus.BELOW_EXPECTED, None),  # key measurement
            _sl("SL-04", ResultStatus.INSUFFICIENT_DATA, 20),
        ),
        "credits": CreditsInput(Decimal(3_600_000), Decimal(12_000_000)),
        "invoice": InvoiceInput(lines_checked=20, lines_with_difference=1),
        "control_findings_open": 1,
        "open_risk_scores": (6, 12),
        "survey": None,
    }
    values.update(overrides)
    return ScorecardInputs(**values)  # type: ignore[arg-type]


def test_components_and_composite_match_hand_computation() -> None:
    # service levels: (40×100 + 30×0 + 10×50) / (40 + 30 + 10) = 4,500 / 80 = 56.25
    #   (SL-04 has insufficient data: a gap, not a 0; the key measurement weighs 10)
    # credits: 100 × (1 − 3.6 M / 12 M) = 70; invoice: 100 × 19/20 = 95
    # control findings: 100 − 20 × 1 = 80; open risks: 100 × (1 − 12/25) = 52; survey: gap
    # composite over the weights with data (40+15+15+10+10 = 90):
    #   (40×56.25 + 15×70 + 15×95 + 10×80 + 10×52) / 90 = (2,250 + 1,050 + 1,425 + 800 + 520) / 90
    #   = 6,045 / 90 = 67.1666… → fair (50 ≤ x < 80) → notify
    card = vendor_scorecard("helpco", "2026-03", _march(), WEIGHTS)
    assert card.component(Component.SERVICE_LEVELS).score == Fraction(225, 4)
    assert card.component(Component.CREDITS).score == 70
    assert card.component(Component.INVOICE_ACCURACY).score == 95
    assert card.component(Component.CONTROL_FINDINGS).score == 80
    assert card.component(Component.OPEN_RISKS).score == 52
    assert card.component(Component.SURVEY).score is None
    assert card.composite == Fraction(6045, 90)
    assert card.standing is not None
    assert card.standing.name == "fair"
    assert card.actions == (StandingAction.NOTIFY,)


def test_insufficient_data_and_missing_components_are_listed_as_gaps_with_reasons() -> None:
    card = vendor_scorecard("helpco", "2026-03", _march(), WEIGHTS)
    reasons = [(g.component, g.reason) for g in card.gaps]
    assert (
        Component.SERVICE_LEVELS,
        "acme-cs/SL-04 2026-03: insufficient data (no calls offered)",
    ) in reasons
    assert (Component.SURVEY, "no relationship survey for the quarter") in reasons


def test_a_month_without_service_level_data_has_no_composite_rather_than_zero_or_perfect() -> None:
    inputs = _march(service_levels=(_sl("SL-01", ResultStatus.INSUFFICIENT_DATA, 40),))
    card = vendor_scorecard("helpco", "2026-03", inputs, WEIGHTS)
    assert card.composite is None
    assert card.standing is None
    assert card.actions == ()
    assert any(g.reason == "no service level had enough data" for g in card.gaps)


def test_a_survey_counts_with_its_weight_when_entered() -> None:
    # as above plus survey 90 with weight 10: (6,045 + 900) / 100 = 69.45
    inputs = _march(survey=SurveyInput("2026-Q1", Decimal(90), respondents=12))
    card = vendor_scorecard("helpco", "2026-03", inputs, WEIGHTS)
    assert card.composite == Fraction(6945, 100)


def test_credits_above_the_amount_at_risk_floor_the_component_at_zero() -> None:
    inputs = _march(credits=CreditsInput(Decimal(15), Decimal(10)))
    card = vendor_scorecard("helpco", "2026-03", inputs, WEIGHTS)
    assert card.component(Component.CREDITS).score == 0


@pytest.mark.parametrize(
    ("composite_points", "standing", "actions"),
    [
        (Decimal("49.99"), "poor", (StandingAction.NOTIFY, StandingAction.IMPROVEMENT_PLAN)),
        (Decimal(50), "fair", (StandingAction.NOTIFY,)),
        (Decimal("79.99"), "fair", (StandingAction.NOTIFY,)),
        (Decimal(80), "good", ()),
    ],
)
def test_standing_bands_include_their_lower_bound(
    composite_points: Decimal, standing: str, actions: tuple[StandingAction, ...]
) -> None:
    # only the survey and service levels weigh; SLs all met (100) with weight 0 … use the survey:
    weights = ScorecardWeights(
        service_levels=Decimal(0),
        credits=Decimal(0),
        invoice_accuracy=Decimal(0),
        control_findings=Decimal(0),
        open_risks=Decimal(0),
        survey=Decimal(1),
    )
    inputs = ScorecardInputs(
        service_levels=(_sl("SL-01", ResultStatus.MET, 40),),
        survey=SurveyInput("2026-Q1", composite_points),
    )
    card = vendor_scorecard("helpco", "2026-03", inputs, weights)
    assert card.composite == Fraction(composite_points)
    assert card.standing is not None
    assert card.standing.name == standing
    assert card.actions == actions


def test_bands_must_start_at_zero_and_increase() -> None:
    with pytest.raises(ValueError, match="start at 0"):
        ScorecardWeights(bands=(Band(name="x", lower=Decimal(10)),))


def _card(vendor: str, statuses: tuple[ResultStatus, ...]) -> Scorecard:
    weights = ScorecardWeights(
        credits=Decimal(0),
        invoice_accuracy=Decimal(0),
        control_findings=Decimal(0),
        open_risks=Decimal(0),
        survey=Decimal(0),
    )
    inputs = ScorecardInputs(
        service_levels=tuple(_sl(f"SL-{i}", s, 10) for i, s in enumerate(statuses))
    )
    return vendor_scorecard(vendor, "2026-03", inputs, weights)


def test_ranking_puts_the_best_first_shares_ties_and_lists_gaps_last() -> None:
    # alpha: met, met → 100; bravo: met, breached → 50; delta: met, met → 100; charlie: no data
    cards = [
        _card("bravo", (ResultStatus.MET, ResultStatus.BREACHED)),
        _card("charlie", (ResultStatus.INSUFFICIENT_DATA,)),
        _card("delta", (ResultStatus.MET, ResultStatus.MET)),
        _card("alpha", (ResultStatus.MET, ResultStatus.MET)),
    ]
    ranking = rank_vendors(cards)
    assert [(r.vendor_id, r.rank, r.composite) for r in ranking] == [
        ("alpha", 1, 100),
        ("delta", 1, 100),
        ("bravo", 3, 50),
        ("charlie", None, None),
    ]
    assert ranking[-1].gap_reason == "no service level had enough data"


def test_two_vendors_compare_side_by_side_on_every_component() -> None:
    left = vendor_scorecard("helpco", "2026-03", _march(), WEIGHTS)
    right = vendor_scorecard("callnet", "2026-03", _march(invoice=InvoiceInput(10, 0)), WEIGHTS)
    rows = {row.component: row for row in compare_scorecards(left, right)}
    assert rows["invoice_accuracy"].difference == 95 - 100
    assert rows["survey"].difference is None
    # composite: right has 100 instead of 95 on invoices: +15×5/90 = +5/6
    assert rows["composite"].difference == Fraction(-5, 6)


def test_the_trend_shows_each_month_with_gaps_where_data_is_insufficient() -> None:
    periods = ["2026-01", "2026-02", "2026-03"]
    inputs = {
        "2026-01": _march(),
        # 2026-02 has no inputs at all
        "2026-03": _march(service_levels=(_sl("SL-01", ResultStatus.MET, 40),)),
    }
    trend = scorecard_trend("helpco", periods, inputs, WEIGHTS)
    assert [p.period for p in trend.points] == periods
    assert [p.period for p in trend.scored] == ["2026-01", "2026-03"]
    assert trend.gaps == (("2026-02", "no service-level results for the period"),)


def test_a_standing_change_is_reported_once_with_its_actions() -> None:
    fair = vendor_scorecard("helpco", "2026-02", _march(), WEIGHTS)
    poor_inputs = _march(
        service_levels=(_sl("SL-01", ResultStatus.BREACHED, 40),),
        credits=CreditsInput(Decimal(12), Decimal(12)),
    )
    poor = vendor_scorecard("helpco", "2026-03", poor_inputs, WEIGHTS)
    change = standing_change(fair, poor)
    assert change is not None
    assert (change.previous, change.current) == ("fair", "poor")
    assert StandingAction.IMPROVEMENT_PLAN in change.actions
    assert standing_change(poor, poor) is None


def test_two_vendors_are_compared_on_the_kpis_both_are_measured_on() -> None:
    from servicepact.domain.results import ServiceLevelResult
    from servicepact.engine.scorecard import compare_kpis

    def result(
        contract: str, kpi: str, value: Fraction, status: ResultStatus
    ) -> ServiceLevelResult:
        return ServiceLevelResult(
            contract_id=contract,
            contract_version=1,
            service_level_id="SL-01",
            kpi=kpi,
            period="2026-03",
            period_start="2026-03-01",
            period_end="2026-04-01",
            value=value,
            numerator=None,
            denominator=None,
            sample_size=10,
            expected=Decimal("0.8"),
            minimum=Decimal("0.75"),
            status=status,
        )

    left = [
        result("a-cs", "answered_within", Fraction(4, 5), ResultStatus.MET),
        result("a-it", "availability", Fraction(999, 1000), ResultStatus.MET),
    ]
    right = [result("b-cs", "answered_within", Fraction(7, 10), ResultStatus.BREACHED)]
    [row] = compare_kpis(left, right)
    assert row.kpi == "answered_within"
    assert row.left == (("a-cs/SL-01", Fraction(4, 5), ResultStatus.MET),)
    assert row.right == (("b-cs/SL-01", Fraction(7, 10), ResultStatus.BREACHED),)
