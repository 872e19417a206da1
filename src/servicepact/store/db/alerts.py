"""Storage of alert condition state (one alert per condition until it changes) and the
delivery log (every attempt, its channel, target and outcome)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from servicepact.domain.alerts import ConditionState, DeliveryAttempt, States
from servicepact.store.db.tables.vendors import alert_conditions, alert_deliveries


class AlertRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def states(self) -> States:
        rows = self._connection.execute(sa.select(alert_conditions)).all()
        return {
            row.key: ConditionState(row.state, row.first_raised, [int(x) for x in row.escalated])
            for row in rows
        }

    def replace_states(self, states: States) -> None:
        self._connection.execute(sa.delete(alert_conditions))
        for key, state in sorted(states.items()):
            self._connection.execute(
                sa.insert(alert_conditions).values(
                    key=key,
                    state=state.state,
                    first_raised=state.first_raised,
                    escalated=state.escalated,
                )
            )

    def log_attempts(self, attempts: Iterable[DeliveryAttempt]) -> None:
        for attempt in attempts:
            self._connection.execute(
                sa.insert(alert_deliveries).values(
                    alert_key=attempt.alert_key,
                    alert_state=attempt.alert_state,
                    channel=attempt.channel.value,
                    target=attempt.target,
                    attempt=attempt.attempt,
                    at=attempt.at,
                    ok=attempt.ok,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    escalation_level=attempt.escalation_level,
                )
            )

    def attempts(self, *, limit: int) -> list[DeliveryAttempt]:
        """The newest attempts first."""
        rows = self._connection.execute(
            sa.select(alert_deliveries).order_by(alert_deliveries.c.id.desc()).limit(limit)
        ).all()
        return [
            DeliveryAttempt(
                alert_key=row.alert_key,
                alert_state=row.alert_state,
                channel=row.channel,
                target=row.target,
                attempt=row.attempt,
                at=row.at,
                ok=row.ok,
                status_code=row.status_code,
                error=row.error,
                escalation_level=row.escalation_level,
            )
            for row in rows
        ]
