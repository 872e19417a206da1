"""Declared event types and KPIs: refused at validation, each problem on its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicepact.contractfile import load_contract_file, parse_contract_text
from servicepact.domain.errors import InvalidInput

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PROCUREMENT = (EXAMPLES / "procurement.yaml").read_text(encoding="utf-8")


def _problems(text: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_contract_text(text, "c.yaml")
    return [f"{p.line}:{p.where}: {p.message}" for p in caught.value.problems]


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[occurrence - 1]


def test_the_procurement_example_declares_its_own_type_and_kpis_and_validates() -> None:
    contract = load_contract_file(EXAMPLES / "procurement.yaml").contract
    assert [t.name for t in contract.event_types] == ["purchase_orders"]
    assert {sl.source for sl in contract.service_levels} == {"purchase_orders"}
    assert {sl.kpi for sl in contract.service_levels} == {k.name for k in contract.kpis}
    first = contract.service_levels[0].definition
    assert first.formula.startswith("purchase orders where the business time on calendar office")
    assert first.anchor == "the earlier of issued_at and the moment the target expired"


def test_a_misspelt_kpi_kind_is_refused_on_its_line_with_the_right_kind_suggested() -> None:
    text = PROCUREMENT.replace("kind: ratio_of_sums", "kind: ratio_of_sum")
    problems = _problems(text)
    line = _line_of(text, "kind: ratio_of_sum")
    assert problems == [
        f"{line}:contract.kpis[3].kind: unknown KPI kind 'ratio_of_sum' (kinds: ratio, mean, "
        "percentile, max, count, sum, ratio_of_sums); did you mean 'ratio_of_sums'?"
    ]


def test_every_kind_of_mistake_is_reported_at_once_each_on_its_line() -> None:
    text = (
        PROCUREMENT.replace(
            "calendar: office, pauses: holds}\n        within",
            "calendar: ofice, pauses: holds}\n        within",
        )
        .replace("percentile: 90", "percentile: 150")
        .replace("scope: {column: category,", "scope: {column: categroy,")
        .replace(
            "condition: {column: on_catalogue, eq: true}",
            "condition: {column: on_catalogue, eq: 1}",
        )
        .replace("denominator: {sum: lines}", "denominator: {sum: category}")
        .replace("kpi: savings_captured", "kpi: savings_capture")
    )
    problems = _problems(text)
    assert problems == [
        f"{_line_of(text, 'calendar: ofice')}:contract.kpis[0].condition.clock.calendar: calendar "
        "'ofice' is not declared (calendars: office); did you mean 'office'?",
        f"{_line_of(text, 'name: po_cycle_time_p90')}:contract.kpis[1]: percentile must lie in "
        "(0, 100], got 150",
        f"{_line_of(text, 'categroy')}:contract.kpis[2].scope.column: purchase_orders has no "
        "column 'categroy'; did you mean 'category'?",
        f"{_line_of(text, 'eq: 1}')}:contract.kpis[2].condition.eq: 'on_catalogue' is a boolean "
        "column: compare it with true/false",
        f"{_line_of(text, 'sum: category')}:contract.kpis[3].denominator.sum: a sum adds an "
        "integer or decimal column; 'category' is a string column",
        f"{_line_of(text, 'kpi: savings_capture')}:contract.service_levels[4].kpi: unknown KPI "
        "'savings_capture'; did you mean 'savings_captured'? (the contract's own KPIs and the "
        "catalogue: catalogue_compliance, order_line_accuracy, po_cycle_time_p90, "
        "po_issued_within_target, savings_captured)",
    ]


def test_a_clock_between_a_timestamp_and_a_string_column_is_a_type_mismatch() -> None:
    text = PROCUREMENT.replace(
        "clock: {from: requested_at, to: issued_at, calendar: office, pauses: holds}\n      anchor",
        "clock: {from: requested_at, to: urgency, calendar: office, pauses: holds}\n      anchor",
    )
    text = PROCUREMENT.replace(
        "to: issued_at, calendar: office, pauses: holds}",
        "to: urgency, calendar: office, pauses: holds}",
        1,
    )
    assert _problems(text) == [
        f"{_line_of(text, 'to: urgency')}:contract.kpis[0].condition.clock.to: a clock runs "
        "between two timestamp columns; 'urgency' is a string column"
    ]


def _nested(depth: int) -> str:
    condition = "{column: on_catalogue, eq: true}"
    for _ in range(depth):
        condition = f"{{not: {condition}}}"
    return condition


def test_nesting_and_condition_counts_are_limited_at_validation() -> None:
    deep = PROCUREMENT.replace(
        "condition: {column: on_catalogue, eq: true}", f"condition: {_nested(7)}"
    )
    assert _problems(deep) == [
        f"{_line_of(deep, 'name: catalogue_compliance')}:contract.kpis[2]: nests conditions 8 "
        "deep, above the limit of 6"
    ]
    many = ", ".join("{column: on_catalogue, eq: true}" for _ in range(40))
    wide = PROCUREMENT.replace(
        "condition: {column: on_catalogue, eq: true}", f"condition: {{any: [{many}]}}"
    )
    assert _problems(wide) == [
        f"{_line_of(wide, 'name: catalogue_compliance')}:contract.kpis[2]: has 42 conditions, "
        "above the limit of 32"
    ]


def test_an_event_type_with_too_many_columns_or_a_bad_anchor_is_refused() -> None:
    columns = "".join(f"        - {{name: extra_{i}, type: integer}}\n" for i in range(60))
    text = PROCUREMENT.replace(
        "        - {name: requester_name", columns + "        - {name: requester_name"
    )
    [problem] = _problems(text)
    assert problem.endswith("contract.event_types[0]: declares 72 columns, above the limit of 64")
    anchored = PROCUREMENT.replace("anchor: requested_at", "anchor: urgency")
    [problem] = _problems(anchored)
    assert problem.endswith("the anchor 'urgency' must be a timestamp or date column")
