"""Forecast for a running period: projected value, error budget, burn rates, "at risk".

PRODUCT.md §2.3: "the projected month-end value, and 'at risk' when the
remaining failures allowed (the error budget) are being spent faster than the
period passes (burn rate)". The rules, so that anyone can redo the arithmetic:

* **Elapsed share** ``f`` = wall time from the period's start to ``now`` ÷ the
  period's wall length (a month of 31 days at noon on the 16th: 15.5/31).
* **Projected volume** (linear in elapsed share): ``D = ⌊d ÷ f⌋`` where ``d`` is
  the denominator so far (events, or units for a weighted ratio). The remaining
  ``D − d`` are assumed to fail at the failure share of the last 7 days (the long
  burn window), or of the period so far when the window holds no events.
* **Projected value** = (successes so far + remaining × (1 − that share)) ÷ D for
  a higher-is-better ratio; failures ÷ D for a lower-is-better one. For means and
  counts the projection is the value so far (a rate does not extrapolate).
* **Failures**: for higher-is-better ratios, ``denominator − numerator``; for
  lower-is-better ratios (abandonment, duplicates, reopen), the numerator.
* **Error budget**: failures allowed over the whole period before the *minimum*
  is breached, ``⌊allowed share × D⌋`` with allowed share ``1 − minimum``
  (higher is better) or ``minimum`` (lower is better); the remaining budget is
  that minus the failures so far (negative: already spent).
* **Burn rate** of a window ending at ``now``: the window's failure share ÷ the
  allowed share. 1.0 spends the budget exactly over the period.
* **At risk** (multi-window burn-rate rule): the 1-day burn rate is above 2.0
  *and* the 7-day burn rate above 1.0 — a fast burn that is not just a blip.
  The thresholds are the usual multi-window alerting pairing scaled to a monthly
  budget (short window confirms it is happening now, long window that it
  matters); both are data (``BURN_WINDOWS``). A window without events does not
  burn. For non-ratio KPIs, at risk means the value so far is already breached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa

from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.kpis import Aggregate, Direction
from servicepact.domain.periods import Period
from servicepact.domain.results import ResultStatus, status_for
from servicepact.engine.evaluate import (
    ClockCache,
    compute_windows,
    contract_timezone,
    instant_us,
)
from servicepact.engine.kpis.base import KpiAggregate, local_midnight_us
from servicepact.engine.targets import targets_for


@dataclass(frozen=True)
class BurnWindow:
    name: str
    length: timedelta
    threshold: Fraction


BURN_WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow("1d", timedelta(days=1), Fraction(2)),
    BurnWindow("7d", timedelta(days=7), Fraction(1)),
)
_LONG = BURN_WINDOWS[-1].name


@dataclass(frozen=True)
class BurnRate:
    window: str
    events: int  # denominator in the window
    failures: int
    failure_share: Fraction | None
    burn_rate: Fraction | None  # None: no events, or nothing allowed
    threshold: Fraction
    exceeded: bool


@dataclass(frozen=True)
class Forecast:
    contract_id: str
    service_level_id: str
    period: str
    now: str  # ISO 8601
    elapsed_share: Fraction
    value_so_far: Fraction | None
    numerator: int
    denominator: int
    failures_so_far: int | None
    projected_denominator: int | None
    projected_value: Fraction | None
    projected_status: ResultStatus
    allowed_failures: int | None  # error budget for the whole period (to the minimum)
    budget_remaining: int | None
    burn_rates: tuple[BurnRate, ...]
    at_risk: bool
    notes: tuple[str, ...] = ()


def _failures(aggregate: KpiAggregate, direction: Direction) -> int:
    if direction is Direction.HIGHER_IS_BETTER:
        return aggregate.denominator - aggregate.numerator
    return aggregate.numerator


def _allowed_share(minimum: Fraction, direction: Direction) -> Fraction:
    return 1 - minimum if direction is Direction.HIGHER_IS_BETTER else minimum


def _burn_rates(
    burn_aggregates: Sequence[KpiAggregate], direction: Direction, allowed_share: Fraction
) -> list[BurnRate]:
    """Each burn window's failures against the share of failures the minimum allows."""
    rates: list[BurnRate] = []
    for window, aggregate in zip(BURN_WINDOWS, burn_aggregates, strict=True):
        failures = _failures(aggregate, direction)
        if aggregate.denominator == 0:
            rates.append(BurnRate(window.name, 0, 0, None, None, window.threshold, False))
            continue
        failure_share = Fraction(failures, aggregate.denominator)
        if allowed_share == 0:
            rates.append(
                BurnRate(
                    window.name, aggregate.denominator, failures, failure_share, None,
                    window.threshold, failures > 0,
                )
            )  # fmt: skip
            continue
        rate = failure_share / allowed_share
        rates.append(
            BurnRate(
                window.name, aggregate.denominator, failures, failure_share, rate,
                window.threshold, rate > window.threshold,
            )
        )  # fmt: skip
    return rates


def _value_so_far(
    contract: Contract,
    sl: ServiceLevel,
    period: Period,
    now: datetime,
    share: Fraction,
    so_far: KpiAggregate,
    expected: Decimal,
    minimum: Decimal,
) -> Forecast:
    """A KPI that is not a ratio: no burn rates nor budget, the projection is the value so
    far."""
    value = so_far.value if so_far.sample_size else None
    status = status_for(
        value,
        expected=expected,
        minimum=minimum,
        direction=sl.direction,
        sample_size=so_far.sample_size,
        min_sample=sl.min_sample,
    )
    notes = ("burn rates and error budgets apply to ratio KPIs; projection = value so far",)
    return Forecast(
        contract.id, sl.id, period.label, now.isoformat(), share, value,
        so_far.numerator, so_far.denominator, None, None, value, status,
        None, None, (), status is ResultStatus.BREACHED, notes,
    )  # fmt: skip


def _projected_value(
    so_far: KpiAggregate,
    failures_so_far: int,
    projected_denominator: int,
    rates: list[BurnRate],
    direction: Direction,
) -> Fraction:
    """The period's value if the rest of it fails at the long window's recent share (the
    share so far when that window saw no events)."""
    long_rate = next(r for r in rates if r.window == _LONG)
    recent_share = (
        long_rate.failure_share
        if long_rate.failure_share is not None
        else Fraction(failures_so_far, so_far.denominator)
    )
    remaining = projected_denominator - so_far.denominator
    projected_failures = failures_so_far + remaining * recent_share
    if direction is Direction.HIGHER_IS_BETTER:
        return 1 - projected_failures / projected_denominator
    return projected_failures / projected_denominator


def forecast_service_level(
    contract: Contract,
    sl: ServiceLevel,
    period: Period,
    table: pa.Table,
    *,
    clock_cache: ClockCache,
    now: datetime,
    exclusions: Sequence[Exclusion] = (),
) -> Forecast:
    """The forecast of one service level for the period containing ``now`` (see module doc)."""
    zone = contract_timezone(contract, sl)
    start, end = local_midnight_us(period.start, zone), local_midnight_us(period.end, zone)
    now_us = instant_us(now)
    if not start < now_us < end:
        raise ValueError(f"now ({now.isoformat()}) is not inside the period {period.label}")
    windows = [(start, now_us)] + [
        (now_us - w.length // timedelta(microseconds=1), now_us) for w in BURN_WINDOWS
    ]
    aggregates, _ = compute_windows(
        contract, sl, table, windows, clock_cache=clock_cache, exclusions=exclusions
    )
    so_far, burn_aggregates = aggregates[0], aggregates[1:]
    expected, minimum = targets_for(contract, sl, period)
    direction = sl.direction
    share = Fraction(now_us - start, end - start)
    notes: list[str] = []

    if sl.definition.aggregate is not Aggregate.RATIO:
        return _value_so_far(contract, sl, period, now, share, so_far, expected, minimum)

    allowed_share = _allowed_share(Fraction(minimum), direction)
    rates = _burn_rates(burn_aggregates, direction, allowed_share)
    at_risk = all(r.exceeded for r in rates)

    failures_so_far = _failures(so_far, direction)
    if so_far.denominator == 0:
        notes.append("no events yet in the period")
        return Forecast(
            contract.id, sl.id, period.label, now.isoformat(), share, None, 0, 0, 0, None, None,
            ResultStatus.INSUFFICIENT_DATA, None, None, tuple(rates), at_risk, tuple(notes),
        )  # fmt: skip
    projected_denominator = max(so_far.denominator, int(so_far.denominator / share))
    projected_value = _projected_value(
        so_far, failures_so_far, projected_denominator, rates, direction
    )
    projected_status = status_for(
        projected_value,
        expected=expected,
        minimum=minimum,
        direction=direction,
        sample_size=so_far.sample_size,
        min_sample=sl.min_sample,
    )
    allowed_failures = int(allowed_share * projected_denominator)  # floor: a whole failure
    return Forecast(
        contract_id=contract.id,
        service_level_id=sl.id,
        period=period.label,
        now=now.isoformat(),
        elapsed_share=share,
        value_so_far=so_far.value,
        numerator=so_far.numerator,
        denominator=so_far.denominator,
        failures_so_far=failures_so_far,
        projected_denominator=projected_denominator,
        projected_value=projected_value,
        projected_status=projected_status,
        allowed_failures=allowed_failures,
        budget_remaining=allowed_failures - failures_so_far,
        burn_rates=tuple(rates),
        at_risk=at_risk,
        notes=tuple(notes),
    )
