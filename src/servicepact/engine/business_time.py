"""The vectorised business-time clock: calendars, holidays, daylight saving, pauses.

Every response and resolution target of a contract is measured in the business
time of a calendar (KPIS.md §4). Doing that per ticket in Python is far too slow
for millions of events, so a :class:`BusinessClock` turns the calendar once into
a sorted table of working intervals in UTC epoch seconds, with the business
seconds accumulated before each one:

    B(t) = cum[i] + min(t - start[i], length[i])   where i = the last interval starting ≤ t

``B`` is the number of business seconds from the start of the table to ``t``, a
non-decreasing, continuous function; the business time of ``[a, b)`` is
``B(b) - B(a)``, and a deadline is the earliest ``t`` where ``B`` reaches a
target. Finding ``i`` takes constant time: the table's span is cut into
power-of-two buckets of seconds (a shift, not a division), each bucket stores
the interval in force at its start, and at most a few "next interval?" steps
finish the look-up. All of it is whole-array numpy work, with no per-row Python;
when numba is installed the same algorithm runs as a compiled loop (one pass
over memory instead of a dozen), which is what reaches tens of millions of rows
per second on one core. Both paths give identical results and are both tested.

Rules (also in docs/business-time.md):

* Working intervals come from local wall times (the calendar's ``weekly``
  hours) converted with ``zoneinfo`` under PEP 495 ``fold=0``: a wall time that
  occurs twice (autumn) is read as its first occurrence, one that does not exist
  (spring) with the offset in force before the change. So 09:00-17:00 in New
  York is 8 real hours on both change days, and 00:00-24:00 is 23 or 25 hours.
* A holiday removes its whole local day; ``holidays.add`` days are holidays,
  ``holidays.remove`` days work normally.
* ``elapsed(start, end)`` is 0 where ``end <= start`` (a reversed or empty
  interval has no business time; the caller decides whether that is an error).
* Times outside the years the clock was built for raise ``ValueError``; a
  silent wrong answer is never given. A 24x7 calendar without holidays is wall
  time, valid at any instant.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from typing import Literal

import numpy as np
import numpy.typing as npt

from servicepact.domain.calendars import Calendar

Int64Array = npt.NDArray[np.int64]
Backend = Literal["auto", "numpy", "numba"]

# Largest bucket tried is 2**16 s (18 h 12 min); smallest 2**8 s (4 min 16 s). Within
# those, the largest bucket that holds at most one interval start is taken, so a
# look-up needs one "next interval?" step (see _build_table).
_MAX_SHIFT = 16
_MIN_SHIFT = 8
_FAR_FUTURE = np.iinfo(np.int64).max // 4  # sentinel start after the table; never reached


def _numba_kernels() -> ModuleType | None:
    """The compiled kernels, or None when numba is not installed (the ``fast`` extra)."""
    try:
        return importlib.import_module("servicepact.engine._business_time_numba")
    except ImportError:
        return None


def _as_times(values: npt.ArrayLike, name: str) -> Int64Array:
    """One-dimensional int64 epoch seconds; ``datetime64`` columns (e.g. from Arrow) are
    converted, a fraction of a second dropped (floor). NaT is refused: a missing time
    has no business time, and the caller must choose what it means."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array of epoch seconds")
    if array.dtype.kind == "M":
        if np.isnat(array).any():
            raise ValueError(f"{name} holds a missing time (NaT); drop or fill it first")
        array = array.astype("datetime64[s]").astype(np.int64)
    elif array.dtype != np.int64:
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name} must hold whole epoch seconds (int64), got {array.dtype}")
        array = array.astype(np.int64)
    return np.ascontiguousarray(array)


def _iso(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat().replace("+00:00", "Z")


def _local_epoch(day: date, seconds: int, calendar: Calendar) -> int:
    """Epoch seconds of ``seconds`` after local midnight of ``day`` (wall-clock, fold=0).

    Adding a timedelta to an aware datetime is wall-clock arithmetic in Python, so
    ``24:00`` becomes the next day's ``00:00`` and the offset is the one in force at
    that wall time; that is the rule the module docstring states.
    """
    wall = datetime.combine(day, time(), tzinfo=calendar.zone) + timedelta(seconds=seconds)
    return int(wall.timestamp())


def working_intervals(
    calendar: Calendar, first_year: int, last_year: int
) -> tuple[Int64Array, Int64Array]:
    """Disjoint, sorted working intervals ``[start, end)`` in UTC epoch seconds.

    Touching or overlapping intervals are merged (they overlap only in the rare case of
    hours that straddle a daylight-saving gap), so the table describes a set of instants.
    """
    weekly = calendar.weekly
    holidays = calendar.holiday_dates(first_year, last_year)
    starts: list[int] = []
    ends: list[int] = []
    day = date(first_year, 1, 1)
    last = date(last_year, 12, 31)
    one_day = timedelta(days=1)
    while day <= last:
        if day not in holidays:
            for begin, finish in weekly[day.weekday()]:
                start = _local_epoch(day, begin, calendar)
                end = _local_epoch(day, finish, calendar)
                if end > start:
                    starts.append(start)
                    ends.append(end)
        day += one_day
    if not starts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    start_array = np.asarray(starts, dtype=np.int64)
    end_array = np.asarray(ends, dtype=np.int64)
    order = np.argsort(start_array, kind="stable")
    start_array, end_array = start_array[order], end_array[order]
    reach = np.maximum.accumulate(end_array)
    opens_run = np.ones(start_array.size, dtype=bool)
    opens_run[1:] = start_array[1:] > reach[:-1]
    first_of_run = np.flatnonzero(opens_run)
    return start_array[opens_run], np.maximum.reduceat(end_array, first_of_run)


@dataclass(frozen=True)
class _Table:
    """The calendar as arrays. Index 0 is a zero-length sentinel before ``lo``; the last
    index a sentinel at the far future, so every look-up lands on a valid index."""

    lo: int  # local midnight, 1 January of the first year (epoch seconds)
    hi: int  # local midnight, 1 January after the last year
    starts: Int64Array  # m + 2 entries
    lengths: Int64Array
    cum: Int64Array  # business seconds before each interval
    cum_end: Int64Array  # business seconds at each interval's end
    next_start: Int64Array  # starts shifted left by one
    shift: int  # bucket width is 2**shift seconds
    first: Int64Array  # per bucket: the interval in force at the bucket's start
    passes: int  # most interval starts inside one bucket (numpy "next?" steps)
    # The same idea on the business-seconds axis, for deadlines: per bucket of 2**due_shift
    # business seconds, the first interval whose cumulative end reaches the bucket.
    due_shift: int
    due_first: Int64Array

    @property
    def intervals(self) -> int:
        return int(self.starts.size - 2)

    @property
    def total(self) -> int:
        return int(self.cum_end[-1])


def _buckets(starts: Int64Array, lo: int, hi: int, shift: int) -> tuple[Int64Array, int]:
    count = ((hi - lo) >> shift) + 1
    bucket_starts = lo + (np.arange(count, dtype=np.int64) << shift)
    first = np.searchsorted(starts, bucket_starts, side="right").astype(np.int64) - 1
    last = np.searchsorted(starts, bucket_starts + (1 << shift) - 1, side="right") - 1
    passes = int((last - first).max()) if count else 0
    return first, passes


def _build_table(calendar: Calendar, first_year: int, last_year: int) -> _Table:
    lo = _local_epoch(date(first_year, 1, 1), 0, calendar)
    hi = _local_epoch(date(last_year + 1, 1, 1), 0, calendar)
    interval_starts, interval_ends = working_intervals(calendar, first_year, last_year)
    starts = np.concatenate(([lo - 1], interval_starts, [_FAR_FUTURE])).astype(np.int64)
    lengths = np.concatenate(([0], interval_ends - interval_starts, [0])).astype(np.int64)
    cum_end = np.cumsum(lengths).astype(np.int64)
    cum = (cum_end - lengths).astype(np.int64)
    next_start = np.concatenate((starts[1:], [_FAR_FUTURE])).astype(np.int64)
    # The widest bucket with at most one interval start keeps the bucket table small
    # (cache-resident) while a look-up still needs only one "next interval?" step.
    shift = _MAX_SHIFT
    first, passes = _buckets(starts, lo, hi, shift)
    while passes > 1 and shift > _MIN_SHIFT:
        shift -= 1
        first, passes = _buckets(starts, lo, hi, shift)
    due_shift, due_first = _due_buckets(cum_end)
    return _Table(
        lo, hi, starts, lengths, cum, cum_end, next_start, shift, first, passes,
        due_shift, due_first,
    )  # fmt: skip


def _due_buckets(cum_end: Int64Array) -> tuple[int, Int64Array]:
    """Buckets over business seconds, the widest (up to 2**16 s) that hold at most one
    interval end, so a deadline look-up is a shift, a load and about one step."""
    total = int(cum_end[-1])
    shift = _MAX_SHIFT
    while True:
        count = (total >> shift) + 1
        bucket_starts = np.arange(count, dtype=np.int64) << shift
        first = np.searchsorted(cum_end, bucket_starts, side="left").astype(np.int64)
        last = np.searchsorted(cum_end, bucket_starts + (1 << shift) - 1, side="left")
        if shift == _MIN_SHIFT or int((last - first).max()) <= 1:
            return shift, first
        shift -= 1


def _position_numpy(table: _Table, t: Int64Array) -> Int64Array:
    """B(t) for every t (already checked to lie in [lo, hi])."""
    index = table.first[(t - table.lo) >> table.shift]
    for _ in range(table.passes):
        index += table.next_start[index] <= t
    offset = np.minimum(t - table.starts[index], table.lengths[index])
    result: Int64Array = table.cum[index] + offset
    return result


def _locate_numpy(table: _Table, target: Int64Array) -> Int64Array:
    """Earliest t with B(t) == target (caller checked target <= total)."""
    index = np.searchsorted(table.cum_end, target, side="left")
    result: Int64Array = table.starts[index] + (target - table.cum[index])
    return result


class BusinessClock:
    """Business seconds between instants, and deadlines, in one calendar.

    All times are int64 numpy arrays of UTC epoch seconds; results are int64 seconds.
    Build one per calendar and range of years, then call it on whole columns.
    """

    def __init__(
        self,
        calendar: Calendar,
        first_year: int,
        last_year: int,
        table: _Table | None,
        kernels: ModuleType | None,
    ) -> None:
        self.calendar = calendar
        self.first_year = first_year
        self.last_year = last_year
        self._table = table
        self._kernels = kernels

    @classmethod
    def build(
        cls,
        calendar: Calendar,
        first_year: int,
        last_year: int,
        *,
        backend: Backend = "auto",
    ) -> BusinessClock:
        """Turn ``calendar`` into a clock valid from 1 January of ``first_year`` to the
        end of ``last_year`` (local time). ``backend`` "auto" uses numba when installed."""
        if last_year < first_year:
            raise ValueError(f"last_year {last_year} is before first_year {first_year}")
        # datetime ends at year 9999 and the table needs 1 January after the last year;
        # before 1900 the time-zone database holds local mean times, not business hours.
        if first_year < 1900 or last_year > 9998:
            raise ValueError("a clock's years must lie between 1900 and 9998")
        kernels: ModuleType | None = None
        if backend in ("auto", "numba"):
            kernels = _numba_kernels()
            if kernels is None and backend == "numba":
                raise ValueError("the numba backend needs numba (pip install servicepact[fast])")
        table = None if calendar.always_open else _build_table(calendar, first_year, last_year)
        return cls(calendar, first_year, last_year, table, kernels)

    @property
    def backend(self) -> str:
        """Which kernel answers: "wall" (24x7, no holidays), "numba" or "numpy"."""
        if self._table is None:
            return "wall"
        return "numba" if self._kernels is not None else "numpy"

    @property
    def valid_until(self) -> int | None:
        """Last instant the clock knows (None: any instant)."""
        return None if self._table is None else self._table.hi

    # -- checks ------------------------------------------------------------------

    def _out_of_range(self, name: str, value: int) -> ValueError:
        assert self._table is not None
        return ValueError(
            f"{name} {_iso(value)} lies outside the years this clock was built for "
            f"({self.first_year}-{self.last_year}, {_iso(self._table.lo)} to "
            f"{_iso(self._table.hi)}); build it for a wider range of years"
        )

    @property
    def valid_from(self) -> int | None:
        """First instant the clock knows (None: any instant, a wall-time clock)."""
        return None if self._table is None else self._table.lo

    def _check(self, name: str, t: Int64Array) -> None:
        table = self._table
        if table is None or t.size == 0:
            return
        low, high = int(t.min()), int(t.max())
        if low < table.lo:
            raise self._out_of_range(name, low)
        if high > table.hi:
            raise self._out_of_range(name, high)

    def _beyond_end(self, row: int) -> ValueError:
        return ValueError(
            f"the deadline of row {row} falls after the end of {self.last_year}, the last "
            "year this clock was built for; build it for a later last year"
        )

    # -- the primitives: B(t) and its inverse -----------------------------------------

    def position(self, t: npt.ArrayLike) -> Int64Array:
        """B(t): business seconds from the clock's origin to each t (wall time for 24x7).

        Differences of positions are business durations; useful to measure many
        intervals that share end points.
        """
        times = _as_times(t, "t")
        table = self._table
        if table is None:
            return times.copy()
        self._check("time", times)
        if self._kernels is not None:
            out = np.empty_like(times)
            self._kernels.positions(
                times, table.lo, table.shift, table.first, table.next_start,
                table.starts, table.lengths, table.cum, table.passes, out,
            )  # fmt: skip
            return out
        return _position_numpy(table, times)

    def _locate(self, target: Int64Array) -> Int64Array:
        """Earliest t with B(t) == target; an error names the first row past the table."""
        table = self._table
        if table is None:
            return target.copy()
        over = np.flatnonzero(target > table.total)
        if over.size:
            raise self._beyond_end(int(over[0]))
        return _locate_numpy(table, target)

    # -- the API ---------------------------------------------------------------

    def elapsed(self, start: npt.ArrayLike, end: npt.ArrayLike) -> Int64Array:
        """Business seconds in ``[start, end)``; 0 where ``end <= start``."""
        starts, ends = _as_times(start, "start"), _as_times(end, "end")
        if starts.shape != ends.shape:
            raise ValueError(f"start has {starts.size} values but end has {ends.size}")
        table = self._table
        if table is None:
            result: Int64Array = np.maximum(ends - starts, 0)
            return result
        if self._kernels is not None:
            out = np.empty_like(starts)
            bad = self._kernels.elapsed(
                starts, ends, table.lo, table.hi, table.shift, table.first,
                table.next_start, table.starts, table.lengths, table.cum, table.passes, out,
            )  # fmt: skip
            if bad >= 0:
                self._check("start", starts)
                self._check("end", ends)
                raise self._out_of_range("time", int(starts[bad]))
            return out
        self._check("start", starts)
        self._check("end", ends)
        result = np.maximum(_position_numpy(table, ends) - _position_numpy(table, starts), 0)
        return result

    def working_seconds(self, start: int, end: int) -> int:
        """Business seconds in ``[start, end)`` for one pair of epoch seconds."""
        return int(self.elapsed(np.array([start]), np.array([end]))[0])

    def deadline(self, start: npt.ArrayLike, business_seconds: npt.ArrayLike | int) -> Int64Array:
        """The earliest instant ``t >= start`` with ``elapsed(start, t) == business_seconds``.

        With 0 seconds that is ``start`` itself, even in closed hours.
        """
        starts = _as_times(start, "start")
        amounts = self._amounts(business_seconds, starts.size)
        table = self._table
        if table is None:
            result: Int64Array = starts + amounts
            return result
        self._check("start", starts)
        if self._kernels is not None:
            out = np.empty_like(starts)
            bad = self._kernels.deadlines(
                starts, amounts, table.lo, table.shift, table.first, table.next_start,
                table.starts, table.lengths, table.cum, table.passes, table.cum_end,
                table.due_shift, table.due_first, out,
            )  # fmt: skip
            if bad >= 0:
                raise self._beyond_end(int(bad))
            return out
        target = _position_numpy(table, starts) + amounts
        result = np.maximum(self._locate(target), starts)
        return result

    def elapsed_minus_pauses(
        self,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        pause_row: npt.ArrayLike,
        pause_start: npt.ArrayLike,
        pause_end: npt.ArrayLike,
    ) -> Int64Array:
        """Business seconds in ``[start, end)`` outside the row's pauses.

        ``pause_row[k]`` is the row the k-th pause belongs to (any order). A row's
        pauses are merged, clipped to ``[start, end)``, and only their overlap with
        working time is subtracted; a pause with ``end <= start`` is empty.
        """
        starts, ends = _as_times(start, "start"), _as_times(end, "end")
        base = self.elapsed(starts, ends)
        rows, p_start, p_end = self._pauses(starts.size, pause_row, pause_start, p_end=pause_end)
        if rows.size == 0:
            return base
        p_start = np.maximum(p_start, starts[rows])
        p_end = np.minimum(p_end, ends[rows])
        rows, runs_start, runs_end = _merge(rows, p_start, p_end)
        if rows.size == 0:
            return base
        paused = self.position(runs_end) - self.position(runs_start)
        totals = np.bincount(rows, weights=paused, minlength=starts.size)
        result: Int64Array = base - totals.astype(np.int64)
        return result

    def deadline_with_pauses(
        self,
        start: npt.ArrayLike,
        business_seconds: npt.ArrayLike | int,
        pause_row: npt.ArrayLike,
        pause_start: npt.ArrayLike,
        pause_end: npt.ArrayLike,
    ) -> Int64Array:
        """The earliest ``t >= start`` where business time outside the pauses reaches
        ``business_seconds`` (pauses merged, only their part from ``start`` on counts)."""
        starts = _as_times(start, "start")
        amounts = self._amounts(business_seconds, starts.size)
        rows, p_start, p_end = self._pauses(starts.size, pause_row, pause_start, p_end=pause_end)
        if rows.size == 0:
            return self.deadline(starts, amounts)
        self._check("start", starts)
        p_start = np.maximum(p_start, starts[rows])
        if self._table is not None:
            # A pause (or its part) after the clock's end cannot move a deadline that
            # exists; if the deadline is past the end, locating it raises anyway.
            p_start = np.minimum(p_start, self._table.hi)
            p_end = np.minimum(p_end, self._table.hi)
        rows, runs_start, runs_end = _merge(rows, p_start, p_end)
        at_start = self.position(starts)
        target = at_start + amounts
        if rows.size:
            at_run_start = self.position(runs_start)
            paused = self.position(runs_end) - at_run_start
            first_run = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            run_count = np.diff(np.r_[first_run, rows.size])
            inclusive = np.cumsum(paused)
            before_group = np.repeat(inclusive[first_run] - paused[first_run], run_count)
            paused_before = inclusive - paused - before_group
            # The deadline is settled at the first run the clock reaches before the
            # target does: B(run start) >= target + business time of the earlier runs.
            settled = at_run_start >= target[rows] + paused_before
            sentinel = rows.size
            candidate = np.where(settled, np.arange(rows.size), sentinel)
            first_settled = np.minimum.reduceat(candidate, first_run)
            group_rows = rows[first_run]
            total_paused = inclusive[first_run + run_count - 1] - (
                inclusive[first_run] - paused[first_run]
            )
            extra = np.where(
                first_settled < sentinel,
                paused_before[np.minimum(first_settled, sentinel - 1)],
                total_paused,
            )
            target[group_rows] += extra
        result: Int64Array = np.maximum(self._locate(target), starts)
        return result

    # -- helpers -------------------------------------------------------------------

    def _amounts(self, business_seconds: npt.ArrayLike | int, size: int) -> Int64Array:
        amounts = np.asarray(business_seconds)
        if amounts.size and not np.issubdtype(amounts.dtype, np.integer):
            raise ValueError("business_seconds must be whole seconds (integers)")
        if amounts.ndim == 0:
            amounts = np.full(size, int(amounts), dtype=np.int64)
        elif amounts.shape != (size,):
            raise ValueError(f"business_seconds has {amounts.size} values for {size} starts")
        else:
            amounts = np.ascontiguousarray(amounts, dtype=np.int64)
        if amounts.size and int(amounts.min()) < 0:
            raise ValueError("business_seconds must not be negative")
        return amounts

    def _pauses(
        self,
        size: int,
        pause_row: npt.ArrayLike,
        pause_start: npt.ArrayLike,
        *,
        p_end: npt.ArrayLike,
    ) -> tuple[Int64Array, Int64Array, Int64Array]:
        rows = _as_times(pause_row, "pause_row")
        p_start, p_end_array = _as_times(pause_start, "pause_start"), _as_times(p_end, "pause_end")
        if not rows.size == p_start.size == p_end_array.size:
            raise ValueError("pause_row, pause_start and pause_end must have the same length")
        if rows.size and (int(rows.min()) < 0 or int(rows.max()) >= size):
            raise ValueError(f"pause_row must index the {size} rows (0 to {size - 1})")
        return rows, p_start, p_end_array


def _merge(
    rows: Int64Array, p_start: Int64Array, p_end: Int64Array
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Per row, the union of the pauses as disjoint runs sorted by row, then start.

    Empty pauses (end <= start) are dropped first. Adding ``row * width`` to the ends
    lets one running maximum over all rows stay within each row's group.
    """
    keep = p_end > p_start
    rows, p_start, p_end = rows[keep], p_start[keep], p_end[keep]
    if rows.size == 0:
        return rows, p_start, p_end
    order = np.lexsort((p_start, rows))
    rows, p_start, p_end = rows[order], p_start[order], p_end[order]
    base = int(p_start.min())
    width = int(p_end.max()) - base + 1
    if (int(rows.max()) + 1) * width >= 2**62:
        raise ValueError("pauses span too many years to merge in 64-bit arithmetic")
    keyed_end = rows * width + (p_end - base)
    reach = np.maximum.accumulate(keyed_end)
    new_run = np.ones(rows.size, dtype=bool)
    new_run[1:] = rows[1:] * width + (p_start[1:] - base) > reach[:-1]
    first = np.flatnonzero(new_run)
    return rows[first], p_start[first], np.maximum.reduceat(p_end, first)


def clock_for(
    calendar: Calendar,
    start: npt.ArrayLike,
    end: npt.ArrayLike | None = None,
    *,
    years_after: int = 1,
    backend: Backend = "auto",
) -> BusinessClock:
    """A clock whose years cover the data, plus ``years_after`` for deadlines.

    Years are read in the calendar's time zone (a UTC instant on 1 January can still
    be 31 December locally).
    """
    values = [_as_times(start, "start")]
    if end is not None:
        values.append(_as_times(end, "end"))
    present = [v for v in values if v.size]
    if not present:
        # No hidden "now": with no data there is no year to choose.
        raise ValueError("no times to choose the clock's years from; use BusinessClock.build")
    low = min(int(v.min()) for v in present)
    high = max(int(v.max()) for v in present)
    first = datetime.fromtimestamp(low, tz=calendar.zone).year
    last = datetime.fromtimestamp(high, tz=calendar.zone).year
    return BusinessClock.build(calendar, first, last + years_after, backend=backend)


def pauses_from_lists(
    pauses: Sequence[Sequence[tuple[int, int]]],
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Per-row lists of ``(start, end)`` pauses → the ``(pause_row, start, end)`` arrays."""
    counts = np.fromiter((len(p) for p in pauses), dtype=np.int64, count=len(pauses))
    rows = np.repeat(np.arange(len(pauses), dtype=np.int64), counts)
    flat = [bound for row in pauses for pair in row for bound in pair]
    bounds = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    return rows, np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])
