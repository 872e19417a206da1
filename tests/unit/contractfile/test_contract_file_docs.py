"""docs/contract-file.md stays true to the models, and its example is a valid contract."""

from __future__ import annotations

import re
from pathlib import Path

from servicepact.contractfile import parse_contract_text
from servicepact.contractfile.reference import missing_meanings, render_into

DOC = Path(__file__).parents[3] / "docs" / "contract-file.md"


def test_every_model_field_has_a_meaning_in_the_reference() -> None:
    assert missing_meanings() == []


def test_the_field_tables_in_the_document_match_the_models() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render_into(text) == text, (
        "regenerate: python -m servicepact.contractfile.reference docs/contract-file.md"
    )


def test_the_full_example_in_the_document_is_a_valid_contract() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"## A full example\n\n```yaml\n(.*?)```", text, re.DOTALL)
    assert example is not None
    contract = parse_contract_text(example[1], source="docs example").contract
    assert [sl.id for sl in contract.service_levels] == ["SL-01", "SL-02", "SL-03"]
