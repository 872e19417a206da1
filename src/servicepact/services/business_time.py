"""Business time between instants, for the ``servicepact clock`` calculator."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from servicepact.domain.calendars import Calendar
from servicepact.engine.business_time import clock_for


def business_seconds(
    calendar: Calendar,
    *,
    starts: Sequence[int],
    ends: Sequence[int],
    pauses: Sequence[Sequence[tuple[int, int]]],
) -> list[int]:
    """Business seconds from each start to its end (UTC microseconds), its pauses subtracted."""
    start_array = np.asarray(starts, dtype=np.int64)
    end_array = np.asarray(ends, dtype=np.int64)
    if start_array.size == 0:
        return []
    pause_rows = [row for row, row_pauses in enumerate(pauses) for _ in row_pauses]
    pause_bounds = [bound for row_pauses in pauses for bound in row_pauses]
    clock = clock_for(calendar, start_array, end_array, years_after=0)
    seconds = clock.elapsed_minus_pauses(
        start_array,
        end_array,
        np.asarray(pause_rows, dtype=np.int64),
        np.asarray([bound[0] for bound in pause_bounds], dtype=np.int64),
        np.asarray([bound[1] for bound in pause_bounds], dtype=np.int64),
    )
    return [int(value) for value in seconds]
