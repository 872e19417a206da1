"""The rules of the smaller domain values: each refuses what breaks it, with its message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from servicepact.domain.business_case import BrokerTerms
from servicepact.domain.event_types import EventType
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.fees import Fee, Indexation
from servicepact.domain.periods import (
    PeriodKind,
    Term,
    contract_year_of,
    period_of,
)
from servicepact.domain.portfolio import Portfolio
from servicepact.domain.scorecards import ScorecardWeights

EXCLUSION = {
    "id": "x1",
    "contract_id": "acme-cs-2026",
    "source": "calls",
    "event_ids": ["C1"],
    "reason": "force_majeure",
    "requested_by": "bob",
    "requested_at": datetime(2026, 3, 2, tzinfo=UTC),
}
PARTY = {"id": "acme", "kind": "client", "name": "Acme"}
PROCESS = {"id": "support", "name": "Support", "domain": "CRM", "office": "front"}
BANDS = [
    {"name": "poor", "lower": 0, "colour": "red"},
    {"name": "good", "lower": 80, "colour": "green"},
]

CASES: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (Indexation, {"percent_per_year": 3, "table": {2: 1.03}}, "give exactly one of"),
    (Indexation, {}, "give exactly one of percent_per_year and table"),
    (Indexation, {"table": {0: 1.0}}, "table: year 0 factor 1.0 must be positive"),
    (Indexation, {"table": {2: 0}}, "table: year 2 factor 0 must be positive"),
    (
        Indexation,
        {"table": {1: "1.05", 2: "1.08"}},
        "table: year 1 pays the base price (factor 1), not 1.05; indexation starts in year 2",
    ),
    (
        Fee,
        {
            "id": "v",
            "kind": "per_unit",
            "source": "calls",
            "bands": [{"upto": 10, "price": 5}, {"price": 4}, {"price": 3}],
        },
        "only the last price band may be open",
    ),
    (
        Fee,
        {
            "id": "v",
            "kind": "per_unit",
            "source": "calls",
            "bands": [{"upto": 10, "price": 5}, {"upto": 10, "price": 4}, {"price": 3}],
        },
        "price bands must rise: each upto above the one before",
    ),
    (Fee, {"id": "setup", "kind": "one_time", "amount": 5}, "a one_time fee needs month"),
    (Exclusion, {**EXCLUSION, "period": "2026-03"}, "either event ids or a whole period"),
    (Exclusion, {**EXCLUSION, "event_ids": []}, "either event ids or a whole period"),
    (Exclusion, {**EXCLUSION, "event_ids": ["C1", "C1"]}, "event ids are listed more than once"),
    (
        Exclusion,
        {**EXCLUSION, "status": "approved"},
        "a approved exclusion needs the user who decided it",
    ),
    (
        EventType,
        {
            "name": "visits",
            "description": "site visits",
            "columns": [{"name": "id", "type": "string"}, {"name": "id", "type": "string"}],
        },
        "columns declared twice: id",
    ),
    (
        EventType,
        {"name": "visits", "description": "v", "columns": [{"name": "at", "type": "timestamp"}]},
        "the id column 'id' is not declared",
    ),
    (Portfolio, {"parties": [PARTY, PARTY]}, "duplicate party ids: acme"),
    (Portfolio, {"parties": [PARTY], "processes": [PROCESS, PROCESS]}, "duplicate process ids"),
    (
        Portfolio,
        {"parties": [PARTY], "processes": [{**PROCESS, "parent": "hr"}]},
        "process support: unknown parent 'hr'",
    ),
    (
        Portfolio,
        {
            "parties": [PARTY],
            "processes": [PROCESS],
            "decisions": [
                {
                    "id": "d1",
                    "date": "2026-01-05",
                    "title": "Outsource",
                    "owner": "alice",
                    "rationale": "cost",
                    "processes": ["support", "payroll"],
                }
            ],
        },
        "decision d1: unknown processes ['payroll']",
    ),
    (
        ScorecardWeights,
        {"points": {"insufficient_data": 10}},
        "insufficient data is a gap and earns no points; remove it",
    ),
    (
        ScorecardWeights,
        {
            "service_levels": 0,
            "credits": 0,
            "invoice_accuracy": 0,
            "control_findings": 0,
            "open_risks": 0,
            "survey": 0,
        },
        "at least one component needs a weight above 0",
    ),
    (ScorecardWeights, {"bands": []}, "bands must start at 0"),
    (ScorecardWeights, {"bands": [{**BANDS[1], "lower": 10}]}, "bands must start at 0"),
    (
        ScorecardWeights,
        {"bands": [BANDS[0], BANDS[1], {**BANDS[1], "name": "top"}]},
        "bands must be in increasing order of their lower bound",
    ),
    (
        BrokerTerms,
        {"margin_percent": 10, "vendor_fees_monthly": 1000},
        "give margin_percent or vendor_fees_monthly, not both",
    ),
]


@pytest.mark.parametrize(("model", "data", "message"), CASES)
def test_a_value_that_breaks_a_rule_is_refused_with_its_reason(
    model: type[BaseModel], data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert message in str(caught.value)


def test_the_values_next_to_each_rule_are_accepted() -> None:
    assert Indexation.model_validate({"table": {1: 1, 2: "1.03"}}).table is not None
    assert Exclusion.model_validate({**EXCLUSION, "event_ids": [], "period": "2026-03"}).period
    approved = Exclusion.model_validate({**EXCLUSION, "status": "approved", "decided_by": "alice"})
    assert approved.decided_by == "alice"
    assert ScorecardWeights.model_validate({"bands": BANDS, "survey": 0}).bands[1].lower == 80
    assert BrokerTerms.model_validate({"margin_percent": 10}).vendor_fees_monthly is None


TERM = Term(start=date(2026, 4, 15), end=date(2029, 4, 14))


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 15), 1),  # the first day of the term
        (date(2027, 4, 14), 1),  # the day before the first anniversary
        (date(2027, 4, 15), 2),  # the anniversary starts year 2
        (date(2028, 1, 31), 2),  # earlier in the calendar year than the start month
        (date(2029, 4, 14), 3),  # the last day of the term
    ],
)
def test_the_contract_year_turns_on_the_anniversary(day: date, year: int) -> None:
    assert contract_year_of(TERM, day) == year


def test_the_period_of_a_day_for_each_kind() -> None:
    day = date(2027, 5, 20)
    assert period_of(PeriodKind.MONTH, day, TERM).label == "2027-05"
    assert period_of(PeriodKind.QUARTER, day, TERM).label == "2027-Q2"
    assert period_of(PeriodKind.QUARTER, date(2027, 12, 31), TERM).label == "2027-Q4"
    year = period_of(PeriodKind.CONTRACT_YEAR, day, TERM)
    assert (year.label, year.start, year.end) == ("Y2", date(2027, 4, 15), date(2028, 4, 15))
