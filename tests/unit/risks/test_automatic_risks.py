"""Risks raised by rules, with their explanations; period findings; the heat map."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from servicepact.domain.contracts import Contract
from servicepact.domain.portfolio import Certification, Party, PartyKind
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.domain.risks import (
    ControlFinding,
    FindingSource,
    Risk,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    level_for,
)
from servicepact.engine.risks import RiskRules, automatic_risks, heat_map, period_findings


def _contract(contract_id: str = "acme-cs", vendor: str = "helpco") -> Contract:
    data: dict[str, Any] = {
        "id": contract_id,
        "name": "Customer contact centre",
        "client": "acme",
        "vendor": vendor,
        "term": {"start": "2026-01-01", "end": "2027-12-31"},
        "credits": {"at_risk_percent": 12},
        "service_levels": [
            {
                "id": "SL-01",
                "name": "Calls answered within 20 s",
                "kpi": "answered_within",
                "source": "calls",
                "params": {"seconds": 20},
                "expected": "0.80",
                "minimum": "0.75",
                "allocation_percent": 40,
            },
            {
                "id": "KM-01",
                "name": "Abandonment rate",
                "kpi": "abandonment_rate",
                "source": "calls",
                "expected": "0.05",
                "minimum": "0.08",
                "kind": "key",
            },
        ],
    }
    return Contract.model_validate(data)


def _result(
    period: str,
    status: ResultStatus,
    sl_id: str = "SL-01",
    contract_id: str = "acme-cs",
    completeness: Fraction | None = None,
) -> ServiceLevelResult:
    return ServiceLevelResult(
        contract_id=contract_id,
        contract_version=1,
        service_level_id=sl_id,
        kpi="answered_within",
        period=period,
        period_start=f"{period}-01",
        period_end=f"{period}-28",
        value=None,
        numerator=None,
        denominator=None,
        sample_size=0,
        expected=Decimal("0.80"),
        minimum=Decimal("0.75"),
        status=status,
        completeness=completeness,
    )


def test_two_breaches_of_a_critical_level_within_three_months_raise_a_service_quality_risk() -> (
    None
):
    results = [
        _result("2026-01", ResultStatus.BREACHED),  # outside the window ending 2026-04
        _result("2026-02", ResultStatus.BREACHED),
        _result("2026-03", ResultStatus.MET),
        _result("2026-04", ResultStatus.BREACHED),
    ]
    raised = automatic_risks(as_of=date(2026, 4, 30), contracts=[_contract()], results=results)
    assert len(raised) == 1
    risk = raised[0]
    assert risk.category is RiskCategory.SERVICE_QUALITY
    assert risk.key == "repeated_breach:acme-cs:SL-01"
    assert risk.explanation == (
        "SL-01 of acme-cs breached in 2026-02, 2026-04: 2 of the last 3 months (threshold 2)"
    )
    assert (risk.likelihood, risk.impact, risk.score, risk.level) == (4, 4, 16, RiskLevel.HIGH)
    assert risk.vendors == ("helpco",)


def test_a_single_breach_or_breaches_of_key_measurements_raise_nothing() -> None:
    results = [
        _result("2026-03", ResultStatus.BREACHED),
        _result("2026-03", ResultStatus.BREACHED, sl_id="KM-01"),
        _result("2026-04", ResultStatus.BREACHED, sl_id="KM-01"),
    ]
    assert automatic_risks(as_of=date(2026, 4, 30), contracts=[_contract()], results=results) == []


def test_missing_data_and_late_submissions_raise_an_internal_control_risk() -> None:
    results = [_result("2026-04", ResultStatus.INSUFFICIENT_DATA)]
    findings = [
        ControlFinding(
            key="load:acme-cs:b7:late",
            contract_id="acme-cs",
            source=FindingSource.LOAD,
            check="late_submission",
            detail="calls for 2026-04 arrived 9 days after the deadline",
        )
    ]
    raised = automatic_risks(
        as_of=date(2026, 4, 30), contracts=[_contract()], results=results, findings=findings
    )
    assert [r.rule for r in raised] == ["missing_data"]
    assert raised[0].category is RiskCategory.INTERNAL_CONTROL
    assert "2 gaps in the data of acme-cs" in raised[0].explanation
    assert "2026-04 SL-01: no data" in raised[0].explanation


def test_more_than_the_set_share_of_spend_with_one_vendor_raises_a_concentration_risk() -> None:
    # helpco 600 of 1,000 = 60 % > 40 %; callnet 400 of 1,000 = 40 % is not above 40 %
    spend = {"helpco": Decimal(600), "callnet": Decimal(400)}
    raised = automatic_risks(
        as_of=date(2026, 4, 30),
        contracts=[_contract(), _contract("beta-cs", "callnet")],
        spend_by_vendor=spend,
    )
    assert [(r.rule, r.vendors) for r in raised] == [("concentration", ("helpco",))]
    assert raised[0].explanation == "helpco receives 600 of 1000 (60.0 %), above the 40 % threshold"
    assert raised[0].contracts == ("acme-cs",)


def test_no_spend_at_all_raises_no_concentration_risk() -> None:
    # 0 of 0: no share can be worked out, so no vendor is above the threshold
    spend = {"helpco": Decimal(0), "callnet": Decimal(0)}
    raised = automatic_risks(
        as_of=date(2026, 4, 30),
        contracts=[_contract(), _contract("beta-cs", "callnet")],
        spend_by_vendor=spend,
    )
    assert raised == []


def test_breaches_of_a_level_the_contract_no_longer_has_raise_nothing() -> None:
    # SL-99 was breached twice in the window, but the contract names no SL-99 (a stored result
    # of an earlier version): it cannot be judged critical, so it counts for nothing.
    results = [
        _result("2026-03", ResultStatus.BREACHED, sl_id="SL-99"),
        _result("2026-04", ResultStatus.BREACHED, sl_id="SL-99"),
    ]
    assert automatic_risks(as_of=date(2026, 4, 30), contracts=[_contract()], results=results) == []


def test_an_expired_certification_of_a_vendor_under_contract_raises_a_compliance_risk() -> None:
    parties = [
        Party(
            id="helpco",
            kind=PartyKind.VENDOR,
            name="HelpCo",
            certifications=(
                Certification(name="ISO 27001", valid_until=date(2026, 3, 31)),
                Certification(name="ISO 9001", valid_until=date(2027, 3, 31)),
            ),
        ),
        Party(  # not under contract: ignored
            id="idle",
            kind=PartyKind.VENDOR,
            name="Idle",
            certifications=(Certification(name="ISO 27001", valid_until=date(2020, 1, 1)),),
        ),
    ]
    raised = automatic_risks(as_of=date(2026, 4, 1), contracts=[_contract()], parties=parties)
    assert [r.key for r in raised] == ["certification_expired:helpco:ISO 27001"]
    assert raised[0].category is RiskCategory.COMPLIANCE
    assert "valid until 2026-03-31" in raised[0].explanation


def test_thresholds_are_configurable() -> None:
    results = [_result("2026-04", ResultStatus.BREACHED)]
    rules = RiskRules(repeated_breach_count=1)
    raised = automatic_risks(
        as_of=date(2026, 4, 30), contracts=[_contract()], results=results, rules=rules
    )
    assert len(raised) == 1


def test_a_raised_risk_becomes_a_register_entry_with_its_rule_and_explanation() -> None:
    results = [_result("2026-03", ResultStatus.BREACHED), _result("2026-04", ResultStatus.BREACHED)]
    raised = automatic_risks(as_of=date(2026, 4, 30), contracts=[_contract()], results=results)[0]
    risk = raised.to_risk(risk_id="R-7", owner="vendor manager")
    assert (risk.rule, risk.source.value) == ("repeated_breach", "rule")
    assert risk.explanation == raised.explanation


def test_a_period_computed_from_incomplete_data_is_a_control_finding() -> None:
    # Under 90 % of the expected volume is incomplete; 90 % itself and more is not.
    results = [
        _result("2026-05", ResultStatus.MET, completeness=Fraction(899, 1000)),
        _result("2026-04", ResultStatus.MET, completeness=Fraction(9, 10)),
        _result("2026-03", ResultStatus.MET, completeness=Fraction(1)),
        _result("2026-02", ResultStatus.MET),
    ]
    findings = period_findings(results)
    assert len(findings) == 1
    assert findings[0].detail == "SL-01 2026-05 was computed from 89.9 % of the expected events"
    assert findings[0].source is FindingSource.PERIOD


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (4, RiskLevel.LOW),
        (5, RiskLevel.MEDIUM),
        (9, RiskLevel.MEDIUM),
        (10, RiskLevel.HIGH),
        (16, RiskLevel.HIGH),
        (20, RiskLevel.CRITICAL),
        (25, RiskLevel.CRITICAL),
    ],
)
def test_risk_levels_follow_the_bands_of_likelihood_times_impact(
    score: int, level: RiskLevel
) -> None:
    assert level_for(score) is level


def test_the_heat_map_places_open_risks_by_likelihood_and_impact() -> None:
    def risk(
        risk_id: str, likelihood: int, impact: int, status: RiskStatus = RiskStatus.OPEN
    ) -> Risk:
        return Risk(
            id=risk_id,
            title=risk_id,
            category=RiskCategory.CONTRACT,
            likelihood=likelihood,
            impact=impact,
            owner="kim",
            status=status,
        )

    grid = heat_map(
        [risk("R1", 5, 1), risk("R2", 5, 1), risk("R3", 2, 4), risk("R4", 3, 3, RiskStatus.CLOSED)]
    )
    assert len(grid) == 5
    assert all(len(row) == 5 for row in grid)
    top_left = grid[0][0]  # likelihood 5, impact 1
    assert (top_left.likelihood, top_left.impact, top_left.risks) == (5, 1, ("R1", "R2"))
    assert top_left.level is RiskLevel.MEDIUM  # 5 × 1 = 5
    assert grid[3][3].risks == ("R3",)  # likelihood 2 (row 4), impact 4 (column 4)
    assert sum(cell.count for row in grid for cell in row) == 3  # the closed risk is not shown
