"""Which texts a spreadsheet would run as a formula, and how they are written instead."""

from __future__ import annotations

import re

import pytest

from servicepact.domain.cells import FORMULA_LIKE, is_formula_like, neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=cmd", "\r=cmd", "\t", "\rtext", " =1", "\n@x"],
)
def test_a_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "T-1", "a=b", "1-2", "고객 @ 지점", "ok\t=x"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralise(text) == text


def test_none_is_an_empty_cell() -> None:
    assert neutralise(None) == ""


@pytest.mark.parametrize(
    "text", ["=1", "+1", "-1", "@x", "\t", "\r=", " =1", "\n@x", "", "T-1", "a=b", "ok\t=x"]
)
def test_the_regular_expression_says_the_same_as_the_function(text: str) -> None:
    assert (re.match(FORMULA_LIKE, text) is not None) == is_formula_like(text)
