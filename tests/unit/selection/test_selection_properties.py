"""Properties of the selection: the sensitivity threshold really is where the winner changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicepact.domain.selection import SelectionProject
from servicepact.engine.selection import evaluate_selection

CRITERIA = ("a", "b", "c")
CANDIDATES = ("x", "y", "z")


def _project(weights: dict[str, float], scores: dict[str, dict[str, int]]) -> SelectionProject:
    data: dict[str, Any] = {
        "id": "p",
        "name": "P",
        "processes": ["proc"],
        "candidates": [{"id": c, "name": c.upper()} for c in CANDIDATES],
        "criteria": [
            {"id": k, "name": k.upper(), "weight": Decimal(repr(weights[k]))} for k in CRITERIA
        ],
        "evaluators": ["e"],
        "scores": {"e": scores},
    }
    return SelectionProject.model_validate(data)


score = st.integers(min_value=0, max_value=10)
weight = st.integers(min_value=1, max_value=20)


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(weight, weight, weight),
    st.fixed_dictionaries(
        {c: st.fixed_dictionaries({k: score for k in CRITERIA}) for c in CANDIDATES}
    ),
)
def test_moving_a_weight_past_its_threshold_changes_the_winner(
    raw_weights: tuple[int, int, int], scores: dict[str, dict[str, int]]
) -> None:
    total = sum(raw_weights)
    weights = {k: w / total for k, w in zip(CRITERIA, raw_weights, strict=True)}
    result = evaluate_selection(_project(weights, scores))
    totals = sorted((c.total or 0.0 for c in result.candidates), reverse=True)
    assume(totals[0] - totals[1] > 1e-6)  # a clear winner to begin with
    winner = result.winner
    assert winner is not None
    for item in result.sensitivity:
        if item.threshold is None:
            continue
        # step a little past the threshold, the other weights scaled in proportion
        step = 1e-4 if item.threshold > item.weight else -1e-4
        moved = min(max(item.threshold + step, 0.0), 1.0)
        assume(0.0 < moved < 1.0)
        rest = 1 - weights[item.criterion_id]
        shifted = {
            k: (moved if k == item.criterion_id else weights[k] * (1 - moved) / rest)
            for k in CRITERIA
        }
        after = evaluate_selection(_project(shifted, scores))
        assert after.winner is not None
        assert after.winner.candidate_id != winner.candidate_id


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(weight, weight, weight),
    st.integers(min_value=2, max_value=50),
    st.fixed_dictionaries(
        {c: st.fixed_dictionaries({k: score for k in CRITERIA}) for c in CANDIDATES}
    ),
)
def test_scaling_every_weight_by_the_same_factor_changes_nothing(
    raw_weights: tuple[int, int, int], factor: int, scores: dict[str, dict[str, int]]
) -> None:
    base = {k: float(w) for k, w in zip(CRITERIA, raw_weights, strict=True)}
    scaled = {k: float(w * factor) for k, w in zip(CRITERIA, raw_weights, strict=True)}
    one = evaluate_selection(_project(base, scores))
    two = evaluate_selection(_project(scaled, scores))
    assert [c.candidate_id for c in one.candidates] == [c.candidate_id for c in two.candidates]
    for a, b in zip(one.candidates, two.candidates, strict=True):
        assert abs((a.total or 0) - (b.total or 0)) < 1e-9
