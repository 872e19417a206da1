"""``servicepact calendars check``: stored holiday lists against the installed package.

A contract version's holidays are fixed when it is applied, and results use only those
dates. A newer (or older) ``holidays`` package may list other dates; this command says which,
per contract and calendar, and prints the amendment that would adopt them. It changes
nothing: the exit code is 1 when any list differs, 0 when none does.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from servicepact.cli._output import FormatOption, OutputFormat, cli_session

console = Console(highlight=False, soft_wrap=True)

calendars_app = typer.Typer(
    name="calendars",
    help="Check the contracts' stored holiday lists against the installed holidays package.",
    no_args_is_help=True,
)


def _dates(days: tuple[object, ...]) -> str:
    return ", ".join(str(d) for d in days)


@calendars_app.command("check")
def check(
    contract: Annotated[
        str | None, typer.Option("--contract", help="One contract (default: every one).")
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Compare each contract's stored holiday lists with the installed holidays package.

    Prints the dates added or removed per contract and calendar, and the amendment that
    would adopt them. Changes nothing; exit code 1 when any list differs.
    """
    from servicepact.services.calendars import check_calendars

    with cli_session() as (app, actor):
        checks = check_calendars(app, actor=actor, contract_id=contract)
    differs = any(c.differs for c in checks)
    if output is OutputFormat.JSON:
        from servicepact.domain.json_values import jsonable

        documents = [
            {
                "contract_id": c.contract_id,
                "version": c.version,
                "calendar_hash": c.calendar_hash,
                "stored": c.stored,
                "differs": c.differs,
                "calendars": [jsonable(d) for d in c.calendars],
                "proposal": c.proposal,
                "effective_from": c.effective_from,
            }
            for c in checks
        ]
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2, default=str))
        raise typer.Exit(1 if differs else 0)
    from importlib.metadata import version

    console.print(f"holidays package {version('holidays')}")
    for found in checks:
        state = "" if found.stored else "  (not fixed yet: run `servicepact init`)"
        console.print(
            f"[bold]{escape(found.contract_id)}[/bold] v{found.version}  "
            f"calendar hash {found.calendar_hash[:16]}{state}"
        )
        if not found.calendars:
            console.print("  no calendar with holidays")
        for drift in found.calendars:
            where = f"{drift.country or 'explicit days'}"
            if drift.subdivision:
                where += f"-{drift.subdivision}"
            head = f"  {escape(drift.calendar)} ({where}, {drift.first_year}-{drift.last_year}): "
            if not drift.differs:
                console.print(head + "same as the package")
                continue
            console.print(head + "differs from the package")
            if drift.added:
                console.print(f"    added by the package:   {_dates(drift.added)}")
            if drift.removed:
                console.print(f"    removed by the package: {_dates(drift.removed)}")
        if found.differs:
            snippet = yaml.safe_dump(
                {"contract": {"calendars": found.proposal}}, sort_keys=False, allow_unicode=True
            )
            target = found.source_name or "FILE"
            console.print(
                "  Results keep using the stored dates. To adopt the package's dates, amend the "
                "contract file's calendars with:"
            )
            for line in snippet.splitlines():
                console.print(f"    {escape(line)}")
            console.print(
                f"  then: servicepact contract apply {escape(target)} "
                f"--effective-from {found.effective_from}"
            )
    if not differs:
        console.print("every stored holiday list matches the installed package")
    raise typer.Exit(1 if differs else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(calendars_app)
