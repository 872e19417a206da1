"""The canonical export: validate → dump → validate gives an equal contract and hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contractfile_strategies import contracts
from hypothesis import HealthCheck, given, settings

from servicepact.contractfile import (
    ContractDocument,
    canonical_document,
    contract_hash,
    dump_contract,
    load_document,
    parse_contract_text,
)
from servicepact.domain.contracts import Contract

# The example contract files (examples/ also holds the portfolio and other registers).
EXAMPLES = [
    path
    for path in sorted((Path(__file__).parents[3] / "examples").glob("*.yaml"))
    if re.search(r"^servicepact:.*^contract:", path.read_text(encoding="utf-8"), re.M | re.S)
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts())
def test_dumping_and_reading_back_gives_an_equal_contract_and_hash(contract: Contract) -> None:
    text = dump_contract(contract)
    again = parse_contract_text(text).contract
    assert again == contract
    assert contract_hash(again) == contract_hash(contract)
    assert dump_contract(again) == text  # the canonical text is a fixed point


@settings(max_examples=30, deadline=None)
@given(contracts())
def test_the_stored_document_validates_back_to_an_equal_contract(contract: Contract) -> None:
    document = canonical_document(contract)
    assert Contract.model_validate(document["contract"]) == contract


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_file_round_trips_through_the_canonical_export(path: Path) -> None:
    document = load_document(path)
    assert isinstance(document, ContractDocument)
    again = parse_contract_text(dump_contract(document.contract))
    assert again.contract == document.contract
    assert again.sha256 == document.sha256


BASE = """\
servicepact: 1
contract:
  id: c1
  name: Payroll
  client: acme
  vendor: payco
  term: {start: 2026-01-01, end: 2026-12-31}
  service_levels:
    - {id: P-1, name: Accuracy, kpi: payroll_accuracy, source: payroll_items,
       expected: 0.990, minimum: 0.98, kind: key}
"""


def test_equal_contracts_written_differently_have_one_hash() -> None:
    reordered = """\
# a comment changes nothing
servicepact: 1
contract:
  vendor: payco
  client: acme
  name: Payroll
  id: c1
  term: {end: 2026-12-31, start: 2026-01-01}
  currency: KRW
  service_levels:
    - {kind: key, minimum: 0.980, expected: 0.99, source: payroll_items,
       kpi: payroll_accuracy, name: Accuracy, id: P-1}
"""
    first, second = parse_contract_text(BASE), parse_contract_text(reordered)
    assert first.contract == second.contract
    assert first.sha256 == second.sha256


def test_a_changed_level_changes_the_hash() -> None:
    first = parse_contract_text(BASE)
    second = parse_contract_text(BASE.replace("expected: 0.990", "expected: 0.991"))
    assert first.sha256 != second.sha256


def test_the_canonical_text_writes_every_field_and_exact_decimals() -> None:
    text = dump_contract(parse_contract_text(BASE).contract)
    assert text.startswith("# ServicePact contract file")
    assert "servicepact: 1\ncontract:\n  id: c1\n" in text
    assert "    expected: 0.99\n" in text  # 0.990 and 0.99 are one number: shortest form
    assert "    min_sample: 1\n" in text  # defaults are written out
    assert "  broker: null\n" in text
