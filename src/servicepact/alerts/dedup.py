"""One alert per condition until it changes.

The state is a map ``key → {state, first_raised, escalated}``. An alert whose key
is unknown, or whose state differs from the stored one, is new and is sent; the
same key and state again is suppressed. A condition no longer present in the
latest evaluation is cleared, so if it comes back it alerts again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from servicepact.domain.alerts import Alert, ConditionState, States


@dataclass(frozen=True)
class Selection:
    new: tuple[Alert, ...]  # to send now
    suppressed: tuple[Alert, ...]  # same condition, same state: already sent
    cleared: tuple[str, ...]  # conditions that no longer hold
    states: States  # the state after this evaluation


def select(alerts: Sequence[Alert], previous: States, *, complete: bool = True) -> Selection:
    """Split the current conditions into new and already-sent ones.

    ``complete``: the alerts are every condition that holds now, so a stored key
    missing from them is cleared; pass False for a partial evaluation.
    """
    states: States = {}
    new: list[Alert] = []
    suppressed: list[Alert] = []
    for alert in alerts:
        if alert.key in states:  # the same condition twice in one evaluation: keep the first
            continue
        before = previous.get(alert.key)
        if before is not None and before.state == alert.state:
            suppressed.append(alert)
            states[alert.key] = before
        else:
            new.append(alert)
            states[alert.key] = ConditionState(alert.state, alert.raised_at)
    cleared: list[str] = []
    for key, state in previous.items():
        if key in states:
            continue
        if complete:
            cleared.append(key)
        else:
            states[key] = state
    return Selection(tuple(new), tuple(suppressed), tuple(sorted(cleared)), states)


class JsonStateFile:
    """The dedup state in a JSON file, written atomically (write then rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> States:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {key: ConditionState.from_json(value) for key, value in data.items()}

    def save(self, states: States) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(
            json.dumps({k: v.to_json() for k, v in sorted(states.items())}, indent=2),
            encoding="utf-8",
        )
        os.replace(temporary, self.path)
