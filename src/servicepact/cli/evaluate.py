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
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.results import ServiceLevelResult

console = Console(highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


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


def _print(contract: Contract, results: list[ServiceLevelResult], output: OutputFormat) -> None:
    from servicepact.domain.display import result_document

    names = {sl.id: sl for sl in contract.service_levels}
    if output is OutputFormat.JSON:
        documents = [result_document(r, names.get(r.service_level_id)) for r in results]
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
        return
    # A console made now (not at import) follows the terminal width of this run; into a pipe
    # or a file, where there is no width to follow, the table is printed whole.
    width = None if sys.stdout.isatty() else 160
    Console(highlight=False, soft_wrap=True, width=width).print(render_table(contract, results))


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
            help="A period: 2026-03, 2026-Q1 or Y1. Repeat for several.",
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
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text (a table) or json (docs/results.md).")
    ] = OutputFormat.TEXT,
) -> None:
    """Measure a contract's service levels for the given periods."""
    from servicepact.services.file_evaluation import evaluate_files, evaluation_periods

    moment = datetime.now(UTC)
    if now is not None:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError:
            raise InvalidInput(
                [Problem("--now", "is not an ISO 8601 instant", value=now)]
            ) from None
        if moment.tzinfo is None:
            raise InvalidInput(
                [Problem("--now", "needs a UTC offset, e.g. +09:00 or Z", value=now)]
            )
    if data is not None:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("Reading events", total=None)

            def step(description: str) -> None:
                progress.update(task, description=description)

            stored, from_files = evaluate_files(
                contract_file=Path(contract),
                data_dir=data,
                labels=period or [],
                all_months=all_months,
                now=moment,
                step=step,
            )
        _print(stored, from_files, output)
        return
    from servicepact.bootstrap import build_app
    from servicepact.services import evaluation

    app = build_app()
    app.check_schema()
    actor = app.cli_actor()
    with app.uow(read_only=True) as uow:
        from servicepact.services.contracts import get_contract

        contract_model = get_contract(uow, actor=actor, contract_id=contract).contract
    periods = evaluation_periods(period or [], contract_model, all_months=all_months, now=moment)
    labels = [p.label for p in periods]
    # One call for every period: each source is read once, and a bad or closed period
    # refuses the whole request before anything is stored.
    with Progress(console=Console(stderr=True), transient=True) as progress:
        progress.add_task(f"Evaluating {len(labels)} period(s)", total=None)
        results = evaluation.evaluate_periods(
            app, actor=actor, contract_id=contract, period_labels=labels, now=moment
        )
    _print(contract_model, results, output)


def register(app: typer.Typer) -> None:
    app.command(
        "evaluate",
        help="Measure a contract's service levels for periods, from files or the event store.",
    )(evaluate_command)
