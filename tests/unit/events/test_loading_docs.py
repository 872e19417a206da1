"""docs/loading.md lists the columns of every event type exactly as declared."""

from __future__ import annotations

from pathlib import Path

from servicepact.store.events.reference import columns_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "loading.md"


def test_the_column_tables_in_the_loading_guide_match_the_event_types() -> None:
    # Regenerate with: .venv/bin/python -m servicepact.store.events.reference
    assert columns_markdown() in DOC.read_text(encoding="utf-8")
