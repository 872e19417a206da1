"""Business time between instants, for the ``servicepact clock`` calculator."""

from __future__ import annotations

from typing import Any

import numpy as np

from servicepact.domain.calendars import Calendar
from servicepact.engine.business_time import clock_for

Int64Array = np.ndarray[Any, np.dtype[np.int64]]


def business_seconds(
    calendar: Calendar,
    *,
    starts: Int64Array,
    ends: Int64Array,
    pause_rows: Int64Array,
    pause_starts: Int64Array,
    pause_ends: Int64Array,
) -> Int64Array:
    """Business seconds from each start to its end (epoch seconds), its pauses — given as
    (row, start, end) — subtracted."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    clock = clock_for(calendar, starts, ends, years_after=0)
    return clock.elapsed_minus_pauses(starts, ends, pause_rows, pause_starts, pause_ends)
