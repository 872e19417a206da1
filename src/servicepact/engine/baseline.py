"""Baseline and target setting: from in-house monthly results to proposed levels and a replay.

PRODUCT.md §2.4 ("define the metrics before the contract"): before a process is outsourced, its
in-house history is measured with the very service levels the contract proposes; the monthly
values give a baseline, the baseline gives proposed expected and minimum levels, and the credit
regime is replayed on the history to show what it would have charged. docs/baseline.md explains
the method to a negotiator; this module is the arithmetic, pure and exact (``Fraction``).

Quantiles — *nearest rank, counted from the worst month*. The n usable monthly values are put
in order from the worst to the best (ascending for higher-is-better, descending for
lower-is-better); the p-quantile is the value at rank ``k = ⌈p × n⌉`` (1-based). So:

- the *worst quartile* (p = 1/4) is a month's actual value, and fewer than a quarter of the
  months are strictly worse than it (at most k − 1 < n/4);
- the *median* (p = 1/2) is, for an even n, the worse of the two middle months, so at least half
  of the months meet it;
- the *best quartile* (p = 3/4) mirrors the worst one.

Counting from the worst end makes the method symmetric in the direction of the KPI, keeps every
statistic an observed month (no interpolation, so nothing is invented), and is exact over
fractions.

Proposals — expected = the median, minimum = the worst quartile, each optionally improved by
``improve_percent`` (see ``improved``) and then rounded to the unit's step (``ROUNDING_STEPS``)
*toward the lenient side*: down for higher-is-better, up for lower-is-better. The rounded level
is therefore never stricter than the history shows: with no improvement, at least half of the
history months meet the proposed expected level and fewer than a quarter breach the minimum. A
stricter target is a deliberate choice (``improve_percent``), never a side effect of rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from servicepact.domain.contracts import Contract, PeriodKind, ServiceLevel, Term
from servicepact.domain.credits import CreditOutcome, CreditStatement
from servicepact.domain.display import exact_text, format_value, trend_text
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_types import ANCHORS
from servicepact.domain.fees import Fee
from servicepact.domain.kpis import Direction, Unit
from servicepact.domain.periods import Period, contract_year_of
from servicepact.domain.results import ResultStatus, ServiceLevelResult, status_for

WORST_QUARTILE = Fraction(1, 4)
MEDIAN = Fraction(1, 2)
BEST_QUARTILE = Fraction(3, 4)

ROUNDING_STEPS: dict[Unit, Decimal] = {
    # The granularity contracts write their levels in (docs/baseline.md, "Rounding"): half a
    # percentage point for shares, whole seconds, half hours and half business days, whole
    # counts, and a tenth of a point for scores (CSAT 1-5 needs tenths; QA 0-100 reads them).
    Unit.RATIO: Decimal("0.005"),
    Unit.SECONDS: Decimal(1),
    Unit.MINUTES: Decimal(1),
    Unit.HOURS: Decimal("0.5"),
    Unit.DAYS: Decimal("0.5"),
    Unit.BUSINESS_DAYS: Decimal("0.5"),
    Unit.COUNT: Decimal(1),
    Unit.SCORE: Decimal("0.1"),
}
MAX_IMPROVE_PERCENT = Decimal(100)


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"


# --- the baseline of one service level --------------------------------------------------


@dataclass(frozen=True)
class MonthValue:
    """One history month of a service level: its exact value, or why it is left out."""

    period: str
    value: Fraction | None
    sample_size: int
    left_out: str | None = None  # the reason a month has no usable value


@dataclass(frozen=True)
class Baseline:
    service_level_id: str
    kpi: str
    unit: Unit
    direction: Direction
    months: tuple[MonthValue, ...]
    median: Fraction | None
    worst_quartile: Fraction | None
    best_quartile: Fraction | None
    best_month: MonthValue | None
    worst_month: MonthValue | None
    trend_per_month: Fraction | None  # least-squares slope, value units per month
    trend: Trend | None

    @property
    def used(self) -> tuple[MonthValue, ...]:
        return tuple(m for m in self.months if m.left_out is None)

    @property
    def left_out(self) -> tuple[MonthValue, ...]:
        return tuple(m for m in self.months if m.left_out is not None)


def worst_first(values: Sequence[Fraction], direction: Direction) -> list[Fraction]:
    """The values from the worst to the best for this direction."""
    return sorted(values, reverse=direction is Direction.LOWER_IS_BETTER)


def nearest_rank(ordered: Sequence[Fraction], p: Fraction) -> Fraction:
    """The value at rank ⌈p × n⌉ (1-based) of ``ordered``; ``0 < p ≤ 1``, ``n ≥ 1``."""
    if not ordered:
        raise ValueError("a quantile of no values")
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1], got {p}")
    rank = math.ceil(p * len(ordered))
    return ordered[rank - 1]


def trend_slope(points: Sequence[tuple[int, Fraction]]) -> Fraction | None:
    """Exact least-squares slope of (month index, value); None for fewer than two months."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in points), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in points), Fraction(0))
    return sxy / sxx if sxx else None


def _month_index(label: str) -> int:
    year, month_number = label.split("-")
    return int(year) * 12 + int(month_number) - 1


def _left_out_reason(result: ServiceLevelResult, sl: ServiceLevel) -> str | None:
    if result.running:
        return "the month has not ended"
    if result.value is None:
        return "no events"
    if result.sample_size < sl.min_sample:
        return f"{result.sample_size} events, fewer than the minimum sample of {sl.min_sample}"
    return None


def baseline_of(sl: ServiceLevel, results: Sequence[ServiceLevelResult]) -> Baseline:
    """The baseline of ``sl`` from its monthly results (any order; other levels are ignored)."""
    mine = sorted(
        (r for r in results if r.service_level_id == sl.id), key=lambda r: _month_index(r.period)
    )
    months = tuple(
        MonthValue(
            period=r.period,
            value=r.value,
            sample_size=r.sample_size,
            left_out=_left_out_reason(r, sl),
        )
        for r in mine
    )
    used = [m for m in months if m.left_out is None]
    values = [m.value for m in used if m.value is not None]
    direction = sl.direction
    if not values:
        return Baseline(
            sl.id, sl.kpi, sl.definition.unit, direction, months, *(None,) * 7
        )  # nothing usable: no statistics, the proposal keeps the contract's levels
    ordered = worst_first(values, direction)
    # Ties keep the earliest month: min() returns the first of equal keys, in month order.
    sign = 1 if direction is Direction.HIGHER_IS_BETTER else -1
    best = min(used, key=lambda m: -sign * (m.value or 0))
    worst = min(used, key=lambda m: sign * (m.value or 0))
    slope = trend_slope([(_month_index(m.period), m.value) for m in used if m.value is not None])
    trend: Trend | None = None
    if slope is not None:
        if slope == 0:
            trend = Trend.FLAT
        elif (slope > 0) == (direction is Direction.HIGHER_IS_BETTER):
            trend = Trend.IMPROVING
        else:
            trend = Trend.WORSENING
    return Baseline(
        service_level_id=sl.id,
        kpi=sl.kpi,
        unit=sl.definition.unit,
        direction=direction,
        months=months,
        median=nearest_rank(ordered, MEDIAN),
        worst_quartile=nearest_rank(ordered, WORST_QUARTILE),
        best_quartile=nearest_rank(ordered, BEST_QUARTILE),
        best_month=best,
        worst_month=worst,
        trend_per_month=slope,
        trend=trend,
    )


# --- proposals ----------------------------------------------------------------------------


def round_lenient(value: Fraction, step: Decimal, direction: Direction) -> Decimal:
    """``value`` to a multiple of ``step``, toward the lenient side (module docstring)."""
    units = value / Fraction(step)
    whole = math.floor(units) if direction is Direction.HIGHER_IS_BETTER else math.ceil(units)
    # A multiple of the step keeps the step's exponent (0.005 → 0.800), never E-notation.
    return Decimal(whole) * step


def improved(value: Fraction, percent: Decimal, sl: ServiceLevel) -> Fraction:
    """``value`` made ``percent`` % better.

    The same rule as the contract's continuous improvement (engine/targets.py) where there is a
    perfect value: a share moves ``percent`` % of its gap to 100 %, a lower-is-better level
    ``percent`` % of its gap to 0. A higher-is-better level with no ceiling (a score) rises by
    ``percent`` % of itself.
    """
    share = Fraction(percent) / 100
    if sl.direction is Direction.LOWER_IS_BETTER:
        return value * (1 - share)
    if sl.definition.is_ratio():
        return value + share * (1 - value)
    return value * (1 + share)


@dataclass(frozen=True)
class Proposal:
    service_level_id: str
    current_expected: Decimal
    current_minimum: Decimal
    expected: Decimal  # the proposal; the current level when the history has no usable month
    minimum: Decimal
    expected_exact: Fraction | None  # before rounding (after any improvement)
    minimum_exact: Fraction | None
    step: Decimal
    improve_percent: Decimal
    note: str = ""

    @property
    def proposed(self) -> bool:
        return self.expected_exact is not None


def propose(
    sl: ServiceLevel, baseline: Baseline, *, improve_percent: Decimal = Decimal(0)
) -> Proposal:
    """Expected = the median, minimum = the worst quartile; improved, then rounded leniently."""
    if not Decimal(0) <= improve_percent < MAX_IMPROVE_PERCENT:
        raise InvalidInput(
            [
                Problem(
                    "--improve-percent",
                    "must be at least 0 and below 100",
                    value=str(improve_percent),
                )
            ]
        )
    step = ROUNDING_STEPS[sl.definition.unit]
    if baseline.median is None or baseline.worst_quartile is None:
        return Proposal(
            sl.id,
            sl.expected,
            sl.minimum,
            sl.expected,
            sl.minimum,
            None,
            None,
            step,
            improve_percent,
            note="no usable history month: the contract's levels are kept",
        )
    expected_exact = improved(baseline.median, improve_percent, sl)
    minimum_exact = improved(baseline.worst_quartile, improve_percent, sl)
    return Proposal(
        service_level_id=sl.id,
        current_expected=sl.expected,
        current_minimum=sl.minimum,
        expected=round_lenient(expected_exact, step, sl.direction),
        minimum=round_lenient(minimum_exact, step, sl.direction),
        expected_exact=expected_exact,
        minimum_exact=minimum_exact,
        step=step,
        improve_percent=improve_percent,
    )


def with_targets(contract: Contract, proposals: Sequence[Proposal]) -> Contract:
    """The contract with each proposed level in place of its own, validated again."""
    by_id = {p.service_level_id: p for p in proposals if p.proposed}
    document = contract.model_dump(mode="python")
    for level in document["service_levels"]:
        proposal = by_id.get(level["id"])
        if proposal is not None:
            level["expected"] = proposal.expected
            level["minimum"] = proposal.minimum
    return Contract.model_validate(document)


# --- replay -------------------------------------------------------------------------------


def monthly_evaluation_contract(contract: Contract) -> Contract:
    """Every service level measured monthly: a baseline is a series of months (docs/baseline.md)."""
    if all(sl.period is PeriodKind.MONTH for sl in contract.service_levels):
        return contract
    levels = tuple(
        sl if sl.period is PeriodKind.MONTH else sl.model_copy(update={"period": PeriodKind.MONTH})
        for sl in contract.service_levels
    )
    return contract.model_copy(update={"service_levels": levels})


def replay_contract(contract: Contract, months: Sequence[Period]) -> Contract:
    """The contract as if its term had begun with the history's first month.

    The history lies before the term, so without this every month would be "before the
    contract": targets, indexation and earn-back all count contract years and months from the
    term's start. Replayed, the first history month is month 1 of contract year 1.
    """
    first = min(m.start for m in months)
    last = max(m.end for m in months) - timedelta(days=1)
    if last <= first:
        last = first + timedelta(days=1)
    return contract.model_copy(update={"term": Term(start=first, end=last)})


def count_volumes(
    contract: Contract, tables: Mapping[str, pa.Table], month: Period, timezone: str
) -> dict[str, int]:
    """Units per per-unit and volume-band fee in ``month``: events anchored there, filtered."""
    volumes: dict[str, int] = {}
    for fee in contract.fees:
        if fee.source is None:
            continue
        volumes[fee.id] = _fee_units(fee, tables.get(fee.source), month, timezone)
    return volumes


def source_volumes(
    table: pa.Table, *, contract: Contract, source: str, months: Sequence[Period], timezone: str
) -> dict[str, int]:
    """``count_volumes`` of every month for the fees counting ``source`` alone, keyed
    ``<month> <fee id>``: what the Spark engine counts per partition and adds up (counts
    add, so the sum over any cut of the table is the count of the whole)."""
    return {
        f"{month.label} {fee.id}": _fee_units(fee, table, month, timezone)
        for month in months
        for fee in contract.fees
        if fee.source == source
    }


def _fee_units(fee: Fee, table: pa.Table | None, month: Period, timezone: str) -> int:
    from servicepact.engine.kpis.base import local_day_end_us, local_midnight_us, timestamps_us

    assert fee.source is not None  # only fees counting a source are counted
    column = ANCHORS.get(fee.source)
    if table is None or column is None or column not in table.column_names:
        raise InvalidInput(
            [Problem(f"fees.{fee.id}", f"no {fee.source!r} events to count this fee by")]
        )
    start = local_midnight_us(month.start, timezone)
    end = local_midnight_us(month.end, timezone)
    if pa.types.is_date(table.schema.field(column).type):
        instants, valid = local_day_end_us(table, column, timezone)
        instants = instants - 1
    else:
        instants, valid = timestamps_us(table, column)
    mask = valid & (instants >= start) & (instants < end)
    for name, wanted in fee.filter.items():
        values = set(wanted) if isinstance(wanted, list) else {wanted}
        column_values = table.column(name).to_pylist()
        mask = mask & np.fromiter(
            (v in values for v in column_values), dtype=np.bool_, count=len(column_values)
        )
    return int(mask.sum())


def restate(contract: Contract, results: Sequence[ServiceLevelResult]) -> list[ServiceLevelResult]:
    """The results with the targets in force under ``contract`` and the status they give."""
    from servicepact.domain.periods import parse_period
    from servicepact.engine.targets import targets_for

    levels = {sl.id: sl for sl in contract.service_levels}
    out: list[ServiceLevelResult] = []
    for result in results:
        sl = levels.get(result.service_level_id)
        if sl is None:
            continue
        expected, minimum = targets_for(contract, sl, parse_period(result.period))
        status = status_for(
            None if result.running else result.value,
            expected=expected,
            minimum=minimum,
            direction=sl.direction,
            sample_size=result.sample_size,
            min_sample=sl.min_sample,
        )
        out.append(replace(result, expected=expected, minimum=minimum, status=status))
    return out


@dataclass(frozen=True)
class LevelReplay:
    service_level_id: str
    credited: bool
    met: int
    below_expected: int
    breached: int
    insufficient: int
    charged: Decimal
    earned_back: Decimal

    @property
    def measured(self) -> int:
        return self.met + self.below_expected + self.breached

    @property
    def breached_share(self) -> Fraction | None:
        return Fraction(self.breached, self.measured) if self.measured else None

    @property
    def net(self) -> Decimal:
        return self.charged - self.earned_back


@dataclass(frozen=True)
class YearReplay:
    year: int
    months: int
    fees: Decimal
    at_risk: Decimal
    charged: Decimal
    earned_back: Decimal

    @property
    def net(self) -> Decimal:
        return self.charged - self.earned_back


@dataclass(frozen=True)
class Replay:
    """What a regime would have done on the history: statuses, statements, totals."""

    label: str  # "contract" (the file's own levels) or "proposed"
    contract: Contract  # the replayed contract (term moved to the history)
    results: tuple[ServiceLevelResult, ...]
    statements: tuple[CreditStatement, ...]
    levels: tuple[LevelReplay, ...]
    years: tuple[YearReplay, ...]

    @property
    def charged(self) -> Decimal:
        return sum((s.total for s in self.statements), Decimal(0))

    @property
    def earned_back(self) -> Decimal:
        return sum((s.earn_back_total for s in self.statements), Decimal(0))

    @property
    def net(self) -> Decimal:
        return self.charged - self.earned_back

    @property
    def fees(self) -> Decimal:
        return sum((s.monthly_fees for s in self.statements), Decimal(0))


def month_fees(contract: Contract, month: Period, volumes: Mapping[str, int]) -> Decimal:
    """The month's at-risk base (recurring fees) under ``contract``'s fee schedule."""
    from servicepact.engine.fees import at_risk_base, expected_fees

    year = max(contract_year_of(contract.term, month.start), 1)
    return at_risk_base(expected_fees(contract, month, volumes, contract_year=year))


def _level_replay(
    sl: ServiceLevel,
    restated: Sequence[ServiceLevelResult],
    statements: Sequence[CreditStatement],
) -> LevelReplay:
    """One level over the replayed months: its months by status, credits and earn-back."""
    mine = [r for r in restated if r.service_level_id == sl.id]
    count = {status: sum(r.status is status for r in mine) for status in ResultStatus}
    return LevelReplay(
        service_level_id=sl.id,
        credited=sl.credited,
        met=count[ResultStatus.MET],
        below_expected=count[ResultStatus.BELOW_EXPECTED],
        breached=count[ResultStatus.BREACHED],
        insufficient=count[ResultStatus.INSUFFICIENT_DATA],
        charged=sum(
            (
                line.charged
                for statement in statements
                for line in statement.lines
                if line.service_level_id == sl.id and line.outcome is CreditOutcome.CREDIT
            ),
            Decimal(0),
        ),
        earned_back=sum(
            (
                earned.returned
                for statement in statements
                for earned in statement.earn_back
                if earned.service_level_id == sl.id
            ),
            Decimal(0),
        ),
    )


def replay(
    contract: Contract,
    results: Sequence[ServiceLevelResult],
    months: Sequence[Period],
    fees_by_month: Mapping[str, Decimal],
    *,
    label: str = "contract",
) -> Replay:
    """Replay ``contract``'s levels and credit regime on the monthly ``results``.

    ``contract`` should already be the replay contract (``replay_contract``); ``fees_by_month``
    gives each month's at-risk base (``month_fees``). Each month's statement comes from
    engine/credits.compute_credits with every earlier month as history, so escalation and
    earn-back play out as they would have.
    """
    from servicepact.engine.credits import compute_credits

    ordered = sorted(months)
    restated = restate(contract, results)
    statements: list[CreditStatement] = []
    for period in ordered:
        if period.label not in fees_by_month:
            raise InvalidInput([Problem(period.label, "no fees were computed for this month")])
        statements.append(
            compute_credits(
                contract,
                restated,
                period,
                fees_by_month[period.label],
                fees_by_month=fees_by_month,
            )
        )
    levels = [_level_replay(sl, restated, statements) for sl in contract.service_levels]
    years: dict[int, list[CreditStatement]] = {}
    for period, statement in zip(ordered, statements, strict=True):
        years.setdefault(period.start.year, []).append(statement)
    return Replay(
        label=label,
        contract=contract,
        results=tuple(restated),
        statements=tuple(statements),
        levels=tuple(levels),
        years=tuple(
            YearReplay(
                year=year,
                months=len(group),
                fees=sum((s.monthly_fees for s in group), Decimal(0)),
                at_risk=sum((s.at_risk for s in group), Decimal(0)),
                charged=sum((s.total for s in group), Decimal(0)),
                earned_back=sum((s.earn_back_total for s in group), Decimal(0)),
            )
            for year, group in sorted(years.items())
        ),
    )


# --- presentation: the JSON shape of a study (docs/baseline.md) ---------------------------


def _month_document(month: MonthValue | None, unit: Unit) -> dict[str, Any] | None:
    if month is None:
        return None
    return {
        "period": month.period,
        "value": exact_text(month.value),
        "value_display": format_value(month.value, unit),
        "sample_size": month.sample_size,
        "left_out": month.left_out,
    }


def baseline_document(baseline: Baseline, proposal: Proposal) -> dict[str, Any]:
    unit = baseline.unit

    def stat(value: Fraction | None) -> dict[str, Any]:
        return {"value": exact_text(value), "display": format_value(value, unit)}

    return {
        "service_level_id": baseline.service_level_id,
        "kpi": baseline.kpi,
        "unit": unit.value,
        "direction": baseline.direction.value,
        "months": [_month_document(m, unit) for m in baseline.months],
        "months_used": len(baseline.used),
        "months_left_out": [{"period": m.period, "reason": m.left_out} for m in baseline.left_out],
        "median": stat(baseline.median),
        "worst_quartile": stat(baseline.worst_quartile),
        "best_quartile": stat(baseline.best_quartile),
        "best_month": _month_document(baseline.best_month, unit),
        "worst_month": _month_document(baseline.worst_month, unit),
        "trend_per_month": exact_text(baseline.trend_per_month),
        "trend_per_month_display": trend_text(baseline.trend_per_month, unit),
        "trend": None if baseline.trend is None else baseline.trend.value,
        "proposal": {
            "proposed": proposal.proposed,
            "expected": format(proposal.expected, "f"),
            "minimum": format(proposal.minimum, "f"),
            "expected_display": format_value(proposal.expected, unit),
            "minimum_display": format_value(proposal.minimum, unit),
            "expected_exact": exact_text(proposal.expected_exact),
            "minimum_exact": exact_text(proposal.minimum_exact),
            "step": format(proposal.step, "f"),
            "improve_percent": format(proposal.improve_percent, "f"),
            "current_expected": format(proposal.current_expected, "f"),
            "current_minimum": format(proposal.current_minimum, "f"),
            "note": proposal.note,
        },
    }


def replay_document(result: Replay) -> dict[str, Any]:
    def money(value: Decimal) -> str:
        return format(value, "f")

    return {
        "targets": result.label,
        "currency": result.contract.currency,
        "fees": money(result.fees),
        "charged": money(result.charged),
        "earned_back": money(result.earned_back),
        "net": money(result.net),
        "levels": [
            {
                "service_level_id": level.service_level_id,
                "credited": level.credited,
                "met": level.met,
                "below_expected": level.below_expected,
                "breached": level.breached,
                "insufficient_data": level.insufficient,
                "breached_share": exact_text(level.breached_share),
                "charged": money(level.charged),
                "earned_back": money(level.earned_back),
                "net": money(level.net),
            }
            for level in result.levels
        ],
        "years": [
            {
                "year": year.year,
                "months": year.months,
                "fees": money(year.fees),
                "at_risk": money(year.at_risk),
                "charged": money(year.charged),
                "earned_back": money(year.earned_back),
                "net": money(year.net),
            }
            for year in result.years
        ],
        "months": [
            {
                "period": s.month,
                "fees": money(s.monthly_fees),
                "at_risk": money(s.at_risk),
                "charged": money(s.total),
                "earned_back": money(s.earn_back_total),
                "statuses": {
                    r.service_level_id: r.status.value
                    for r in result.results
                    if r.period == s.month
                },
                "lines": [
                    {
                        "service_level_id": line.service_level_id,
                        "outcome": line.outcome.value,
                        "charged": money(line.charged),
                        "arithmetic": line.arithmetic,
                    }
                    for line in s.lines
                    if line.outcome is CreditOutcome.CREDIT
                ],
            }
            for s in result.statements
        ],
    }
