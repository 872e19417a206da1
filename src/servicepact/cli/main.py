"""The ``servicepact`` command. Each concept's commands live in their own module."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from servicepact import __version__
from servicepact.cli.errors import exit_code_for
from servicepact.domain.errors import DomainError

app = typer.Typer(
    name="servicepact",
    help="Manage outsourced business processes by measured performance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"servicepact {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    as_user: str | None = typer.Option(
        None,
        "--as",
        metavar="USER",
        help="Act as this stored user, with its role and party (default: a local admin).",
    ),
) -> None:
    """Manage outsourced business processes by measured performance."""
    if as_user:
        # Settings read SERVICEPACT_USER; setting it here keeps settings the one reader.
        os.environ["SERVICEPACT_USER"] = as_user


def _register() -> None:
    """Add each command module's commands; a module that is not there yet is skipped."""
    import importlib

    for name in (
        "system",
        "contract",
        "clock",
        "load",
        "evaluate",
        "commercial",
        "vendors",
        "demo",
        "report",
        "serve",
        "baseline",
    ):
        try:
            module = importlib.import_module(f"servicepact.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"servicepact.cli.{name}":
                continue
            raise
        module.register(app)


_register()


def run() -> None:
    """Entry point: domain errors become one clear line and an exit code, never a traceback."""
    try:
        app()
    except DomainError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(exit_code_for(error))
