"""Vendor governance through the services, on SQLite and PostgreSQL.

alice manages contracts for the client; bob works for vendor helpco; charlie for otherco;
dana is the auditor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from vendors_fixtures import sl01_result

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.alerts import AlertSettings
from servicepact.domain.entrustment import AccessAction
from servicepact.domain.errors import AccessDenied, InvalidInput, NotFound
from servicepact.domain.event_types import PersonalData
from servicepact.domain.results import ResultStatus
from servicepact.domain.risks import RiskRegister
from servicepact.services import alerts as alert_service
from servicepact.services import entrustment as entrustment_service
from servicepact.services import risks as risk_service
from servicepact.services import vendors as vendor_service
from servicepact.services.contracts import apply_contract

ACME = "acme-cs-2026"
OTHER = "other-cs-2026"


RESULTS = {
    ACME: [
        sl01_result(ACME, "2026-01", ResultStatus.BREACHED),
        sl01_result(ACME, "2026-02", ResultStatus.MET),
        sl01_result(ACME, "2026-03", ResultStatus.BREACHED),
    ],
    OTHER: [sl01_result(OTHER, "2026-03", ResultStatus.MET)],
}


@pytest.fixture
def portfolio(
    app: App,
    client_manager: Actor,
    make_contract_document: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(ACME))
    apply_contract(
        app, actor=client_manager, document=make_contract_document(OTHER, vendor="otherco")
    )
    import servicepact.services.evaluation as evaluation

    def list_results(app: App, *, actor: Actor, contract_id: str, period: str | None = None):
        return [r for r in RESULTS.get(contract_id, []) if period is None or r.period == period]

    monkeypatch.setattr(evaluation, "list_results", list_results)


@pytest.mark.usefixtures("portfolio")
def test_scorecards_rank_vendors_from_stored_facts_with_gaps_named(
    app: App, client_manager: Actor
) -> None:
    vendor_service.record_survey(
        app,
        actor=client_manager,
        vendor_id="helpco",
        quarter="2026-Q1",
        score=Decimal(80),
        respondents=9,
    )
    # helpco 2026-03: SL-01 (40 %) breached → 0; no credit statement, no invoice check: gaps;
    # controls ran, no findings → 100; no open risks → 100; survey 2026-Q1 → 80
    # composite (40×0 + 10×100 + 10×100 + 10×80) / (40+10+10+10) = 2,800 / 70 = 40 → poor
    card = vendor_service.scorecard(app, actor=client_manager, vendor_id="helpco", period="2026-03")
    assert card.composite == 40
    assert card.standing is not None
    assert card.standing.name == "poor"
    assert {g.reason for g in card.gaps} >= {
        "no credit computation for the period",
        "no invoice checked for the period",
    }
    # otherco: met → 100; controls 100; risks 100; no survey → (4,000 + 1,000 + 1,000) / 60 = 100
    ranked, _ = vendor_service.ranking(app, actor=client_manager, period="2026-03")
    assert [(r.vendor_id, r.rank, r.composite) for r in ranked] == [
        ("otherco", 1, 100),
        ("helpco", 2, 40),
    ]


@pytest.mark.usefixtures("portfolio")
def test_a_month_without_results_is_a_gap_in_the_trend(app: App, client_manager: Actor) -> None:
    trend = vendor_service.trend(
        app, actor=client_manager, vendor_id="helpco", last="2026-03", months=4
    )
    assert [p.period for p in trend.points] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert trend.gaps == (("2025-12", "no service-level results for the period"),)


@pytest.mark.usefixtures("portfolio")
def test_a_vendor_sees_its_own_scorecard_only(app: App, vendor_a: Actor, vendor_b: Actor) -> None:
    assert vendor_service.scorecard(app, actor=vendor_a, vendor_id="helpco", period="2026-03")
    with pytest.raises(NotFound):
        vendor_service.scorecard(app, actor=vendor_b, vendor_id="helpco", period="2026-03")
    with pytest.raises(AccessDenied):
        vendor_service.record_survey(
            app,
            actor=vendor_a,
            vendor_id="helpco",
            quarter="2026-Q1",
            score=Decimal(100),
            respondents=1,
        )


@pytest.mark.usefixtures("portfolio")
def test_the_risk_register_is_applied_scoped_and_mapped(
    app: App, client_manager: Actor, vendor_b: Actor
) -> None:
    register = RiskRegister.model_validate(
        {
            "risks": [
                {
                    "id": "R-1",
                    "title": "Data leak",
                    "category": "data_security",
                    "likelihood": 2,
                    "impact": 5,
                    "owner": "CISO",
                    "contracts": [ACME],
                    "vendors": ["helpco"],
                },
                {
                    "id": "R-2",
                    "title": "Thin bench",
                    "category": "service_quality",
                    "likelihood": 3,
                    "impact": 3,
                    "owner": "VM",
                    "contracts": [OTHER],
                },
            ]
        }
    )
    outcome = risk_service.apply_risk_register(app, actor=client_manager, register=register)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 0, 0)
    again = risk_service.apply_risk_register(app, actor=client_manager, register=register)
    assert again.unchanged == 2
    assert [r.id for r in risk_service.list_risks(app, actor=vendor_b)] == ["R-2"]
    grid = risk_service.risk_heat_map(app, actor=client_manager)
    assert grid[3][4].risks == ("R-1",)  # likelihood 2 (4th row from the top), impact 5
    with pytest.raises(AccessDenied):
        risk_service.apply_risk_register(app, actor=vendor_b, register=register)


@pytest.mark.usefixtures("portfolio")
def test_rules_raise_a_repeated_breach_once_and_refresh_it(app: App, client_manager: Actor) -> None:
    raised = risk_service.raise_risks(app, actor=client_manager, as_of=date(2026, 3, 31))
    assert [r.key for r in raised] == [f"repeated_breach:{ACME}:SL-01"]
    assert "breached in 2026-01, 2026-03" in raised[0].explanation
    risk_service.raise_risks(app, actor=client_manager, as_of=date(2026, 3, 31))
    stored = risk_service.list_risks(app, actor=client_manager)
    assert [(r.id, r.rule) for r in stored] == [("AUTO-0001", "repeated_breach")]


@pytest.mark.usefixtures("portfolio")
def test_the_entrustment_register_raises_overdue_inspections_and_logs_access(
    app: App, client_manager: Actor, vendor_a: Actor, auditor: Actor
) -> None:
    register = entrustment_service.EntrustmentRegister.model_validate(
        {
            "entrustments": [
                {
                    "contract_id": ACME,
                    "vendor": "helpco",
                    "categories": ["phone"],
                    "purpose": "answering calls",
                    "retention_months": 36,
                    "security_measures": ["pseudonymisation"],
                    "last_inspection": {"date": "2025-01-15", "result": "passed"},
                }
            ]
        }
    )
    entrustment_service.apply_entrustment_register(app, actor=client_manager, register=register)
    assert [e.contract_id for e in entrustment_service.list_entrustments(app, actor=vendor_a)] == [
        ACME
    ]
    findings = risk_service.control_findings(
        app, actor=client_manager, contract_id=ACME, today=date(2026, 3, 2)
    )
    assert [f.check for f in findings] == ["inspection_overdue"]
    with pytest.raises(InvalidInput, match="needs a reason"):
        entrustment_service.record_access(
            app,
            actor=client_manager,
            action=AccessAction.EXPORT,
            contract_id=ACME,
            category=PersonalData.PHONE,
            record_ref="p:1a2b",
            source_address="10.1.2.3",
        )
    entrustment_service.record_access(
        app,
        actor=client_manager,
        action=AccessAction.EXPORT,
        contract_id=ACME,
        category=PersonalData.PHONE,
        record_ref="p:1a2b",
        source_address="10.1.2.3",
        reason="complaint C-77 from 010-1234-5678",
        count=3,
    )
    log = entrustment_service.access_log(app, actor=auditor)
    assert [(r.user, r.action.value, r.count) for r in log] == [("alice", "export", 3)]
    assert log[0].reason is not None
    assert log[0].reason.startswith("complaint C-77 from ")
    assert "010-1234-5678" not in log[0].reason  # personal data in a reason is masked
    with pytest.raises(AccessDenied):
        entrustment_service.access_log(app, actor=vendor_a)
    wrong_vendor = register.model_copy(
        update={"entrustments": (register.entrustments[0].model_copy(update={"vendor": "x"}),)}
    )
    with pytest.raises(InvalidInput, match="the contract's vendor is 'helpco'"):
        entrustment_service.apply_entrustment_register(
            app, actor=client_manager, register=wrong_vendor
        )


@pytest.mark.usefixtures("portfolio")
def test_alerts_go_to_the_outbox_once_per_condition_with_a_delivery_log(
    app: App, client_manager: Actor, tmp_path: Path
) -> None:
    now = app.now()
    alerts = alert_service.collect_alerts(app, actor=client_manager, now=now)
    keys = sorted(a.key for a in alerts)
    assert f"breach:{ACME}/SL-01" in keys
    assert "standing:helpco" in keys  # helpco is poor in 2026-03 and had no standing before
    outbox = tmp_path / "outbox.jsonl"
    settings = AlertSettings(outbox=outbox)
    report = alert_service.send_alerts(
        app, actor=client_manager, settings=settings, alerts=alerts, now=now
    )
    assert len(report.sent) == len(alerts)
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert {line["alert"]["key"] for line in lines} == set(keys)
    second = alert_service.send_alerts(
        app, actor=client_manager, settings=settings, alerts=alerts, now=now
    )
    assert second.sent == []
    assert len(second.suppressed) == len(alerts)
    log = alert_service.delivery_log(app, actor=client_manager)
    assert len(log) == len(alerts)
    assert all(a.ok and a.channel.value == "outbox" for a in log)


def test_selection_projects_are_listed_and_evaluated_for_the_client_only(
    client_manager: Actor, vendor_a: Actor
) -> None:
    from servicepact.services import selection as selection_service

    assert "contact-centre-2027" in selection_service.list_projects(actor=client_manager)
    result = selection_service.project_result(actor=client_manager, project="contact-centre-2027")
    assert result.winner is not None
    with pytest.raises(NotFound):
        selection_service.project_result(actor=client_manager, project="../../etc/passwd")
    with pytest.raises(AccessDenied):
        selection_service.list_projects(actor=vendor_a)
