"""KPIs a contract declares (domain/declared.py), computed by the same vectorised kernels.

A declaration is turned into array operations over the service level's source
table — never into code. Conditions become boolean masks (strings compared
through their distinct values, numbers and instants as integers, exactly);
clocks use the business-time kernels the tickets use (``business_elapsed``,
and for a clock target anchored at its deadline the fused ``within`` pass), and
wall clocks are differences of microseconds. The per-event outcomes are cut
into periods by ``aggregate_outcomes`` like every built-in flow KPI; a
percentile or maximum sorts each period's values (engine/kpis/partial.py) and
picks the nearest rank, or the last.

Masks and durations are computed over the whole source once and shared by the
service levels reading it (the evaluation memo), then cut to each level's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.declared import (
    DEADLINE,
    UNIT_SECONDS,
    Clock,
    ColumnRef,
    Condition,
    DeclaredKpi,
    DeclaredKpiDefinition,
    KpiKind,
    Target,
    parse_day,
    parse_instant,
)
from servicepact.domain.kpis import Aggregate
from servicepact.engine.kpis.base import (
    MICROS,
    BoolArray,
    ClockColumns,
    Int64Array,
    KpiAggregate,
    KpiComputation,
    KpiContext,
    Outcomes,
    TargetSeconds,
    Window,
    aggregate_outcomes,
    booleans,
    decimals_scaled,
    dictionary_codes,
    integers,
    local_midnight_us,
    memoized,
    timestamps_us,
)
from servicepact.engine.kpis.partial import SortedRuns, finish_sorted_runs, sorted_runs
from servicepact.engine.kpis.tickets import _fused_within, _within, business_elapsed

DECIMAL_SCALE = 10**6  # decimal columns are read as integers in millionths (exact)


def _rounded_seconds(seconds: Fraction) -> int:
    """Whole seconds, half up: the same rounding as the catalogue's ``whole_seconds``
    (a target is never negative, so the floor of ``seconds + 1/2``)."""
    return int(seconds + Fraction(1, 2))


def target_seconds(target: Target) -> TargetSeconds:
    table = target.table()
    if table is not None:
        return TargetSeconds(per_value={k: _rounded_seconds(v) for k, v in table.items()})
    uniform = target.uniform()
    assert uniform is not None
    return TargetSeconds(uniform=_rounded_seconds(uniform))


class _Rows:
    """Whole-source column arrays, memoized per source, for one declared computation."""

    def __init__(self, table: pa.Table, ctx: KpiContext) -> None:
        self.source = ctx.source_table if ctx.source_table is not None else table
        self.memo = ctx.memo if ctx.source_table is not None else {}
        self.selection = ctx.selection if ctx.source_table is not None else None
        self.ctx = replace(ctx, selection=None, source_table=self.source, memo=self.memo)
        self.n = self.source.num_rows

    def remember(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        return memoized(self.memo, ("declared", *key), compute)

    def kind(self, name: str) -> pa.DataType:
        return self.source.schema.field(name).type

    def instants(self, name: str) -> tuple[Int64Array, BoolArray]:
        """A timestamp column in µs, or a date column as its local midnight in µs."""
        zone = self.ctx.timezone
        found: tuple[Int64Array, BoolArray]
        if pa.types.is_date(self.kind(name)):
            found = self.remember(
                ("local day start", name, zone), lambda: _day_starts(self.source, name, zone)
            )
        else:
            found = self.remember(("timestamps", name), lambda: timestamps_us(self.source, name))
        return found

    def codes(self, name: str) -> tuple[Any, list[Any]]:
        found: tuple[Any, list[Any]] = self.remember(
            ("codes", name), lambda: dictionary_codes(self.source, name)
        )
        return found

    def numbers(self, name: str) -> tuple[Int64Array, BoolArray, int]:
        """An integer column (scale 1) or a decimal column in millionths (scale 10**6)."""
        if pa.types.is_decimal(self.kind(name)):
            values, valid = self.remember(
                ("decimals", name), lambda: decimals_scaled(self.source, name, 6)
            )
            return values, valid, DECIMAL_SCALE
        values, valid = self.remember(("integers", name), lambda: integers(self.source, name))
        return values, valid, 1

    def days(self, name: str) -> tuple[Int64Array, BoolArray]:
        column = pc.cast(self.source.column(name), pa.int32())
        return integers(pa.table({name: column}), name)

    def valid(self, name: str) -> BoolArray:
        return self.remember(  # type: ignore[no-any-return]
            ("valid", name),
            lambda: np.asarray(
                pc.is_valid(self.source.column(name)).to_numpy(zero_copy_only=False), np.bool_
            ),
        )


def _day_starts(table: pa.Table, name: str, timezone: str) -> tuple[Int64Array, BoolArray]:
    """Each local date's midnight (its start) in UTC µs, converting each distinct date once."""
    from datetime import date, timedelta

    column = table.column(name)
    valid = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=np.bool_)
    days = pc.fill_null(pc.cast(column, pa.int32()), 0).to_numpy(zero_copy_only=False)
    unique, inverse = np.unique(days, return_inverse=True)
    epoch = date(1970, 1, 1)
    starts = np.array(
        [local_midnight_us(epoch + timedelta(days=int(d)), timezone) for d in unique],
        dtype=np.int64,
    )
    return starts[inverse].astype(np.int64, copy=False), valid


# --- conditions --------------------------------------------------------------------------


def _compare(values: Any, op: str, other: Any) -> BoolArray:
    result: BoolArray
    if op == "eq":
        result = values == other
    elif op == "ne":
        result = values != other
    elif op == "lt":
        result = values < other
    elif op == "le":
        result = values <= other
    elif op == "gt":
        result = values > other
    else:
        result = values >= other
    return np.asarray(result, dtype=np.bool_)


class _Conditions:
    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    def mask(self, node: Condition) -> BoolArray:
        """The rows of the whole source meeting ``node`` (a missing value never compares)."""
        key = ("mask", node.model_dump_json(by_alias=True, exclude_none=True))
        return self.rows.remember(key, lambda: self._mask(node))  # type: ignore[no-any-return]

    def _mask(self, node: Condition) -> BoolArray:
        rows = self.rows
        if node.all_ is not None:
            result = np.ones(rows.n, dtype=np.bool_)
            for child in node.all_:
                result &= self.mask(child)
            return result
        if node.any_ is not None:
            result = np.zeros(rows.n, dtype=np.bool_)
            for child in node.any_:
                result |= self.mask(child)
            return result
        if node.not_ is not None:
            return ~self.mask(node.not_)
        if node.clock is not None:
            assert node.within is not None  # a clock condition always has its target
            met, _ = clock_target(rows, node.clock, node.within)
            return met
        assert node.column is not None
        name = node.column
        if node.present is not None:
            valid = rows.valid(name)
            return valid.copy() if node.present else ~valid
        kind = rows.kind(name)
        if node.in_ is not None:
            return self._in(name, kind, list(node.in_))
        op = next(o for o in ("eq", "ne", "lt", "le", "gt", "ge") if getattr(node, o) is not None)
        operand = getattr(node, op)
        if isinstance(operand, ColumnRef):
            return self._columns(name, op, operand.column)
        return self._with_constant(name, kind, op, operand)

    def _in(self, name: str, kind: pa.DataType, wanted: list[Any]) -> BoolArray:
        rows = self.rows
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            codes, distinct = rows.codes(name)
            chosen = np.zeros(len(distinct) + 1, dtype=np.bool_)  # last slot: missing
            as_text = {str(w) for w in wanted}
            chosen[[i for i, v in enumerate(distinct) if v in as_text]] = True
            return chosen[codes]  # type: ignore[no-any-return]
        values, valid, _ = rows.numbers(name)
        return np.isin(values, np.array([int(w) for w in wanted], dtype=np.int64)) & valid

    def _with_constant(self, name: str, kind: pa.DataType, op: str, value: Any) -> BoolArray:
        rows = self.rows
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            codes, distinct = rows.codes(name)
            table = np.array([_compare(v, op, value) for v in distinct] + [False], dtype=np.bool_)
            return table[codes]  # type: ignore[no-any-return]
        if pa.types.is_boolean(kind):
            true, valid = rows.remember(("booleans", name), lambda: booleans(rows.source, name))
            hit: BoolArray = _compare(true, op, bool(value)) & valid
            return hit
        if pa.types.is_timestamp(kind):
            instants, valid = rows.instants(name)
            moment = parse_instant(str(value))
            assert moment is not None
            return _compare(instants, op, moment) & valid
        if pa.types.is_date(kind):
            days, valid = rows.days(name)
            day = parse_day(str(value))
            assert day is not None
            from datetime import date

            return _compare(days, op, (day - date(1970, 1, 1)).days) & valid
        values, valid, scale = rows.numbers(name)
        constant = Fraction(value) * scale  # an int or a Decimal (validated): exact
        # values OP p/q  ⇔  values × q OP p (q > 0): exact, in integers
        return _compare(values * constant.denominator, op, constant.numerator) & valid

    def _columns(self, name: str, op: str, other: str) -> BoolArray:
        rows = self.rows
        kind = rows.kind(name)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind):
            left, right = rows.source.column(name), rows.source.column(other)
            function = {"eq": pc.equal, "ne": pc.not_equal}[op]
            hit = pc.fill_null(function(left, right), False)
            return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.bool_)
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            a, a_ok = rows.instants(name)
            b, b_ok = rows.instants(other)
            return _compare(a, op, b) & a_ok & b_ok
        a, a_ok, a_scale = rows.numbers(name)
        b, b_ok, b_scale = rows.numbers(other)
        common = max(a_scale, b_scale)
        return _compare(a * (common // a_scale), op, b * (common // b_scale)) & a_ok & b_ok


# --- clocks ------------------------------------------------------------------------------


def _clock_context(rows: _Rows, clock: Clock, target: Target | None = None) -> KpiContext:
    columns = ClockColumns(
        start=clock.start,
        pauses=clock.pauses,
        by=(target.by if target and target.by else "priority"),
    )
    return replace(
        rows.ctx,
        clock_columns=columns,
        targets=target_seconds(target) if target is not None else None,
        params={},
    )


def clock_elapsed(rows: _Rows, clock: Clock) -> tuple[Int64Array, BoolArray, int]:
    """Per source row: the clock's elapsed time, whether both ends are known, and the
    time's unit in seconds⁻¹ (1 for business seconds, 10**6 for wall microseconds)."""
    if clock.calendar is None:

        def wall() -> tuple[Int64Array, BoolArray]:
            start, has_start = rows.instants(clock.start)
            end, has_end = rows.instants(clock.end)
            ok = has_start & has_end
            return np.where(ok, end - start, 0), ok

        elapsed, ok = rows.remember(("wall", clock.start, clock.end), wall)
        return elapsed, ok, MICROS
    ctx = _clock_context(rows, clock)
    elapsed, ok = business_elapsed(rows.source, ctx, clock.end)
    return elapsed, ok, 1


def clock_target(rows: _Rows, clock: Clock, target: Target) -> tuple[BoolArray, BoolArray]:
    """(met, counted) per source row: elapsed ≤ the row's target, and whether the row has a
    target at all (a per-value target leaves other values out)."""
    elapsed, ok, per_second = clock_elapsed(rows, clock)
    spec = target_seconds(target)
    if clock.calendar is None:
        # wall time in µs against the exact target (not rounded to whole seconds)
        if spec.per_value is None:
            limit = np.full(rows.n, _wall_limit(target.uniform()), dtype=np.int64)
            has = np.ones(rows.n, dtype=np.bool_)
        else:
            limit, has = _per_value(
                rows,
                target.by,
                {k: _wall_limit(v) for k, v in (target.table() or {}).items()},
            )
        return ok & has & (elapsed <= limit), has
    if spec.per_value is None:
        limit = np.full(rows.n, spec.uniform or 0, dtype=np.int64)
        has = np.ones(rows.n, dtype=np.bool_)
    else:
        limit, has = _per_value(rows, target.by, spec.per_value)
    return ok & has & (elapsed <= limit * per_second), has


def _wall_limit(seconds: Fraction | None) -> int:
    """The largest whole number of µs within a target of ``seconds``."""
    assert seconds is not None
    limit = seconds * MICROS
    return limit.numerator // limit.denominator


def _per_value(rows: _Rows, by: str | None, limits: dict[str, int]) -> tuple[Int64Array, BoolArray]:
    """Each row's limit by its value of ``by`` (a target per value always names it), and
    whether its value has one."""
    assert by is not None
    codes, distinct = rows.codes(by)
    per_code = np.array([limits.get(str(v), -1) for v in distinct] + [-1], dtype=np.int64)
    chosen = per_code[codes]
    return np.maximum(chosen, 0), chosen >= 0


# --- the computation ---------------------------------------------------------------------


def _scope(rows: _Rows, spec: DeclaredKpi, conditions: _Conditions) -> BoolArray:
    mask = np.ones(rows.n, dtype=np.bool_) if spec.scope is None else conditions.mask(spec.scope)
    if rows.selection is None:
        return mask
    selected = np.zeros(rows.n, dtype=np.bool_)
    selected[rows.selection] = True
    return mask & selected


def _measure(rows: _Rows, spec: DeclaredKpi) -> tuple[Int64Array, BoolArray, int]:
    """The measure per source row, whether it has one, and its scale to the KPI's unit."""
    measure = spec.measure
    assert measure is not None
    if measure.clock is not None:
        elapsed, ok, per_second = clock_elapsed(rows, measure.clock)
        return elapsed, ok, per_second * UNIT_SECONDS[spec.effective_unit]
    assert measure.column is not None
    values, valid, scale = rows.numbers(measure.column)
    return values, valid, scale


def _anchor(rows: _Rows, column: str) -> tuple[Int64Array, BoolArray]:
    return rows.instants(column)


def _outcomes(rows: _Rows, spec: DeclaredKpi, anchor_column: str) -> Outcomes:
    """Per counted event: anchor, numerator and denominator (``counted``: which rows)."""
    conditions = _Conditions(rows)
    if anchor_column == DEADLINE:
        return _deadline_outcomes(rows, spec, conditions)
    in_scope = _scope(rows, spec, conditions)
    anchor, anchored = _anchor(rows, anchor_column)
    kind = spec.kind
    if kind in (KpiKind.RATIO, KpiKind.COUNT):
        counted = in_scope & anchored
        met = (
            conditions.mask(spec.condition)
            if spec.condition is not None
            else np.ones(rows.n, dtype=np.bool_)
        )
        if kind is KpiKind.RATIO and spec.condition is not None:
            # a clock target leaves out events it has no target for (other values)
            counted &= _has_targets(rows, spec.condition)
        return Outcomes(
            anchor[counted],
            met[counted].astype(np.int64),
            np.ones(int(counted.sum()), np.int64),
            counted=counted,
        )
    if kind is KpiKind.RATIO_OF_SUMS:
        assert spec.numerator is not None
        assert spec.denominator is not None
        counted = in_scope & anchored
        parts = []
        for part in (spec.numerator, spec.denominator):
            values, valid, scale = rows.numbers(part.sum)
            where = conditions.mask(part.where) if part.where is not None else True
            parts.append((np.where(valid & where, values, 0), scale))
        common = max(parts[0][1], parts[1][1])
        numerator = parts[0][0] * (common // parts[0][1])
        denominator = parts[1][0] * (common // parts[1][1])
        return Outcomes(anchor[counted], numerator[counted], denominator[counted], counted=counted)
    values, has_value, scale = _measure(rows, spec)
    counted = in_scope & anchored & has_value
    if kind is KpiKind.SUM and spec.condition is not None:
        counted &= conditions.mask(spec.condition)
    return Outcomes(
        anchor[counted],
        values[counted],
        np.ones(int(counted.sum()), np.int64),
        scale,
        counted=counted,
    )


def declared_computation(definition: DeclaredKpiDefinition) -> KpiComputation:
    """The computation of one declared KPI (a closure over its declaration; no code).

    Every kind but the order statistics (percentile, max) is a flow: ``compute.outcomes``
    gives its per-event outcomes (the drill-down lists them, engine/drilldown.py) and the
    aggregate is their exact sum per window.
    """
    spec = definition.spec
    assert spec is not None
    anchor_column = spec.anchor_column(definition.event_anchor)
    order_statistic = spec.kind in (KpiKind.PERCENTILE, KpiKind.MAX)

    def outcomes_of(table: pa.Table, ctx: KpiContext) -> Outcomes:
        return _outcomes(_Rows(table, ctx), spec, anchor_column)

    # A percentile or a maximum, chunk by chunk (engine/kpis/partial.py): each window's
    # values as a sorted run, merged across chunks, then the nearest rank (or the maximum)
    # picked; in one pass, the same over the one chunk.
    q = None if spec.kind is KpiKind.MAX else Fraction(spec.percentile or 0) / 100

    def partial(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> SortedRuns:
        outcomes = outcomes_of(table, ctx)
        return sorted_runs(outcomes.anchor, outcomes.numerator, windows, outcomes.scale, q)

    def compute(table: pa.Table, ctx: KpiContext, windows: Sequence[Window]) -> list[KpiAggregate]:
        if anchor_column == DEADLINE:
            rows = _Rows(table, ctx)
            return _deadline_ratio(rows, spec, _Conditions(rows), ctx, windows)
        if order_statistic:
            return finish_sorted_runs(partial(table, ctx, windows))
        # a ratio of sums aggregates as a ratio, a sum as a count (Σ values in 1/scale,
        # its sample the events summed): the definition's aggregate (domain/declared.py)
        return aggregate_outcomes(outcomes_of(table, ctx), windows, definition.aggregate)

    compute.reads_rows_through_context = True  # type: ignore[attr-defined]
    if not order_statistic:
        compute.outcomes = outcomes_of  # type: ignore[attr-defined]
    else:
        compute.partial = partial  # type: ignore[attr-defined]
    compute.__doc__ = definition.formula
    return compute


def _has_targets(rows: _Rows, node: Condition) -> BoolArray:
    """A ratio whose condition is a clock target counts only events the target applies to."""
    if node.clock is not None and node.within is not None and node.within.by is not None:
        _, has = clock_target(rows, node.clock, node.within)
        return has
    return np.ones(rows.n, dtype=np.bool_)


def _deadline_ratio(
    rows: _Rows,
    spec: DeclaredKpi,
    conditions: _Conditions,
    ctx: KpiContext,
    windows: Sequence[Window],
) -> list[KpiAggregate]:
    """A clock target anchored at the earlier of its stop and its expiry (KPIS.md rule 3),
    on the tickets' kernels: the fused compiled pass where it applies, else the numpy one."""
    node = spec.condition
    assert node is not None
    assert node.clock is not None
    assert node.within is not None
    clock = node.clock
    if clock.calendar is None:
        return _wall_deadline_ratio(rows, spec, conditions, windows)
    in_scope = _scope(rows, spec, conditions)
    selection = np.flatnonzero(in_scope)
    if selection.size == rows.n:
        selection = None  # type: ignore[assignment]
    clock_ctx = replace(
        _clock_context(rows, clock, node.within),
        selection=selection,
        definition=ctx.definition,
    )
    fused = _fused_within(rows.source, clock_ctx, windows, clock.end)
    if fused is not None:
        return fused
    subset = rows.source if selection is None else rows.source.take(selection)
    outcomes = _within(subset, clock_ctx, clock.end)
    return aggregate_outcomes(outcomes, windows, Aggregate.RATIO)


def _deadline_outcomes(rows: _Rows, spec: DeclaredKpi, conditions: _Conditions) -> Outcomes:
    """The per-event outcomes of a clock target: the numpy path of ``_deadline_ratio``."""
    node = spec.condition
    assert node is not None
    assert node.clock is not None
    assert node.within is not None
    clock = node.clock
    if clock.calendar is None:
        return _wall_deadline_outcomes(rows, spec, conditions)
    in_scope = _scope(rows, spec, conditions)
    selection = np.flatnonzero(in_scope)
    base = _clock_context(rows, clock, node.within)
    if selection.size == rows.n:
        subset, clock_ctx = rows.source, replace(base, selection=None)
    else:  # the events in scope on their own, their arrays computed afresh
        subset = rows.source.take(selection)
        clock_ctx = replace(base, source_table=None, selection=None, memo={})
    outcomes = _within(subset, clock_ctx, clock.end)
    counted = np.zeros(rows.n, dtype=np.bool_)
    assert outcomes.counted is not None  # _within says which events it counted
    counted[selection[outcomes.counted]] = True
    return replace(outcomes, counted=counted)


def _wall_deadline_ratio(
    rows: _Rows, spec: DeclaredKpi, conditions: _Conditions, windows: Sequence[Window]
) -> list[KpiAggregate]:
    outcomes = _wall_deadline_outcomes(rows, spec, conditions)
    return aggregate_outcomes(outcomes, windows, Aggregate.RATIO)


def _wall_deadline_outcomes(rows: _Rows, spec: DeclaredKpi, conditions: _Conditions) -> Outcomes:
    """A clock target on wall time, per event: met when stopped within the limit, anchored at
    the stop or at the first µs past the limit."""
    node = spec.condition
    assert node is not None
    assert node.clock is not None
    assert node.within is not None
    met, has = clock_target(rows, node.clock, node.within)
    start, has_start = rows.instants(node.clock.start)
    end, _ = rows.instants(node.clock.end)
    target = node.within
    table = target.table()
    if table is None:
        limit = np.full(rows.n, _wall_limit(target.uniform()), dtype=np.int64)
    else:
        limit, _ = _per_value(rows, target.by, {k: _wall_limit(v) for k, v in table.items()})
    counted = _scope(rows, spec, conditions) & has & has_start
    expiry = start + limit + 1  # the first µs past the target
    anchor = np.where(met, end, expiry)
    return Outcomes(
        anchor[counted],
        met[counted].astype(np.int64),
        np.ones(int(counted.sum()), np.int64),
        counted=counted,
    )
