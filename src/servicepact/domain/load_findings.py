"""What the internal controls found in a load: kind, severity, count and a few example ids.

Computed by ``engine/controls.py``, stored with the batch by ``store/events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class FindingKind(StrEnum):
    INCOMPLETE_DAY = "incomplete_day"
    OUT_OF_ORDER = "out_of_order"
    FUTURE_TIMESTAMP = "future_timestamp"
    LATE_SUBMISSION = "late_submission"
    CORRECTIONS = "corrections"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    severity: Severity
    count: int
    detail: str
    examples: tuple[str, ...] = ()  # event ids (or days for completeness), never values
