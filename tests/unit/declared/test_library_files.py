"""Library files: declarations shared by contracts, each problem reported in its own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicepact.contractfile import load_contract_file, parse_contract_text
from servicepact.domain.errors import InvalidInput

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CONTRACT = (EXAMPLES / "middle-office.yaml").read_text(encoding="utf-8")
LIBRARY = (EXAMPLES / "libraries" / "compliance.yaml").read_text(encoding="utf-8")


def _setup(tmp_path: Path, library: str, contract: str = CONTRACT) -> Path:
    (tmp_path / "libraries").mkdir()
    (tmp_path / "libraries" / "compliance.yaml").write_text(library, encoding="utf-8")
    path = tmp_path / "contract.yaml"
    path.write_text(contract, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_contract_file(path)
    return [f"{p.line}:{p.where}: {p.message}" for p in caught.value.problems]


def _line(text: str, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


def test_the_middle_office_example_takes_its_event_type_from_a_library_file() -> None:
    document = load_contract_file(EXAMPLES / "middle-office.yaml")
    assert list(document.contract.declared_event_types) == ["compliance_reviews"]
    # the stored form holds the declaration itself, not the reference
    assert "uses" not in document.document["contract"]
    assert document.document["contract"]["event_types"][0]["name"] == "compliance_reviews"


def test_a_broken_column_in_a_library_is_reported_in_the_library_on_its_line(
    tmp_path: Path,
) -> None:
    library = LIBRARY.replace(
        "{name: items_checked, type: integer", "{name: items_checked, type: integr"
    )
    problems = _problems(_setup(tmp_path, library))
    line = _line(library, "type: integr")
    assert problems[0].startswith(
        f"{line}:libraries/compliance.yaml: library.event_types[0].columns[6].type: must be one of"
    )


def test_a_kpi_naming_a_column_the_library_type_lacks_points_into_the_contract(
    tmp_path: Path,
) -> None:
    contract = CONTRACT.replace(
        "{column: review_type, eq: aml_alert}", "{column: review_typ, eq: aml_alert}", 1
    )
    problems = _problems(_setup(tmp_path, LIBRARY, contract))
    assert problems == [
        f"{_line(contract, 'review_typ,')}:contract.kpis[1].scope.column: compliance_reviews has "
        "no column 'review_typ'; did you mean 'review_type'?"
    ]


def test_libraries_using_each_other_in_a_cycle_are_refused(tmp_path: Path) -> None:
    library = LIBRARY.replace("library:\n", "library:\n  uses: [compliance.yaml]\n")
    problems = _problems(_setup(tmp_path, library))
    assert any("is used in a cycle: compliance.yaml → compliance.yaml" in p for p in problems)


def test_a_contract_sent_as_text_cannot_use_library_files() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_contract_text(CONTRACT)
    assert caught.value.problems[0].message.startswith(
        "a contract sent as text cannot use library files"
    )


def test_a_library_path_may_not_leave_the_contract_directory(tmp_path: Path) -> None:
    contract = CONTRACT.replace("uses: [libraries/compliance.yaml]", "uses: [../outside.yaml]")
    problems = _problems(_setup(tmp_path, LIBRARY, contract))
    assert problems[0].endswith(
        "contract.uses[0]: must be a relative path beside or below the contract file"
    )
