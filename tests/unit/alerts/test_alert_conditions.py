"""Which conditions become alerts, with which key and state (so a persisting one is sent once)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa

from servicepact.alerts.conditions import (
    earn_back_alerts,
    finding_alerts,
    overload_alerts,
    result_alerts,
    standing_alerts,
)
from servicepact.domain.alerts import AlertKind, Severity
from servicepact.domain.event_schemas import ASSIGNMENT
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.domain.risks import ControlFinding, FindingSource, FindingStatus
from servicepact.domain.scorecards import StandingAction
from servicepact.engine.handoffs import handoff_analysis
from servicepact.engine.scorecard import StandingChange

NOW = datetime(2026, 4, 1, tzinfo=UTC)
VENDORS = {"acme-cs": "helpco"}


def _result(period: str, status: ResultStatus, running: bool = False) -> ServiceLevelResult:
    return ServiceLevelResult(
        contract_id="acme-cs",
        contract_version=1,
        service_level_id="SL-01",
        kpi="answered_within",
        period=period,
        period_start=f"{period}-01",
        period_end=f"{period}-28",
        value=Fraction(78, 100),
        numerator=78,
        denominator=100,
        sample_size=100,
        expected=Decimal("0.8"),
        minimum=Decimal("0.8"),
        status=status,
        running=running,
    )


def test_only_the_latest_closed_period_of_a_level_is_alerted() -> None:
    results = [
        _result("2026-02", ResultStatus.BREACHED),
        _result("2026-03", ResultStatus.BREACHED),
        _result("2026-04", ResultStatus.MET, running=True),
    ]
    alerts = result_alerts(results, vendor_of=VENDORS, now=NOW)
    assert [(a.key, a.state, a.severity) for a in alerts] == [
        ("breach:acme-cs/SL-01", "2026-03:breached", Severity.CRITICAL)
    ]
    assert alerts[0].detail == "answered_within: 78.00 % against a minimum of 80.00 % (78 of 100)"
    assert alerts[0].vendor_id == "helpco"


def test_insufficient_data_is_a_missing_data_alert_and_met_is_none() -> None:
    assert [
        a.kind
        for a in result_alerts(
            [_result("2026-03", ResultStatus.INSUFFICIENT_DATA)], vendor_of=VENDORS, now=NOW
        )
    ] == [AlertKind.MISSING_DATA]
    assert result_alerts([_result("2026-03", ResultStatus.MET)], vendor_of=VENDORS, now=NOW) == []


def _finding(
    key: str, check: str = "incomplete_period", status=FindingStatus.OPEN
) -> ControlFinding:  # type: ignore[no-untyped-def]
    return ControlFinding(
        key=key,
        contract_id="acme-cs",
        source=FindingSource.PERIOD,
        check=check,
        detail=f"detail {key}",
        status=status,
    )


def test_open_findings_of_one_kind_on_a_contract_are_one_alert_whose_state_changes_with_them() -> (
    None
):
    two = finding_alerts(
        [_finding("a"), _finding("b"), _finding("c", status=FindingStatus.RESOLVED)],
        vendor_of=VENDORS,
        now=NOW,
    )
    assert [(a.key, a.title) for a in two] == [
        (
            "finding:acme-cs:incomplete_period",
            "2 open control findings on acme-cs: incomplete_period",
        )
    ]
    three = finding_alerts(
        [_finding("a"), _finding("b"), _finding("d")], vendor_of=VENDORS, now=NOW
    )
    assert three[0].key == two[0].key
    assert three[0].state != two[0].state
    assert (
        finding_alerts([_finding("b"), _finding("a")], vendor_of=VENDORS, now=NOW)[0].state
        == two[0].state
    )


def test_an_overloaded_contract_is_one_alert_whose_state_is_the_latest_week() -> None:
    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 4, day, hour, tzinfo=UTC)

    table = pa.table(
        {
            "id": ["T1", "T2"],
            "assignments": pa.array(
                [
                    [
                        {"party": "v", "from": at(6, 0), "to": at(6, 1)},
                        {"party": "desk", "from": at(6, 1), "to": at(6, 2)},
                    ],
                    [
                        {"party": "v", "from": at(13, 0), "to": at(13, 1)},
                        {"party": "desk", "from": at(13, 1), "to": None},
                    ],
                ],
                pa.list_(ASSIGNMENT),
            ),
        }
    )
    report = handoff_analysis(
        table, vendor_party="v", internal_parties=["desk"], bounce_threshold=3, weekly_capacity=0
    )
    alerts = overload_alerts(report, contract_id="acme-cs", now=NOW)
    assert [(a.key, a.state) for a in alerts] == [("workload:acme-cs", "2026-W16")]
    assert "in 2 weeks" in alerts[0].title
    report_ok = handoff_analysis(
        table, vendor_party="v", internal_parties=["desk"], bounce_threshold=3, weekly_capacity=5
    )
    assert overload_alerts(report_ok, contract_id="acme-cs", now=NOW) == []


def test_standing_changes_and_earn_backs_become_alerts() -> None:
    change = StandingChange(
        "helpco",
        "2026-03",
        "fair",
        "poor",
        (StandingAction.NOTIFY, StandingAction.IMPROVEMENT_PLAN),
    )
    [standing] = standing_alerts([change], now=NOW)
    assert (standing.key, standing.state, standing.severity) == (
        "standing:helpco",
        "2026-03:poor",
        Severity.WARNING,
    )
    assert standing.detail == "actions: notify, improvement_plan"
    earned = earn_back_alerts(
        [
            ("acme-cs", "2026-03", Decimal(4800000), "KRW"),
            ("acme-cs", "2026-02", Decimal(0), "KRW"),
        ],
        vendor_of=VENDORS,
        now=NOW,
    )
    assert [(a.key, a.title) for a in earned] == [
        ("earn_back:acme-cs:2026-03", "Earn-back of 4,800,000 KRW on acme-cs in 2026-03")
    ]


def test_an_at_risk_forecast_says_how_much_of_the_error_budget_is_left() -> None:
    from types import SimpleNamespace

    from servicepact.alerts.conditions import forecast_alerts

    def forecast(remaining: int | None, allowed: int | None, at_risk: bool = True) -> object:
        return SimpleNamespace(
            contract_id="acme-cs",
            service_level_id="SL-01",
            period="2026-04",
            at_risk=at_risk,
            projected_value=Fraction(79, 100),
            projected_status=ResultStatus.BELOW_EXPECTED,
            budget_remaining=remaining,
            allowed_failures=allowed,
        )

    [left] = forecast_alerts([forecast(12, 40)], vendor_of=VENDORS, now=NOW)
    assert (left.key, left.state) == ("at_risk:acme-cs/SL-01", "2026-04:at_risk")
    assert left.detail == "projected 79.00 % (below_expected); 12 of 40 failures left"
    [spent] = forecast_alerts([forecast(-5, 40)], vendor_of=VENDORS, now=NOW)
    assert spent.detail.endswith("the error budget of 40 failures is exhausted by 5")
    assert forecast_alerts([forecast(30, 40, at_risk=False)], vendor_of=VENDORS, now=NOW) == []
