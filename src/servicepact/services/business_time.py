"""Business time between instants, for the ``servicepact clock`` calculator."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from servicepact.domain.calendars import Calendar
from servicepact.engine.business_time import Backend, clock_for

Int64Array = np.ndarray[Any, np.dtype[np.int64]]

# Loading the compiled kernels (importing numba, reading its cache) costs about 0.35 s of CPU
# in a fresh process; past that they save about 0.1 s per million intervals over the numpy
# kernels (benchmarks/RESULTS.md, "servicepact clock"). Both give the same seconds.
COMPILED_FROM_INTERVALS = 3_000_000
_COMPILED_MODULE = "servicepact.engine._business_time_numba"


def backend_for(intervals: int) -> Backend:
    """The numpy kernels for a one-off count under ``COMPILED_FROM_INTERVALS``, unless the
    compiled ones are loaded already; the compiled ones (when installed) otherwise."""
    if intervals < COMPILED_FROM_INTERVALS and _COMPILED_MODULE not in sys.modules:
        return "numpy"
    return "auto"


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
    clock = clock_for(calendar, starts, ends, years_after=0, backend=backend_for(starts.size))
    return clock.elapsed_minus_pauses(starts, ends, pause_rows, pause_starts, pause_ends)
