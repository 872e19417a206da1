"""Declared ratio KPIs as OpenSLO ratio metrics, and back."""

from __future__ import annotations

from pathlib import Path

from servicepact.contractfile import declarations_in, from_openslo, load_contract_file, to_openslo

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_a_declared_ratio_exports_its_condition_as_good_and_its_scope_as_total() -> None:
    contract = load_contract_file(EXAMPLES / "procurement.yaml").contract
    slo = next(
        d for d in to_openslo(contract) if d["metadata"]["displayName"] == "Catalogue compliance"
    )
    ratio = slo["spec"]["indicator"]["spec"]["ratioMetric"]
    good = ratio["good"]["metricSource"]["spec"]
    total = ratio["total"]["metricSource"]["spec"]
    assert good["where"] == {"column": "on_catalogue", "eq": True}
    assert total["where"] == {"column": "category", "in": ["indirect", "it"]}
    assert good["declaration"]["kind"] == "ratio"
    assert good["eventType"]["name"] == "purchase_orders"


def test_lower_is_better_ratio_of_sums_counts_bad_events_and_imports_back() -> None:
    contract = load_contract_file(EXAMPLES / "procurement.yaml").contract
    documents = to_openslo(contract)
    slo = next(d for d in documents if d["metadata"]["displayName"] == "Order lines in error")
    assert set(slo["spec"]["indicator"]["spec"]["ratioMetric"]) == {"counter", "bad", "total"}
    carried = declarations_in(documents)
    assert [k["name"] for k in carried["kpis"]] == [k.name for k in contract.kpis]
    assert [t["name"] for t in carried["event_types"]] == ["purchase_orders"]
    levels = from_openslo(documents)
    assert [sl.definition.formula for sl in levels] == [
        sl.definition.formula for sl in contract.service_levels
    ]
