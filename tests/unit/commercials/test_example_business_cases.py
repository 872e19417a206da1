"""The example business cases validate against the example contracts and pay back in the term."""

from pathlib import Path

import pytest

from servicepact.contractfile import load_contract_file
from servicepact.domain.errors import InvalidInput
from servicepact.engine.business_case import business_case
from servicepact.services.commercials import read_business_case

ROOT = Path(__file__).resolve().parents[3]
CASES = sorted((ROOT / "examples" / "business-cases").glob("*.yaml"))


def contract_file_for(contract_id: str) -> Path:
    for path in (ROOT / "examples").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if "\ncontract:\n" in text and f"\n  id: {contract_id}\n" in text:
            return path
    raise AssertionError(f"no example contract {contract_id}")


@pytest.mark.parametrize("case_file", CASES, ids=[p.stem for p in CASES])
def test_each_example_business_case_fits_its_contract(case_file):
    inputs = read_business_case(case_file)
    contract = load_contract_file(contract_file_for(inputs.contract_id)).contract
    result = business_case(inputs, contract)
    assert result.payback_month is not None
    assert result.months[-1].cumulative == result.saving_total


def test_there_is_a_business_case_for_every_example_contract():
    assert len(CASES) == 6


def test_a_business_case_file_with_a_bad_rate_names_the_field(tmp_path):
    path = tmp_path / "case.yaml"
    text = (
        CASES[0]
        .read_text(encoding="utf-8")
        .replace("discount_rate_percent: 8", "discount_rate_percent: 180")
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match="discount_rate_percent 180 is out of range"):
        read_business_case(path)
