"""Results over a reporting period: a quarter (2026-Q3), a calendar year (2026), the year to
date (2026-YTD) or a contract year (Y1) — the compliance report (docs/results.md).

* ``_report_period`` reads a period as a client wrote it; an unknown form is an
  ``InvalidInput`` naming the field (``--period`` on the CLI, ``period`` in the API), never an
  empty answer.
* ``measured_labels`` names the measured periods a reporting period holds (the months of a
  quarter for a monthly level, the quarter itself for a quarterly one).
* ``compliance`` gives, per service level, the stored results of those measured periods with
  the months met / below expected / breached / short of data and the share met, and the KPI
  recomputed over the events of the whole period (engine/period_report.py). It reads and
  stores nothing else; credits stay monthly.
* A reporting period that is over (it runs to its end, not to ``now``) has values that only
  its inputs can change: they are kept once computed (``store/files/period_values.py``), keyed
  by those inputs — the contract as stored (its version, levels and holiday lists), the
  batches committed for each source, the exclusions, the stored results of its measured
  periods, the period, the instant it runs to and the engine version — and read back instead
  of reading the events again. A changed input is a different key, so a kept value is never
  stale; a period still running is recomputed every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pyarrow as pa

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract, PeriodKind
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.periods import (
    ReportForm,
    ReportPeriod,
    measured_periods_within,
    parse_report_period,
)
from servicepact.domain.results import PeriodCompliance, ServiceLevelResult
from servicepact.engine.evaluate import (
    ENGINE_VERSION,
    ClockCache,
    EvaluationMemo,
    contract_timezone,
    instant_us,
)
from servicepact.engine.kpis.base import local_midnight_us
from servicepact.engine.period_report import (
    VALUE_FIELDS,
    LevelTerms,
    changed_note,
    level_terms,
    period_compliance,
    period_values,
)
from servicepact.services._contracts import get_contract, governing_version
from servicepact.services.ports import Ports
from servicepact.store.db.evaluation import ExclusionRepository, ResultRepository
from servicepact.store.files.period_values import PeriodValueFiles

KEPT_FORMAT = 1  # the layout of a kept entry: a new layout never reads an old one


def _today(contract: Contract, now: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(contract_timezone(contract)))


def _report_period(
    label: str,
    contract: Contract,
    *,
    now: datetime,
    field: str = "period",
    today: date | None = None,
) -> ReportPeriod:
    """The reporting period ``label`` names, read in the contract's time zone (the year to
    date runs to the end of the month holding ``now`` there, or ``today`` when given)."""
    day = today if today is not None else _today(contract, now).date()
    try:
        return parse_report_period(label, today=day, term=contract.term)
    except ValueError as error:
        raise InvalidInput([Problem(field, str(error), value=label)]) from None


def _spans_several(report: ReportPeriod) -> bool:
    """Whether a reporting period gathers measured periods (anything but a single month)."""
    return report.form is not ReportForm.MONTH


def measured_labels(
    contract: Contract, report: ReportPeriod, *, now: datetime | None = None
) -> list[str]:
    """The measured periods (of every kind the contract's levels use) lying in the reporting
    period, in order; with ``now``, only those begun by then. None starting after the
    contract's termination: those are not measured."""
    kinds = {sl.period for sl in contract.service_levels}
    found = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.CONTRACT_YEAR):
        if kind not in kinds:
            continue
        for period in measured_periods_within(kind, report, contract.term):
            if contract.after_termination(period.start) is not None:
                continue
            if now is None or period.start <= _today(contract, now).date():
                found.append(period.label)
    return found


def plan(
    labels: Sequence[str], contract: Contract, *, now: datetime, field: str = "period"
) -> tuple[list[str], list[ReportPeriod]]:
    """What to measure for the periods a client named, and the reporting periods among them.

    A month is measured as named (even one not begun: it says so). A quarter, a year, the year
    to date or a contract year is measured through the measured periods it holds that have
    begun; one holding none (before the term, or not begun) is refused by name.
    """
    measured: list[str] = []
    reports: list[ReportPeriod] = []
    problems: list[Problem] = []
    for label in labels:
        try:
            report = _report_period(label, contract, now=now, field=field)
        except InvalidInput as error:
            problems.extend(error.problems)
            continue
        if not _spans_several(report):
            measured.append(report.label)
            continue
        inside = measured_labels(contract, report, now=now)
        if not inside:
            term = contract.term
            problems.append(
                Problem(
                    field,
                    f"no measured period of {report.label} has begun within the contract's term "
                    f"({term.start.isoformat()} to {term.end.isoformat()})",
                    value=label,
                )
            )
            continue
        measured.extend(inside)
        reports.append(report)
    if problems:
        raise InvalidInput(problems)
    return list(dict.fromkeys(measured)), reports


def compliance_of(
    contract: Contract,
    report: ReportPeriod,
    results: Sequence[ServiceLevelResult],
    tables: Mapping[str, pa.Table],
    *,
    now: datetime,
    exclusions: Sequence[Exclusion] = (),
    governing: Callable[[str], tuple[int, Contract]] | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[PeriodCompliance]:
    """Every service level over the reporting period, from its results and its source's events
    (or, with ``values``, from its results and the values kept for those inputs).

    ``governing`` names, for a measured period's label, the stored version that governs it and
    its contract (without it, ``contract`` governs every period, as for a contract file). A
    level is read under the version governing its last measured period in the reporting
    period; when the versions governing its periods measure it differently
    (``level_terms``), its value is not aggregated (engine/period_report.py)."""
    cache, memo = ClockCache(), EvaluationMemo()
    found = []
    for sl_id, versions in _levels(contract, report, governing):
        under = versions[-1][1]
        sl = under.service_level(sl_id)
        distinct: list[tuple[int, LevelTerms | None]] = []
        for version, version_contract in versions if len(versions) > 1 else ():
            held = level_terms(version_contract, sl_id)
            if all(held != other for _, other in distinct):
                distinct.append((version, held))
        changed = changed_note([v for v, _ in distinct]) if len(distinct) > 1 else None
        table = tables.get(sl.source)
        if values is not None:
            table = pa.table({})  # not read: the values are given
        elif table is None:
            from servicepact.domain.event_schemas import arrow_schema
            from servicepact.domain.event_types import BUILT_IN

            event_type = under.declared_event_types.get(sl.source) or BUILT_IN[sl.source]
            table = arrow_schema(event_type).empty_table()
        found.append(
            period_compliance(
                under,
                sl,
                report,
                [r for r in results if r.service_level_id == sl.id],
                table,
                clock_cache=cache,
                exclusions=exclusions,
                now=now,
                memo=memo,
                changed=changed,
                values=None if values is None else values[sl.id],
            )
        )
    return found


def _levels(
    contract: Contract,
    report: ReportPeriod,
    governing: Callable[[str], tuple[int, Contract]] | None,
) -> list[tuple[str, list[tuple[int, Contract]]]]:
    """Each level measured in the reporting period, with the versions (number, contract)
    governing its measured periods there, oldest first: the levels of the version governing
    the period's end first, in its order, then any level only earlier versions held."""
    if governing is None:
        return [(sl.id, [(0, contract)]) for sl in contract.service_levels]
    term = contract.term
    first_day = max(report.start, term.start)
    last_day = max(first_day, min(report.end - timedelta(days=1), term.end))
    by_level: dict[str, dict[int, Contract]] = {}
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.CONTRACT_YEAR):
        periods = measured_periods_within(kind, report, term)
        # by the first month of each (a contract year too); none inside: the period's start
        months = [f"{p.start:%Y-%m}" for p in periods] or [f"{first_day:%Y-%m}"]
        for month in months:
            version, version_contract = governing(month)
            for sl in version_contract.service_levels:
                if sl.period is kind:
                    by_level.setdefault(sl.id, {})[version] = version_contract
    _, last = governing(f"{last_day:%Y-%m}")
    order = [sl.id for sl in last.service_levels if sl.id in by_level]
    order += [sl_id for sl_id in by_level if sl_id not in order]
    return [(sl_id, sorted(by_level[sl_id].items())) for sl_id in order]


def _number_json(value: object) -> Any:
    if isinstance(value, Fraction):
        return {"fraction": [value.numerator, value.denominator]}
    return value


def _number_from(value: Any) -> Any:
    if isinstance(value, dict):
        numerator, denominator = value["fraction"]
        return Fraction(numerator, denominator)
    return value


def _values_json(found: Sequence[PeriodCompliance]) -> dict[str, Any]:
    return {
        item.service_level_id: {
            name: _number_json(number) for name, number in period_values(item).items()
        }
        for item in found
    }


def _values_from(document: Any, contract: Contract) -> dict[str, dict[str, Any]] | None:
    """A kept entry read back, or None when it does not hold every level in full."""
    try:
        values = {
            sl.id: {name: _number_from(document[sl.id][name]) for name in VALUE_FIELDS}
            for sl in contract.service_levels
        }
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return values


def _is_over(contract: Contract, report: ReportPeriod, now: datetime) -> bool:
    """Whether ``now`` is at or past the reporting period's end in every zone the contract's
    levels are measured in (then nothing in it runs, and its values are final)."""
    now_us = instant_us(now)
    zones = {contract_timezone(contract, sl) for sl in contract.service_levels}
    return all(now_us >= local_midnight_us(report.end, zone) for zone in zones)


def _kept_key(
    stored_sha256: str,
    contract: Contract,
    version: int,
    report: ReportPeriod,
    now: datetime,
    batches: Mapping[str, Sequence[tuple[str, int]]],
    results: Sequence[ServiceLevelResult],
    waivers: Sequence[Exclusion],
) -> str:
    """The SHA-256 of everything a reporting period's values are computed from."""
    inputs = {
        "format": KEPT_FORMAT,
        "engine": ENGINE_VERSION,
        "contract": [contract.id, version, stored_sha256],
        "definition": hashlib.sha256(contract.model_dump_json().encode()).hexdigest(),
        "period": [report.label, report.start.isoformat(), report.end.isoformat()],
        "until": now.isoformat(),
        "batches": {source: [list(b) for b in refs] for source, refs in sorted(batches.items())},
        "results": sorted(
            [r.service_level_id, r.period, r.contract_version, r.inputs_hash] for r in results
        ),
        "exclusions": sorted(w.model_dump_json() for w in waivers),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _governing_versions(
    current: int, effects: Sequence[tuple[int, str | None]], report: ReportPeriod
) -> set[int]:
    """The versions governing a month of the reporting period, and the ``current`` one (each
    is read once)."""
    wanted = {current}
    month = date(report.start.year, report.start.month, 1)
    while effects and month < report.end:
        wanted.add(governing_version(effects, f"{month:%Y-%m}"))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return wanted


def _outside_term(
    field: str, period: str, report: ReportPeriod, contract: Contract
) -> InvalidInput:
    """The refusal of a reporting period in which no measured period lies within the term."""
    term = contract.term
    return InvalidInput(
        [
            Problem(
                field,
                f"no measured period of {report.label} lies within the contract's term "
                f"({term.start.isoformat()} to {term.end.isoformat()})",
                value=period,
            )
        ]
    )


def compliance(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    now: datetime | None = None,
    field: str = "period",
    today: date | None = None,
) -> tuple[ReportPeriod, list[PeriodCompliance]]:
    """The compliance report of a stored contract over a reporting period (see module doc);
    ``today`` sets the day the year to date runs to (a review pack's month), ``now`` the
    instant events count up to."""
    moment = now or app.now()
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)  # access first
        contract = stored.contract
        report = _report_period(period, contract, now=moment, field=field, today=today)
        effects = uow.contracts.effects(contract_id)
        wanted = _governing_versions(stored.version, effects, report)
        versions = {
            version: (
                contract
                if version == stored.version
                else get_contract(
                    uow, actor=actor, contract_id=contract_id, version=version
                ).contract
            )
            for version in sorted(wanted)
        }
        labels = sorted({label for c in versions.values() for label in measured_labels(c, report)})
        if not labels:  # a report of nothing is refused, never an empty answer
            raise _outside_term(field, period, report, contract)
        results = uow.repo(ResultRepository).latest_of_periods(contract_id, labels)
        waivers = uow.repo(ExclusionRepository).of_contract(contract_id)

    def governing(month: str) -> tuple[int, Contract]:
        version = governing_version(effects, month) if effects else stored.version
        return version, versions.get(version, contract)

    types = {name: t for c in versions.values() for name, t in c.declared_event_types.items()}
    store = app.event_store.with_types(types)
    sources = sorted({sl.source for c in versions.values() for sl in c.service_levels})
    kept = PeriodValueFiles.under(app.settings.data_dir)
    key = None
    # Values are kept only for a finished period one version governs throughout (the key
    # names that version); a period an amendment splits is computed each time.
    if len(versions) == 1 and _is_over(contract, report, moment):
        batches = {
            source: [
                (ref.batch_id, ref.seq)
                for ref in store.batches(contract_id=contract_id, source=source)
            ]
            for source in sources
        }
        key = _kept_key(
            stored.sha256, contract, stored.version, report, moment, batches, results, waivers
        )
        values = _values_from(kept.get(key), contract)
        if values is not None:
            return report, compliance_of(
                contract,
                report,
                results,
                {},
                now=moment,
                exclusions=waivers,
                governing=governing,
                values=values,
            )
    tables = {source: store.read(contract_id=contract_id, source=source) for source in sources}
    found = compliance_of(
        contract, report, results, tables, now=moment, exclusions=waivers, governing=governing
    )
    if key is not None:
        kept.put(key, _values_json(found))
    return report, found


def results_in(
    app: Ports, *, actor: Actor, contract_id: str, period: str, now: datetime | None = None
) -> list[ServiceLevelResult]:
    """The latest stored results of the measured periods a reporting period holds."""
    moment = now or app.now()
    with app.uow(read_only=True) as uow:
        contract = get_contract(uow, actor=actor, contract_id=contract_id).contract
        report = _report_period(period, contract, now=moment)
        labels = measured_labels(contract, report)
        return uow.repo(ResultRepository).latest_of_periods(contract_id, labels)


@dataclass(frozen=True)
class ComplianceView:
    """What a page shows of a reporting period: the contract, today in its zone (for the
    periods to offer), and the report — or the problems with the period asked for."""

    contract: Contract
    today: date
    period: str
    report: ReportPeriod | None = None
    found: list[PeriodCompliance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def compliance_view(
    app: Ports, *, actor: Actor, contract_id: str, period: str | None = None
) -> ComplianceView:
    """The compliance report for a page: by default the year to date."""
    moment = app.now()
    with app.uow(read_only=True) as uow:
        contract = get_contract(uow, actor=actor, contract_id=contract_id).contract
    today = _today(contract, moment).date()
    chosen = period or f"{today.year}-YTD"
    try:
        report, found = compliance(
            app, actor=actor, contract_id=contract_id, period=chosen, now=moment
        )
    except InvalidInput as error:
        return ComplianceView(contract, today, chosen, problems=list(error.problems))
    return ComplianceView(contract, today, chosen, report, found)


def cached_compliance_view(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str | None = None,
    state: int | None = None,
) -> ComplianceView:
    """``compliance_view`` read once per actor, contract, period, hour and state of the data
    (every write moves the state; time moves the year to date and a running month: an hour
    keeps a new day in any time zone from being answered with the last one)."""
    from servicepact.services.view_cache import cached

    hour = app.now().strftime("%Y-%m-%dT%H")
    return cached(
        app,
        actor=actor,
        name="compliance",
        args=(contract_id, period, hour),
        compute=lambda: compliance_view(app, actor=actor, contract_id=contract_id, period=period),
        state=state,
    )
