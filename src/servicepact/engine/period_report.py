"""A service level over a reporting period: a quarter, a year, the year to date (docs/results.md).

The contract judges each measured period (each month, for a monthly level) on its own; a
reporting period gathers them: how many were met, below expected, breached or short of data,
and the share met. Beside the counts it gives the KPI's value over the whole period,
recomputed from the period's events by the same KPI code (each event is anchored once, KPIS.md
rule 3) — never an average of the monthly values. It is shown for information: it has no
status of its own and earns no credit (credits stay with the measured periods).

* A snapshot KPI (a backlog at the period's end) has no value over several periods.
* A measured period excluded whole (an approved period waiver) is left out of the value, as
  it is left out of its own result; its events are counted as excluded.
* The running month counts up to ``now`` and marks the value running; it is not counted as
  met or missed until it is over.
* Each measured period is judged under the contract version that governs it. When the
  versions governing the reporting period measure a level differently (its target, KPI
  parameters, filter, calendar or holiday list, declared KPI or event type:
  ``level_terms``), no single set of terms can pool its events honestly: the value is not
  aggregated and says the contract changed within the period (``changed_note``); the months
  still count, each under its own version. Versions that agree on the level pool as one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.kpis import Aggregate
from servicepact.domain.periods import Period, ReportPeriod, measured_periods_within
from servicepact.domain.results import PeriodCompliance, ServiceLevelResult
from servicepact.engine.evaluate import (
    ClockCache,
    EvaluationMemo,
    _result_value,
    applicable_exclusions,
    compute_windows,
    contract_timezone,
    instant_us,
)
from servicepact.engine.kpis.base import KpiAggregate, Window, local_midnight_us

SNAPSHOT_NOTE = "not aggregated: the KPI is a snapshot at each period's end"
SPLIT_NOTE = (
    "not aggregated: a period excluded whole splits the reporting period, and a "
    "percentile or maximum cannot be pooled across the parts"
)


def changed_note(versions: Sequence[int]) -> str:
    """Why a level's value over a period spanning an amendment is not aggregated."""
    named = " and ".join(str(v) for v in versions)
    return (
        f"not aggregated: the contract changed within the period (versions {named} measure "
        "this level differently); each month stands under the version governing it"
    )


@dataclass(frozen=True)
class LevelTerms:
    """What of a contract version decides how one level is measured and judged, compared
    whole: the level, its calendar, its holiday list's digest, its time zone, its KPI's and
    its source event type's declarations (as JSON-able values)."""

    level: dict[str, Any]
    calendar: dict[str, Any] | None
    holidays_sha256: str | None
    timezone: str
    kpis: list[dict[str, Any]]
    event_types: list[dict[str, Any]]


def level_terms(contract: Contract, service_level_id: str) -> LevelTerms | None:
    """Everything of a contract version that decides how one level is measured and judged
    (None when the version has no such level): two versions with equal terms give the same
    value over the same events."""
    sl = next((s for s in contract.service_levels if s.id == service_level_id), None)
    if sl is None:
        return None
    name = sl.calendar_name
    calendar = None if name is None else contract.calendars.get(name)
    holidays = None if name is None else contract.holiday_lists.get(name)
    return LevelTerms(
        level=sl.model_dump(mode="json"),
        calendar=None if calendar is None else calendar.model_dump(mode="json"),
        holidays_sha256=None if holidays is None else holidays.sha256,
        timezone=contract_timezone(contract, sl),
        kpis=[k.model_dump(mode="json") for k in contract.kpis if k.name == sl.kpi],
        event_types=[
            t.model_dump(mode="json") for t in contract.event_types if t.name == sl.source
        ],
    )


def _runs(periods: Sequence[Period]) -> list[tuple[Period, Period]]:
    """Consecutive periods merged: (first, last) of each run."""
    runs: list[tuple[Period, Period]] = []
    for period in periods:
        if runs and runs[-1][1].end == period.start:
            runs[-1] = (runs[-1][0], period)
        else:
            runs.append((period, period))
    return runs


def _pooled(aggregates: Sequence[KpiAggregate]) -> KpiAggregate:
    """Aggregates of adjacent windows of one KPI, added exactly (ratios, means, sums)."""
    first = aggregates[0]
    return KpiAggregate(
        first.aggregate,
        sum(a.numerator for a in aggregates),
        sum(a.denominator for a in aggregates),
        sum(a.sample_size for a in aggregates),
        first.scale,
    )


def period_compliance(
    contract: Contract,
    sl: ServiceLevel,
    report: ReportPeriod,
    results: Sequence[ServiceLevelResult],
    table: pa.Table,
    *,
    clock_cache: ClockCache,
    exclusions: Sequence[Exclusion] = (),
    now: datetime,
    memo: EvaluationMemo | None = None,
    changed: str | None = None,
    values: Mapping[str, object] | None = None,
) -> PeriodCompliance:
    """The service level over ``report``: its measured periods' ``results`` (those inside the
    reporting period are kept) and its value recomputed over the period's events — unless
    ``changed`` says the versions governing the period measure the level differently — or,
    with ``values`` (``period_values`` of an earlier answer on the same inputs), that value as
    it was, without reading ``table``."""
    own = measured_periods_within(sl.period, report, contract.term)
    timezone_name = contract_timezone(contract, sl)
    now_us = instant_us(now)
    begun = [p for p in own if local_midnight_us(p.start, timezone_name) <= now_us]
    base = _from_results(contract, sl, report, own, begun, results)
    if values is not None:
        return _replace(base, **values)
    if sl.definition.snapshot:
        return _replace(base, not_aggregated=SNAPSHOT_NOTE)
    if changed is not None:
        running = any(
            local_midnight_us(p.start, timezone_name)
            <= now_us
            < local_midnight_us(p.end, timezone_name)
            for p in begun
        )
        return _replace(base, running=running, not_aggregated=changed)
    applicable = applicable_exclusions(contract, sl, exclusions)
    spans, waived = _spans(contract, report, own, begun, applicable)
    windows: list[Window] = []
    running = False  # now lies inside a counted span: its value runs up to now
    for index, (start, end) in enumerate([*spans, *((p.start, p.end) for p in waived)]):
        low = local_midnight_us(start, timezone_name)
        high = local_midnight_us(end, timezone_name)
        windows.append((low, max(low, min(high, now_us))))
        running = running or (index < len(spans) and low <= now_us < high)
    if not windows:
        return _replace(base, running=running)
    aggregates, excluded_aggregates = compute_windows(
        contract,
        sl,
        table,
        windows,
        clock_cache=clock_cache,
        exclusions=applicable,
        years=(report.start.year - 1, report.end.year),
        memo=memo,
    )
    counted = aggregates[: len(spans)]
    excluded = sum(waived_part.sample_size for waived_part in aggregates[len(spans) :]) + sum(
        part.sample_size for part in excluded_aggregates if part is not None
    )
    if not counted:
        return _replace(base, excluded=excluded, running=running)
    if len(counted) > 1 and counted[0].aggregate is Aggregate.VALUE:
        return _replace(base, excluded=excluded, running=running, not_aggregated=SPLIT_NOTE)
    pooled = counted[0] if len(counted) == 1 else _pooled(counted)
    numerator, denominator = _result_value(pooled)
    return _replace(
        base,
        value=pooled.value if pooled.sample_size else None,
        numerator=numerator,
        denominator=denominator,
        sample_size=pooled.sample_size,
        excluded=excluded,
        running=running,
    )


def _from_results(
    contract: Contract,
    sl: ServiceLevel,
    report: ReportPeriod,
    own: Sequence[Period],
    begun: Sequence[Period],
    results: Sequence[ServiceLevelResult],
) -> PeriodCompliance:
    """The level over ``report`` as its stored results tell it, before any value: the results
    of its begun measured periods, the begun periods without one, and those still to come."""
    # a result of a period not begun (measured ahead, "not started") counts for nothing
    labels = {p.label for p in begun}
    kept = tuple(sorted((r for r in results if r.period in labels), key=lambda r: r.period_start))
    found = {r.period for r in kept}
    return PeriodCompliance(
        contract_id=contract.id,
        service_level_id=sl.id,
        kpi=sl.kpi,
        period=report.label,
        period_start=report.start.isoformat(),
        period_end=report.end.isoformat(),
        measured_in=sl.period.value,
        results=kept,
        not_measured=tuple(p.label for p in begun if p.label not in found),
        to_come=tuple(p.label for p in own if p not in begun),
    )


# What period_compliance computes from the events; the rest comes from the stored results.
VALUE_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "excluded",
    "running",
    "not_aggregated",
)


def period_values(found: PeriodCompliance) -> dict[str, object]:
    """The part of ``found`` recomputed from the events (see ``values`` above)."""
    return {name: getattr(found, name) for name in VALUE_FIELDS}


def _spans(
    contract: Contract,
    report: ReportPeriod,
    own: list[Period],
    begun: list[Period],
    applicable: list[Exclusion],
) -> tuple[list[tuple[date, date]], list[Period]]:
    """The spans of days counted (consecutive measured periods joined) and the periods waived
    by an approved exclusion, whose events count as excluded."""
    if own:
        waived = [p for p in begun if any(e.covers_period(p.label) for e in applicable)]
        measured = [p for p in begun if p not in waived]
        return [(first.start, last.end) for first, last in _runs(measured)], waived
    # No measured period lies inside (a contract-year level in a quarter): the reporting
    # period itself, within the term.
    start = max(report.start, contract.term.start)
    end = min(report.end, contract.term.end + timedelta(days=1))
    return ([(start, end)] if start < end else []), []


def _replace(base: PeriodCompliance, **changes: object) -> PeriodCompliance:
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]
