"""From measured facts to alert conditions: one stable key per condition, its state, a message.

The key names *what* is wrong (a service level of a contract, a finding, a
vendor's standing); the state names *how* it is now (the period and status). The
same breach seen again has the same key and state and is not re-sent; a breach in
the next month is a new state and is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from servicepact.domain.alerts import Alert, AlertKind, Severity
from servicepact.domain.contracts import Contract
from servicepact.domain.lifecycle import LifecycleStatus
from servicepact.domain.results import ResultStatus, ServiceLevelResult, latest_closed_by_level
from servicepact.domain.risks import ControlFinding, FindingStatus
from servicepact.domain.scorecards import StandingAction
from servicepact.engine.handoffs import HandoffReport
from servicepact.engine.scorecard import StandingChange

MAX_LISTED = 5  # findings spelled out in one alert; the rest are counted


def latest_closed(results: Iterable[ServiceLevelResult]) -> list[ServiceLevelResult]:
    """The latest closed result of each (contract, service level), in that order."""
    latest = latest_closed_by_level(results)
    return [latest[k] for k in sorted(latest)]


def _share(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.2f} %"


def result_alerts(
    results: Sequence[ServiceLevelResult], *, vendor_of: dict[str, str], now: datetime
) -> list[Alert]:
    """Breaches and missing data in the latest closed period of each service level."""
    alerts: list[Alert] = []
    for result in latest_closed(results):
        vendor = vendor_of.get(result.contract_id)
        where = f"{result.contract_id}/{result.service_level_id}"
        if result.status is ResultStatus.BREACHED:
            alerts.append(
                Alert(
                    key=f"breach:{where}",
                    state=f"{result.period}:breached",
                    kind=AlertKind.BREACH,
                    severity=Severity.CRITICAL,
                    title=f"{where} breached in {result.period}",
                    detail=(
                        f"{result.kpi}: {_share(result.value)} against a minimum of "
                        f"{_share(result.minimum)} ({result.numerator} of {result.denominator})"
                    ),
                    contract_id=result.contract_id,
                    vendor_id=vendor,
                    raised_at=now,
                    data={"period": result.period, "service_level": result.service_level_id},
                )
            )
        elif result.status is ResultStatus.INSUFFICIENT_DATA:
            alerts.append(
                Alert(
                    key=f"missing_data:{where}",
                    state=f"{result.period}:insufficient_data",
                    kind=AlertKind.MISSING_DATA,
                    severity=Severity.WARNING,
                    title=f"No data for {where} in {result.period}",
                    detail="; ".join(result.notes)
                    or f"sample of {result.sample_size} events is below the minimum",
                    contract_id=result.contract_id,
                    vendor_id=vendor,
                    raised_at=now,
                    data={"period": result.period, "service_level": result.service_level_id},
                )
            )
    return alerts


def forecast_alerts(
    forecasts: Iterable[Any], *, vendor_of: dict[str, str], now: datetime
) -> list[Alert]:
    """At-risk forecasts: the error budget burns faster than the period passes."""
    alerts: list[Alert] = []
    for forecast in forecasts:
        if not getattr(forecast, "at_risk", False):
            continue
        where = f"{forecast.contract_id}/{forecast.service_level_id}"
        status = getattr(forecast.projected_status, "value", str(forecast.projected_status))
        if forecast.allowed_failures is None:  # a mean or a count: no failure budget
            detail = f"projected {float(forecast.projected_value or 0):.2f} ({status})"
        elif (forecast.budget_remaining or 0) < 0:
            detail = (
                f"projected {_share(forecast.projected_value)} ({status}); the error budget of "
                f"{forecast.allowed_failures} failures is exhausted by "
                f"{-forecast.budget_remaining}"
            )
        else:
            detail = (
                f"projected {_share(forecast.projected_value)} ({status}); "
                f"{forecast.budget_remaining} of {forecast.allowed_failures} failures left"
            )
        alerts.append(
            Alert(
                key=f"at_risk:{where}",
                state=f"{forecast.period}:at_risk",
                kind=AlertKind.AT_RISK,
                severity=Severity.WARNING,
                title=f"{where} at risk in {forecast.period}",
                detail=detail,
                contract_id=forecast.contract_id,
                vendor_id=vendor_of.get(forecast.contract_id),
                raised_at=now,
                data={"period": forecast.period},
            )
        )
    return alerts


def finding_alerts(
    findings: Iterable[ControlFinding], *, vendor_of: dict[str, str], now: datetime
) -> list[Alert]:
    """One alert per contract and kind of check, listing its open findings.

    Twelve months computed from incomplete data are one condition to act on, not twelve
    messages; a new finding of the same kind changes the state and alerts again.
    """
    groups: dict[tuple[str, str], list[ControlFinding]] = {}
    for finding in findings:
        if finding.status is FindingStatus.OPEN:
            groups.setdefault((finding.contract_id, finding.check), []).append(finding)
    alerts: list[Alert] = []
    for (contract_id, check), items in sorted(groups.items()):
        keys = sorted(f.key for f in items)
        digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
        count = len(items)
        detail = "; ".join(f.detail for f in items[:MAX_LISTED])
        if count > MAX_LISTED:
            detail += f"; and {count - MAX_LISTED} more"
        alerts.append(
            Alert(
                key=f"finding:{contract_id}:{check}",
                state=f"{count}:{digest}",
                kind=AlertKind.CONTROL_FINDING,
                severity=Severity.WARNING,
                title=f"{count} open control finding{'s' if count != 1 else ''} on "
                f"{contract_id}: {check}",
                detail=detail,
                contract_id=contract_id,
                vendor_id=vendor_of.get(contract_id),
                raised_at=now,
                data={
                    "check": check,
                    "source": items[0].source.value,
                    "periods": sorted({f.period for f in items if f.period}),
                },
            )
        )
    return alerts


def standing_alerts(changes: Iterable[StandingChange], *, now: datetime) -> list[Alert]:
    alerts: list[Alert] = []
    for change in changes:
        actions = [a.value for a in change.actions if a is not StandingAction.NONE]
        worse = StandingAction.IMPROVEMENT_PLAN in change.actions
        alerts.append(
            Alert(
                key=f"standing:{change.vendor_id}",
                state=f"{change.period}:{change.current}",
                kind=AlertKind.STANDING_CHANGE,
                severity=Severity.WARNING if worse else Severity.INFO,
                title=(
                    f"{change.vendor_id} scorecard standing {change.previous or 'none'} → "
                    f"{change.current} in {change.period}"
                ),
                detail="actions: " + (", ".join(actions) if actions else "none"),
                vendor_id=change.vendor_id,
                raised_at=now,
                data={"previous": change.previous, "current": change.current},
            )
        )
    return alerts


def earn_back_alerts(
    earned: Iterable[tuple[str, str, Decimal, str]], *, vendor_of: dict[str, str], now: datetime
) -> list[Alert]:
    """``(contract, period, amount, currency)`` where a credit was earned back."""
    return [
        Alert(
            key=f"earn_back:{contract_id}:{period}",
            state=format(amount, "f"),
            kind=AlertKind.EARN_BACK,
            severity=Severity.INFO,
            title=f"Earn-back of {amount:,} {currency} on {contract_id} in {period}",
            detail="service levels met for the required months: a credit is returned to the vendor",
            contract_id=contract_id,
            vendor_id=vendor_of.get(contract_id),
            raised_at=now,
            data={"period": period, "amount": format(amount, "f"), "currency": currency},
        )
        for contract_id, period, amount, currency in earned
        if amount > 0
    ]


def overload_alerts(report: HandoffReport, *, contract_id: str, now: datetime) -> list[Alert]:
    """One alert per contract while its internal teams are overloaded; a newly overloaded
    week changes the state and alerts again."""
    if not report.overloads:
        return []
    latest = report.overloads[-1]
    weeks = [o.week for o in report.overloads]
    return [
        Alert(
            key=f"workload:{contract_id}",
            state=latest.week,
            kind=AlertKind.CONTROL_FINDING,
            severity=Severity.WARNING,
            title=(
                f"Internal teams overloaded by {report.vendor_party} in {len(weeks)} "
                f"week{'s' if len(weeks) != 1 else ''}, latest {latest.week}"
            ),
            detail=latest.detail,
            contract_id=contract_id,
            vendor_id=report.vendor_party,
            raised_at=now,
            data={"weeks": weeks, "capacity": latest.capacity},
        )
    ]


def notice_alerts(contracts: Iterable[Contract], *, now: datetime) -> list[Alert]:
    """The notice deadline of an automatic renewal is within the contract's alert lead.

    Dated on the contract's calendar (its notice calendar, else its first). The state is the
    deadline, so the alert is sent once per deadline; once the deadline passes the condition
    clears, and the next period's deadline alerts again. A terminated or expired contract, or
    one without notice terms, raises nothing.
    """
    alerts: list[Alert] = []
    for contract in contracts:
        life = contract.lifecycle
        if life is None or life.notice is None:
            continue
        state = contract.lifecycle_on(contract.today(now))
        if (
            state.status is not LifecycleStatus.IN_NOTICE_WINDOW
            or state.notice_deadline is None
            or state.days_to_deadline is None
        ):
            continue
        notice = life.notice
        unit = "calendar days" if notice.count.value == "calendar_days" else "business days"
        on = f" on calendar {notice.calendar}" if notice.calendar else ""
        left = state.days_to_deadline
        months = life.renewal.period_months
        renews = (
            f"; otherwise it renews on {state.next_renewal} for {months} "
            f"month{'' if months == 1 else 's'}"
            if state.next_renewal is not None
            else ""
        )
        alerts.append(
            Alert(
                key=f"notice:{contract.id}",
                state=state.notice_deadline.isoformat(),
                kind=AlertKind.NOTICE_DEADLINE,
                severity=Severity.WARNING,
                title=(
                    f"Notice deadline of {contract.id} on {state.notice_deadline} "
                    f"({'today' if left == 0 else f'in {left} day' + ('s' if left != 1 else '')})"
                ),
                detail=(
                    f"{notice.days} {unit}{on} of notice given by {state.notice_deadline} ends "
                    f"the contract on {state.ends_on_notice}{renews}"
                ),
                contract_id=contract.id,
                vendor_id=contract.vendor,
                raised_at=now,
                data={
                    "deadline": state.notice_deadline.isoformat(),
                    "ends_on_notice": None
                    if state.ends_on_notice is None
                    else state.ends_on_notice.isoformat(),
                    "next_renewal": None
                    if state.next_renewal is None
                    else state.next_renewal.isoformat(),
                    "days_left": left,
                    "today": state.today.isoformat(),
                },
            )
        )
    return alerts
