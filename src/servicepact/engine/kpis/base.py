"""What every KPI computation shares: its context, per-event outcomes, exact aggregation.

Most KPIs are *flows*: each event belongs to exactly one instant, its anchor
(KPIS.md rule 3), and contributes an integer to a numerator and a denominator.
A flow KPI therefore only has to say, once per table, for every counted event:
its anchor (UTC epoch microseconds), its numerator and its denominator. Cutting
those outcomes into any number of periods is then one generic, vectorised step
(:func:`aggregate_outcomes`), which is why twelve months cost little more than
one. Two KPIs are not flows and compute per window directly: the backlog (a
stock at the period's end) and availability (outage minutes fall where they
happen).

Everything stays integral: ratios keep integer numerators and denominators;
means keep an integer sum in a small unit (microseconds, seconds, millionths)
plus a ``scale`` that turns it into the KPI's unit, so the value is the exact
fraction ``Σ numerator ÷ (Σ denominator × scale)`` (KPIS.md rule 1).
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.calendars import Calendar
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.kpis import Aggregate, KpiDefinition

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MICROS = 1_000_000  # timestamps are stored as UTC microseconds (domain/event_schemas.py)
HOUR_SECONDS = 3600
DAY_SECONDS = 86_400
# Float sums of integers are exact below 2**53 (IEEE 754 double has a 53-bit significand).
_EXACT_FLOAT_LIMIT = 2**53

_LOOKUP_STEP = 15 * 60 * 1_000_000  # a quarter-hour in microseconds
LOOKUP_STEP_US = _LOOKUP_STEP  # the step of the look-up tables the compiled loops read
_LOOKUP_MAX = 4_000_000  # quarter-hours in a look-up table (about 114 years)

Window = tuple[int, int]
"""A half-open window ``[start, end)`` in UTC epoch microseconds."""


class Clock(Protocol):
    """The business-time clock of one calendar (engine/business_time.py), in epoch seconds."""

    def elapsed(self, start: Int64Array, end: Int64Array) -> Int64Array: ...

    def elapsed_minus_pauses(
        self,
        start: Int64Array,
        end: Int64Array,
        pause_row: Int64Array,
        pause_start: Int64Array,
        pause_end: Int64Array,
    ) -> Int64Array: ...

    def deadline(self, start: Int64Array, business_seconds: Int64Array) -> Int64Array: ...

    def deadline_with_pauses(
        self,
        start: Int64Array,
        business_seconds: Int64Array,
        pause_row: Int64Array,
        pause_start: Int64Array,
        pause_end: Int64Array,
    ) -> Int64Array: ...


@dataclass(frozen=True)
class ClockColumns:
    """Which columns a business clock reads: where it starts, its pauses and the column
    that picks a per-value target. The defaults are the tickets' (KPIS.md "Tickets");
    a declared KPI names its own (domain/declared.py)."""

    start: str = "created_at"
    pauses: str | None = "pauses"
    by: str = "priority"


@dataclass(frozen=True)
class TargetSeconds:
    """A clock target in whole business seconds: one for every event, or one per value of
    the ``by`` column (events with another value are not counted)."""

    uniform: int | None = None
    per_value: dict[str, int] | None = None


@dataclass
class KpiContext:
    """Everything a computation needs besides the events.

    ``memo`` lets service levels that read the same table share derived arrays
    (e.g. the business time from creation to resolution); a key always names
    every input it depends on.
    """

    definition: KpiDefinition
    params: dict[str, Any]
    timezone: str
    calendar: Calendar | None = None
    clock: Clock | None = None
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    memo_key: tuple[Any, ...] = ()
    # The unfiltered table the events came from and which of its rows ``table`` holds,
    # so derived per-row arrays can be computed once per source and shared (see memo).
    source_table: pa.Table | None = None
    selection: Int64Array | None = None
    clock_columns: ClockColumns = field(default_factory=ClockColumns)
    targets: TargetSeconds | None = None  # None: from params (hours, hours_by_priority)

    def param(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        declared = self.definition.param_index.get(name)
        return None if declared is None else declared.default

    def require_clock(self) -> Clock:
        if self.clock is None or self.calendar is None:
            raise InvalidInput(
                [
                    Problem(
                        "calendar",
                        f"{self.definition.name} measures business time: name a calendar",
                    )
                ]
            )
        return self.clock

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def remember(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        return memoized(self.memo, (*self.memo_key, *key), compute)


def memoized(
    memo: dict[tuple[Any, ...], Any], key: tuple[Any, ...], compute: Callable[[], Any]
) -> Any:
    """``memo[key]``, computed once even when service levels run on several threads.

    Each key has its own lock (kept in the memo beside it; ``dict.setdefault`` is atomic),
    so a second thread wanting the same array waits for it instead of computing it again,
    while different arrays are computed at the same time.
    """
    if key in memo:
        return memo[key]
    lock = memo.setdefault(("lock", *key), threading.Lock())
    with lock:
        if key not in memo:
            memo[key] = compute()
    return memo[key]


class Measure:
    """What ``Outcomes.measured`` and ``Outcomes.target`` are, for the drill-down."""

    DURATION_US = "duration_us"  # a wall-clock duration in microseconds
    BUSINESS_SECONDS = "business_seconds"  # business time of the level's calendar, seconds
    INSTANT_US = "instant_us"  # a moment (UTC epoch µs) against a deadline
    UNITS = "units"  # a quantity (pieces) against a tolerance


@dataclass(frozen=True)
class Outcomes:
    """Per counted event: anchor (µs), numerator and denominator contributions (integers).

    The optional fields serve the drill-down (engine/drilldown.py) and cost nothing to
    the aggregation: ``counted`` says which rows of the given table the outcomes are of
    (None: every row, in order); ``measured`` and ``target`` are the per-event quantity
    the rule compared and what it was compared with (same unit, ``measure``), with
    ``measured_known`` False where there is nothing to measure yet (not answered, still
    open, not paid). ``target_inclusive`` False means the measure must stay strictly
    below the target (a deadline "by the end of the day").
    """

    anchor: Int64Array
    numerator: Int64Array
    denominator: Int64Array
    scale: int = 1  # value = Σ numerator ÷ (Σ denominator × scale)
    counted: BoolArray | None = None
    measured: Int64Array | None = None
    measured_known: BoolArray | None = None
    target: Int64Array | None = None
    measure: str | None = None
    target_inclusive: bool = True

    def __post_init__(self) -> None:
        assert self.anchor.shape == self.numerator.shape == self.denominator.shape


@dataclass(frozen=True)
class KpiAggregate:
    """The exact aggregate of one KPI over one window."""

    aggregate: Aggregate
    numerator: int
    denominator: int
    sample_size: int
    scale: int = 1

    @property
    def value(self) -> Fraction | None:
        if self.aggregate is Aggregate.COUNT:
            return Fraction(self.numerator, self.scale)  # a count, or a sum in 1/scale
        if self.aggregate is Aggregate.VALUE:
            return Fraction(self.numerator, self.scale) if self.sample_size else None
        if self.denominator == 0:
            return None
        return Fraction(self.numerator, self.denominator * self.scale)

    @property
    def exact_numerator(self) -> int | Fraction:
        """The numerator in the KPI's unit: an integer for ratios and counts."""
        if self.aggregate in (Aggregate.MEAN, Aggregate.VALUE) or self.scale != 1:
            value = Fraction(self.numerator, self.scale)
            return value.numerator if value.denominator == 1 else value
        return self.numerator


class KpiComputation(Protocol):
    def __call__(
        self, table: pa.Table, ctx: KpiContext, windows: Sequence[Window]
    ) -> list[KpiAggregate]: ...


# --- reading columns -------------------------------------------------------------------


def _column(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        raise InvalidInput([Problem(name, "the events have no such column")])
    return table.column(name)


def _int64_with_validity(column: pa.ChunkedArray | pa.Array) -> tuple[Int64Array, BoolArray]:
    """Values as int64 (nulls → 0) and validity; no null handling when there are no nulls."""
    as_int = pc.cast(column, pa.int64())
    if as_int.null_count == 0:
        values = np.asarray(as_int.to_numpy(zero_copy_only=False), dtype=np.int64)
        return values, np.ones(values.size, dtype=np.bool_)
    valid = np.asarray(pc.is_valid(as_int).to_numpy(zero_copy_only=False), dtype=np.bool_)
    values = pc.fill_null(as_int, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return values, valid


def timestamps_us(table: pa.Table, name: str) -> tuple[Int64Array, BoolArray]:
    """A timestamp column as UTC epoch microseconds, with its validity (nulls → 0, False)."""
    column = _column(table, name)
    if pa.types.is_timestamp(column.type) and column.type.unit != "us":
        column = pc.cast(column, pa.timestamp("us", tz="UTC"))
    return _int64_with_validity(column)


def dictionary_codes(
    table: pa.Table, name: str
) -> tuple[npt.NDArray[np.signedinteger[Any]], list[Any]]:
    """A column as integer codes into its distinct values (-1 for null), and those values.

    Matching a few wanted values against the distinct values, then the codes,
    is much cheaper than comparing millions of strings.
    """
    column = _column(table, name)
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 0:
            return np.zeros(0, dtype=np.int64), []
        # One array, one encoding: cheaper than a dictionary per chunk unified afterwards,
        # and the values come in the same order (of first appearance).
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    values = encoded.dictionary.to_pylist()
    # The indices as they come (int32): a cast to int64 first would copy them twice over.
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes = np.asarray(indices.to_numpy(zero_copy_only=False))
    # the smallest signed type that holds every code keeps the shared array small
    width = np.int16 if len(values) < 2**15 else np.int64
    return codes.astype(width, copy=False), values


def integers(table: pa.Table, name: str) -> tuple[Int64Array, BoolArray]:
    return _int64_with_validity(_column(table, name))


def booleans(table: pa.Table, name: str) -> tuple[BoolArray, BoolArray]:
    """(value is true, value is present)."""
    column = _column(table, name)
    valid = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=np.bool_)
    true = pc.fill_null(column, False).to_numpy(zero_copy_only=False)
    return np.asarray(true, dtype=np.bool_), valid


def decimals_scaled(table: pa.Table, name: str, digits: int = 6) -> tuple[Int64Array, BoolArray]:
    """A decimal column as integers in units of 10**-digits (exact for decimal128(20, 6))."""
    column = pc.cast(_column(table, name), pa.decimal128(38, digits))
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=np.bool_)
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64), valid
    # A decimal128 holds its unscaled value as a little-endian 128-bit integer: read the
    # two 64-bit halves and keep the low one when the high one is only its sign.
    words = np.frombuffer(array.buffers()[1], dtype=np.int64)
    pairs = words[2 * array.offset : 2 * (array.offset + len(array))].reshape(-1, 2)
    low, high = pairs[:, 0], pairs[:, 1]
    if not np.array_equal(high[valid], (low >> 63)[valid]):
        raise ValueError(f"{name}: a decimal is too large to sum exactly in 64 bits")
    return np.where(valid, low, 0).astype(np.int64), valid


def local_date_of(instant_us: int, timezone: str) -> date:
    return datetime.fromtimestamp(instant_us / MICROS, tz=UTC).astimezone(ZoneInfo(timezone)).date()


def local_day_end_us(table: pa.Table, name: str, timezone: str) -> tuple[Int64Array, BoolArray]:
    """For a local-date column: the UTC instant (µs) of local midnight at the end of each day.

    "By the end of the day" (payroll, due dates, promised dates) means strictly
    before this instant. Daylight saving is honoured because each distinct date
    is converted on its own (there are few distinct dates, so this is cheap).
    """
    column = _column(table, name)
    valid = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=np.bool_)
    days = pc.fill_null(pc.cast(column, pa.int32()), 0).to_numpy(zero_copy_only=False)
    unique, inverse = np.unique(days, return_inverse=True)
    zone = ZoneInfo(timezone)
    epoch = date(1970, 1, 1)
    ends = np.fromiter(
        (
            int(
                datetime.combine(
                    epoch + timedelta(days=int(d) + 1), time(0), tzinfo=zone
                ).timestamp()
            )
            * MICROS
            for d in unique
        ),
        dtype=np.int64,
        count=len(unique),
    )
    return ends[inverse].astype(np.int64, copy=False), valid


def local_midnight_us(day: date, timezone: str) -> int:
    return int(datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).timestamp()) * MICROS


def shared(
    ctx: KpiContext,
    table: pa.Table,
    name: str,
    reader: Callable[[pa.Table, str], tuple[Any, ...]],
) -> tuple[Any, ...]:
    """``reader(table, name)``, computed once per source table and cut to this selection.

    Service levels reading one source share the conversion of its columns (a
    timestamp column of ten million rows costs tens of milliseconds to convert).
    """
    source = ctx.source_table
    if source is None:
        return reader(table, name)
    key = ("column", reader.__name__, name)
    values: tuple[Any, ...] = memoized(ctx.memo, key, lambda: reader(source, name))
    if ctx.selection is None:
        return values
    return tuple(v[ctx.selection] for v in values)


def shared_timestamps_us(
    ctx: KpiContext, table: pa.Table, name: str
) -> tuple[Int64Array, BoolArray]:
    values, valid = shared(ctx, table, name, timestamps_us)
    return values, valid


def to_seconds(values_us: Int64Array) -> Int64Array:
    """Whole seconds, truncated toward the past (the business clock counts whole seconds)."""
    return np.floor_divide(values_us, MICROS)


# --- aggregation -----------------------------------------------------------------------


def _group_sums(group: Int64Array, values: Int64Array, groups: int) -> list[int]:
    """Exact integer sums per group; a float ``bincount`` only where it is provably exact."""
    if values.size == 0:
        return [0] * groups
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high <= 1:  # shares of events: count the ones (integers, no weights)
        ones_only = group if low == 1 else group[values == 1]
        return [int(c) for c in np.bincount(ones_only, minlength=groups)[:groups]]
    bound = max(abs(low), abs(high)) * values.size
    if bound < _EXACT_FLOAT_LIMIT:
        sums = np.bincount(group, weights=values, minlength=groups)
        return [int(s) for s in sums[:groups]]
    return [int(values[group == g].sum(dtype=np.int64)) for g in range(groups)]


def window_index(anchor: Int64Array, windows: Sequence[Window]) -> Int64Array:
    """For each anchor, the index of the window holding it, or -1.

    Windows that follow each other without gaps or overlaps (months of a year)
    take one ``searchsorted``; others are tested one by one.
    """
    index = np.full(anchor.shape, -1, dtype=np.int64)
    if not windows:
        return index
    contiguous = all(windows[i][1] == windows[i + 1][0] for i in range(len(windows) - 1))
    if contiguous:
        bounds = np.array([w[0] for w in windows] + [windows[-1][1]], dtype=np.int64)
        first, last = int(bounds[0]), int(bounds[-1])
        steps = (last - first) // _LOOKUP_STEP
        if not ((bounds - first) % _LOOKUP_STEP).any() and steps <= _LOOKUP_MAX:
            # Every bound is a whole quarter-hour from the first (local midnights always
            # are, as UTC offsets are multiples of 15 min): a table of quarter-hours
            # answers each anchor with one division and one look-up.
            table = np.repeat(
                np.arange(len(windows), dtype=np.int64), np.diff(bounds) // _LOOKUP_STEP
            )
            inside = (anchor >= first) & (anchor < last)
            index[inside] = table[(anchor[inside] - first) // _LOOKUP_STEP]
            return index
        position = np.searchsorted(bounds, anchor, side="right") - 1
        inside = (position >= 0) & (position < len(windows))
        index[inside] = position[inside]
        return index
    for i, (start, end) in enumerate(windows):
        index[(anchor >= start) & (anchor < end) & (index < 0)] = i
    return index


class _CompiledKernels:
    """The compiled loops, imported on first use: numba's import costs about half a second of
    CPU, which a command computing no KPI (a review pack whose period values are kept) need
    not pay."""

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module("servicepact.engine.kpis._aggregate_numba")
        return getattr(module, name)


def _kernels() -> _CompiledKernels | None:
    """The compiled loops, or None when numba is not installed (the ``fast`` extra)."""
    if importlib.util.find_spec("numba") is None:
        return None
    return _CompiledKernels()


_KERNELS = _kernels()
# int64 sums are exact while |Σ| < 2**63; the compiled path is used only below this bound
_EXACT_INT_LIMIT = 2**62


def window_lookup(windows: Sequence[Window]) -> tuple[int, int, Int64Array] | None:
    """``(first, step, table)`` such that an anchor lies in window
    ``table[(anchor - first) // step]`` when ``0 <= (anchor - first) // step < table.size``
    (else in none): for windows that follow each other on quarter-hour bounds (see
    ``window_index``); None for any other windows."""
    if not windows:
        return None
    if any(windows[i][1] != windows[i + 1][0] for i in range(len(windows) - 1)):
        return None
    bounds = np.array([w[0] for w in windows] + [windows[-1][1]], dtype=np.int64)
    first, last = int(bounds[0]), int(bounds[-1])
    if ((bounds - first) % _LOOKUP_STEP).any() or (last - first) // _LOOKUP_STEP > _LOOKUP_MAX:
        return None
    if np.any(np.diff(bounds) < 0):
        return None
    table = np.repeat(np.arange(len(windows), dtype=np.int64), np.diff(bounds) // _LOOKUP_STEP)
    return first, _LOOKUP_STEP, table


def rank_lookup(bounds: Int64Array) -> tuple[int, Int64Array] | None:
    """``(first, table)`` for ascending ``bounds``: the number of bounds at or before an
    instant ``v`` is 0 before ``first``, ``table[(v - first) // quarter-hour]`` while that
    index is inside the table, and all of them after it; None when a bound is not a whole
    quarter-hour from the first (see ``window_lookup``) or the span is too long."""
    if bounds.size == 0 or np.any(np.diff(bounds) < 0):
        return None
    first = int(bounds[0])
    span = (int(bounds[-1]) - first) // _LOOKUP_STEP
    if ((bounds - first) % _LOOKUP_STEP).any() or span > _LOOKUP_MAX:
        return None
    grid = first + np.arange(span, dtype=np.int64) * _LOOKUP_STEP
    table = np.searchsorted(bounds, grid, side="right").astype(np.int64)
    return first, table


def _compiled_sums(
    outcomes: Outcomes, windows: Sequence[Window]
) -> tuple[list[int], list[int], list[int]] | None:
    """Counts and exact sums per window in one compiled pass, when the windows allow the
    quarter-hour look-up (see ``window_index``) and numba is there; else None."""
    if _KERNELS is None or not windows or outcomes.anchor.size == 0:
        return None
    look_up = window_lookup(windows)
    if look_up is None:
        return None
    for values in (outcomes.numerator, outcomes.denominator):
        if values.size and int(np.abs(values).max()) * values.size >= _EXACT_INT_LIMIT:
            return None
    first, _, table = look_up
    counts = np.zeros(len(windows), dtype=np.int64)
    nums = np.zeros(len(windows), dtype=np.int64)
    dens = np.zeros(len(windows), dtype=np.int64)
    _KERNELS.sum_by_window(
        np.ascontiguousarray(outcomes.anchor, dtype=np.int64),
        np.ascontiguousarray(outcomes.numerator, dtype=np.int64),
        np.ascontiguousarray(outcomes.denominator, dtype=np.int64),
        first, _LOOKUP_STEP, table, counts, nums, dens,
    )  # fmt: skip
    return counts.tolist(), nums.tolist(), dens.tolist()


def aggregate_outcomes(
    outcomes: Outcomes, windows: Sequence[Window], aggregate: Aggregate
) -> list[KpiAggregate]:
    """Cut per-event outcomes into windows, exactly. Overlapping windows each get their events."""
    n = len(windows)
    if n == 0:
        return []
    contiguous = all(windows[i][1] == windows[i + 1][0] for i in range(n - 1))
    if not contiguous and n > 1:
        results: list[KpiAggregate] = []
        for window in windows:
            results.extend(aggregate_outcomes(outcomes, [window], aggregate))
        return results
    fast = _compiled_sums(outcomes, windows)
    if fast is not None:
        counts_list, numerators, denominators = fast
        return [
            KpiAggregate(
                aggregate=aggregate,
                numerator=numerators[i],
                denominator=denominators[i],
                sample_size=counts_list[i],
                scale=outcomes.scale,
            )
            for i in range(n)
        ]
    index = window_index(outcomes.anchor, windows)
    keep = index >= 0
    group = index[keep]
    counts = np.bincount(group, minlength=n)
    numerators = _group_sums(group, outcomes.numerator[keep], n)
    denominators = _group_sums(group, outcomes.denominator[keep], n)
    return [
        KpiAggregate(
            aggregate=aggregate,
            numerator=numerators[i],
            denominator=denominators[i],
            sample_size=int(counts[i]),
            scale=outcomes.scale,
        )
        for i in range(n)
    ]


def per_event_kpi(
    outcomes_of: Callable[[pa.Table, KpiContext], Outcomes],
) -> KpiComputation:
    """Turn a per-event outcome function into a computation over windows (a flow KPI: each
    event is counted once, in the window its anchor falls in)."""

    def compute(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> list[KpiAggregate]:
        outcomes = outcomes_of(table, ctx)
        return aggregate_outcomes(outcomes, windows, ctx.definition.aggregate)

    compute.outcomes = outcomes_of  # type: ignore[attr-defined]
    compute.__doc__ = outcomes_of.__doc__
    return compute


def paid_by_local_day_end(table: pa.Table, ctx: KpiContext, due_column: str) -> Outcomes:
    """Rows paid (``paid_at``) strictly before local midnight ending their ``due_column`` date
    ÷ rows with that date, each anchored at the last instant of its due day.

    23:59:59.999999 local on the day is on time; 00:00:00 the next day is late (payables'
    on-time payment, payroll paid on time).
    """
    day_end, has_date = local_day_end_us(table, due_column, ctx.timezone)
    paid_at, paid = timestamps_us(table, "paid_at")
    on_time = paid & (paid_at < day_end)
    return Outcomes(
        day_end[has_date] - 1,
        on_time[has_date].astype(np.int64),
        each_once(int(has_date.sum())),
        counted=has_date,
        measured=paid_at[has_date],
        measured_known=paid[has_date],
        target=day_end[has_date],
        measure=Measure.INSTANT_US,
        target_inclusive=False,
    )


def each_once(n: int) -> Int64Array:
    return np.ones(n, dtype=np.int64)


def exact_fraction(text: object) -> Fraction:
    """A parameter as an exact fraction: 0.1 means one tenth, not the nearest double."""
    return Fraction(str(text))


def whole_seconds(hours: object) -> int:
    """Target hours → whole seconds, rounded half up (exact for any target in whole seconds)."""
    seconds = exact_fraction(hours) * HOUR_SECONDS
    return int(seconds + Fraction(1, 2)) if seconds.denominator != 1 else int(seconds)
