"""Service level × period → result (PRODUCT.md §2.3, KPIS.md).

The steps, in the order KPIS.md fixes them:

1. filters select events (rule 6);
2. approved exclusions remove events — or a whole period — from numerator and
   denominator alike (rule 5), and are counted and listed with the result;
3. the KPI computation anchors each event in exactly one period (rule 3) and
   aggregates exactly (rule 1);
4. the targets in force come from continuous improvement (engine/targets.py);
5. the status follows rule 2 via ``status_for``, with ``min_sample`` giving
   ``insufficient_data`` rather than 0 % or 100 %.

Periods are read in the contract's time zone: the time zone of the service
level's calendar, else of the contract's first calendar, else UTC. A period
that contains ``now`` is *running*: it is evaluated up to ``now`` and marked so.
Several periods of one service level are computed in one pass over the events.

``inputs_hash`` lets anyone reproduce a result: SHA-256 over the contract's
canonical hash and version, the ids of the event batches read, the approved
exclusions applied, the cut-off of a running period and ``ENGINE_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.calendars import ALWAYS, Calendar
from servicepact.domain.canonical import contract_hash as canonical_contract_hash
from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_schemas import BATCH_COLUMN
from servicepact.domain.event_types import ANCHORS
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.kpis import Aggregate
from servicepact.domain.periods import Period
from servicepact.domain.results import ResultStatus, ServiceLevelResult, status_for
from servicepact.engine.business_time import BusinessClock
from servicepact.engine.kpis import computation_for
from servicepact.engine.kpis.base import (
    MICROS,
    KpiAggregate,
    KpiContext,
    Window,
    dictionary_codes,
    local_day_end_us,
    local_midnight_us,
    memoized,
    timestamps_us,
)
from servicepact.engine.kpis.partial import KpiState, kpi_finish, kpi_partial, merge_states
from servicepact.engine.targets import targets_for

ENGINE_VERSION = "2026.11.2"
"""Bumped whenever a change to the engine can change a result (part of inputs_hash)."""

_FIRST_CLOCK_YEAR = 1971  # BusinessClock.build accepts years from 1971
_DEADLINE_YEARS = 2  # a clock reaches this many years past the data, for late deadlines


class ClockCache:
    """Business clocks by calendar, built once and widened when data need more years."""

    def __init__(self) -> None:
        self._clocks: dict[str, BusinessClock] = {}
        # Service levels evaluated on several threads ask for the same clock at once:
        # one builds it, the others wait for it.
        self._lock = threading.Lock()

    def get(self, calendar: Calendar, first_year: int, last_year: int) -> BusinessClock:
        key = calendar.clock_key
        with self._lock:
            clock = self._clocks.get(key)
            if (
                clock is not None
                and clock.first_year <= first_year
                and clock.last_year >= last_year
            ):
                return clock
            if clock is not None:
                first_year = min(first_year, clock.first_year)
                last_year = max(last_year, clock.last_year)
            clock = BusinessClock.build(calendar, max(first_year, _FIRST_CLOCK_YEAR), last_year)
            self._clocks[key] = clock
            return clock


@dataclass
class EvaluationMemo:
    """Derived arrays shared by the service levels reading one source table."""

    by_source: dict[str, dict[tuple[Any, ...], Any]] = field(default_factory=dict)

    def for_source(self, source: str) -> dict[tuple[Any, ...], Any]:
        return self.by_source.setdefault(source, {})


def instant_us(moment: datetime) -> int:
    """A timezone-aware datetime as UTC epoch microseconds, exactly."""
    if moment.tzinfo is None:
        raise ValueError("a moment must carry a time zone")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def contract_timezone(contract: Contract, sl: ServiceLevel | None = None) -> str:
    if sl is not None and sl.calendar_name is not None:
        return contract.calendars[sl.calendar_name].timezone
    for calendar in contract.calendars.values():
        return calendar.timezone
    return "UTC"


def _filter_values(column: pa.ChunkedArray, values: list[Any], where: str) -> pa.Array:
    try:
        return pa.array(values).cast(column.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        raise InvalidInput(
            [Problem(where, f"{values!r} cannot be compared with a {column.type} column")]
        ) from None


def filter_mask(
    table: pa.Table, sl: ServiceLevel, memo: dict[tuple[Any, ...], Any] | None = None
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows selected by the service level's filter (rule 6); a missing value never matches.

    Text columns are matched through their distinct values (codes shared in ``memo``).
    """
    mask = np.ones(table.num_rows, dtype=np.bool_)
    for name, wanted in sl.filter.items():
        where = f"service_levels.{sl.id}.filter.{name}"
        if name not in table.column_names:
            raise InvalidInput(
                [Problem(where, f"the {sl.source} events have no column {name!r} to filter on")]
            )
        values = list(wanted) if isinstance(wanted, list) else [wanted]
        column = table.column(name)
        value_set = _filter_values(column, values, where)
        if pa.types.is_string(column.type) and memo is not None:
            codes, distinct = memoized(
                memo, ("codes", name), partial(dictionary_codes, table, name)
            )
            chosen_values = set(value_set.to_pylist())
            # a look-up per code (the last slot, for -1, is a missing value: never chosen)
            chosen = np.zeros(len(distinct) + 1, dtype=np.bool_)
            chosen[[i for i, v in enumerate(distinct) if v in chosen_values]] = True
            mask &= chosen[codes]
            continue
        chosen = pc.fill_null(pc.is_in(column, value_set=value_set), False)
        mask &= np.asarray(chosen.to_numpy(zero_copy_only=False), dtype=np.bool_)
    return mask


def _as_selection(rows: np.ndarray[Any, np.dtype[np.bool_]]) -> np.ndarray[Any, Any] | None:
    """Ascending row indices of a mask, or None when it keeps every row."""
    return None if bool(rows.all()) else np.flatnonzero(rows)


def _filter_key(sl: ServiceLevel) -> tuple[Any, ...]:
    return tuple(
        sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in sl.filter.items())
    )


def _filter_selection(
    table: pa.Table, sl: ServiceLevel, memo: dict[tuple[Any, ...], Any]
) -> np.ndarray[Any, Any] | None:
    """The rows the service level's filter selects (``filter_mask``) as ascending indices,
    None for every row; levels with the same filter share them (``memo``: never written)."""
    if not sl.filter:
        return None
    chosen: np.ndarray[Any, Any] | None = memoized(
        memo, ("selection", _filter_key(sl)), lambda: _as_selection(filter_mask(table, sl, memo))
    )
    return chosen


def _id_mask(table: pa.Table, ids: Iterable[str]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    wanted = sorted(set(ids))
    if not wanted or "id" not in table.column_names:
        return np.zeros(table.num_rows, dtype=np.bool_)
    column = pc.cast(table.column("id"), pa.string())
    hit = pc.fill_null(pc.is_in(column, value_set=pa.array(wanted, pa.string())), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _years_of(table: pa.Table, timezone_name: str) -> tuple[int, int] | None:
    """First and last local year of any timestamp in the table (for the clock's range)."""
    low: int | None = None
    high: int | None = None
    for name in table.column_names:
        if not pa.types.is_timestamp(table.schema.field(name).type):
            continue
        bounds = pc.min_max(pc.cast(table.column(name), pa.int64()))
        if not bounds["min"].is_valid:
            continue
        scale = MICROS if table.schema.field(name).type.unit == "us" else 1
        first, last = bounds["min"].as_py() // scale, bounds["max"].as_py() // scale
        low = first if low is None else min(low, first)
        high = last if high is None else max(high, last)
    if low is None or high is None:
        return None
    return _local(low * MICROS, timezone_name).year, _local(high * MICROS, timezone_name).year


def _local(instant_us: int, timezone_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(instant_us // MICROS, tz=UTC).astimezone(ZoneInfo(timezone_name))


def _batches(table: pa.Table) -> tuple[str, ...]:
    if BATCH_COLUMN not in table.column_names or table.num_rows == 0:
        return ()
    unique = pc.unique(pc.drop_null(table.column(BATCH_COLUMN)))
    return tuple(sorted(str(v) for v in unique.to_pylist()))


def inputs_hash(
    *,
    contract_hash: str,
    contract_version: int,
    service_level_id: str,
    period: str,
    batches: Sequence[str],
    exclusions: Sequence[Exclusion],
    cutoff_us: int | None,
) -> str:
    document = {
        "engine": ENGINE_VERSION,
        "contract": contract_hash,
        "version": contract_version,
        "service_level": service_level_id,
        "period": period,
        "batches": sorted(batches),
        "exclusions": sorted(
            [e.id, e.source, e.service_level_id, list(e.event_ids), e.period] for e in exclusions
        ),
        "cutoff_us": cutoff_us,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def working_days(calendar: Calendar | None, first: date, end: date) -> int:
    """Local dates in ``[first, end)`` with working hours (and not holidays) in the calendar."""
    if end <= first:
        return 0
    if calendar is None:
        return (end - first).days
    holidays = calendar.holiday_dates(first.year, end.year)
    count = 0
    day = first
    while day < end:
        if calendar.weekly[day.weekday()] and day not in holidays:
            count += 1
        day += timedelta(days=1)
    return count


def volume_calendar(contract: Contract, sl: ServiceLevel) -> Calendar | None:
    """The calendar whose working days ``expected_daily_volume`` counts ("events per working
    day"): the level's own calendar when it has working days, else the contract's first
    calendar with working days — a 24x7 level on an office-hours contract still expects its
    volume per office working day — else every day."""
    own = contract.calendars.get(sl.calendar) if sl.calendar else None
    if own is not None and own.hours != ALWAYS:
        return own
    for calendar in contract.calendars.values():
        if calendar.hours != ALWAYS:
            return calendar
    return own


def _anchor_column(contract: Contract, sl: ServiceLevel) -> str | None:
    declared = contract.declared_event_types.get(sl.source)
    return declared.anchor if declared is not None else ANCHORS.get(sl.source)


def _received(
    contract: Contract,
    sl: ServiceLevel,
    table: pa.Table,
    windows: Sequence[Window],
    timezone_name: str,
) -> tuple[int, ...] | None:
    """Events received in each window (their anchor inside it), where completeness is
    declared (``expected_daily_volume``); None otherwise. Counts: they add across chunks."""
    per_day = contract.expected_daily_volume.get(sl.source)
    column = _anchor_column(contract, sl)
    if not per_day or column is None or column not in table.column_names:
        return None
    if pa.types.is_date(table.schema.field(column).type):
        instants, valid = local_day_end_us(table, column, timezone_name)
        instants = instants - 1
    else:
        instants, valid = timestamps_us(table, column)
    return tuple(
        int((valid & (instants >= window[0]) & (instants < window[1])).sum()) for window in windows
    )


def _completeness(
    contract: Contract,
    sl: ServiceLevel,
    period: Period,
    received: int | None,
    window: Window,
    timezone_name: str,
) -> Fraction | None:
    """Events received ÷ expected (expected_daily_volume × working days so far), if declared."""
    per_day = contract.expected_daily_volume.get(sl.source)
    if received is None or not per_day:
        return None
    calendar = volume_calendar(contract, sl)
    last_day = _local(window[1] - 1, timezone_name).date() + timedelta(days=1)
    days = working_days(calendar, period.start, min(last_day, period.end))
    if days == 0:
        return None
    return Fraction(received, per_day * days)


def _result_value(aggregate: KpiAggregate) -> tuple[int | Fraction | None, int | None]:
    if aggregate.aggregate in (Aggregate.COUNT, Aggregate.VALUE):
        return aggregate.exact_numerator, None
    if aggregate.aggregate is Aggregate.MEAN:
        return aggregate.exact_numerator, aggregate.denominator
    return aggregate.numerator, aggregate.denominator


def _data_years(
    table: pa.Table, timezone_name: str, memo: dict[tuple[Any, ...], Any] | None = None
) -> tuple[int, int] | None:
    if memo is None:
        return _years_of(table, timezone_name)
    years: tuple[int, int] | None = memoized(
        memo, ("years", timezone_name), lambda: _years_of(table, timezone_name)
    )
    return years


def _clock_for(
    contract: Contract,
    sl: ServiceLevel,
    data_years: tuple[int, int] | None,
    years: tuple[int, int],
    clock_cache: ClockCache,
) -> tuple[Calendar | None, BusinessClock | None]:
    if sl.calendar_name is None:
        return None, None
    calendar = contract.calendars[sl.calendar_name]
    first, last = years
    if data_years is not None:
        first, last = min(first, data_years[0]), max(last, data_years[1])
    return calendar, clock_cache.get(calendar, first, last + _DEADLINE_YEARS)


def _merge_years(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def applicable_exclusions(
    contract: Contract, sl: ServiceLevel, exclusions: Sequence[Exclusion]
) -> list[Exclusion]:
    """The approved exclusions of this contract that reach this service level."""
    return [
        e
        for e in exclusions
        if e.approved
        and e.contract_id == contract.id
        and e.applies_to(source=sl.source, service_level_id=sl.id)
    ]


@dataclass(frozen=True)
class WindowsPartial:
    """One service level's mergeable state over its windows, from one chunk of events: the
    KPI state of the kept events and of the excluded ones (None: none excluded), and the
    first and last year of the chunk's data (the business clock's range)."""

    kept: KpiState
    excluded: KpiState | None
    data_years: tuple[int, int] | None

    def merge(self, other: WindowsPartial) -> WindowsPartial:
        excluded = (
            other.excluded
            if self.excluded is None
            else self.excluded
            if other.excluded is None
            else merge_states(self.excluded, other.excluded)
        )
        return WindowsPartial(
            merge_states(self.kept, other.kept),
            excluded,
            _merge_years(self.data_years, other.data_years),
        )


def _default_years(windows: Sequence[Window], timezone_name: str) -> tuple[int, int]:
    if not windows:
        return 1999, 2000
    first = min(_local(w[0], timezone_name).year for w in windows)
    last = max(_local(max(w[1] - 1, w[0]), timezone_name).year for w in windows)
    return first - 1, last


_NONE = np.zeros(0, dtype=np.int64)  # no row excluded (None would mean every row)


def _kept_and_excluded(
    table: pa.Table, sl: ServiceLevel, memo: dict[tuple[Any, ...], Any], excluded_ids: set[str]
) -> tuple[np.ndarray[Any, Any] | None, np.ndarray[Any, Any] | None]:
    """The selected rows kept and those excluded by approved event exclusions, as
    selections (None: every row; ``_NONE``: none excluded)."""
    if not excluded_ids:
        return _filter_selection(table, sl, memo), _NONE
    selected = filter_mask(table, sl, memo)
    excluded_rows = selected & _id_mask(table, excluded_ids)
    excluded = _as_selection(excluded_rows) if excluded_rows.any() else _NONE
    return _as_selection(selected & ~excluded_rows), excluded


def partial_windows(
    contract: Contract,
    sl: ServiceLevel,
    table: pa.Table,
    windows: Sequence[Window],
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    years: tuple[int, int] | None = None,
    memo: EvaluationMemo | None = None,
) -> WindowsPartial:
    """The state of one chunk of events (engine/kpis/partial.py): filters first, then
    approved event exclusions, then the KPI's partial state of the kept and excluded rows.
    Whole-period exclusions are the caller's business (they follow period labels)."""
    timezone_name = contract_timezone(contract, sl)
    applicable = applicable_exclusions(contract, sl, exclusions)
    excluded_ids = {i for e in applicable for i in e.event_ids}
    shared = (memo or EvaluationMemo()).for_source(sl.source)
    kept, excluded = _kept_and_excluded(table, sl, shared, excluded_ids)
    if years is None:
        years = _default_years(windows, timezone_name)
    data_years = _data_years(table, timezone_name, shared) if sl.calendar_name else None
    calendar, clock = _clock_for(contract, sl, data_years, years, clock_cache)
    compute = computation_for(sl.kpi, sl.definition)

    def run(selection: np.ndarray[Any, Any] | None) -> KpiState:
        if selection is None or getattr(compute, "reads_rows_through_context", False):
            # Such a computation reads its rows through source_table and selection below:
            # copying the selected rows would be wasted work.
            subset = table
        else:
            # Pauses are read from the source table (shared per source), so the subset
            # need not copy that list column; copying it dominated filtered levels.
            lean = table.drop_columns(["pauses"]) if "pauses" in table.column_names else table
            subset = lean.take(selection)
        ctx = KpiContext(
            definition=sl.definition,
            params=dict(sl.params),
            timezone=timezone_name,
            calendar=calendar,
            clock=clock,
            memo=shared,
            memo_key=(sl.calendar_name, contract.id),
            source_table=table,
            selection=selection,
        )
        return kpi_partial(compute, subset, ctx, windows)

    return WindowsPartial(run(kept), None if excluded is _NONE else run(excluded), data_years)


def finish_windows(
    contract: Contract,
    sl: ServiceLevel,
    partial: WindowsPartial,
    windows: Sequence[Window],
    *,
    clock_cache: ClockCache,
    years: tuple[int, int] | None = None,
) -> tuple[list[KpiAggregate], list[KpiAggregate | None]]:
    """The aggregates of the kept events and, per window, of the excluded ones (None when
    none were excluded) from the merged state of every chunk."""
    timezone_name = contract_timezone(contract, sl)
    if years is None:
        years = _default_years(windows, timezone_name)
    calendar, clock = _clock_for(contract, sl, partial.data_years, years, clock_cache)
    compute = computation_for(sl.kpi, sl.definition)
    ctx = KpiContext(
        definition=sl.definition,
        params=dict(sl.params),
        timezone=timezone_name,
        calendar=calendar,
        clock=clock,
    )
    aggregates = kpi_finish(compute, partial.kept, ctx, windows)
    excluded: list[KpiAggregate | None] = (
        [None] * len(windows)
        if partial.excluded is None
        else list(kpi_finish(compute, partial.excluded, ctx, windows))
    )
    return aggregates, excluded


def compute_windows(
    contract: Contract,
    sl: ServiceLevel,
    table: pa.Table,
    windows: Sequence[Window],
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    years: tuple[int, int] | None = None,
    memo: EvaluationMemo | None = None,
) -> tuple[list[KpiAggregate], list[KpiAggregate | None]]:
    """The service level's exact aggregate in each window (µs ``[start, end)``): the whole
    table as one chunk, its state finished (the same decomposition as chunked engines).

    Returns the aggregates of the kept events and, per window, of the excluded ones
    (None when none were excluded).
    """
    partial = partial_windows(
        contract, sl, table, windows,
        clock_cache=clock_cache, exclusions=exclusions, years=years, memo=memo,
    )  # fmt: skip
    return finish_windows(contract, sl, partial, windows, clock_cache=clock_cache, years=years)


@dataclass(frozen=True)
class PeriodsPartial:
    """One service level's mergeable state over its periods, from one chunk of events: the
    windows' KPI states, the events received per window (completeness; None when not
    declared) and the event batches the chunk holds (the inputs hash names them)."""

    windows: WindowsPartial
    received: tuple[int, ...] | None
    batches: frozenset[str]

    def merge(self, other: PeriodsPartial) -> PeriodsPartial:
        received = (
            None
            if self.received is None or other.received is None
            else tuple(a + b for a, b in zip(self.received, other.received, strict=True))
        )
        return PeriodsPartial(
            self.windows.merge(other.windows), received, self.batches | other.batches
        )


def period_windows(
    contract: Contract, sl: ServiceLevel, periods: Sequence[Period], now: datetime | None
) -> list[Window]:
    """The µs window of each period in the contract's time zone, cut at ``now`` (running)."""
    timezone_name = contract_timezone(contract, sl)
    now_us = None if now is None else instant_us(now)
    windows: list[Window] = []
    for period in periods:
        start, end = (
            local_midnight_us(period.start, timezone_name),
            local_midnight_us(period.end, timezone_name),
        )
        if now_us is not None:
            end = max(start, min(end, now_us))
        windows.append((start, end))
    return windows


def _period_years(periods: Sequence[Period]) -> tuple[int, int]:
    return min(p.start.year for p in periods) - 1, max(p.end.year for p in periods)


def partial_periods(
    contract: Contract,
    sl: ServiceLevel,
    periods: Sequence[Period],
    table: pa.Table,
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    memo: EvaluationMemo | None = None,
) -> PeriodsPartial:
    """The state of one chunk of a service level's events over its periods (merge the
    states of every chunk, then ``finish_periods``)."""
    timezone_name = contract_timezone(contract, sl)
    windows = period_windows(contract, sl, periods, now)
    applicable = applicable_exclusions(contract, sl, exclusions)
    state = partial_windows(
        contract, sl, table, windows,
        clock_cache=clock_cache, exclusions=applicable, years=_period_years(periods), memo=memo,
    )  # fmt: skip
    received = _received(contract, sl, table, windows, timezone_name)
    return PeriodsPartial(state, received, frozenset(_batches(table)))


def evaluate_periods(
    contract: Contract,
    sl: ServiceLevel,
    periods: Sequence[Period],
    table: pa.Table,
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    contract_version: int = 1,
    contract_hash: str | None = None,
    memo: EvaluationMemo | None = None,
    batch_ids: Sequence[str] | None = None,
    calendar_hash: str | None = None,
) -> list[ServiceLevelResult]:
    """One service level over several periods, in one pass over its events: the table as
    one chunk (``partial_periods``), finished (``finish_periods``).

    ``batch_ids`` names the event batches the table holds (for the inputs hash);
    by default they are read from its ``_batch`` column. ``calendar_hash`` is the
    contract's (computed when not given); every result carries it.
    """
    if not periods:
        return []
    partial = partial_periods(
        contract, sl, periods, table,
        clock_cache=clock_cache, exclusions=exclusions, now=now, memo=memo,
    )  # fmt: skip
    return finish_periods(
        contract, sl, periods, partial,
        clock_cache=clock_cache, exclusions=exclusions, now=now,
        contract_version=contract_version, contract_hash=contract_hash,
        batch_ids=batch_ids, calendar_hash=calendar_hash,
    )  # fmt: skip


def finish_periods(
    contract: Contract,
    sl: ServiceLevel,
    periods: Sequence[Period],
    partial: PeriodsPartial,
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    contract_version: int = 1,
    contract_hash: str | None = None,
    batch_ids: Sequence[str] | None = None,
    calendar_hash: str | None = None,
) -> list[ServiceLevelResult]:
    """The results of one service level over its periods, from the merged state of every
    chunk of its events: targets, statuses, exclusions and inputs hashes."""
    if not periods:
        return []
    if calendar_hash is None:
        calendar_hash = contract.calendar_hash
    timezone_name = contract_timezone(contract, sl)
    now_us = None if now is None else instant_us(now)
    applicable = applicable_exclusions(contract, sl, exclusions)
    windows = period_windows(contract, sl, periods, now)
    aggregates, excluded_aggregates = finish_windows(
        contract, sl, partial.windows, windows,
        clock_cache=clock_cache, years=_period_years(periods),
    )  # fmt: skip
    run = _Run(
        contract=contract,
        sl=sl,
        timezone_name=timezone_name,
        now_us=now_us,
        applicable=applicable,
        contract_version=contract_version,
        code_hash=(
            contract_hash if contract_hash is not None else canonical_contract_hash(contract)
        ),
        batches=tuple(sorted(batch_ids if batch_ids is not None else partial.batches)),
        calendar_hash=calendar_hash,
    )
    received = partial.received or (None,) * len(windows)
    return [
        _period_result(run, period, window, aggregate, excluded_aggregate, arrived)
        for period, window, aggregate, excluded_aggregate, arrived in zip(
            periods, windows, aggregates, excluded_aggregates, received, strict=True
        )
    ]


@dataclass(frozen=True)
class _Run:
    """What every period of one evaluation of a service level shares."""

    contract: Contract
    sl: ServiceLevel
    timezone_name: str
    now_us: int | None
    applicable: list[Exclusion]
    contract_version: int
    code_hash: str
    batches: tuple[str, ...]
    calendar_hash: str


def _period_result(
    run: _Run,
    period: Period,
    window: Window,
    aggregate: KpiAggregate,
    excluded_aggregate: KpiAggregate | None,
    arrived: int | None,
) -> ServiceLevelResult:
    """One period's result: its exclusions and waivers applied, judged against its targets."""
    contract, sl, now_us = run.contract, run.sl, run.now_us
    notes: list[str] = []
    # running: ``now`` lies inside the period (a period not yet started is not running)
    running = now_us is not None and window[0] <= now_us < local_midnight_us(
        period.end, run.timezone_name
    )
    not_started = window[1] <= window[0]
    excluded = excluded_aggregate.sample_size if excluded_aggregate is not None else 0
    period_waivers = [e for e in run.applicable if e.covers_period(period.label)]
    used = [e for e in run.applicable if e.event_ids] if excluded else []
    if period_waivers:
        excluded += aggregate.sample_size
        aggregate = KpiAggregate(aggregate.aggregate, 0, 0, 0, aggregate.scale)
        used = period_waivers + used
        notes.append(
            "period excluded: " + ", ".join(f"{e.id} ({e.reason.value})" for e in period_waivers)
        )
    if used and not period_waivers:
        notes.append("exclusions applied: " + ", ".join(sorted(e.id for e in used)))
    if not_started:
        notes.append("the period has not started")
    expected, minimum = targets_for(contract, sl, period)
    value = None if not_started or aggregate.sample_size == 0 else aggregate.value
    numerator, denominator = _result_value(aggregate)
    status = status_for(
        value,
        expected=expected,
        minimum=minimum,
        direction=sl.direction,
        sample_size=aggregate.sample_size,
        min_sample=sl.effective_min_sample,
    )
    min_sample = sl.effective_min_sample
    if status is ResultStatus.INSUFFICIENT_DATA and aggregate.sample_size < min_sample:
        notes.append(
            f"{aggregate.sample_size} events, fewer than the minimum sample of {min_sample}"
        )
    return ServiceLevelResult(
        contract_id=contract.id,
        contract_version=run.contract_version,
        service_level_id=sl.id,
        kpi=sl.kpi,
        period=period.label,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        value=value,
        numerator=numerator,
        denominator=denominator,
        sample_size=aggregate.sample_size,
        expected=expected,
        minimum=minimum,
        status=status,
        excluded=excluded,
        completeness=_completeness(contract, sl, period, arrived, window, run.timezone_name),
        running=running,
        inputs_hash=inputs_hash(
            contract_hash=run.code_hash,
            contract_version=run.contract_version,
            service_level_id=sl.id,
            period=period.label,
            batches=run.batches,
            exclusions=used,
            cutoff_us=window[1] if running else None,
        ),
        notes=tuple(notes),
        calendar_hash=run.calendar_hash,
    )


def evaluate_service_level(
    contract: Contract,
    sl: ServiceLevel,
    period: Period,
    table: pa.Table,
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    contract_version: int = 1,
    contract_hash: str | None = None,
) -> ServiceLevelResult:
    """The result of one service level for one period (running when ``now`` is inside it)."""
    return evaluate_periods(
        contract,
        sl,
        [period],
        table,
        clock_cache=clock_cache,
        exclusions=exclusions,
        now=now,
        contract_version=contract_version,
        contract_hash=contract_hash,
    )[0]


def level_jobs(
    contract: Contract, periods: Sequence[Period]
) -> list[tuple[ServiceLevel, list[Period]]]:
    """Each service level with the requested periods of its kind (month, quarter, year),
    in contract order; levels with none are left out."""
    jobs: list[tuple[ServiceLevel, list[Period]]] = []
    for sl in contract.service_levels:
        mine = [p for p in periods if p.kind is sl.period]
        if mine:
            jobs.append((sl, mine))
    return jobs


def empty_events(contract: Contract, source: str) -> pa.Table:
    """No events of a source, in its typed schema (a source with no events given)."""
    from servicepact.domain.event_schemas import arrow_schema
    from servicepact.domain.event_types import BUILT_IN

    event_type = contract.declared_event_types.get(source) or BUILT_IN.get(source)
    if event_type is None:
        raise InvalidInput([Problem(source, "no events were given for this source")])
    return arrow_schema(event_type).empty_table()


def evaluate_contract(
    contract: Contract,
    tables_by_source: Mapping[str, pa.Table],
    periods: Sequence[Period],
    *,
    clock_cache: ClockCache | None = None,
    exclusions: Sequence[Exclusion] = (),
    now: datetime | None = None,
    contract_version: int = 1,
    contract_hash: str | None = None,
    batches_by_source: Mapping[str, Sequence[str]] | None = None,
    memo: EvaluationMemo | None = None,
    workers: int = 1,
) -> list[ServiceLevelResult]:
    """Every service level for every requested period of its kind (month, quarter, year).

    A service level measured monthly is evaluated for the month periods asked
    for, a quarterly one for the quarters, and so on. A source with no table is
    an empty source: its service levels come out ``insufficient_data``.
    ``workers`` > 1 evaluates service levels on that many threads (same results,
    same order).
    """
    cache = clock_cache or ClockCache()
    memo = memo if memo is not None else EvaluationMemo()
    code_hash = contract_hash if contract_hash is not None else canonical_contract_hash(contract)
    holidays_hash = contract.calendar_hash
    jobs: list[tuple[ServiceLevel, list[Period], pa.Table]] = []
    for sl, mine in level_jobs(contract, periods):
        table = tables_by_source.get(sl.source)
        if table is None:
            table = empty_events(contract, sl.source)
        jobs.append((sl, mine, table))
    for sl, _, _ in jobs:
        memo.for_source(sl.source)  # created up front: threads then only read the outer dict

    def run(job: tuple[ServiceLevel, list[Period], pa.Table]) -> list[ServiceLevelResult]:
        sl, mine, table = job
        return evaluate_periods(
            contract,
            sl,
            mine,
            table,
            clock_cache=cache,
            exclusions=exclusions,
            now=now,
            contract_version=contract_version,
            contract_hash=code_hash,
            memo=memo,
            batch_ids=None if batches_by_source is None else batches_by_source.get(sl.source, ()),
            calendar_hash=holidays_hash,
        )

    if workers <= 1 or len(jobs) <= 1:
        return [r for job in jobs for r in run(job)]
    # Service levels on several threads: the heavy steps (compiled loops, Arrow, large
    # numpy operations) release the GIL, and shared arrays are computed once (memoized).
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="evaluate") as pool:
        return [r for results in pool.map(run, jobs) for r in results]
