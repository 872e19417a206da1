"""Scorecard properties: a composite is a weighted mean, so it lies between its components."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.domain.results import ResultStatus
from servicepact.domain.scorecards import ScorecardWeights
from servicepact.engine.scorecard import (
    CreditsInput,
    InvoiceInput,
    ScorecardInputs,
    SlInput,
    SurveyInput,
    vendor_scorecard,
)

statuses = st.sampled_from(list(ResultStatus))
maybe = st.booleans()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(statuses, st.one_of(st.none(), st.integers(1, 50))), min_size=0, max_size=6),
    maybe,
    st.integers(0, 12),
    maybe,
    st.integers(0, 20),
    st.one_of(st.none(), st.integers(0, 8)),
    st.one_of(st.none(), st.lists(st.integers(1, 25), max_size=4)),
    st.one_of(st.none(), st.integers(0, 100)),
)
def test_the_composite_lies_between_the_lowest_and_highest_component_with_data(
    levels: list[tuple[ResultStatus, int | None]],
    has_credits: bool,
    credits: int,
    has_invoice: bool,
    differing: int,
    findings: int | None,
    risks: list[int] | None,
    survey: int | None,
) -> None:
    inputs = ScorecardInputs(
        service_levels=tuple(
            SlInput("c", f"SL-{i}", "2026-03", status, None if a is None else Decimal(a))
            for i, (status, a) in enumerate(levels)
        ),
        credits=CreditsInput(Decimal(credits), Decimal(12)) if has_credits else None,
        invoice=InvoiceInput(20, differing) if has_invoice else None,
        control_findings_open=findings,
        open_risk_scores=risks,
        survey=None if survey is None else SurveyInput("2026-Q1", Decimal(survey)),
    )
    card = vendor_scorecard("v", "2026-03", inputs, ScorecardWeights())
    scores = [c.score for c in card.components if c.score is not None]
    sl = card.components[0]
    if sl.score is None:
        assert card.composite is None  # no service-level data: a gap, never 0 or 100
        assert card.gap_reason
    else:
        assert card.composite is not None
        assert min(scores) <= card.composite <= max(scores)
        assert all(0 <= s <= 100 for s in scores)
        assert card.standing is not None
