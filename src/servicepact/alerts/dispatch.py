"""Dispatch: from the conditions that hold now to deliveries, with no storms.

1. alerts below ``min_severity`` are dropped;
2. dedup: a condition already sent in the same state is suppressed (``dedup.select``);
3. quiet hours: a new alert outside the working time of its contract's calendar is
   deferred (not recorded as sent, so the next run in working time sends it);
   critical alerts go at once unless ``hold_critical``;
4. delivery: every matching webhook (signed, retried); e-mail when configured; the
   outbox file when no webhook is configured;
5. escalation: a condition still present after a level's delay goes to that level's
   recipients (by e-mail, else to the outbox), once per level.

An alert none of whose channels succeeded is not recorded as sent, so it is tried
again on the next run rather than lost.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from servicepact.alerts.dedup import select
from servicepact.alerts.escalation import due_levels
from servicepact.alerts.outbox import write_outbox
from servicepact.alerts.quiet import is_working, next_working_moment
from servicepact.alerts.smtp import send_email
from servicepact.alerts.webhook import Clock, Sleep, post_webhook
from servicepact.domain.alerts import (
    Alert,
    AlertSettings,
    ConditionState,
    DeliveryAttempt,
    DeliveryChannel,
    Severity,
    States,
)
from servicepact.domain.calendars import Calendar


@dataclass
class DispatchReport:
    sent: list[Alert] = field(default_factory=list)
    suppressed: list[Alert] = field(default_factory=list)
    deferred: list[tuple[Alert, datetime]] = field(default_factory=list)
    failed: list[Alert] = field(default_factory=list)
    escalated: list[tuple[Alert, int]] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    attempts: list[DeliveryAttempt] = field(default_factory=list)


def _quiet_calendar(
    settings: AlertSettings, alert: Alert, calendars: Mapping[str, Mapping[str, Calendar]]
) -> Calendar | None:
    quiet = settings.quiet_hours
    if quiet is None:
        return None
    if quiet.calendar and alert.contract_id:
        found = calendars.get(alert.contract_id, {}).get(quiet.calendar)
        if found is not None:
            return found
    return quiet.fallback


@dataclass(frozen=True)
class _Delivery:
    """Where alerts go (webhooks, e-mail, the outbox file), recording each attempt."""

    settings: AlertSettings
    env: Mapping[str, str]
    outbox: Path | None
    clock: Clock
    sleep: Sleep
    report: DispatchReport

    def deliver(self, alert: Alert, *, level: int = 0, recipients: Sequence[str] = ()) -> bool:
        """Send ``alert`` on every channel configured (escalation level 0: the webhooks too);
        True when one took it. Every attempt is added to the report."""
        settings, env, outbox, clock, report = (
            self.settings, self.env, self.outbox, self.clock, self.report
        )  # fmt: skip
        delivered = False
        if level == 0:
            for hook in settings.webhooks:
                if hook.kinds and alert.kind not in hook.kinds:
                    continue
                secret = env.get(hook.secret_env)
                if secret is None:
                    report.attempts.append(
                        DeliveryAttempt(
                            alert_key=alert.key,
                            alert_state=alert.state,
                            channel=DeliveryChannel.WEBHOOK,
                            target=str(hook.url),
                            attempt=1,
                            at=clock(),
                            ok=False,
                            error=f"environment variable {hook.secret_env} is not set",
                        )
                    )
                    continue
                tries = post_webhook(
                    alert,
                    url=str(hook.url),
                    secret=secret.encode(),
                    policy=settings.retry,
                    clock=clock,
                    sleep=self.sleep,
                )
                report.attempts.extend(tries)
                delivered = delivered or tries[-1].ok
        if settings.email is not None:
            attempt = send_email(
                alert,
                settings=settings.email,
                recipients=recipients or settings.email.recipients,
                env=env,
                at=clock(),
                escalation_level=level,
            )
            report.attempts.append(attempt)
            delivered = delivered or attempt.ok
        if not settings.webhooks and outbox is not None and (level == 0 or settings.email is None):
            report.attempts.append(
                write_outbox(
                    alert, path=outbox, at=clock(), recipients=recipients, escalation_level=level
                )
            )
            delivered = True
        return delivered


def dispatch(
    alerts: Sequence[Alert],
    *,
    settings: AlertSettings,
    states: States,
    now: datetime,
    calendars: Mapping[str, Mapping[str, Calendar]] | None = None,
    env: Mapping[str, str] | None = None,
    default_outbox: Path | None = None,
    clock: Clock | None = None,
    sleep: Sleep = time.sleep,
    complete: bool = True,
) -> tuple[DispatchReport, States]:
    calendars = calendars or {}
    env = env or {}
    clock = clock or (lambda: now)
    report = DispatchReport()
    wanted = [a for a in alerts if a.severity.rank >= settings.min_severity.rank]
    selection = select(wanted, states, complete=complete)
    report.suppressed = list(selection.suppressed)
    report.cleared = list(selection.cleared)
    new_states: States = dict(selection.states)
    outbox = settings.outbox or default_outbox

    deliver = _Delivery(settings, env, outbox, clock, sleep, report).deliver

    for alert in selection.new:
        calendar = _quiet_calendar(settings, alert, calendars)
        bypass = alert.severity is Severity.CRITICAL and not (
            settings.quiet_hours and settings.quiet_hours.hold_critical
        )
        if calendar is not None and not bypass and not is_working(calendar, now):
            report.deferred.append((alert, next_working_moment(calendar, now)))
            new_states.pop(alert.key, None)
            continue
        if deliver(alert):
            report.sent.append(alert)
        else:
            report.failed.append(alert)
            new_states.pop(alert.key, None)

    if settings.escalation:
        for alert in [*selection.new, *selection.suppressed]:
            state = new_states.get(alert.key)
            if state is None:
                continue
            for level in due_levels(
                alert,
                first_raised=state.first_raised,
                now=now,
                levels=settings.escalation,
                already=state.escalated,
            ):
                if deliver(alert, level=level.level, recipients=level.recipients):
                    new_states[alert.key] = ConditionState(
                        state.state, state.first_raised, [*state.escalated, level.level]
                    )
                    state = new_states[alert.key]
                    report.escalated.append((alert, level.level))
    return report, new_states
