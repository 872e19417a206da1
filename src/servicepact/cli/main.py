"""The ``servicepact`` command. Each concept's commands live in their own module."""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache
from typing import Any

import typer
import typer.main
from rich.console import Console
from typer.core import TyperGroup

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


# Which module holds each command. A command's module is imported only when that command
# runs (or when help lists it), so `servicepact contract validate` does not pay for the
# database, the engine and the web stack at start-up.
COMMAND_MODULES: dict[str, str] = {
    "init": "system",
    "db": "system",
    "audit": "system",
    "user": "system",
    "token": "system",
    "contract": "contract",
    "clock": "clock",
    "calendars": "calendars",
    "load": "load",
    "evaluate": "evaluate",
    "credits": "commercial",
    "invoice": "commercial",
    "close": "commercial",
    "reopen": "commercial",
    "business-case": "commercial",
    "broker": "commercial",
    "scorecard": "vendors",
    "ranking": "vendors",
    "compare": "vendors",
    "survey": "vendors",
    "handoffs": "vendors",
    "map": "vendors",
    "decisions": "vendors",
    "selection": "vendors",
    "risk": "vendors",
    "entrustment": "vendors",
    "alerts": "vendors",
    "baseline": "baseline",
    "baseline-studies": "baseline",
    "report": "report",
    "dispute": "review",
    "acknowledge": "review",
    "demo": "demo",
    "serve": "serve",
}


@cache
def _module_commands(module_name: str) -> dict[str, Any]:
    """The click commands one CLI module registers, built once."""
    module = importlib.import_module(f"servicepact.cli.{module_name}")
    holder = typer.Typer()

    @holder.callback()
    def _holder() -> None:  # a callback makes Typer build a group even for one command
        """Holder."""

    module.register(holder)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return dict(group.commands)


class LazyGroup(TyperGroup):
    """The root group: lists every command, imports a command's module on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return super().get_command(ctx, cmd_name)
        return _module_commands(module_name).get(cmd_name)


app.info.cls = LazyGroup


def run() -> None:
    """Entry point: domain errors become one clear line and an exit code, never a traceback."""
    try:
        app()
    except DomainError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(exit_code_for(error))


def program() -> None:
    """The ``servicepact`` program: ``run``, then an exit without the interpreter's last
    garbage collections over every object the command's imports made.

    A process is about to end, so the collector's passes over the whole heap during shutdown
    (0.15 s after a report or evaluation command's imports) find nothing worth the wait:
    ``gc.freeze`` sets what exists aside. Everything else of a normal exit still happens:
    objects are released by their reference counts, files flushed and closed, ``atexit``
    handlers run. Only for the program itself (a process of its own), never when ``run`` is
    called inside a longer-lived process such as a test session."""
    import gc

    try:
        run()
    finally:
        gc.freeze()
