"""Cutting outcomes into periods: the compiled loop and the numpy path agree exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_fixtures import month_window

from servicepact.domain.kpis import Aggregate
from servicepact.engine.kpis import base
from servicepact.engine.kpis.base import Outcomes, aggregate_outcomes

MONTHS = [month_window(2026, m) for m in range(1, 13)]
LOW, HIGH = MONTHS[0][0] - 10**12, MONTHS[-1][1] + 10**12  # a little outside the year too


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(LOW, HIGH), st.integers(-5, 10**9), st.integers(0, 3)), max_size=60
    )
)
def test_compiled_and_numpy_aggregation_agree(events: list) -> None:  # type: ignore[type-arg]
    anchor = np.array([a for a, _, _ in events], dtype=np.int64)
    outcomes = Outcomes(
        anchor,
        np.array([n for _, n, _ in events], dtype=np.int64),
        np.array([d for _, _, d in events], dtype=np.int64),
    )
    compiled = aggregate_outcomes(outcomes, MONTHS, Aggregate.RATIO)
    saved = base._KERNELS
    base._KERNELS = None
    try:
        plain = aggregate_outcomes(outcomes, MONTHS, Aggregate.RATIO)
    finally:
        base._KERNELS = saved
    assert compiled == plain
    # and by hand: each event in the month holding its anchor
    for month, result in zip(MONTHS, plain, strict=True):
        inside = (anchor >= month[0]) & (anchor < month[1])
        assert result.sample_size == int(inside.sum())
        assert result.numerator == int(outcomes.numerator[inside].sum())


def test_the_compiled_loop_is_in_use_when_numba_is_installed() -> None:
    pytest.importorskip("numba")
    assert base._KERNELS is not None
