"""Alerts: collect the conditions that hold now, send the new ones, keep the state and the log.

``collect_alerts`` reads results (breaches, missing data), forecasts when the
evaluation offers them, control findings, scorecard standings, earn-backs and the
notice deadlines of contracts that renew by themselves;
``send_alerts`` dedups against the stored condition state, delivers (webhooks,
e-mail, or the outbox file ``<data dir>/alerts/outbox.jsonl`` when no webhook is
configured), stores the new state and every delivery attempt, and audits it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servicepact.alerts.conditions import (
    earn_back_alerts,
    finding_alerts,
    forecast_alerts,
    latest_closed,
    notice_alerts,
    overload_alerts,
    result_alerts,
    standing_alerts,
)
from servicepact.alerts.dispatch import DispatchReport, dispatch
from servicepact.alerts.webhook import Sleep
from servicepact.contractfile.kinds import load_yaml_model
from servicepact.domain.access import Actor
from servicepact.domain.alerts import Alert, AlertSettings, DeliveryAttempt, States
from servicepact.domain.contracts import Contract, PeriodKind
from servicepact.domain.errors import AccessDenied, DomainError
from servicepact.domain.periods import month as month_period
from servicepact.domain.periods import parse_period
from servicepact.domain.scorecards import ScorecardWeights
from servicepact.engine.evaluate import ClockCache
from servicepact.engine.forecast import forecast_service_level
from servicepact.engine.handoffs import HandoffReport
from servicepact.engine.scorecard import StandingChange, standing_change
from servicepact.services import commercials
from servicepact.services._contracts import visible_contracts
from servicepact.services.ports import Ports
from servicepact.services.risks import control_findings, list_risks, results_for
from servicepact.store.db.alerts import AlertRepository


def load_alert_settings(path: Path | None) -> AlertSettings:
    return AlertSettings() if path is None else load_yaml_model(path, AlertSettings)


def default_outbox(app: Ports) -> Path:
    return app.settings.data_dir / "alerts" / "outbox.jsonl"


def _previous_month(label: str) -> str:
    start = parse_period(label).start
    year, index = divmod(start.year * 12 + start.month - 2, 12)
    return month_period(year, index + 1).label


def _forecasts(app: Ports, *, actor: Actor, contract: Contract, now: datetime) -> list[object]:
    """Forecasts of the running month (engine/forecast.py) for each monthly service level.

    Read from the event store as of ``now``; a level that cannot be forecast (no data yet,
    outside the term) is skipped: a missing forecast is not an alert.
    """
    local = now.astimezone(ZoneInfo(_zone(contract)))
    period = month_period(local.year, local.month)
    if not (contract.term.start <= local.date() <= contract.term.end):
        return []
    ended = contract.termination_date
    if ended is not None and local.date() > ended:
        return []  # a terminated contract is not measured after its last day
    store = app.event_store.with_types(contract.declared_event_types)
    cache = ClockCache()
    tables: dict[str, Any] = {}
    out: list[object] = []
    for level in contract.service_levels:
        if level.period is not PeriodKind.MONTH:
            continue
        try:
            if level.source not in tables:
                tables[level.source] = store.read(contract_id=contract.id, source=level.source)
            out.append(
                forecast_service_level(
                    contract, level, period, tables[level.source], clock_cache=cache, now=now
                )
            )
        except (ValueError, KeyError, DomainError):
            continue
    return out


def _zone(contract: Contract) -> str:
    for calendar in contract.calendars.values():
        return calendar.timezone
    return "UTC"


def _earned_back(
    app: Ports, *, actor: Actor, contract_id: str, period: str, currency: str
) -> list[tuple[str, str, Decimal, str]]:
    row = commercials.latest_statement(app, actor=actor, contract_id=contract_id, period=period)
    if row is None:
        return []
    return [(contract_id, period, Decimal(row["earn_back"]), currency)]


def collect_alerts(
    app: Ports,
    *,
    actor: Actor,
    now: datetime,
    weights: ScorecardWeights | None = None,
    handoff_reports: Mapping[str, HandoffReport] | None = None,
    forecasts: bool = True,
) -> list[Alert]:
    """Every condition that holds now, across the contracts the actor can see.

    ``forecasts``: also forecast the running month from the event store (at-risk alerts).
    """
    from servicepact.services.vendors import scorecard

    with app.uow(read_only=True) as uow:
        contracts = visible_contracts(uow, actor=actor)
    vendor_of = {c.id: c.vendor for c in contracts}
    alerts: list[Alert] = []
    latest_period: dict[str, str] = {}
    alerts += notice_alerts(contracts, now=now)
    for contract in contracts:
        results = results_for(app, actor=actor, contract_id=contract.id)
        alerts += result_alerts(results, vendor_of=vendor_of, now=now)
        if forecasts:
            alerts += forecast_alerts(
                _forecasts(app, actor=actor, contract=contract, now=now),
                vendor_of=vendor_of,
                now=now,
            )
        alerts += finding_alerts(
            control_findings(app, actor=actor, contract_id=contract.id, today=now.date()),
            vendor_of=vendor_of,
            now=now,
        )
        months = [r.period for r in latest_closed(results) if len(r.period) == len("2026-03")]
        if months:
            period = max(months)
            latest_period[contract.vendor] = max(latest_period.get(contract.vendor, ""), period)
            alerts += earn_back_alerts(
                _earned_back(
                    app,
                    actor=actor,
                    contract_id=contract.id,
                    period=period,
                    currency=contract.currency,
                ),
                vendor_of=vendor_of,
                now=now,
            )
    changes: list[StandingChange] = []
    risks = list_risks(app, actor=actor, include_closed=True)  # each month reads its own end
    for vendor, period in sorted(latest_period.items()):
        current = scorecard(
            app,
            actor=actor,
            vendor_id=vendor,
            period=period,
            weights=weights,
            contracts=contracts,
            risks=risks,
        )
        before = scorecard(
            app,
            actor=actor,
            vendor_id=vendor,
            period=_previous_month(period),
            weights=weights,
            contracts=contracts,
            risks=risks,
        )
        change = standing_change(before if before.standing else None, current)
        if change is not None:
            changes.append(change)
    alerts += standing_alerts(changes, now=now)
    for contract_id, report in (handoff_reports or {}).items():
        alerts += overload_alerts(report, contract_id=contract_id, now=now)
    return alerts


def _load_states(app: Ports) -> States:
    with app.uow(read_only=True) as uow:
        return uow.repo(AlertRepository).states()


def send_alerts(
    app: Ports,
    *,
    actor: Actor,
    settings: AlertSettings,
    alerts: Sequence[Alert],
    now: datetime,
    env: Mapping[str, str] | None = None,
    sleep: Sleep = time.sleep,
    complete: bool = True,
) -> DispatchReport:
    """Send the new conditions; store the condition state and the delivery log (audited)."""
    actor.require_client("send alerts")
    with app.uow(read_only=True) as uow:
        calendars = {c.id: dict(c.calendars) for c in visible_contracts(uow, actor=actor)}
    before = _load_states(app)
    report, states = dispatch(
        alerts,
        settings=settings,
        states=before,
        now=now,
        calendars=calendars,
        env=env if env is not None else os.environ,
        default_outbox=default_outbox(app),
        sleep=sleep,
        complete=complete,
    )
    if states == before and not report.attempts:
        # Nothing new to say and nothing tried: store nothing, so a repeated run writes nothing.
        return report
    with app.uow() as uow:
        repository = uow.repo(AlertRepository)
        repository.replace_states(states)
        repository.log_attempts(report.attempts)
        uow.record(
            actor=actor,
            entity_type="alerts",
            entity_id="dispatch",
            action="send",
            after={
                "sent": len(report.sent),
                "suppressed": len(report.suppressed),
                "deferred": len(report.deferred),
                "failed": len(report.failed),
                "escalated": len(report.escalated),
                "cleared": len(report.cleared),
                "attempts": len(report.attempts),
            },
        )
    return report


def delivery_log(app: Ports, *, actor: Actor, limit: int = 200) -> list[DeliveryAttempt]:
    if actor.scoped:
        raise AccessDenied("the alert delivery log is the client's")
    with app.uow(read_only=True) as uow:
        return uow.repo(AlertRepository).attempts(limit=limit)
