"""The lifecycle section of a contract file: errors at their field path and line, the canonical
form (absent: the hash of an existing contract does not move), and the round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from servicepact.contractfile import (
    canonical_document,
    contract_hash,
    dump_contract,
    load_contract_file,
    parse_contract_text,
)
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.lifecycle import NoticeCount

EXAMPLES = Path(__file__).parents[3] / "examples"

BASE = """\
servicepact: 1
contract:
  id: acme-cs-2026
  name: Customer contact centre
  client: acme
  vendor: helpco
  term: {{start: 2026-01-01, end: 2028-12-31}}
{lifecycle}  calendars:
    office: {{timezone: Asia/Seoul, hours: {{mon-fri: "09:00-18:00"}}}}
  credits: {{at_risk_percent: 12}}
  service_levels:
    - {{id: SL-01, name: Answered in 20 s, kpi: answered_within, source: calls,
       params: {{seconds: 20}}, expected: {expected}, minimum: 0.75, allocation_percent: 40}}
"""


def _text(lifecycle: str = "", expected: str = "0.80") -> str:
    return BASE.format(lifecycle=lifecycle, expected=expected)


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_contract_text(text, source="c.yaml")
    problems: list[Problem] = list(caught.value.problems)
    return [(p.line, p.where, p.message) for p in problems]


def test_a_lifecycle_is_read_with_its_explicit_notice_counting() -> None:
    contract = parse_contract_text(
        _text(
            "  lifecycle:\n"
            "    renewal: {automatic: true, period_months: 12, max_renewals: 2}\n"
            "    notice: {days: 60, count: business_days, calendar: office}\n"
        )
    ).contract
    assert contract.lifecycle is not None
    assert contract.lifecycle.notice is not None
    assert contract.lifecycle.notice.count is NoticeCount.BUSINESS_DAYS
    assert contract.lifecycle.notice.alert_days_before == 30  # the default lead
    assert contract.lifecycle_timezone == "Asia/Seoul"


def test_termination_before_the_term_is_reported_at_its_line() -> None:
    problems = _problems(
        _text("  lifecycle:\n    termination: {date: 2025-12-31, reason: never started}\n")
    )
    assert problems == [
        (
            9,
            "contract.lifecycle.termination.date",
            "2025-12-31 is before the term starts (2026-01-01)",
        )
    ]


def test_termination_after_a_term_that_does_not_renew_is_refused() -> None:
    problems = _problems(_text("  lifecycle:\n    termination: {date: 2029-01-01, reason: late}\n"))
    assert problems == [
        (
            9,
            "contract.lifecycle.termination.date",
            "2029-01-01 is after the contract's last possible day 2028-12-31 (the term ends "
            "then and does not renew)",
        )
    ]


def test_lifecycle_rules_are_reported_with_a_broken_service_level_in_the_same_run() -> None:
    problems = _problems(
        _text(
            "  lifecycle:\n"
            "    renewal: {automatic: false, max_renewals: 3}\n"
            "    notice: {days: 30, count: calendar_days, calendar: ofice}\n",
            expected="1.5",
        )
    )
    assert [(line, where) for line, where, _ in problems] == [
        (9, "contract.lifecycle.renewal.max_renewals"),
        (10, "contract.lifecycle.notice.calendar"),
        (16, "contract.service_levels[0].expected"),
    ]
    assert "unknown calendar 'ofice' (calendars: office)" in problems[1][2]


def test_a_notice_of_unknown_counting_names_the_choices() -> None:
    problems = _problems(_text("  lifecycle:\n    notice: {days: 30, count: weekdays}\n"))
    assert len(problems) == 1
    line, where, message = problems[0]
    assert (line, where) == (9, "contract.lifecycle.notice.count")
    assert "calendar_days" in message
    assert "business_days" in message


def test_without_lifecycle_the_canonical_form_and_hash_are_as_before() -> None:
    contract = load_contract_file(EXAMPLES / "accounts-payable.yaml").contract
    assert "lifecycle" not in canonical_document(contract)["contract"]
    # the hash this file had before contracts had a lifecycle section
    assert contract_hash(contract) == (
        "3b0edebedacdab32a63b1290c4cf3f9b34890df8de422d74c96aa57025878d25"
    )


def test_a_lifecycle_survives_export_and_reimport() -> None:
    contract = parse_contract_text(
        _text(
            "  lifecycle:\n"
            "    renewal: {automatic: true, period_months: 1}\n"
            "    notice: {days: 10, count: calendar_days, alert_days_before: 5}\n"
            "    termination: {date: 2027-06-30, reason: 'merger: scope moved in-house'}\n"
        )
    ).contract
    text = dump_contract(contract)
    assert "lifecycle:" in text
    again = parse_contract_text(text).contract
    assert again == contract
    assert contract_hash(again) == contract_hash(contract)
    assert again.termination_date == date(2027, 6, 30)
