"""Every way a contract file can be wrong gives a clear message at the right line."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from servicepact.contractfile import (
    ContractDocument,
    load_contract_file,
    load_document,
    load_portfolio_file,
    parse_contract_text,
)
from servicepact.contractfile.documents import DEFAULT_MAX_BYTES
from servicepact.domain.errors import InvalidInput, Problem

BROKEN = Path(__file__).parent / "broken"
EXPECT = re.compile(r"^# expect line (\d+): (.+)$")

GOOD = """\
servicepact: 1
contract:
  id: acme-cs-2026
  name: Customer contact centre
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2028-12-31}
  calendars:
    office: {timezone: Asia/Seoul, hours: {mon-fri: "09:00-18:00"}, holidays: {country: NO}}
  credits: {at_risk_percent: 12}
  service_levels:
    - id: SL-01
      name: P1 incidents resolved within 4.5 business hours
      kpi: resolved_within
      source: tickets
      params: {hours: 4.5}
      calendar: office
      expected: 0.95
      minimum: 0.9499999999999999999
      allocation_percent: 33.3
"""


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(InvalidInput) as caught:
        load_document(path)
    return list(caught.value.problems)


def _expectations(path: Path) -> list[tuple[int, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            found.append((int(match[1]), match[2]))
    return found


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def test_there_are_at_least_fifteen_kinds_of_broken_files() -> None:
    assert len(BROKEN_FILES) >= 15
    assert all(_expectations(path) for path in BROKEN_FILES)


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_a_broken_file_is_reported_at_its_line_with_a_plain_message(path: Path) -> None:
    problems = _problems(path)
    rendered = [(p.line, f"{p.where}: {p.message}") for p in problems]
    for line, fragment in _expectations(path):
        assert any(at == line and fragment in text for at, text in rendered), (
            f"expected line {line}: {fragment!r}; got {rendered}"
        )


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_no_problem_is_reported_twice(path: Path) -> None:
    problems = _problems(path)
    places = [(p.where, p.message) for p in problems]
    assert len(places) == len(set(places))
    # one field, one problem: the rules never pile a second message on a field
    # that already failed, and a misspelt parameter is one problem, not two.
    wheres = [p.where for p in problems]
    assert len(wheres) == len(set(wheres))


def test_a_file_with_six_problems_reports_exactly_those_six() -> None:
    problems = _problems(BROKEN / "30_many_problems_at_once.yaml")
    assert len(problems) == 6
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_the_message_names_the_file_the_line_and_the_path() -> None:
    path = BROKEN / "04_share_above_one.yaml"
    with pytest.raises(InvalidInput) as caught:
        load_document(path)
    assert str(caught.value) == (
        f"{path}, line 31: contract.service_levels[1].expected: "
        "must be between 0 and 1 (a share), got 1.5"
    )


def test_a_duplicate_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(GOOD.replace("  client: acme\n", "  client: acme\n  client: other\n"))
    [problem] = _problems(path)
    assert problem.line == 6
    assert problem.where == "contract.client"
    assert "first on line 5" in problem.message


def test_a_fifty_megabyte_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: no 50 MB written to disk
        handle.truncate(50 * 1024 * 1024)
    [problem] = _problems(path)
    assert "52,428,800 bytes, above the limit of" in problem.message
    assert f"{DEFAULT_MAX_BYTES:,}" in problem.message


def test_the_size_limit_can_be_lowered(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD)
    with pytest.raises(InvalidInput, match="above the limit of 100 bytes"):
        load_document(path, max_bytes=100)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"# just a comment\n", "is empty (only comments)"),
        (b"servicepact: 1\ncontract:\n  name: caf\xe9\n", "is not UTF-8 text"),
        (b"servicepact: 1\n---\nservicepact: 1\n", "more than one YAML document"),
        (b"servicepact: 1\ncontract: !!python/object:os.system {}\n", "uses the tag"),
    ],
    ids=["binary", "empty", "blank", "comments", "latin-1", "two-documents", "python-tag"],
)
def test_a_file_that_is_not_a_yaml_document_is_refused_clearly(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    problems = _problems(path)
    assert any(fragment in p.message for p in problems), problems


def test_a_missing_file_and_a_directory_are_reported(tmp_path: Path) -> None:
    assert "no such file" in _problems(tmp_path / "absent.yaml")[0].message
    assert "is a directory" in _problems(tmp_path)[0].message


def test_decimals_are_read_exactly_as_written_and_no_is_a_country(tmp_path: Path) -> None:
    document = parse_contract_text(GOOD)
    level = document.contract.service_levels[0]
    assert level.expected == Decimal("0.95")
    assert str(level.minimum) == "0.9499999999999999999"  # no binary float on the way
    assert level.allocation_percent == Decimal("33.3")
    assert level.params == {"hours": 4.5}  # KPI parameters are declared as numbers
    calendar = document.contract.calendars["office"]
    assert calendar.holidays is not None
    assert calendar.holidays.country == "NO"


def test_a_valid_file_gives_its_contract_canonical_document_and_hash(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    document = load_contract_file(path)
    assert isinstance(document, ContractDocument)
    assert document.source == str(path)
    assert document.document["servicepact"] == 1
    assert document.document["contract"]["service_levels"][0]["expected"] == "0.95"
    assert re.fullmatch(r"[0-9a-f]{64}", document.sha256)


def test_a_portfolio_file_is_not_accepted_as_a_contract(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "servicepact: 1\nportfolio:\n  parties:\n    - {id: a, kind: client, name: A}\n"
    )
    assert load_portfolio_file(path).portfolio.parties[0].id == "a"
    with pytest.raises(InvalidInput, match="this is a portfolio file; a contract file"):
        load_contract_file(path)


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("servicepact: 1\ncontract: &c\n  loop: *c\n")
    problems = _problems(path)
    assert any("refers to itself" in p.message or "not valid YAML" in p.message for p in problems)


def test_merge_keys_reuse_a_calendar_and_explicit_keys_win(tmp_path: Path) -> None:
    office = next(line for line in GOOD.splitlines() if line.startswith("    office:"))
    text = GOOD.replace(
        office,
        '    base: &base {timezone: Asia/Seoul, hours: {mon-fri: "09:00-18:00"}}\n'
        "    office:\n      <<: *base\n      timezone: Europe/Oslo",
    )
    contract = parse_contract_text(text).contract
    assert contract.calendars["office"].timezone == "Europe/Oslo"
    assert contract.calendars["office"].hours == {"mon-fri": "09:00-18:00"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'hours: {mon-fri: "09:00-18:00"}',
            'hours: "24/7"',
            "line 9: contract.calendars.office.hours: must be '24x7' or a mapping (key: value), "
            "got '24/7'",
        ),
        (
            "  id: acme-cs-2026",
            "  id: 2026",
            "line 3: contract.id: must be text, got 2026 (write it in quotes: '2026')",
        ),
        (
            "params: {hours: 4.5}",
            "params: {hours: 4.5, priority: P1}",
            "line 16: contract.service_levels[0].params.priority: is not a parameter of "
            "resolved_within",
        ),
        (
            "  credits: {at_risk_percent: 12}",
            "  credits: {at_risk_percent: 12%}",
            "line 10: contract.credits.at_risk_percent: must be a number, got '12%'",
        ),
        (
            "term: {start: 2026-01-01",
            "term: {start: 2026-02-30",
            "line 7: contract.term.start: must be a date written YYYY-MM-DD, got '2026-02-30'",
        ),
        (
            "      calendar: office\n",
            "      calendar: office\n      filter: {priority: [P1, {is: P2}]}\n",
            "line 18: contract.service_levels[0].filter.priority[1]: must be text, a whole number "
            "or true/false, got a mapping",
        ),
        (
            "servicepact: 1",
            "servicepact: '1'",
            "line 1: servicepact: unsupported format version '1'; this release reads "
            "`servicepact: 1`",
        ),
    ],
    ids=["hours-union", "quote-number", "kpi-param", "percent-sign", "no-such-day", "list-item",
         "version-text"],
)  # fmt: skip
def test_messages_read_plainly(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(InvalidInput) as caught:
        parse_contract_text(GOOD.replace(old, new, 1))
    rendered = [p.render() for p in caught.value.problems]
    assert any(line.startswith(expected) for line in rendered), rendered


def test_a_portfolio_round_trips_through_its_canonical_form(tmp_path: Path) -> None:
    from servicepact.contractfile import dump_portfolio, parse_document_text

    source = Path(__file__).parents[3] / "examples" / "portfolio.yaml"
    document = load_portfolio_file(source)
    again = parse_document_text(dump_portfolio(document.portfolio))
    assert again.document == document.document
    assert again.sha256 == document.sha256
