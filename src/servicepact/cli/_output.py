"""What several command modules share: the ``--format`` choice, the ``--engine`` choice and a
session on the store.

Kept apart from the commands so that each module renders its own tables while the way a
command opens the store, acts as the local user and closes it again is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from servicepact.bootstrap import App
    from servicepact.domain.access import Actor
    from servicepact.services.scale_out import EngineChoice


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (readable) or json (machine-readable).")
]

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        metavar="local|spark",
        help="Run the event computations here (local) or on Apache Spark (spark; the same "
        "results, docs/scale-out.md). Default: SERVICEPACT_ENGINE, else local.",
    ),
]

SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        metavar="URL",
        help="With --engine spark: the Spark master (default: SERVICEPACT_SPARK_MASTER, "
        "else a Spark Connect server at SPARK_REMOTE, else local[*]).",
    ),
]


def engine_choice(engine: str | None, spark_master: str | None) -> EngineChoice:
    """``--engine`` and ``--spark-master``, else the settings (services/scale_out.py decides);
    an unknown engine is refused before the command does anything."""
    from servicepact.config import Settings
    from servicepact.services.scale_out import choose_engine

    return choose_engine(Settings(), engine=engine, spark_master=spark_master)


@contextmanager
def cli_session() -> Iterator[tuple[App, Actor]]:
    """The app (wired once by bootstrap) and the acting user; closed afterwards.

    The schema is checked first so that a store that is missing or out of date is named
    before any command reads it. Bootstrap is imported here, not at module level, so that
    ``--help`` does not pay for wiring the database layer.
    """
    from servicepact.bootstrap import build_app

    app = build_app()
    try:
        app.check_schema()
        yield app, app.cli_actor()
    finally:
        app.close()
