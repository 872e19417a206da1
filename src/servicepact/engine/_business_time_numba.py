# mypy: disable-error-code="no-untyped-def"
# numba infers the types of these loops from the arrays it is given at the first call.
"""Compiled loops for the business-time clock (used when numba is installed).

The algorithm is the numpy one of ``business_time.py``, written as one loop per
row: the numpy version makes about a dozen passes over memory per column, this
one makes one, which is the difference between a few and tens of millions of
rows per second on one core. Errors are reported as the index of the first bad
row (or -1) so the caller can raise a clear ``ValueError`` in Python.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _position(t, lo, shift, first, next_start, starts, lengths, cum, passes):
    index = first[(t - lo) >> shift]
    # Branch-free "next interval?" steps: random times make a data-dependent loop
    # mispredict about half the time, which costs more than the extra comparisons.
    for _ in range(passes):
        index += np.int64(next_start[index] <= t)
    return cum[index] + min(t - starts[index], lengths[index])


@njit(cache=True, nogil=True)
def positions(times, lo, shift, first, next_start, starts, lengths, cum, passes, out):
    """B(t) for times already checked to lie in the table."""
    for row in range(times.size):
        out[row] = _position(times[row], lo, shift, first, next_start, starts, lengths, cum, passes)


@njit(cache=True, nogil=True)
def elapsed(start, end, lo, hi, shift, first, next_start, starts, lengths, cum, passes, out):
    """B(end) - B(start), 0 where end <= start; returns the first out-of-range row or -1."""
    for row in range(start.size):
        a = start[row]
        b = end[row]
        if a < lo or a > hi or b < lo or b > hi:
            return row
        # B is non-decreasing, so max(B(b) - B(a), 0) is 0 exactly where b <= a.
        span = _position(b, lo, shift, first, next_start, starts, lengths, cum, passes) - (
            _position(a, lo, shift, first, next_start, starts, lengths, cum, passes)
        )
        out[row] = max(span, 0)
    return -1


@njit(cache=True, nogil=True)
def deadlines(
    start,
    amount,
    lo,
    shift,
    first,
    next_start,
    starts,
    lengths,
    cum,
    passes,
    cum_end,
    due_shift,
    due_first,
    out,
):
    """Earliest t >= start with B(t) - B(start) == amount; returns the first row whose
    deadline lies past the table, or -1. Starts are already checked to lie in it."""
    total = cum_end[cum_end.size - 1]
    for row in range(start.size):
        a = start[row]
        if amount[row] == 0:
            out[row] = a
            continue
        target = (
            _position(a, lo, shift, first, next_start, starts, lengths, cum, passes) + amount[row]
        )
        if target > total:
            return row
        # The first interval whose cumulative end reaches the target: its bucket
        # gives a lower bound, and a step or two finish the walk.
        low = due_first[target >> due_shift]
        while cum_end[low] < target:
            low += 1
        out[row] = starts[low] + (target - cum[low])
    return -1
