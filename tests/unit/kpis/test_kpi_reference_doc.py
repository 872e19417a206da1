"""docs/kpis.md is generated from the catalogue and the engine; it must not go stale."""

from __future__ import annotations

from pathlib import Path

from servicepact.domain.kpis import CATALOGUE
from servicepact.engine.kpis.docs import EXAMPLES, render

DOC = Path(__file__).resolve().parents[3] / "docs" / "kpis.md"


def test_docs_kpis_md_matches_the_generator_output() -> None:
    # regenerate with: python -m servicepact.engine.kpis.docs > docs/kpis.md
    assert DOC.read_text(encoding="utf-8") == render()


def test_every_kpi_has_a_worked_example() -> None:
    assert set(EXAMPLES) == set(CATALOGUE)
