"""Evaluating a contract file against event files, with no database (``servicepact evaluate
--contract FILE --data DIR``). Nothing read here is stored."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from servicepact.contractfile import load_contract_file
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import Period, ReportPeriod, months_between, parse_period
from servicepact.domain.results import PeriodCompliance, ServiceLevelResult
from servicepact.engine.evaluate import contract_timezone
from servicepact.services._scale_out import compute_tables
from servicepact.services.period_reports import compliance_of, plan
from servicepact.services.scale_out import EngineChoice, choose_engine
from servicepact.store.events.reading import read_events_for_evaluation

DATA_SUFFIXES = (".csv", ".jsonl", ".parquet", ".xlsx")

Step = Callable[[str], None]  # told what is done next ("Reading calls.csv", "Evaluating")


@dataclass(frozen=True)
class FileEvaluation:
    """What ``evaluate_files`` gives: the contract, the results of the measured periods, and
    the compliance report of each reporting period (quarter, year, ...) named."""

    contract: Contract
    results: list[ServiceLevelResult]
    reports: list[tuple[ReportPeriod, list[PeriodCompliance]]] = field(default_factory=list)


def evaluation_periods(
    labels: list[str], contract: Contract, *, all_months: bool, now: datetime
) -> tuple[list[Period], list[ReportPeriod]]:
    """The periods to evaluate — the months named, the measured periods inside each quarter,
    year, year to date or contract year named (services/period_reports.py), and with
    ``all_months`` every month of the term up to ``now`` — and the reporting periods among
    the labels. At least one period is needed. A month named that starts after the contract's
    termination is refused; the months of a longer period stop at the termination."""
    measured, reports = plan(labels, contract, now=now, field="--period")
    periods: list[Period] = []
    problems: list[Problem] = []
    for label in measured:
        period = parse_period(label, term=contract.term)
        refused = contract.after_termination(period.start)
        if refused is None:
            periods.append(period)
        elif label in labels:
            problems.append(Problem("--period", f"{period.label} {refused}", value=label))
    if problems:
        raise InvalidInput(problems)
    if all_months:
        last = min(contract.term.end, now.date(), contract.termination_date or date.max)
        periods.extend(p for p in months_between(contract.term.start, last) if p not in periods)
    if not periods:
        raise InvalidInput(
            [Problem("--period", "give at least one period (e.g. 2026-03) or --all-months")]
        )
    return periods, reports


def data_file(directory: Path, source: str) -> Path:
    """The one file ``DIR/<source>.(csv|jsonl|parquet|xlsx)`` holding a source's events."""
    found = [directory / f"{source}{suffix}" for suffix in DATA_SUFFIXES]
    present = [p for p in found if p.is_file()]
    if not present:
        raise InvalidInput(
            [
                Problem(
                    str(directory / source),
                    f"no events for source {source!r}: expected one of "
                    + ", ".join(p.name for p in found),
                )
            ]
        )
    if len(present) > 1:
        raise InvalidInput(
            [
                Problem(
                    str(directory / source),
                    "several files for one source: " + ", ".join(p.name for p in present),
                )
            ]
        )
    return present[0]


def evaluate_files(
    *,
    contract_file: Path,
    data_dir: Path,
    labels: list[str],
    all_months: bool,
    now: datetime,
    step: Step | None = None,
    engine: str | EngineChoice = "local",
    spark_master: str | None = None,
) -> FileEvaluation:
    """Validate the contract and the event files, then evaluate (no database) in this
    process or, with ``engine="spark"``, on Apache Spark (the same results); for a
    reporting period, its compliance report from the same events."""
    choice = choose_engine(engine=engine, spark_master=spark_master)
    contract = load_contract_file(contract_file).contract
    if not data_dir.is_dir():
        raise InvalidInput([Problem("--data", "is not a directory", value=str(data_dir))])
    periods, reports = evaluation_periods(labels, contract, all_months=all_months, now=now)
    sources = sorted({sl.source for sl in contract.service_levels})
    types = {**BUILT_IN, **contract.declared_event_types}
    unknown = [s for s in sources if s not in types]
    if unknown:
        raise InvalidInput([Problem(s, "is not a built-in event type") for s in unknown])
    # Nothing read here is stored, so pseudonyms need no stable key: a fresh random key
    # per run means personal data never leaves the process even as a reusable hash.
    key = secrets.token_bytes(32)
    tables = {}
    for source in sources:
        path = data_file(data_dir, source)
        if step is not None:
            step(f"Reading {path.name}")
        tables[source] = read_events_for_evaluation(
            path,
            types[source],
            data_protection=contract.data_protection,
            pseudonym_key=key,
            timezone=contract_timezone(contract),
        )
    if step is not None:
        step("Evaluating")
    results = compute_tables(choice, contract, tables, periods, now=now).results
    return FileEvaluation(
        contract,
        results,
        [(report, compliance_of(contract, report, results, tables, now=now)) for report in reports],
    )
