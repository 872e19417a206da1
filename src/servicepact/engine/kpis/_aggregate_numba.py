# mypy: disable-error-code="no-untyped-def"
# numba infers the types of this loop from the arrays it is given at the first call.
"""The compiled loop that cuts per-event outcomes into periods (used when numba is installed).

The numpy path makes a window index, a mask and a bincount per sum — five or six
passes over ten million events; this loop makes one and keeps exact int64 sums.
"""

from __future__ import annotations

from numba import njit

from servicepact.engine._business_time_numba import _position

# The quarter-hour step of base.window_lookup, in microseconds. Dividing by a constant
# compiles to a multiplication; by a run-time value, to a 64-bit division costing tens
# of cycles per event — most of a loop's time. Other steps still work, more slowly.
_QUARTER_HOUR_US = 15 * 60 * 1_000_000


@njit(cache=True, nogil=True, inline="always")
def _slot(offset, step):
    """offset // step for offset >= 0, fast for the usual quarter-hour step."""
    if step == _QUARTER_HOUR_US:
        return offset // _QUARTER_HOUR_US
    return offset // step


@njit(cache=True, nogil=True)
def sum_by_window(anchor, numerator, denominator, first, step, table, counts, nums, dens):
    """Add each event into the window ``table[(anchor - first) // step]`` (if inside)."""
    size = table.size
    for i in range(anchor.size):
        offset = anchor[i] - first
        if offset < 0:
            continue
        slot = _slot(offset, step)
        if slot >= size:
            continue
        window = table[slot]
        counts[window] += 1
        nums[window] += numerator[i]
        dens[window] += denominator[i]


# --- ticket targets in one pass --------------------------------------------------------
#
# ``within_sums`` is the compiled form of tickets._within followed by the period sums:
# per ticket its target, whether it was met, its expiry (the deadline of target + 1 s,
# pushed back by the pause runs the clock reaches first) and its anchor, added straight
# into the window counts — without the dozen full-length arrays the numpy steps make.
# Any instant outside the clock's table stops the loop and returns the row (the caller
# then takes the numpy path, which raises the clock's own error).


@njit(cache=True, nogil=True, inline="always")
def _locate(target, starts, cum, cum_end, due_shift, due_first):
    """Earliest t with B(t) == target (the caller checked target <= the table's total)."""
    low = due_first[target >> due_shift]
    while cum_end[low] < target:
        low += 1
    return starts[low] + (target - cum[low])


@njit(cache=True, nogil=True)
def within_sums(
    selection, use_selection, start_us, start_ok, codes, per_code, uniform,
    met_us, met_known, run_offsets, run_start, run_end,
    wall, lo, hi, shift, first, next_start, starts, lengths, cum, passes,
    cum_end, due_shift, due_first,
    win_first, win_step, win_table, counts, nums, dens,
):  # fmt: skip
    """Met / counted tickets per window; returns -1, or the first row the clock cannot
    measure (its results are then not to be used). Met: the business time to ``met_us``
    minus the runs clipped to it (``spent``: elapsed_minus_runs's sum and checks) is at most
    the target, measured in the walk over the runs that the deadline needs anyway. Written
    out: moved into helpers (even without a sentinel), the steps ran several times slower."""
    size = selection.size if use_selection else start_us.size
    last = per_code.size - 1
    total = cum_end[cum_end.size - 1]
    slots = win_table.size
    for i in range(size):
        row = selection[i] if use_selection else i
        if not start_ok[row]:
            continue
        code = codes[row] if uniform < 0 else 0
        target = uniform if uniform >= 0 else per_code[last if code < 0 else code]
        if target < 0:
            continue  # a priority without a target is not counted
        start = start_us[row] // 1_000_000  # whole seconds, toward the past
        amount = target + 1  # expiry: the first instant past the target
        measured = met_known[row]
        end = met_us[row] // 1_000_000 if measured else start
        if wall:
            at_start, deadline, spent = start, start + amount, max(end - start, 0)
        else:
            if start < lo or start > hi or end < lo or end > hi:
                return row
            at_start = _position(start, lo, shift, first, next_start, starts, lengths, cum, passes)
            if at_start + amount > total:
                return row
            deadline = _locate(at_start + amount, starts, cum, cum_end, due_shift, due_first)
            at_end = _position(end, lo, shift, first, next_start, starts, lengths, cum, passes)
            spent = max(at_end - at_start, 0)
        extra = 0
        for k in range(run_offsets[row], run_offsets[row + 1]):
            rs = max(run_start[k], start)
            re = run_end[k]
            upto = min(re, end)  # the run's end inside the measured interval
            if wall:
                paused = max(re - rs, 0)
                spent -= max(upto - rs, 0)
            else:
                if measured and (rs > hi or upto < lo):
                    return row  # elapsed_minus_runs's check (rs >= lo and upto <= hi hold)
                rs = min(rs, hi)
                re = min(re, hi)
                if re < lo:
                    return row
                at_rs = _position(rs, lo, shift, first, next_start, starts, lengths, cum, passes)
                at_re = _position(re, lo, shift, first, next_start, starts, lengths, cum, passes)
                paused = max(at_re - at_rs, 0)
                if measured:
                    at_upto = _position(
                        upto, lo, shift, first, next_start, starts, lengths, cum, passes
                    )
                    spent -= max(at_upto - at_rs, 0)
            if rs < deadline and paused > 0:
                extra += paused
                due = at_start + amount + extra  # on a wall clock, the deadline itself
                if wall:
                    deadline = due
                elif due > total:
                    return row
                else:
                    deadline = _locate(due, starts, cum, cum_end, due_shift, due_first)
        met = measured and spent <= target
        offset = (met_us[row] if met else deadline * 1_000_000) - win_first  # from the anchor
        slot = _slot(offset, win_step) if offset >= 0 else slots
        if slot < slots:
            window = win_table[slot]
            counts[window] += 1
            nums[window] += met
            dens[window] += 1
    return -1


@njit(cache=True, nogil=True)
def backlog_counts(
    selection, use_selection, created, has_created, resolved, has_resolved,
    ends, thresholds, olds, knowns,
):  # fmt: skip
    """Per window end: tickets created before it (``knowns``) and, of those, the ones
    still open then and created before the window's threshold (``olds``)."""
    size = selection.size if use_selection else created.size
    windows = ends.size
    for i in range(size):
        row = selection[i] if use_selection else i
        if not has_created[row]:
            continue
        c = created[row]
        closed = has_resolved[row]
        r = resolved[row]
        for j in range(windows):
            end = ends[j]
            if c < end:
                knowns[j] += 1
                if (not closed or r >= end) and c < thresholds[j]:
                    olds[j] += 1


@njit(cache=True, nogil=True)
def elapsed_minus_runs(
    start_us, start_ok, end_us, end_ok, known, run_offsets, run_start, run_end,
    wall, lo, hi, shift, first, next_start, starts, lengths, cum, passes, out, ok,
):  # fmt: skip
    """Business seconds from start to end (whole seconds) minus the working time of each
    row's merged pause runs clipped to them — tickets.business_elapsed in one pass. Rows
    without both ends measure the empty interval at ``known``. Returns -1, or the first
    row with an instant outside the clock (the caller then takes the numpy path)."""
    for row in range(start_us.size):
        both = start_ok[row] and end_ok[row]
        ok[row] = both
        if both:
            s = start_us[row] // 1_000_000
            e = end_us[row] // 1_000_000
        else:
            s = known
            e = known
        if wall:
            total = max(e - s, 0)
        else:
            if s < lo or s > hi or e < lo or e > hi:
                return row
            total = max(
                _position(e, lo, shift, first, next_start, starts, lengths, cum, passes)
                - _position(s, lo, shift, first, next_start, starts, lengths, cum, passes),
                0,
            )
        for k in range(run_offsets[row], run_offsets[row + 1]):
            a = max(run_start[k], s)
            b = min(run_end[k], e)
            if wall:
                total -= max(b - a, 0)
            else:
                if a < lo or a > hi or b < lo or b > hi:
                    return row
                total -= max(
                    _position(b, lo, shift, first, next_start, starts, lengths, cum, passes)
                    - _position(a, lo, shift, first, next_start, starts, lengths, cum, passes),
                    0,
                )
        out[row] = total
    return -1


@njit(cache=True, nogil=True)
def group_by_window(
    selection, use_selection, anchor, anchor_ok, values, values_ok,
    win_first, win_step, win_table, bounds, grouped,
):  # fmt: skip
    """Counting sort of ``values`` by the window of their anchor (rows with both present).
    With ``grouped`` empty it only counts into ``bounds[1:]``; given the prefix sums in
    ``bounds`` and room in ``grouped``, it places each window's values in its stretch."""
    size = selection.size if use_selection else anchor.size
    slots = win_table.size
    fill = grouped.size > 0
    for i in range(size):
        row = selection[i] if use_selection else i
        if not (anchor_ok[row] and values_ok[row]):
            continue
        offset = anchor[row] - win_first
        if offset < 0:
            continue
        slot = _slot(offset, win_step)
        if slot >= slots:
            continue
        window = win_table[slot]
        if fill:
            grouped[bounds[window]] = values[row]
            bounds[window] += 1
        else:
            bounds[window + 1] += 1


@njit(cache=True, nogil=True)
def flow_sums(
    selection, use_selection, anchor, anchor_ok, values, values_ok,
    win_first, win_step, win_table, counts, nums, dens,
):  # fmt: skip
    """Per window: events with both an anchor and a value (counts, denominators) and the
    sum of their values — a flow KPI counted once per event, without the cut copies."""
    size = selection.size if use_selection else anchor.size
    slots = win_table.size
    for i in range(size):
        row = selection[i] if use_selection else i
        if not (anchor_ok[row] and values_ok[row]):
            continue
        offset = anchor[row] - win_first
        if offset < 0:
            continue
        slot = _slot(offset, win_step)
        if slot >= slots:
            continue
        window = win_table[slot]
        counts[window] += 1
        nums[window] += values[row]
        dens[window] += 1


@njit(cache=True, nogil=True, inline="always")
def _first_above(bounds, value):
    """The first index whose bound is > value (bounds ascending), or bounds.size."""
    low = 0
    high = bounds.size
    while low < high:
        middle = (low + high) >> 1
        if bounds[middle] > value:
            high = middle
        else:
            low = middle + 1
    return low


@njit(cache=True, nogil=True, inline="always")
def _add_up(olds, knowns, windows):
    """The counts of windows 0..windows from their differences: each slot adds the one
    before it (the two backlog kernels below count where a run starts and ends)."""
    for j in range(1, windows + 1):
        knowns[j] += knowns[j - 1]
        olds[j] += olds[j - 1]


@njit(cache=True, nogil=True)
def backlog_counts_sorted(
    selection, use_selection, created, has_created, resolved, has_resolved,
    ends, thresholds, olds, knowns,
):  # fmt: skip
    """backlog_counts for ascending ends and thresholds: each ticket is known from the
    first end after its creation on, and old and open from the first threshold after its
    creation until the first end after its resolution — two runs of windows, counted as
    differences and summed up at the end (``olds`` and ``knowns`` need one extra slot)."""
    size = selection.size if use_selection else created.size
    windows = ends.size
    for i in range(size):
        row = selection[i] if use_selection else i
        if not has_created[row]:
            continue
        c = created[row]
        known_from = _first_above(ends, c)
        knowns[known_from] += 1
        old_from = max(known_from, _first_above(thresholds, c))
        open_until = _first_above(ends, resolved[row]) if has_resolved[row] else windows
        if old_from < open_until:
            olds[old_from] += 1
            olds[open_until] -= 1
    _add_up(olds, knowns, windows)


@njit(cache=True, nogil=True, inline="always")
def _rank(first, step, table, count, value):
    """How many of the ascending bounds lie at or before ``value``, by their quarter-hour
    table (base.rank_lookup): none before ``first``, all past the table."""
    if value < first:
        return 0
    slot = _slot(value - first, step)
    return table[slot] if slot < table.size else count


@njit(cache=True, nogil=True)
def backlog_counts_ranked(
    selection, use_selection, created, has_created, resolved, has_resolved,
    end_first, end_table, threshold_first, threshold_table, step, olds, knowns,
):  # fmt: skip
    """backlog_counts_sorted with each binary search (which mispredicts its branches on
    random times) replaced by a look-up in the bounds' quarter-hour table: the first end
    or threshold past an instant is the number of them at or before it."""
    size = selection.size if use_selection else created.size
    windows = olds.size - 1
    for i in range(size):
        row = selection[i] if use_selection else i
        if not has_created[row]:
            continue
        c = created[row]
        known_from = _rank(end_first, step, end_table, windows, c)
        knowns[known_from] += 1
        old_from = max(known_from, _rank(threshold_first, step, threshold_table, windows, c))
        open_until = windows
        if has_resolved[row]:
            open_until = _rank(end_first, step, end_table, windows, resolved[row])
        if old_from < open_until:
            olds[old_from] += 1
            olds[open_until] -= 1
    _add_up(olds, knowns, windows)
