# mypy: disable-error-code="no-untyped-def"
# numba infers the types of this loop from the arrays it is given at the first call.
"""The compiled loop that cuts per-event outcomes into periods (used when numba is installed).

The numpy path makes a window index, a mask and a bincount per sum — five or six
passes over ten million events; this loop makes one and keeps exact int64 sums.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def sum_by_window(anchor, numerator, denominator, first, step, table, counts, nums, dens):
    """Add each event into the window ``table[(anchor - first) // step]`` (if inside)."""
    size = table.size
    for i in range(anchor.size):
        offset = anchor[i] - first
        if offset < 0:
            continue
        slot = offset // step
        if slot >= size:
            continue
        window = table[slot]
        counts[window] += 1
        nums[window] += numerator[i]
        dens[window] += denominator[i]
