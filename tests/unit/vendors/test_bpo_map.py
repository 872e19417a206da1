"""The BPO map: four governance layers per outsourced process, each with its status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from servicepact.domain.contracts import Contract
from servicepact.domain.portfolio import Decision, Layer, Process
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.engine.bpo_map import LayerStatus, bpo_map


def _contract() -> Contract:
    data: dict[str, Any] = {
        "id": "acme-cs",
        "name": "Customer contact centre",
        "client": "acme",
        "vendor": "helpco",
        "processes": ["customer-support"],
        "term": {"start": "2026-01-01", "end": "2027-12-31"},
        "credits": {"at_risk_percent": 12},
        "service_levels": [
            {
                "id": "SL-01",
                "name": "Answered within 20 s",
                "kpi": "answered_within",
                "source": "calls",
                "params": {"seconds": 20},
                "expected": "0.8",
                "minimum": "0.75",
                "allocation_percent": 40,
            },
        ],
    }
    return Contract.model_validate(data)


def _process(**kw: Any) -> Process:
    data: dict[str, Any] = {
        "id": "customer-support",
        "name": "Customer support",
        "domain": "CRM",
        "office": "front",
        "artefacts": [
            {"layer": "policy", "name": "Outsourcing policy"},
            {
                "layer": "process",
                "name": "Escalation and handoff procedure",
                "status": "in_progress",
            },
            {"layer": "infrastructure", "name": "Telephony platform"},
        ],
    }
    data.update(kw)
    return Process.model_validate(data)


def _result(period: str, status: ResultStatus) -> ServiceLevelResult:
    return ServiceLevelResult(
        contract_id="acme-cs",
        contract_version=1,
        service_level_id="SL-01",
        kpi="answered_within",
        period=period,
        period_start=f"{period}-01",
        period_end=f"{period}-28",
        value=None,
        numerator=None,
        denominator=None,
        sample_size=1,
        expected=Decimal("0.8"),
        minimum=Decimal("0.75"),
        status=status,
    )


def test_each_outsourced_process_shows_its_four_layers_with_a_status() -> None:
    decision = Decision(
        id="D-1",
        date=date(2025, 11, 3),
        title="Outsource first-line support",
        owner="COO",
        rationale="cost and 24x7 coverage",
        contracts=("acme-cs",),
    )
    internal_only = _process(id="payroll", name="Payroll", domain="ERP", office="back")
    views = bpo_map(
        processes=[_process(), internal_only],
        contracts=[_contract()],
        results=[_result("2026-02", ResultStatus.BREACHED), _result("2026-03", ResultStatus.MET)],
        decisions=[decision],
    )
    assert [v.process_id for v in views] == ["customer-support"]  # payroll is not outsourced
    view = views[0]
    assert [layer.layer for layer in view.layers] == list(Layer)
    assert view.layer(Layer.POLICY).status is LayerStatus.OK
    assert [i.status for i in view.layer(Layer.POLICY).items] == ["defined", "decision"]
    assert view.layer(Layer.PROCESS).status is LayerStatus.ATTENTION  # in progress
    operation = view.layer(Layer.OPERATION)
    assert operation.status is LayerStatus.OK  # the latest closed month (2026-03) was met
    assert operation.items[0].detail == "latest 2026-03"
    assert view.layer(Layer.INFRASTRUCTURE).status is LayerStatus.OK
    assert view.vendors == ("helpco",)


def test_a_layer_with_nothing_defined_is_missing_and_an_unmet_level_needs_attention() -> None:
    bare = _process(artefacts=[])
    view = bpo_map(
        processes=[bare],
        contracts=[_contract()],
        results=[_result("2026-03", ResultStatus.BREACHED)],
    )[0]
    assert view.layer(Layer.POLICY).status is LayerStatus.MISSING
    assert view.layer(Layer.INFRASTRUCTURE).status is LayerStatus.MISSING
    assert view.layer(Layer.OPERATION).status is LayerStatus.ATTENTION


def test_a_service_level_never_measured_needs_attention() -> None:
    view = bpo_map(processes=[_process()], contracts=[_contract()])[0]
    assert view.layer(Layer.OPERATION).status is LayerStatus.ATTENTION
    assert view.layer(Layer.OPERATION).items[0].status == "not_measured"
