"""What several command modules share: the ``--format`` choice and a session on the store.

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


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (readable) or json (machine-readable).")
]


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
