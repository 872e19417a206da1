"""OpenSLO v1 export and import: lossless for ServicePact's own documents, clear for others."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from contractfile_strategies import contracts
from hypothesis import HealthCheck, given, settings

from servicepact.contractfile import (
    ContractDocument,
    from_openslo,
    load_document,
    parse_contract_text,
    to_openslo,
)
from servicepact.domain.contracts import Contract, ServiceLevelKind
from servicepact.domain.errors import InvalidInput

# The example contract files (examples/ also holds the portfolio and other registers).
EXAMPLES = [
    path
    for path in sorted((Path(__file__).parents[3] / "examples").glob("*.yaml"))
    if re.search(r"^servicepact:.*^contract:", path.read_text(encoding="utf-8"), re.M | re.S)
]


def _slos(contract: Contract) -> list[dict[str, Any]]:
    return [d for d in to_openslo(contract) if d["kind"] == "SLO"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts())
def test_service_levels_survive_a_trip_through_openslo(contract: Contract) -> None:
    documents = to_openslo(contract)
    assert documents[0]["kind"] == "Service"
    assert all(d["apiVersion"] == "openslo/v1" for d in documents)
    assert from_openslo(documents) == list(contract.service_levels)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_contract_survives_a_trip_through_openslo(path: Path) -> None:
    document = load_document(path)
    assert isinstance(document, ContractDocument)
    assert from_openslo(to_openslo(document.contract)) == list(document.contract.service_levels)


FOREIGN: dict[str, Any] = {
    "apiVersion": "openslo/v1",
    "kind": "SLO",
    "metadata": {
        "name": "first-pass-match",
        "displayName": "Invoices matched first time",
        "annotations": {"servicepact.io/kpi": "first_pass_match_rate"},
    },
    "spec": {
        "service": "ap",
        "indicator": {
            "metadata": {"name": "fpm"},
            "spec": {
                "ratioMetric": {
                    "counter": True,
                    "good": {"metricSource": {"type": "Prometheus", "spec": {"query": "a"}}},
                    "total": {"metricSource": {"type": "Prometheus", "spec": {"query": "b"}}},
                }
            },
        },
        "timeWindow": [{"duration": "1Q", "isRolling": False}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"displayName": "goal", "targetPercent": 92.5}],
    },
}


def test_a_foreign_ratio_slo_naming_a_kpi_becomes_a_key_measurement() -> None:
    [level] = from_openslo([FOREIGN])
    assert level.id == "first-pass-match"
    assert level.kpi == "first_pass_match_rate"
    assert level.source == "invoices_processed"
    # one objective: expected and minimum are both its target, 92.5 % → 0.925
    assert level.expected == Decimal("0.925")
    assert level.minimum == Decimal("0.925")
    assert level.kind is ServiceLevelKind.KEY
    assert level.period.value == "quarter"


SMALL = parse_contract_text(
    """\
servicepact: 1
contract:
  id: cc
  name: Contact centre
  client: acme
  vendor: callco
  term: {start: 2026-01-01, end: 2026-12-31}
  service_levels:
    - {id: AB, name: Abandoned, kpi: abandonment_rate, source: calls,
       expected: 0.05, minimum: 0.08, kind: key}
    - {id: SL, name: Answered, kpi: answered_within, source: calls, params: {seconds: 20},
       expected: 0.8, minimum: 0.75, kind: key}
"""
).contract


def test_a_lower_is_better_ratio_is_exported_as_bad_events_with_the_share_of_good() -> None:
    abandoned = _slos(SMALL)[0]
    ratio = abandoned["spec"]["indicator"]["spec"]["ratioMetric"]
    assert "bad" in ratio
    assert "good" not in ratio
    # abandonment at most 5 % (expected) and 8 % (minimum) → 95 % and 92 % of calls good
    targets = {o["displayName"]: o["target"] for o in abandoned["spec"]["objectives"]}
    assert targets == {"expected": 0.95, "minimum": 0.92}
    assert from_openslo([abandoned])[0].expected == Decimal("0.05")


def test_an_objective_edited_after_export_wins_over_the_annotation() -> None:
    answered = copy.deepcopy(_slos(SMALL)[1])
    answered["spec"]["objectives"][0]["target"] = 0.85
    level = from_openslo([answered])[0]
    assert level.expected == Decimal("0.85")
    assert level.minimum == Decimal("0.75")  # untouched: still the exact annotation


def test_what_cannot_map_is_reported_all_at_once() -> None:
    rolling = copy.deepcopy(FOREIGN)
    rolling["metadata"]["name"] = "rolling"
    rolling["spec"]["timeWindow"] = [{"duration": "28d", "isRolling": True}]
    slices = copy.deepcopy(FOREIGN)
    slices["metadata"]["name"] = "slices"
    slices["spec"]["budgetingMethod"] = "Timeslices"
    unnamed = copy.deepcopy(FOREIGN)
    unnamed["metadata"] = {"name": "unnamed"}
    threshold = copy.deepcopy(FOREIGN)
    threshold["metadata"] = {"name": "latency"}
    threshold["spec"]["indicator"]["spec"] = {"thresholdMetric": {"metricSource": {"type": "X"}}}
    old = copy.deepcopy(FOREIGN)
    old["metadata"]["name"] = "old"
    old["apiVersion"] = "openslo/v1alpha"
    with pytest.raises(InvalidInput) as caught:
        from_openslo([rolling, slices, unnamed, threshold, old, {"kind": "Service"}])
    messages = {p.where: p.message for p in caught.value.problems}
    assert len(messages) == 5
    assert "rolling window cannot map" in messages["SLO rolling: spec.timeWindow"]
    assert "cannot map" in messages["SLO slices: spec.budgetingMethod"]
    assert "names no ServicePact KPI" in messages["SLO unnamed"]
    assert "only ratio SLOs" in messages["SLO latency: spec.indicator"]
    assert "openslo/v1 expected" in messages["SLO old: apiVersion"]


def test_an_imported_level_that_breaks_a_rule_is_reported_with_its_field() -> None:
    broken = copy.deepcopy(FOREIGN)
    broken["spec"]["objectives"] = [{"displayName": "expected", "target": 1.5}]
    with pytest.raises(
        InvalidInput, match="SLO first-pass-match: expected: must be between 0 and 1"
    ):
        from_openslo([broken])


def test_ids_that_share_a_dns_form_get_distinct_slo_names() -> None:
    text = """\
servicepact: 1
contract:
  id: c
  name: C
  client: a
  vendor: b
  term: {start: 2026-01-01, end: 2026-12-31}
  service_levels:
    - {id: SL_1, name: One, kpi: csat_top2, source: calls, expected: 0.8, minimum: 0.7, kind: key}
    - {id: sl-1, name: Two, kpi: csat_top2, source: calls, expected: 0.8, minimum: 0.7, kind: key}
"""
    contract = parse_contract_text(text).contract
    names = [d["metadata"]["name"] for d in _slos(contract)]
    assert names == ["c-sl-1", "c-sl-1-2"]
    assert [sl.id for sl in from_openslo(to_openslo(contract))] == ["SL_1", "sl-1"]
