"""The catalogue (what a KPI means) and the library (how it is computed) agree name for name."""

from __future__ import annotations

import pytest

from servicepact.domain.errors import UnknownKpi
from servicepact.domain.kpis import CATALOGUE
from servicepact.engine.kpis import COMPUTATIONS, computation_for


def test_every_catalogue_kpi_has_a_computation_and_every_computation_a_catalogue_entry() -> None:
    assert set(COMPUTATIONS) == set(CATALOGUE)


def test_an_unknown_kpi_is_a_named_error() -> None:
    with pytest.raises(UnknownKpi) as refused:
        computation_for("happiness_index")
    assert str(refused.value) == "happiness_index: no computation for KPI 'happiness_index'"
