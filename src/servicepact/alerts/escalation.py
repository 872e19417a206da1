"""Escalation: a condition still there after a level's delay is sent to that level too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from servicepact.domain.alerts import Alert, EscalationLevel


def due_levels(
    alert: Alert,
    *,
    first_raised: datetime,
    now: datetime,
    levels: Sequence[EscalationLevel],
    already: Sequence[int],
) -> list[EscalationLevel]:
    """Levels whose delay has passed since the condition was first raised, not yet sent."""
    return [
        level
        for level in sorted(levels, key=lambda lv: lv.level)
        if level.level not in already
        and alert.severity.rank >= level.min_severity.rank
        and now - first_raised >= timedelta(minutes=level.after_minutes)
    ]
