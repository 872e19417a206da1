"""AHP weights and consistency, checked against hand computation and Saaty's published examples."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.domain.errors import InvalidInput
from servicepact.engine.ahp import RANDOM_INDEX, ahp_weights


def test_a_consistent_matrix_gives_exact_ratios_and_zero_consistency_ratio() -> None:
    # A is twice B and four times C, B twice C: weights 4:2:1 → 4/7, 2/7, 1/7; λmax = n = 3.
    result = ahp_weights([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]])
    assert result.weights == pytest.approx((4 / 7, 2 / 7, 1 / 7), abs=1e-12)
    assert result.lambda_max == pytest.approx(3.0, abs=1e-12)
    assert result.ci == pytest.approx(0.0, abs=1e-12)
    assert result.cr == pytest.approx(0.0, abs=1e-12)
    assert result.consistent
    assert result.warning is None


def test_a_slightly_inconsistent_three_by_three_matches_the_closed_form() -> None:
    # For a 3×3 reciprocal matrix with a12 = a, a13 = b, a23 = c:
    #   λmax = 1 + (b/(ac))^(1/3) + (ac/b)^(1/3), and the eigenvector is the row geometric mean.
    # a = 3, b = 6, c = 4: b/(ac) = 6/12 = 1/2 → λmax = 1 + 0.793701 + 1.259921 = 3.053622
    # CI = 0.053622 / 2 = 0.026811; CR = 0.026811 / 0.58 = 0.046226
    # geometric means: 18^(1/3) = 2.620741, (4/3)^(1/3) = 1.100642, (1/24)^(1/3) = 0.346681
    #   sum 4.068064 → 0.644223, 0.270557, 0.085220
    result = ahp_weights([[1, 3, 6], ["1/3", 1, 4], ["1/6", "1/4", 1]])
    assert result.lambda_max == pytest.approx(3.053622, abs=1e-6)
    assert result.ci == pytest.approx(0.026811, abs=1e-6)
    assert result.cr == pytest.approx(0.046226, abs=1e-6)
    assert result.weights == pytest.approx((0.644223, 0.270557, 0.085220), abs=1e-6)
    assert result.consistent


def test_a_preference_cycle_is_flagged_as_inconsistent() -> None:
    # A > B by 3, B > C by 3, C > A by 3 (a = 3, b = 1/3, c = 3): b/(ac) = 1/27 → cube root 1/3
    # λmax = 1 + 1/3 + 3 = 4.333333; CI = 1.333333 / 2 = 0.666667; CR = 0.666667 / 0.58 = 1.149425
    # every row's geometric mean is 1 → equal weights 1/3.
    result = ahp_weights([[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]])
    assert result.lambda_max == pytest.approx(13 / 3, abs=1e-9)
    assert result.cr == pytest.approx((2 / 3) / 0.58, abs=1e-9)
    assert result.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3), abs=1e-9)
    assert not result.consistent
    assert result.warning is not None
    assert "above 0.1" in result.warning


def test_saatys_light_intensity_example_reproduces_the_published_eigenvector() -> None:
    # Saaty (1977, J. Math. Psych. 15) relative brightness of four chairs:
    # published λmax = 4.39 and eigenvector (0.61, 0.24, 0.10, 0.05) (rounded there);
    # CI = (4.39 − 4) / 3 = 0.13; CR = 0.13 / 0.90 = 0.145 → above 0.1.
    result = ahp_weights(
        [
            [1, 5, 6, 7],
            ["1/5", 1, 4, 6],
            ["1/6", "1/4", 1, 4],
            ["1/7", "1/6", "1/4", 1],
        ]
    )
    assert result.lambda_max == pytest.approx(4.39, abs=0.005)
    assert result.weights == pytest.approx((0.62, 0.24, 0.10, 0.05), abs=0.011)
    assert result.ci == pytest.approx(0.13, abs=0.002)
    assert result.cr == pytest.approx(0.145, abs=0.002)
    assert not result.consistent


def test_saatys_wealth_of_nations_example_reproduces_the_published_eigenvector() -> None:
    # Saaty (1980) relative wealth of US, USSR, China, France, UK, Japan, W. Germany:
    # published λmax = 7.61, eigenvector (.427, .230, .021, .052, .052, .123, .094);
    # CI = 0.61 / 6 = 0.1017; CR = 0.1017 / 1.32 = 0.077 → acceptable.
    third, fifth, sixth, seventh, ninth, quarter, half = (
        "1/3",
        "1/5",
        "1/6",
        "1/7",
        "1/9",
        "1/4",
        "1/2",
    )
    matrix = [
        [1, 4, 9, 6, 6, 5, 5],
        [quarter, 1, 7, 5, 5, 3, 4],
        [ninth, seventh, 1, fifth, fifth, seventh, fifth],
        [sixth, fifth, 5, 1, 1, third, third],
        [sixth, fifth, 5, 1, 1, third, third],
        [fifth, third, 7, 3, 3, 1, 2],
        [fifth, quarter, 5, 3, 3, half, 1],
    ]
    result = ahp_weights(matrix)
    assert result.lambda_max == pytest.approx(7.61, abs=0.005)
    assert result.weights == pytest.approx(
        (0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094), abs=0.0006
    )
    assert result.cr == pytest.approx(0.077, abs=0.001)
    assert result.consistent


def test_two_criteria_are_always_consistent() -> None:
    # 3:1 → weights 3/4, 1/4; RI(2) = 0 so CR is 0 by definition.
    result = ahp_weights([[1, 3], [Fraction(1, 3), 1]])
    assert result.weights == pytest.approx((0.75, 0.25))
    assert result.cr == 0.0


def test_a_non_reciprocal_entry_is_named_with_its_position() -> None:
    with pytest.raises(InvalidInput) as caught:
        ahp_weights([[1, 3], [3, 1]], where="weights.pairwise.root")
    assert "weights.pairwise.root[1][0]" in str(caught.value)
    assert "reciprocal" in str(caught.value)


def test_a_zero_or_text_entry_is_rejected_with_every_problem_listed() -> None:
    with pytest.raises(InvalidInput) as caught:
        ahp_weights([[1, 0, "x"], [1, 1, 1], [1, 1, 1]])
    assert len(caught.value.problems) == 2


def test_decimals_typed_for_thirds_are_accepted_as_reciprocals() -> None:
    result = ahp_weights([[1, 3], [0.333, 1]])
    assert result.weights[0] == pytest.approx(0.75, abs=0.001)


@st.composite
def _consistent_matrices(draw: st.DrawFn) -> tuple[list[float], list[list[float]]]:
    n = draw(st.integers(min_value=2, max_value=len(RANDOM_INDEX)))
    scale = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=n, max_size=n))
    weights = [float(x) for x in scale]
    return weights, [[wi / wj for wj in weights] for wi in weights]


@settings(max_examples=40, deadline=None)
@given(_consistent_matrices())
def test_any_matrix_built_from_weights_gives_those_weights_back(
    case: tuple[list[float], list[list[float]]],
) -> None:
    weights, matrix = case
    result = ahp_weights(matrix)
    total = sum(weights)
    assert result.weights == pytest.approx([w / total for w in weights], abs=1e-9)
    assert result.cr == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([], [("w", "the matrix is empty", None)]),
        ([[1, 2], [0.5]], [("w[1]", "has 1 entries; expected 2", None)]),
        (
            [[2, 1], [1, 0.5]],
            [
                ("w[0][0]", "a criterion compared with itself must be 1", None),
                ("w[1][1]", "a criterion compared with itself must be 1", None),
            ],
        ),
        ([[1, 10], [0.1, 1]], [("w[0][1]", "is outside Saaty's 1/9..9 scale", "10")]),
        ([[1, True], [1, 1]], [("w[0][1]", "is not a number", "True")]),
        (
            [[1] * 12 for _ in range(12)],
            [("w", "12 criteria in one comparison; at most 10 (group them)", None)],
        ),
    ],
)
def test_each_problem_of_a_matrix_is_named_by_its_cell(matrix, expected) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        ahp_weights(matrix, where="w")
    assert [(p.where, p.message, p.value) for p in refused.value.problems] == expected


def test_a_single_criterion_takes_all_the_weight() -> None:
    result = ahp_weights([[1]], where="w")
    assert (result.weights, result.lambda_max, result.cr, result.n) == ((1.0,), 1.0, 0.0, 1)
