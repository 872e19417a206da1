"""A small selection by hand: knock-outs, price against the best offer, spread, sensitivity."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from servicepact.domain.selection import SelectionProject
from servicepact.engine.selection import evaluate_selection, render_markdown


def _project(**overrides: Any) -> SelectionProject:
    data: dict[str, Any] = {
        "id": "cs-2027",
        "name": "Contact centre 2027",
        "processes": ["customer-support"],
        "candidates": [
            {"id": "alpha", "name": "Alpha", "offer": 100},
            {"id": "beta", "name": "Beta", "offer": 80},
            {"id": "gamma", "name": "Gamma", "offer": 90},
        ],
        "criteria": [
            {"id": "experience", "name": "Experience", "weight": 40},
            {"id": "price", "name": "Price", "kind": "price", "weight": 30},
            {
                "id": "security",
                "name": "Security and compliance",
                "weight": 30,
                "children": [
                    {"id": "iso27001", "name": "ISO 27001", "kind": "requirement"},
                    {"id": "practice", "name": "Security practice", "weight": 1},
                ],
            },
        ],
        "evaluators": ["ann", "bob"],
        "scores": {
            "ann": {
                "alpha": {"experience": 9, "practice": 8},
                "beta": {"experience": 6, "practice": 7},
                "gamma": {"experience": 10, "practice": 10},
            },
            "bob": {
                "alpha": {"experience": 7, "practice": 8},
                "beta": {"experience": 6, "practice": 5},
                "gamma": {"experience": 10, "practice": 10},
            },
        },
        "requirements": {
            "alpha": {"iso27001": {"met": True}},
            "beta": {"iso27001": {"met": True}},
            "gamma": {"iso27001": {"met": False, "reason": "certificate expired 2026-06-30"}},
        },
    }
    data.update(overrides)
    return SelectionProject.model_validate(data)


def test_a_failed_requirement_knocks_the_candidate_out_with_the_reason() -> None:
    result = evaluate_selection(_project())
    gamma = next(c for c in result.candidates if c.candidate_id == "gamma")
    assert not gamma.eligible
    assert gamma.total is None
    assert gamma.rank is None
    assert gamma.knockouts[0].reason == "ISO 27001: certificate expired 2026-06-30"
    assert result.candidates[-1].candidate_id == "gamma"


def test_totals_ranking_and_price_relative_to_the_best_remaining_offer_match_hand_computation() -> (
    None
):
    # global weights: experience 0.4, price 0.3, security 0.3 → practice 0.3
    # (the requirement has no weight)
    # means (scale 0-10 → ×10): alpha experience (9+7)/2 = 8 → 80, practice 8 → 80
    #                           beta  experience 6 → 60, practice (7+5)/2 = 6 → 60
    # best offer among those still in: min(100, 80) = 80 (gamma's 90 is out anyway)
    #   price alpha 80/100 × 100 = 80; beta 80/80 × 100 = 100
    # alpha 0.4×80 + 0.3×80 + 0.3×80 = 80; beta 0.4×60 + 0.3×100 + 0.3×60 = 24 + 30 + 18 = 72
    result = evaluate_selection(_project())
    assert result.weights == pytest.approx(
        {"experience": 0.4, "price": 0.3, "security": 0.3, "practice": 0.3}
    )
    alpha, beta = result.candidates[0], result.candidates[1]
    assert (alpha.candidate_id, alpha.rank, alpha.total) == ("alpha", 1, pytest.approx(80.0))
    assert (beta.candidate_id, beta.rank, beta.total) == ("beta", 2, pytest.approx(72.0))
    assert alpha.scores["price"].score == pytest.approx(80.0)
    assert beta.scores["price"].score == pytest.approx(100.0)
    assert result.winner is not None
    assert result.winner.candidate_id == "alpha"


def test_evaluators_disagreement_is_shown_as_spread_and_their_own_totals() -> None:
    # alpha experience: ann 9, bob 7 → spread 2, population stdev 1
    # ann's total: 0.4×90 + 0.3×80 (price) + 0.3×80 = 84; bob's: 0.4×70 + 24 + 24 = 76
    alpha = evaluate_selection(_project()).candidates[0]
    experience = alpha.scores["experience"]
    assert experience.by_evaluator == {"ann": 9.0, "bob": 7.0}
    assert (experience.spread, experience.stdev) == (2.0, 1.0)
    assert alpha.evaluator_totals == pytest.approx({"ann": 84.0, "bob": 76.0})
    assert alpha.total_spread == pytest.approx(8.0)


def test_sensitivity_names_the_weight_at_which_the_winner_changes() -> None:
    # price, weight 0.3: alpha s = 80, rest R = (80 − 0.3×80)/0.7 = 80;
    #                    beta  s = 100, R = (72 − 0.3×100)/0.7 = 60
    # 80 + w(80 − 80) = 60 + w(100 − 60) → w = 20/40 = 0.5 → +0.2 (beta then ties and overtakes)
    # security, weight 0.3: alpha s 80, R 80; beta s 60, R = (72 − 18)/0.7 = 77.142857
    #   crossing = (77.142857 − 80) / (0 − (60 − 77.142857)) = −0.1667 → outside [0, 1] → never
    result = evaluate_selection(_project())
    by_id = {s.criterion_id: s for s in result.sensitivity}
    assert by_id["price"].threshold == pytest.approx(0.5)
    assert by_id["price"].change == pytest.approx(0.2)
    assert by_id["price"].relative_change == pytest.approx(0.2 / 0.3)
    assert by_id["price"].new_winner == "beta"
    assert by_id["security"].threshold is None
    assert by_id["security"].new_winner is None
    assert by_id["practice"].threshold is None


def test_a_score_below_the_knockout_minimum_removes_the_candidate_and_moves_the_best_offer() -> (
    None
):
    # practice minimum 6.5: beta's mean 6 is below → out; best remaining offer is alpha's 100
    # alpha: 0.4×80 + 0.3×100 + 0.3×80 = 32 + 30 + 24 = 86
    project = _project()
    data = project.model_dump(mode="json")
    data["criteria"][2]["children"][1]["knockout_minimum"] = "6.5"
    result = evaluate_selection(SelectionProject.model_validate(data))
    beta = next(c for c in result.candidates if c.candidate_id == "beta")
    assert "mean score 6 is below the knock-out minimum 6.5" in beta.knockouts[0].reason
    assert result.candidates[0].total == pytest.approx(86.0)
    assert result.sensitivity == ()  # one candidate left: nothing can overtake it


def test_ahp_weights_give_the_same_result_as_the_equivalent_direct_weights() -> None:
    # experience : price : security = 4 : 3 : 3 written as a consistent pairwise matrix
    data = _project().model_dump(mode="json")
    for node in data["criteria"]:
        node["weight"] = None
        for child in node.get("children", []):
            if child["kind"] != "requirement":
                child["weight"] = None
    data["weights"] = {
        "method": "ahp",
        "pairwise": {"root": [[1, "4/3", "4/3"], ["3/4", 1, 1], ["3/4", 1, 1]]},
    }
    result = evaluate_selection(SelectionProject.model_validate(data))
    assert result.ahp["root"].cr == pytest.approx(0.0, abs=1e-9)
    assert result.candidates[0].total == pytest.approx(80.0)
    assert result.candidates[1].total == pytest.approx(72.0)


def test_an_inconsistent_pairwise_matrix_warns_in_the_result_and_the_report() -> None:
    data = _project().model_dump(mode="json")
    for node in data["criteria"]:
        node["weight"] = None
        for child in node.get("children", []):
            if child["kind"] != "requirement":
                child["weight"] = None
    data["weights"] = {
        "method": "ahp",
        "pairwise": {"root": [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]]},
    }
    result = evaluate_selection(SelectionProject.model_validate(data))
    assert any("root: consistency ratio 1.149" in w for w in result.warnings)
    assert "inconsistent, revisit" in render_markdown(result)


def test_a_missing_score_and_an_unknown_criterion_are_named_by_path() -> None:
    with pytest.raises(ValidationError) as caught:
        _project(
            scores={
                "ann": {"alpha": {"experience": 9, "practise": 8}},
            }
        )
    errors = {(e["loc"], e["msg"]) for e in caught.value.errors()}
    assert (("scores", "ann", "alpha", "practise"), "not a scored leaf criterion") in errors
    assert (("scores",), "no evaluator scored beta on experience") in errors


def test_the_report_lists_the_ranking_knockouts_and_sensitivity() -> None:
    report = render_markdown(evaluate_selection(_project()))
    assert "**Winner:** Alpha (80.00 / 100)" in report
    assert "ISO 27001: certificate expired" in report
    assert "| price | 0.300 | 0.500 | +0.200 | beta |" in report
