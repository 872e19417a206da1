"""The outbox: alerts that would be sent, appended to a JSON-lines file.

Used when no webhook is configured (a fresh install, the demo), so the alerts are
always visible and replayable; one line per delivery, with the recipients it was for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from servicepact.domain.alerts import Alert, DeliveryAttempt, DeliveryChannel


def write_outbox(
    alert: Alert,
    *,
    path: Path,
    at: datetime,
    recipients: Sequence[str] = (),
    escalation_level: int = 0,
) -> DeliveryAttempt:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "written_at": at.isoformat(),
        "escalation_level": escalation_level,
        "recipients": list(recipients),
        "alert": alert.payload(),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
    return DeliveryAttempt(
        alert_key=alert.key,
        alert_state=alert.state,
        channel=DeliveryChannel.OUTBOX,
        target=str(path),
        attempt=1,
        at=at,
        ok=True,
        escalation_level=escalation_level,
    )
