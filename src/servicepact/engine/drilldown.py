"""From a result to the events behind it (the drill-down of a result cell).

For one service level and one period this lists every event that counts, with
the same computation that made the result: the filters and approved exclusions
of ``evaluate.compute_windows``, and the KPI's own per-event outcomes
(``compute.outcomes``, the function the aggregation sums). Nothing here decides
a rule a second time: an event *met* or *failed* is read off its contribution —

* a ratio, higher is better: met when its numerator equals its denominator
  (a call answered in time: 1 of 1; an order filled in full);
* a ratio, lower is better: met when its numerator is 0 (not abandoned);
* a mean: met when the event's own value is on the good side of the expected
  level (so the failing ones are those that pull the mean towards a breach);
* the backlog (a count): every listed ticket is one of the count, so failed.

Σ numerator, Σ denominator and the number of counted events of the list equal the
stored result's numerator, denominator and sample size (tests check this for every
KPI of the catalogue). Availability is not made of events: its drill-down lists
the merged outage runs of the period (downtime failed; planned windows, which
leave the agreed time, excluded), whose seconds add up to the result exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.errors import Conflict
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.kpis import Aggregate, Direction
from servicepact.domain.periods import Period
from servicepact.engine.columns import ALWAYS_READ, READ_ONLY_BY, reads
from servicepact.engine.evaluate import (
    ClockCache,
    EvaluationMemo,
    _clock_for,
    _data_years,
    _id_mask,
    applicable_exclusions,
    contract_timezone,
    filter_mask,
    instant_us,
)
from servicepact.engine.kpis import computation_for
from servicepact.engine.kpis.availability import outage_windows
from servicepact.engine.kpis.base import (
    MICROS,
    BoolArray,
    Int64Array,
    KpiContext,
    Outcomes,
    Window,
    _group_sums,
    dictionary_codes,
    local_midnight_us,
    timestamps_us,
)
from servicepact.engine.kpis.tickets import backlog_rows


class Outcome(StrEnum):
    FAILED = "failed"
    EXCLUDED = "excluded"
    MET = "met"


# Sort order: failing first, then excluded, then met (codes are the order).
OUTCOME_ORDER = (Outcome.FAILED, Outcome.EXCLUDED, Outcome.MET)
_CODE = {o: i for i, o in enumerate(OUTCOME_ORDER)}


class Shows(StrEnum):
    """What the drill-down of a KPI lists."""

    EVENTS = "events"  # the events that count, one by one
    OPEN_TICKETS = "open_tickets"  # the backlog: the old tickets open at the period's end
    OUTAGES = "outages"  # availability: merged outage runs, in working seconds


# Which columns each KPI reads, shown beside each event ("the times used"). A test
# checks every KPI of the catalogue has its entry.
TIMES_USED: dict[str, tuple[str, ...]] = {
    "answered_within": ("offered_at", "answered_at", "abandoned_at"),
    "average_speed_of_answer": ("offered_at", "answered_at"),
    "abandonment_rate": ("offered_at", "answered_at", "abandoned_at"),
    "average_handle_time": ("answered_at", "talk_seconds", "hold_seconds", "wrap_seconds"),
    "first_contact_resolution": ("offered_at", "answered_at", "resolved_first_contact"),
    "csat_average": ("offered_at", "csat"),
    "csat_top2": ("offered_at", "csat"),
    "quality_score": ("offered_at", "qa_score"),
    "responded_within": ("created_at", "first_response_at"),
    "resolved_within": ("created_at", "resolved_at"),
    "mean_time_to_resolve": ("created_at", "resolved_at"),
    "backlog_older_than": ("created_at", "resolved_at"),
    "reopen_rate": ("resolved_at", "reopened"),
    "availability": ("start", "end", "planned"),
    "payroll_accuracy": ("scheduled_pay_date", "error"),
    "payroll_on_time": ("scheduled_pay_date", "paid_at"),
    "invoice_cycle_time": ("received_at", "posted_at"),
    "first_pass_match_rate": ("received_at", "first_pass_match"),
    "on_time_payment": ("due_date", "paid_at"),
    "duplicate_payment_rate": ("received_at", "duplicate"),
    "otif": ("promised_at", "delivered_at", "qty_ordered", "qty_delivered"),
    "fill_rate": ("promised_at", "qty_ordered", "qty_delivered"),
    "inventory_accuracy": ("counted_at", "system_qty", "counted_qty"),
    "campaign_on_time": ("planned_launch", "launched_at"),
    "delivery_rate": ("planned_launch", "sent", "delivered"),
    "conversion_rate": ("planned_launch", "delivered", "converted"),
}

# Columns an event list is broken down by, where the source has them.
BREAKDOWN_COLUMNS = ("priority", "queue", "category", "channel", "service", "team")


def columns_needed(sl: ServiceLevel, available: Sequence[str]) -> list[str] | None:
    """The columns a drill-down of ``sl`` reads (None: all of them, for a declared KPI)."""
    used = TIMES_USED.get(sl.kpi)
    if used is None:
        return None
    also = [*ALWAYS_READ, *(name for name in READ_ONLY_BY if reads(sl, name))]
    wanted = ["id", *used, *also, *BREAKDOWN_COLUMNS, *sl.filter]
    return [name for name in dict.fromkeys(wanted) if name in available]


@dataclass
class DrillDown:
    """Every counted (or excluded) item of one service level × period, in list order."""

    contract_id: str
    service_level_id: str
    kpi: str
    period: str
    shows: Shows
    aggregate: Aggregate
    direction: Direction
    timezone: str
    window: Window
    table: pa.Table  # the events the rows point into
    rows: Int64Array  # per item: row in ``table`` (-1 for an outage run)
    outcome: npt_int8  # per item: index into OUTCOME_ORDER
    anchor: Int64Array  # per item: the instant it counts at (µs)
    numerator: Int64Array  # per item: contribution (0 for excluded items)
    denominator: Int64Array
    scale: int = 1
    measured: Int64Array | None = None
    measured_known: BoolArray | None = None
    target: Int64Array | None = None
    measure: str | None = None
    target_inclusive: bool = True
    exclusion: Int64Array | None = None  # per item: index into ``exclusions`` or -1
    exclusions: list[Exclusion] = field(default_factory=list)
    excluded_count: int = 0  # as the result counts them (its ``excluded``)
    sample_size: int = 0  # as the result counts it
    expected: Fraction | None = None  # the level's expected value (means: per-event target)
    runs: list[dict[str, Any]] = field(default_factory=list)  # availability only
    working_seconds: int = 0  # availability only
    waived: bool = False  # a whole-period exclusion applies: nothing counts
    ordered: bool = False  # items already in list order (``in_list_order``)
    inputs_key: str | None = None  # names what it was computed from (set by who keeps it)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)  # totals, counts
    _breakdowns: dict[str, list[dict[str, Any]]] | None = field(default=None, repr=False)
    _order_cache: dict[tuple[str, int], Int64Array] = field(default_factory=dict, repr=False)

    # --- totals ------------------------------------------------------------------------

    @property
    def counted(self) -> BoolArray:
        excluded: BoolArray = self.outcome == _CODE[Outcome.EXCLUDED]
        return ~excluded

    def totals(self) -> dict[str, int]:
        """Σ numerator and Σ denominator of the counted items, and how many there are."""
        if "totals" not in self._memo:
            self._memo["totals"] = self._totals()
        return dict(self._memo["totals"])

    def _totals(self) -> dict[str, int]:
        if self.waived:
            return {"numerator": 0, "denominator": 0, "sample_size": 0}
        if self.shows is Shows.OUTAGES:
            planned = sum(r["planned_seconds"] for r in self.runs)
            unplanned = sum(r["unplanned_seconds"] for r in self.runs)
            agreed = self.working_seconds - planned
            return {
                "numerator": agreed - unplanned,
                "denominator": agreed,
                "sample_size": agreed // 60,
            }
        counted = self.counted
        if self.shows is Shows.OPEN_TICKETS:
            return {
                "numerator": int(counted.sum()),
                "denominator": 0,
                "sample_size": self.sample_size,
            }
        return {
            "numerator": int(self.numerator[counted].sum()),
            "denominator": int(self.denominator[counted].sum()),
            "sample_size": int(counted.sum()),
        }

    def counts(self) -> dict[str, int]:
        if "counts" not in self._memo:
            tally = np.bincount(self.outcome, minlength=len(OUTCOME_ORDER))
            self._memo["counts"] = {o.value: int(tally[i]) for i, o in enumerate(OUTCOME_ORDER)}
        return dict(self._memo["counts"])

    # --- the list ----------------------------------------------------------------------

    def order(self, outcome: str = "all", limit: int | None = None) -> Int64Array:
        """Item positions in list order (failing first, then by anchor), for ``outcome``
        ("all" or one outcome); only the first ``limit`` sorted when a limit is given,
        which is what the first page of a million events needs."""
        key = (outcome, -1 if limit is None else limit)
        cached = self._order_cache.get(key)
        if cached is not None:
            return cached
        if self.ordered:
            # failing, excluded, met: each outcome is one run of positions, already by anchor
            start, end = self._span(outcome)
            if limit is not None:
                end = min(end, start + limit)
            return np.arange(start, end, dtype=np.int64)
        groups = OUTCOME_ORDER if outcome == "all" else (Outcome(outcome),)
        parts: list[Int64Array] = []
        wanted = limit
        for group in groups:
            if wanted is not None and wanted <= 0:
                break
            members = np.flatnonzero(self.outcome == _CODE[group])
            parts.append(_first_by_anchor(members, self.anchor, wanted))
            if wanted is not None:
                wanted -= parts[-1].size
        result = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        self._order_cache[key] = result
        return result

    def _span(self, outcome: str) -> tuple[int, int]:
        if outcome == "all":
            return 0, int(self.outcome.size)
        code = _CODE[Outcome(outcome)]
        bounds = np.searchsorted(self.outcome, [code, code + 1])
        return int(bounds[0]), int(bounds[1])

    def page(
        self, *, outcome: str = "all", offset: int = 0, limit: int = 50
    ) -> list[dict[str, Any]]:
        chosen = self.order(outcome, offset + limit)[offset : offset + limit]
        return self.items(chosen)

    def items(self, positions: Sequence[int] | Int64Array) -> list[dict[str, Any]]:
        """``item`` of each position, the events' cells read together (one take of the
        page's rows, not a look-up per cell)."""
        positions = [int(i) for i in positions]
        if self.shows is Shows.OUTAGES:
            return [self.item(i) for i in positions]
        values = self._row_values([int(self.rows[i]) for i in positions])
        return [self.item(i, v) for i, v in zip(positions, values, strict=True)]

    def _shown_columns(self) -> list[str]:
        names = self.table.column_names
        wanted = ["id", *(TIMES_USED.get(self.kpi) or _time_columns(self.table)),
                  *BREAKDOWN_COLUMNS, "pauses"]  # fmt: skip
        return [n for n in dict.fromkeys(wanted) if n in names]

    def _row_values(self, rows: list[int]) -> list[dict[str, Any]]:
        if not rows:
            return []
        picked = self.table.select(self._shown_columns()).take(pa.array(rows, pa.int64()))
        return [
            {name: (value if name == "pauses" else _plain(value)) for name, value in row.items()}
            for row in picked.to_pylist()
        ]

    def total_of(self, outcome: str) -> int:
        if outcome == "all":
            return int(self.outcome.size)
        if self.ordered:
            start, end = self._span(outcome)
            return end - start
        return int((self.outcome == _CODE[Outcome(outcome)]).sum())

    def item(self, i: int, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """One item as plain values (times as UTC µs; the caller formats them); ``values``:
        its event's cells, already read (``items``)."""
        outcome = OUTCOME_ORDER[int(self.outcome[i])]
        doc: dict[str, Any] = {
            "outcome": outcome.value,
            "anchor_us": int(self.anchor[i]),
            "numerator": int(self.numerator[i]),
            "denominator": int(self.denominator[i]),
        }
        if self.shows is Shows.OUTAGES and self.rows[i] < 0:
            doc.update(self.runs[i])
            doc["id"] = None
            doc["reason"] = "planned_outage" if outcome is Outcome.EXCLUDED else "downtime"
            return doc
        row = int(self.rows[i])
        if values is None:
            (values,) = self._row_values([row])
        doc["id"] = values.get("id")
        doc["times"] = {
            name: values[name]
            for name in TIMES_USED.get(self.kpi) or _time_columns(self.table)
            if name in values
        }
        doc["groups"] = {name: values[name] for name in BREAKDOWN_COLUMNS if name in values}
        doc["pauses"] = _pauses(values.get("pauses"))
        measured = target = margin = None
        known = True
        if self.measured is not None:
            measured = int(self.measured[i])
            known = bool(self.measured_known[i]) if self.measured_known is not None else True
            if not known:
                measured = None
        if self.target is not None:
            target = int(self.target[i])
        if measured is not None and target is not None:
            margin = target - measured  # > 0: early or under the target by that much
        doc.update(
            measured=measured,
            target=target,
            margin=margin,
            measure=self.measure,
            target_inclusive=self.target_inclusive,
        )
        if self.aggregate is Aggregate.MEAN and self.expected is not None:
            value = Fraction(int(self.numerator[i]), int(self.denominator[i]) * self.scale)
            better = value - self.expected
            if self.direction is Direction.LOWER_IS_BETTER:
                better = -better
            doc.update(value=value, target_value=self.expected, margin_value=better)
        doc["reason"] = self._reason(i, outcome, known, measured, target)
        if outcome is Outcome.EXCLUDED and self.exclusion is not None:
            index = int(self.exclusion[i])
            if index >= 0:
                waiver = self.exclusions[index]
                doc["exclusion"] = {
                    "id": waiver.id,
                    "reason": waiver.reason.value,
                    "note": waiver.note,
                    "period": waiver.period,
                }
        return doc

    def _reason(
        self, i: int, outcome: Outcome, known: bool, measured: int | None, target: int | None
    ) -> str:
        """Why the item met or failed, as a code (the catalogue of texts is in locale)."""
        if outcome is Outcome.EXCLUDED:
            return "excluded"
        if self.shows is Shows.OPEN_TICKETS:
            return "open_and_old"
        if self.aggregate is Aggregate.MEAN:
            return "better_than_expected" if outcome is Outcome.MET else "worse_than_expected"
        if self.measured is not None and self.target is not None:
            if outcome is Outcome.MET:
                return "within_target"
            if not known:
                return "not_done"
            assert measured is not None
            assert target is not None
            over = measured > target if self.target_inclusive else measured >= target
            return "over_target" if over else "condition_not_met"
        return "condition_met" if outcome is Outcome.MET else "condition_not_met"

    # --- breakdowns --------------------------------------------------------------------

    def breakdowns(self) -> dict[str, list[dict[str, Any]]]:
        """Counts of met / failed / excluded and Σ numerator / denominator of the counted
        items, per value of each breakdown column the source has, per local day and week
        (computed once per list)."""
        if self._breakdowns is None:
            self._breakdowns = self._compute_breakdowns()
        return self._breakdowns

    def cached_breakdowns(self) -> dict[str, list[dict[str, Any]]] | None:
        return self._breakdowns

    def set_breakdowns(
        self, breakdowns: dict[str, list[dict[str, Any]]]
    ) -> dict[str, list[dict[str, Any]]]:
        """Breakdowns computed earlier from this very list (kept with it)."""
        self._breakdowns = breakdowns
        return breakdowns

    def _compute_breakdowns(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        if self.shows is Shows.OUTAGES:
            return out
        rows = self.rows
        for name in BREAKDOWN_COLUMNS:
            if name not in self.table.column_names or rows.size == 0:
                continue
            # the whole column's codes, then the listed rows' (no copy of the strings)
            all_codes, values = dictionary_codes(self.table, name)
            codes = all_codes[rows]
            keys = codes.astype(np.int64)
            keys = np.where(keys < 0, len(values), keys)
            labels = [str(v) for v in values] + ["—"]
            out[name] = self._grouped(keys, labels)
        day_keys, days = self._days()
        out["day"] = self._grouped(day_keys, [d.isoformat() for d in days])
        weeks = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days]
        distinct = sorted(set(weeks))
        week_index = np.array([distinct.index(w) for w in weeks] + [0], dtype=np.int64)
        out["week"] = self._grouped(week_index[day_keys], distinct)
        return out

    def _days(self) -> tuple[Int64Array, list[date]]:
        start, end = self.window
        from zoneinfo import ZoneInfo

        first = datetime.fromtimestamp(start / MICROS, tz=ZoneInfo(self.timezone)).date()
        days: list[date] = []
        bounds: list[int] = []
        day = first
        while True:
            midnight = local_midnight_us(day, self.timezone)
            if midnight >= end and days:
                break
            days.append(day)
            bounds.append(midnight)
            day += timedelta(days=1)
        keys = np.searchsorted(np.array(bounds, dtype=np.int64), self.anchor, side="right") - 1
        return np.clip(keys, 0, len(days) - 1).astype(np.int64), days

    def _grouped(self, keys: Int64Array, labels: list[str]) -> list[dict[str, Any]]:
        n = len(labels)
        width = len(OUTCOME_ORDER)
        result = []
        # one pass: group and outcome together
        tally = np.bincount(keys * width + self.outcome, minlength=n * width)[: n * width]
        per_outcome = {o: tally[_CODE[o] :: width] for o in OUTCOME_ORDER}
        counted = self.counted
        nums = _group_sums(keys[counted], self.numerator[counted], n)
        dens = _group_sums(keys[counted], self.denominator[counted], n)
        for k in range(n):
            total = sum(int(per_outcome[o][k]) for o in OUTCOME_ORDER)
            if total == 0:
                continue
            result.append(
                {
                    "key": labels[k],
                    **{o.value: int(per_outcome[o][k]) for o in OUTCOME_ORDER},
                    "numerator": int(nums[k]),
                    "denominator": int(dens[k]),
                }
            )
        return result


npt_int8 = Any  # an int8 numpy array (kept loose: numpy's typing of int8 arrays is noisy)


def _first_by_anchor(members: Int64Array, anchor: Int64Array, limit: int | None) -> Int64Array:
    """``members`` ordered by anchor then position, only the first ``limit`` when given."""
    if members.size == 0:
        return members
    keys = anchor[members]
    if limit is not None and limit < members.size // 4:
        # the smallest `limit` anchors without sorting them all (O(n)); ties at the cut
        # are kept whole so the order is the one a full sort gives
        cut = np.partition(keys, limit - 1)[limit - 1] if limit > 0 else keys.min() - 1
        candidates = np.flatnonzero(keys <= cut)
        members, keys = members[candidates], keys[candidates]
        order = np.lexsort((members, keys))
        return members[order][:limit]
    order = np.lexsort((members, keys))
    result: Int64Array = members[order]
    return result if limit is None else result[:limit]


def _time_columns(table: pa.Table) -> tuple[str, ...]:
    """A declared KPI's event type: its time columns are the times shown."""
    return tuple(
        f.name
        for f in table.schema
        if (pa.types.is_timestamp(f.type) or pa.types.is_date(f.type))
        and not f.name.startswith("_")
    )


def _cell(table: pa.Table, name: str, row: int) -> Any:
    if name not in table.column_names:
        return None
    return _plain(table.column(name)[row].as_py())


def _plain(value: Any) -> Any:
    """A cell as a plain value: instants as UTC µs, dates as ISO text."""
    if isinstance(value, datetime):
        return int(instant_us(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def _pauses(value: list[dict[str, Any]] | None) -> list[dict[str, int | None]]:
    out = []
    for pause in value or []:
        start, end = pause.get("start"), pause.get("end")
        out.append(
            {
                "start_us": None if start is None else int(instant_us(start)),
                "end_us": None if end is None else int(instant_us(end)),
            }
        )
    return out


def period_window(
    contract: Contract, sl: ServiceLevel, period: Period, until: datetime | None
) -> Window:
    """The period as evaluate_periods cuts it: local midnights, ended at ``until`` when the
    result was measured while the period ran."""
    zone = contract_timezone(contract, sl)
    start = local_midnight_us(period.start, zone)
    end = local_midnight_us(period.end, zone)
    if until is not None:
        end = max(start, min(end, instant_us(until)))
    return start, end


def drill_down(
    contract: Contract,
    sl: ServiceLevel,
    period: Period,
    table: pa.Table,
    *,
    clock_cache: ClockCache | None = None,
    exclusions: Sequence[Exclusion] = (),
    until: datetime | None = None,
) -> DrillDown:
    """The items behind the result of ``sl`` in ``period`` over ``table`` (see module doc).

    ``until`` is the cut-off of a result measured while its period ran (its ``now``).
    """
    cache = clock_cache or ClockCache()
    timezone = contract_timezone(contract, sl)
    window = period_window(contract, sl, period, until)
    applicable = applicable_exclusions(contract, sl, exclusions)
    waivers = [e for e in applicable if e.covers_period(period.label)]
    memo = EvaluationMemo().for_source(sl.source)
    selected = filter_mask(table, sl, memo)
    excluded_ids = {i for e in applicable for i in e.event_ids}
    excluded_rows = selected & _id_mask(table, excluded_ids)
    kept = selected & ~excluded_rows
    years = (period.start.year - 1, period.end.year)
    data_years = _data_years(table, timezone, memo) if sl.calendar_name else None
    calendar, clock = _clock_for(contract, sl, data_years, years, cache)
    definition = sl.definition
    ctx = KpiContext(
        definition=definition,
        params=dict(sl.params),
        timezone=timezone,
        calendar=calendar,
        clock=clock,
        memo={},
        memo_key=(sl.calendar_name, contract.id),
    )
    base = DrillDown(
        contract_id=contract.id,
        service_level_id=sl.id,
        kpi=sl.kpi,
        period=period.label,
        shows=Shows.EVENTS,
        aggregate=definition.aggregate,
        direction=sl.direction,
        timezone=timezone,
        window=window,
        table=table,
        rows=np.zeros(0, dtype=np.int64),
        outcome=np.zeros(0, dtype=np.int8),
        anchor=np.zeros(0, dtype=np.int64),
        numerator=np.zeros(0, dtype=np.int64),
        denominator=np.zeros(0, dtype=np.int64),
        exclusions=list(applicable),
        expected=Fraction(sl.expected) if sl.expected is not None else None,
    )
    if sl.kpi == "availability":
        return _outages(base, table, ctx, kept, excluded_rows, excluded_ids, waivers)
    if sl.kpi == "backlog_older_than":
        return _backlog(base, table, ctx, kept, excluded_rows, waivers)
    compute = computation_for(sl.kpi, sl.definition)
    outcomes_of = getattr(compute, "outcomes", None)
    if outcomes_of is None:
        # a declared percentile or maximum: one value picked among the events, not a sum
        raise Conflict(
            f"{sl.kpi} is one value picked among the events (a percentile or a maximum), so no "
            "event list adds up to it; its drill-down is not available",
            where=sl.id,
        )
    return _flow_result(
        base, table, ctx, outcomes_of, _Selection(kept, excluded_rows, applicable, waivers)
    )


@dataclass(frozen=True)
class _Selection:
    """Which rows of the table a flow drill-down lists: those kept, those excluded by
    event, the exclusions that apply, and the whole-period waivers among them."""

    kept: np.ndarray
    excluded_rows: np.ndarray
    applicable: list[Exclusion]
    waivers: list[Exclusion]


def _flow_result(
    base: DrillDown, table: pa.Table, ctx: KpiContext, outcomes_of: Any, chosen: _Selection
) -> DrillDown:
    """The events behind a flow KPI (a ratio or a mean): the kept ones with their outcome,
    then the excluded ones; a whole-period waiver turns every kept event into an excluded one."""
    applicable, waivers, window = chosen.applicable, chosen.waivers, base.window
    rows_k, out_k = _flow_items(table, chosen.kept, ctx, outcomes_of, window)
    rows_x, out_x = _flow_items(table, chosen.excluded_rows, ctx, outcomes_of, window)
    met = _met(out_k, base)
    codes = np.where(met, _CODE[Outcome.MET], _CODE[Outcome.FAILED]).astype(np.int8)
    exclusion_of = np.full(rows_k.size, -1, dtype=np.int64)
    excluded_count = rows_x.size
    if waivers:
        # a whole-period waiver removes every event of the period (evaluate_periods)
        excluded_count += rows_k.size
        codes[:] = _CODE[Outcome.EXCLUDED]
        exclusion_of[:] = applicable.index(waivers[0])
    x_index = _exclusion_index(table, rows_x, applicable)
    num_x = np.zeros(rows_x.size, dtype=np.int64)
    result = replace(
        base,
        rows=np.concatenate([rows_k, rows_x]),
        outcome=np.concatenate([codes, np.full(rows_x.size, _CODE[Outcome.EXCLUDED], np.int8)]),
        anchor=np.concatenate([out_k.anchor, out_x.anchor]),
        numerator=np.concatenate([out_k.numerator, num_x if waivers else out_x.numerator]),
        denominator=np.concatenate([out_k.denominator, num_x if waivers else out_x.denominator]),
        scale=out_k.scale,
        measured=_joined(out_k.measured, out_x.measured),
        measured_known=_joined(out_k.measured_known, out_x.measured_known),
        target=_joined(out_k.target, out_x.target),
        measure=out_k.measure,
        target_inclusive=out_k.target_inclusive,
        exclusion=np.concatenate([exclusion_of, x_index]),
        excluded_count=excluded_count,
    )
    if waivers:
        # the kept events keep their contributions for display but count for nothing
        result.numerator[: rows_k.size] = out_k.numerator
        result.denominator[: rows_k.size] = out_k.denominator
    result.sample_size = 0 if waivers else rows_k.size
    result.waived = bool(waivers)
    return result


def _joined(a: Any, b: Any) -> Any:
    if a is None:
        return None
    if b is None:  # the other side had no rows (the same computation gives the same fields)
        return a
    return np.concatenate([a, b])


def _flow_items(
    table: pa.Table, rows: BoolArray, ctx: KpiContext, outcomes_of: Any, window: Window
) -> tuple[Int64Array, Outcomes]:
    """The outcomes of the given rows that fall in the window, with their table rows."""
    positions = np.flatnonzero(rows)
    if positions.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, Outcomes(empty, empty, empty)
    subset = table.take(positions) if positions.size != table.num_rows else table
    outcomes: Outcomes = outcomes_of(subset, replace(ctx, memo={}))
    counted = (
        positions
        if outcomes.counted is None
        else positions[np.asarray(outcomes.counted, dtype=np.bool_)]
    )
    inside = (outcomes.anchor >= window[0]) & (outcomes.anchor < window[1])

    def cut(values: Any) -> Any:
        return None if values is None else values[inside]

    return counted[inside], replace(
        outcomes,
        anchor=outcomes.anchor[inside],
        numerator=outcomes.numerator[inside],
        denominator=outcomes.denominator[inside],
        counted=None,
        measured=cut(outcomes.measured),
        measured_known=cut(outcomes.measured_known),
        target=cut(outcomes.target),
    )


def _met(outcomes: Outcomes, base: DrillDown) -> BoolArray:
    if base.aggregate is Aggregate.MEAN:
        expected = base.expected if base.expected is not None else Fraction(0)
        # the event's value numerator ÷ (denominator × scale) against expected, exactly
        p, q = expected.numerator, expected.denominator
        nums, dens = outcomes.numerator, outcomes.denominator
        small = nums.size == 0 or (
            int(np.abs(nums).max()) * q < 2**62
            and abs(p) * int(np.abs(dens).max()) * outcomes.scale < 2**62
        )
        if small:
            left, right = nums * q, dens * (p * outcomes.scale)
        else:  # Python integers never overflow
            left = np.array([int(n) * q for n in nums.tolist()], dtype=object)
            right = np.array([p * int(d) * outcomes.scale for d in dens.tolist()], dtype=object)
        if base.direction is Direction.HIGHER_IS_BETTER:
            return np.asarray(left >= right, dtype=np.bool_)
        return np.asarray(left <= right, dtype=np.bool_)
    if base.direction is Direction.HIGHER_IS_BETTER:
        met: BoolArray = outcomes.numerator == outcomes.denominator
        return met
    none: BoolArray = outcomes.numerator == 0
    return none


def _exclusion_index(table: pa.Table, rows: Int64Array, applicable: list[Exclusion]) -> Int64Array:
    """For each excluded row, the first applicable exclusion naming its id."""
    index = np.full(rows.size, -1, dtype=np.int64)
    if rows.size == 0 or "id" not in table.column_names:
        return index
    ids = table.column("id").take(pa.array(rows)).to_pylist()
    by_id: dict[str, int] = {}
    for k, waiver in enumerate(applicable):
        for event_id in waiver.event_ids:
            by_id.setdefault(event_id, k)
    return np.array([by_id.get(str(i), -1) for i in ids], dtype=np.int64)


def _backlog(
    base: DrillDown,
    table: pa.Table,
    ctx: KpiContext,
    kept: BoolArray,
    excluded_rows: BoolArray,
    waivers: list[Exclusion],
) -> DrillDown:
    created, has_created = timestamps_us(table, "created_at")
    resolved, has_resolved = timestamps_us(table, "resolved_at")
    days = int(ctx.params["days"])
    known, old = backlog_rows(
        created, has_created, resolved, has_resolved, base.window[1], days, ctx.timezone
    )
    rows_k = np.flatnonzero(old & kept)
    rows_x = np.flatnonzero(old & excluded_rows)
    applicable = base.exclusions
    codes = np.full(rows_k.size, _CODE[Outcome.FAILED], dtype=np.int8)
    exclusion_of = np.full(rows_k.size, -1, dtype=np.int64)
    sample = int((known & kept).sum())
    excluded_count = int((known & excluded_rows).sum())
    if waivers:
        codes[:] = _CODE[Outcome.EXCLUDED]
        exclusion_of[:] = applicable.index(waivers[0])
        excluded_count += sample
        sample = 0
    base = replace(base, waived=bool(waivers))
    rows = np.concatenate([rows_k, rows_x])
    n = rows.size
    return replace(
        base,
        shows=Shows.OPEN_TICKETS,
        rows=rows,
        outcome=np.concatenate([codes, np.full(rows_x.size, _CODE[Outcome.EXCLUDED], np.int8)]),
        anchor=created[rows],
        numerator=np.ones(n, dtype=np.int64),
        denominator=np.zeros(n, dtype=np.int64),
        exclusion=np.concatenate([exclusion_of, _exclusion_index(table, rows_x, applicable)]),
        excluded_count=excluded_count,
        sample_size=sample,
    )


def _outages(
    base: DrillDown,
    table: pa.Table,
    ctx: KpiContext,
    kept: BoolArray,
    excluded_rows: BoolArray,
    excluded_ids: set[str],
    waivers: list[Exclusion],
) -> DrillDown:
    kept_table = table.take(np.flatnonzero(kept))
    original = np.flatnonzero(kept)
    (measured,) = outage_windows(kept_table, ctx, [base.window])
    runs: list[dict[str, Any]] = []
    codes: list[int] = []
    anchors: list[int] = []
    for run in measured.runs:
        ids = [_cell(table, "id", int(original[r])) for r in run.rows]
        for kind, seconds in (
            ("unplanned", run.unplanned_seconds),
            ("planned", run.planned_seconds),
        ):
            if seconds <= 0:
                continue
            runs.append(
                {
                    "kind": kind,
                    "start_us": run.start * MICROS,
                    "end_us": run.end * MICROS,
                    "seconds": seconds,
                    "planned_seconds": seconds if kind == "planned" else 0,
                    "unplanned_seconds": seconds if kind == "unplanned" else 0,
                    "event_ids": ids,
                }
            )
            codes.append(_CODE[Outcome.FAILED if kind == "unplanned" else Outcome.EXCLUDED])
            anchors.append(run.start * MICROS)
    n = len(runs)
    result = replace(
        base,
        shows=Shows.OUTAGES,
        rows=np.full(n, -1, dtype=np.int64),
        outcome=np.array(codes, dtype=np.int8),
        anchor=np.array(anchors, dtype=np.int64),
        numerator=np.zeros(n, dtype=np.int64),
        denominator=np.zeros(n, dtype=np.int64),
        runs=runs,
        working_seconds=measured.working_seconds,
        measure="working_seconds",
    )
    aggregate = measured.aggregate()
    result.sample_size = aggregate.sample_size
    if excluded_rows.any():
        (gone,) = outage_windows(table.take(np.flatnonzero(excluded_rows)), ctx, [base.window])
        result.excluded_count = gone.aggregate().sample_size
    if waivers:
        result.excluded_count += aggregate.sample_size
        result.sample_size = 0
        result.waived = True
        result.outcome[:] = _CODE[Outcome.EXCLUDED]
        result.exclusion = np.full(n, base.exclusions.index(waivers[0]), dtype=np.int64)
    return result


# --- list order and a stored form (computed once, opened again without computing) ------

_ITEM_ARRAYS = ("rows", "outcome", "anchor", "numerator", "denominator", "measured",
                "measured_known", "target", "exclusion")  # fmt: skip
STORED_FORM = 1  # bumped when the stored form or what it holds changes


def in_list_order(drill: DrillDown) -> DrillDown:
    """The same drill-down with its items permuted into list order (failing, excluded, met;
    each by anchor, then as computed), so any page of any outcome is a slice. Outage runs
    (a handful per period) are left as they are."""
    if drill.ordered or drill.shows is Shows.OUTAGES:
        return drill
    parts = []
    for code in range(len(OUTCOME_ORDER)):
        members = np.flatnonzero(drill.outcome == code)  # in position order
        anchors = drill.anchor[members]
        if anchors.size > 1 and bool((anchors[1:] < anchors[:-1]).any()):
            members = members[np.argsort(anchors, kind="stable")]  # ties keep position order
        parts.append(members)
    permutation = np.concatenate(parts)
    changes: dict[str, Any] = {
        name: getattr(drill, name)[permutation]
        for name in _ITEM_ARRAYS
        if getattr(drill, name) is not None
    }
    return replace(drill, **changes, ordered=True, _breakdowns=None, _order_cache={}, _memo={})


@dataclass(frozen=True)
class StoredForm:
    """A drill-down as kept on disk: the events read, the items in list order, and everything
    else as JSON-able values (``from_arrow`` opens it again)."""

    events: pa.Table
    items: pa.Table
    meta: dict[str, Any]


def to_arrow(drill: DrillDown) -> StoredForm | None:
    """The drill-down's stored form, or None for a drill-down not kept in this form (the
    outage runs of availability)."""
    if drill.shows is Shows.OUTAGES or not drill.ordered:
        return None
    arrays = {
        name: getattr(drill, name) for name in _ITEM_ARRAYS if getattr(drill, name) is not None
    }
    events = drill.table
    breakdowns = None
    if drill.rows.size < events.num_rows // 2:
        # the batches hold other months too: keep only the listed events' rows (and the
        # breakdowns now, whose groups come in the order of the whole columns' values)
        breakdowns = drill.breakdowns()
        events = events.take(pa.array(drill.rows))
        arrays["rows"] = np.arange(drill.rows.size, dtype=np.int64)
    items = pa.table(arrays)
    expected = drill.expected
    meta = {
        "form": STORED_FORM,
        "contract_id": drill.contract_id,
        "service_level_id": drill.service_level_id,
        "kpi": drill.kpi,
        "period": drill.period,
        "shows": drill.shows.value,
        "aggregate": drill.aggregate.value,
        "direction": drill.direction.value,
        "timezone": drill.timezone,
        "window": list(drill.window),
        "scale": drill.scale,
        "measure": None if drill.measure is None else str(drill.measure),
        "target_inclusive": drill.target_inclusive,
        "exclusions": [e.id for e in drill.exclusions],
        "excluded_count": drill.excluded_count,
        "sample_size": drill.sample_size,
        "expected": None if expected is None else [expected.numerator, expected.denominator],
        "waived": drill.waived,
        "totals": drill.totals(),
        "counts": drill.counts(),
        "breakdowns": breakdowns,
    }
    return StoredForm(events=events, items=items, meta=meta)


def from_arrow(
    events: pa.Table, items: pa.Table, meta: dict[str, Any], exclusions: Sequence[Exclusion]
) -> DrillDown | None:
    """The drill-down ``to_arrow`` gave, over the same exclusions (None when they differ or
    the form is an older one: it is computed again)."""
    if meta.get("form") != STORED_FORM:
        return None
    by_id = {e.id: e for e in exclusions}
    if any(i not in by_id for i in meta["exclusions"]):
        return None
    arrays = {
        name: items.column(name).to_numpy() for name in _ITEM_ARRAYS if name in items.column_names
    }
    expected = meta["expected"]
    measure = meta["measure"]
    return DrillDown(
        contract_id=meta["contract_id"],
        service_level_id=meta["service_level_id"],
        kpi=meta["kpi"],
        period=meta["period"],
        shows=Shows(meta["shows"]),
        aggregate=Aggregate(meta["aggregate"]),
        direction=Direction(meta["direction"]),
        timezone=meta["timezone"],
        window=(int(meta["window"][0]), int(meta["window"][1])),
        table=events,
        scale=int(meta["scale"]),
        measure=measure,
        target_inclusive=bool(meta["target_inclusive"]),
        exclusions=[by_id[i] for i in meta["exclusions"]],
        excluded_count=int(meta["excluded_count"]),
        sample_size=int(meta["sample_size"]),
        expected=None if expected is None else Fraction(expected[0], expected[1]),
        waived=bool(meta["waived"]),
        ordered=True,
        _breakdowns=meta.get("breakdowns"),
        _memo={"totals": dict(meta["totals"]), "counts": dict(meta["counts"])},
        **arrays,
    )
