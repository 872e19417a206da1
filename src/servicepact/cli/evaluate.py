"""``servicepact evaluate``: measure a contract's service levels for periods.

Two modes:

* **Files, no database** — ``--contract FILE --data DIR``: reads
  ``DIR/<source>.(csv|jsonl|parquet|xlsx)`` for each source the contract's
  service levels use, validates every row (a bad row stops the command with
  its row, column and reason), evaluates and prints. Nothing is stored.
* **Stored** — ``--contract ID`` (no ``--data``): evaluates the stored contract
  against the event store and stores the results (services/evaluation.py).

The table shows each service level's value (ratios as % with two decimals),
the exact numerator/denominator, the targets in force and the status; ``--format
json`` prints the documented shape of docs/results.md.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from servicepact.cli._output import EngineOption, SparkMasterOption, engine_choice
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.periods import ReportPeriod
from servicepact.domain.results import PeriodCompliance, ResultStatus, ServiceLevelResult

if TYPE_CHECKING:
    from servicepact.services.scale_out import EngineChoice

console = Console(highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"  # the event list (--events) only


class EventsChoice(StrEnum):
    FAILED = "failed"
    MET = "met"
    EXCLUDED = "excluded"
    ALL = "all"


def _status_cell(result: ServiceLevelResult) -> str:
    colour = {"green": "green", "amber": "yellow", "red": "red", "grey": "bright_black"}[
        result.status.colour
    ]
    label = result.status.label + (" (running)" if result.running else "")
    return f"[{colour}]{label}[/{colour}]"


def render_table(contract: Contract, results: list[ServiceLevelResult]) -> Table:
    from servicepact.domain.display import result_document

    table = Table(
        title=f"{escape(contract.name)} ({escape(contract.id)})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    show_excluded = any(r.excluded for r in results)
    for header, justify in (
        ("Level", "left"),
        ("Period", "left"),
        ("Value", "right"),
        ("Num / den", "right"),
        ("Exp.", "right"),
        ("Min.", "right"),
        ("Status", "left"),
        *((("Excl.", "right"),) if show_excluded else ()),
    ):
        # Figures never wrap: an 80-column terminal shows every value whole.
        table.add_column(header, justify=justify, no_wrap=True)
    names = {sl.id: sl for sl in contract.service_levels}
    for result in results:
        doc = result_document(result, names.get(result.service_level_id))
        if result.denominator is not None and isinstance(result.numerator, int):
            fraction = f"{doc['numerator']} / {result.denominator}"
        else:
            fraction = f"n = {result.sample_size}"
        table.add_row(
            escape(result.service_level_id),
            result.period,
            doc["value_display"],
            fraction,
            doc["expected_display"],
            doc["minimum_display"],
            _status_cell(result),
            *((str(result.excluded or ""),) if show_excluded else ()),
        )
    return table


Reports = list[tuple[ReportPeriod, list[PeriodCompliance]]]


def render_compliance(
    contract: Contract, report: ReportPeriod, found: list[PeriodCompliance]
) -> Table:
    """A reporting period: per level, the value over the whole period and its months' record."""
    from servicepact.domain.display import compliance_document

    end = report.end - timedelta(days=1)
    table = Table(
        title=f"{escape(report.label)} ({report.start.isoformat()} to {end.isoformat()})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for header, justify in (
        ("Level", "left"), ("Per", "left"), ("Value over the period", "right"),
        ("Num / den", "right"), ("Met", "right"), ("Below", "right"), ("Breached", "right"),
        ("Insuff.", "right"), ("% met", "right"), ("Other", "left"),
    ):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    names = {sl.id: sl for sl in contract.service_levels}
    for item in found:
        doc = compliance_document(item, names.get(item.service_level_id))
        if item.not_aggregated is not None:
            value, fraction = "not aggregated", ""
        else:
            value = doc["value_display"] + (" (running)" if item.running else "")
            if item.denominator is not None and isinstance(item.numerator, int):
                fraction = f"{doc['numerator']} / {item.denominator}"
            else:
                fraction = f"n = {item.sample_size}"
        other = []
        if item.running_periods:
            other.append("running " + ", ".join(item.running_periods))
        if item.not_measured:
            other.append("not measured " + ", ".join(item.not_measured))
        if item.to_come:
            other.append(f"{len(item.to_come)} to come")
        table.add_row(
            escape(item.service_level_id),
            item.measured_in.replace("_", " "),
            value,
            fraction,
            str(item.count(ResultStatus.MET)),
            str(item.count(ResultStatus.BELOW_EXPECTED)),
            str(item.count(ResultStatus.BREACHED)),
            str(item.count(ResultStatus.INSUFFICIENT_DATA)),
            doc["share_met_display"],
            "; ".join(other),
        )
    return table


def _print(
    contract: Contract,
    results: list[ServiceLevelResult],
    output: OutputFormat,
    reports: Reports | None = None,
) -> None:
    from servicepact.domain.display import compliance_document, result_document

    names = {sl.id: sl for sl in contract.service_levels}
    if output is OutputFormat.JSON:
        documents = [result_document(r, names.get(r.service_level_id)) for r in results]
        if reports:
            # a reporting period named: the results and, per period, the compliance report
            compliance = [
                compliance_document(item, names.get(item.service_level_id))
                for _, found in reports
                for item in found
            ]
            typer.echo(
                json.dumps(
                    {"results": documents, "compliance": compliance}, ensure_ascii=False, indent=2
                )
            )
            return
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
        return
    # A console made now (not at import) follows the terminal width of this run; into a pipe
    # or a file, where there is no width to follow, the table is printed whole.
    width = None if sys.stdout.isatty() else 160
    out = Console(highlight=False, soft_wrap=True, width=width)
    out.print(render_table(contract, results))
    for report, found in reports or []:
        out.print(render_compliance(contract, report, found))
    if reports:
        out.print(
            "The value over the period is recomputed from its events, for information; each "
            "month is judged (and credited) on its own. % met = months met ÷ months judged "
            "(met, below expected or breached)."
        )


# The options of `evaluate` that take more than a line to describe.
ServiceLevelOption = Annotated[
    str | None,
    typer.Option(
        "--service-level",
        metavar="SL",
        help="With --events: the service level whose events to list.",
    ),
]

EventsOption = Annotated[
    EventsChoice | None,
    typer.Option(
        "--events",
        help="List the events behind the stored result of --service-level in --period "
        "(failing first): failed, met, excluded or all.",
    ),
]


def evaluate_command(
    contract: Annotated[
        str,
        typer.Option(
            "--contract",
            metavar="FILE|ID",
            help="A contract file (with --data) or the id of a stored contract.",
        ),
    ],
    period: Annotated[
        list[str] | None,
        typer.Option(
            "--period",
            metavar="PERIOD",
            help="A period: a month (2026-03), a quarter (2026-Q3), a year (2026), the year to "
            "date (2026-YTD) or a contract year (Y1). Repeat for several. A quarter, year or "
            "year to date measures its months and adds the compliance report.",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="DIR",
            help="A directory with <source>.csv|jsonl|parquet|xlsx per source: evaluate files "
            "without a database.",
        ),
    ] = None,
    all_months: Annotated[
        bool, typer.Option("--all-months", help="Every month of the term up to today.")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="INSTANT",
            help="Evaluate as of this instant (ISO 8601 with offset); default: the current time.",
        ),
    ] = None,
    service_level: ServiceLevelOption = None,
    events: EventsOption = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="text (a table), json (docs/results.md) or, with --events, csv.",
        ),
    ] = OutputFormat.TEXT,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Measure a contract's service levels for the given periods."""
    chosen = engine_choice(engine, spark_master)
    moment = _parse_now(now)
    if events is not None or service_level is not None:
        _check_events_options(data, period, all_months, service_level, events)
    elif output is OutputFormat.CSV:
        raise InvalidInput([Problem("--format", "csv is for the event list: add --events")])
    if data is not None:
        _evaluate_data_files(Path(contract), data, period or [], all_months, moment, output, chosen)
    else:
        _evaluate_stored(
            contract, period or [], all_months, moment, service_level, events, output, chosen
        )


def _parse_now(now: str | None) -> datetime:
    """The instant of ``--now`` (with its offset), or the current time."""
    if now is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(now)
    except ValueError:
        raise InvalidInput([Problem("--now", "is not an ISO 8601 instant", value=now)]) from None
    if moment.tzinfo is None:
        raise InvalidInput([Problem("--now", "needs a UTC offset, e.g. +09:00 or Z", value=now)])
    return moment


def _evaluate_data_files(
    contract_file: Path,
    data: Path,
    labels: list[str],
    all_months: bool,
    moment: datetime,
    output: OutputFormat,
    chosen: EngineChoice,
) -> None:
    """Files, no database: measure and print, storing nothing."""
    from servicepact.services.file_evaluation import evaluate_files

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Reading events", total=None)

        def step(description: str) -> None:
            progress.update(task, description=description)

        evaluated = evaluate_files(
            contract_file=contract_file,
            data_dir=data,
            labels=labels,
            all_months=all_months,
            now=moment,
            step=step,
            engine=chosen,
        )
    _print(evaluated.contract, evaluated.results, output, evaluated.reports)
    if output is OutputFormat.TEXT:
        # A file is measured with the installed package's holidays: say which list.
        from importlib.metadata import version

        typer.echo(
            f"holiday lists: {evaluated.contract.calendar_hash} (holidays package "
            f"{version('holidays')}; a stored contract keeps the lists fixed when applied)"
        )


def _evaluate_stored(
    contract: str,
    named_periods: list[str],
    all_months: bool,
    moment: datetime,
    service_level: str | None,
    events: EventsChoice | None,
    output: OutputFormat,
    chosen: EngineChoice,
) -> None:
    """A stored contract: measure against the event store, store the results and print them
    (or, with ``--events``, the events behind one stored result)."""
    from servicepact.bootstrap import build_app
    from servicepact.services.file_evaluation import evaluation_periods

    app = build_app()
    app.check_schema()
    actor = app.cli_actor()
    from servicepact.services.contracts import get_contract
    from servicepact.services.open_periods import closed_months

    contract_model = get_contract(app, actor=actor, contract_id=contract).contract
    closed = set(closed_months(app, contract_id=contract))
    periods, reports = evaluation_periods(
        named_periods, contract_model, all_months=all_months, now=moment
    )
    if events is not None and reports:
        raise InvalidInput(
            [
                Problem(
                    "--period",
                    "the events behind a result are those of one measured period: name the "
                    "month (e.g. 2026-07), not a quarter or a year",
                    value=reports[0].label,
                )
            ]
        )
    # A closed month inside a quarter or year named stands as stored (a month named alone
    # is still refused when closed).
    named = set(named_periods)
    labels = [p.label for p in periods if not (reports and p.label in closed - named)]
    # One call for every period: each source is read once, and a bad or closed period
    # refuses the whole request before anything is stored.
    with Progress(console=Console(stderr=True), transient=True) as progress:
        progress.add_task(f"Evaluating {len(labels)} period(s)", total=None)
        results = _measure(
            app, actor, contract, labels, moment, listing=events is not None,
            engine=chosen,
        )  # fmt: skip
    if events is not None:
        assert service_level is not None
        _print_events(app, actor, contract, service_level, labels[0], events, output)
        return
    compliance = _compliance(app, actor, contract, reports, moment)
    results = _with_stored_only(contract_model, results, compliance)
    _print(contract_model, results, output, compliance)
    if output is OutputFormat.TEXT and results:
        typer.echo(f"holiday lists: {results[0].calendar_hash} (fixed with the contract version)")


def _with_stored_only(
    contract: Contract, results: list[ServiceLevelResult], compliance: Reports
) -> list[ServiceLevelResult]:
    """The results measured now, with those of the closed months inside a reporting period
    (not measured again: shown as stored), in the contract's order of levels."""
    seen = {(r.service_level_id, r.period) for r in results}
    stored_only = {
        (r.service_level_id, r.period): r
        for _, found in compliance
        for item in found
        for r in item.results
        if (r.service_level_id, r.period) not in seen
    }
    if not stored_only:
        return results
    order = {sl.id: i for i, sl in enumerate(contract.service_levels)}
    return sorted(
        [*results, *stored_only.values()],
        key=lambda r: (order.get(r.service_level_id, len(order)), r.period_start, r.period),
    )


def _compliance(
    app: Any, actor: Any, contract: str, reports: list[ReportPeriod], moment: datetime
) -> Reports:
    """The compliance report of each reporting period named, from the stored results (a closed
    month's stand as stored) and the stored events."""
    from servicepact.services.period_reports import compliance

    return [
        compliance(
            app, actor=actor, contract_id=contract, period=report.label, now=moment,
            field="--period",
        )
        for report in reports
    ]  # fmt: skip


def _measure(
    app: Any,
    actor: Any,
    contract: str,
    labels: list[str],
    moment: datetime,
    *,
    listing: bool,
    engine: EngineChoice | None = None,
) -> list[ServiceLevelResult]:
    """Evaluate and store; when only listing events, a closed period or a read-only user
    lists what is stored instead."""
    from servicepact.domain.errors import AccessDenied, PeriodClosed
    from servicepact.services import evaluation

    try:
        return evaluation.evaluate_periods(
            app, actor=actor, contract_id=contract, period_labels=labels, now=moment,
            engine=engine,
        )  # fmt: skip
    except (AccessDenied, PeriodClosed):
        if not listing:
            raise
        return []


def _check_events_options(
    data: Path | None,
    period: list[str] | None,
    all_months: bool,
    service_level: str | None,
    events: EventsChoice | None,
) -> None:
    problems = []
    if events is None:
        problems.append(Problem("--events", "name which events to list with --service-level"))
    if service_level is None:
        problems.append(Problem("--service-level", "name the service level whose events to list"))
    if data is not None:
        problems.append(Problem("--data", "the event list reads a stored result: drop --data"))
    if all_months or len(period or []) != 1:
        problems.append(Problem("--period", "give exactly one period with --events"))
    if problems:
        raise InvalidInput(problems)


def _print_events(
    app: Any,
    actor: Any,
    contract: str,
    service_level: str,
    period: str,
    events: EventsChoice,
    output: OutputFormat,
) -> None:
    from servicepact.reports.event_lists import to_csv
    from servicepact.services import drilldown

    if output is OutputFormat.CSV:
        rows = drilldown.iter_result_events(
            app, actor=actor, contract_id=contract, service_level_id=service_level,
            period=period, outcome=events.value,
        )  # fmt: skip
        sys.stdout.write(to_csv(rows, drilldown.EXPORT_COLUMNS))
        return
    page = drilldown.result_events(
        app, actor=actor, contract_id=contract, service_level_id=service_level,
        period=period, outcome=events.value, per_page=drilldown.MAX_PER_PAGE,
    )  # fmt: skip
    if output is OutputFormat.JSON:
        items = list(
            drilldown.iter_result_events(
                app, actor=actor, contract_id=contract, service_level_id=service_level,
                period=period, outcome=events.value, flat=False,
            )
        )  # fmt: skip
        typer.echo(json.dumps({**page.summary(), "items": items}, ensure_ascii=False, indent=2,
                              default=str))  # fmt: skip
        return
    _print_event_table(page)


def _print_event_table(page: Any) -> None:
    result = page.result
    width = None if sys.stdout.isatty() else 160
    out = Console(highlight=False, soft_wrap=True, width=width)
    listed = page.totals
    out.print(
        f"{escape(page.contract_id)} {escape(page.service_level.id)} {result.period}: "
        f"{escape(page.definition.title)}"
    )
    out.print(f"  rule: {escape(page.definition.formula)}")
    out.print(
        f"  stored result: {result.numerator} / {result.denominator} ({result.status.label}); "
        f"listed: {listed['numerator']} / {listed['denominator']}, "
        f"{listed['sample_size']} counted"
        + ("" if page.agrees else "  [red]the list does not add up to the result[/red]")
    )
    if not page.freshness.current:
        reasons = ", ".join(r.value.replace("_", " ") for r in page.freshness.reasons)
        out.print(f"  [yellow]out of date[/yellow] ({reasons}): evaluate the period again")
    out.print(
        "  " + ", ".join(f"{n} {k}" for k, n in page.counts.items()) + f"; times in {page.timezone}"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header, justify in (
        ("Event", "left"), ("Outcome", "left"), ("Why", "left"), ("Counts at", "left"),
        ("Measured", "right"), ("Target", "right"), ("Margin", "right"),
    ):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for item in page.items:
        colour = {"failed": "red", "met": "green", "excluded": "bright_black"}[item["outcome"]]
        table.add_row(
            escape(str(item.get("id") or item.get("kind") or "")),
            f"[{colour}]{item['outcome']}[/{colour}]",
            item["reason"].replace("_", " "),
            item["counts_at"] or "",
            escape(str(item.get("measured") or item.get("working_seconds") or "")),
            escape(str(item.get("target") or "")),
            escape(str(item.get("margin") or "")),
        )
    out.print(table)
    if page.total > len(page.items):
        out.print(f"  first {len(page.items)} of {page.total}: --format csv or json for all")


def register(app: typer.Typer) -> None:
    app.command(
        "evaluate",
        help="Measure a contract's service levels for periods, from files or the event store.",
    )(evaluate_command)
