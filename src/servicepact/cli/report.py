"""``servicepact report``: the monthly service review pack of a contract, or the portfolio pack.

    servicepact report --contract hanbit-cc-2026 --period 2026-03 --format pdf --lang ko
    servicepact report --portfolio --period 2026-03 --format xlsx --lang en

The pack is written to ``--output`` or under ``DATA_DIR/reports/``, and its path is printed
(alone on standard output, so scripts can pick it up). What the pack holds is what the acting
user may see: ``--as bob`` gives vendor bob's view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from servicepact.cli._output import cli_session
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.files import write_atomically
from servicepact.reports.formats import ReportFormat
from servicepact.reports.messages import Lang
from servicepact.reports.pdf_ahead import Layout, layout_ahead

progress_console = Console(stderr=True)


def report(
    period: Annotated[
        str,
        typer.Option("--period", metavar="YYYY-MM", help="The month of the pack, e.g. 2026-03."),
    ],
    contract: Annotated[
        str | None,
        typer.Option("--contract", metavar="ID", help="The contract whose review pack to make."),
    ] = None,
    portfolio: Annotated[
        bool,
        typer.Option("--portfolio", help="Make the executives' pack over every contract instead."),
    ] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="html (self-contained page), pdf, xlsx (one sheet per section) or json "
            "(the pack's data).",
        ),
    ] = ReportFormat.HTML,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the pack.")] = Lang.KO,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write the pack (default: DATA_DIR/reports/<contract|portfolio>-"
            "<month>-<lang>.<format>).",
        ),
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            metavar="DIR",
            help="Business cases (<contract id>.yaml) for the portfolio's savings "
            "(default: the applied business cases, `servicepact business-case --apply`).",
        ),
    ] = None,
) -> None:
    """Write a monthly service review pack (HTML, PDF or XLSX); print its path.

    Per contract: service levels with RAG, 12-month trend charts, credits
    with their arithmetic, the invoice check, risks, open exclusions and
    control findings, with the data batches and inputs hash behind them.
    With --portfolio: every contract's month, credits to date, the vendor
    ranking, top risks and savings to date. See docs/reports.md.
    """
    if (contract is None) == (not portfolio):
        raise InvalidInput(
            [Problem("--contract", "give either --contract ID or --portfolio (not both)")]
        )
    if cases is not None and not cases.is_dir():
        raise InvalidInput([Problem("--cases", "not a directory", value=str(cases))])
    if output is not None and output.is_dir():
        raise InvalidInput(
            [Problem("--output", "is a directory; give a file name", value=str(output))]
        )
    # A PDF's layout engine is imported in a second process while this one gathers the data.
    with layout_ahead(wanted=fmt is ReportFormat.PDF) as layout:
        path = _write(period, contract, fmt, lang, output, cases, layout)
    typer.echo(str(path))


def _write(
    period: str,
    contract: str | None,
    fmt: ReportFormat,
    lang: Lang,
    output: Path | None,
    cases: Path | None,
    layout: Layout,
) -> Path:
    from servicepact.reports.packs import build_pack, font_cache, render
    from servicepact.reports.packs import default_path as default_report_path

    with cli_session() as (app, actor):
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=progress_console,
            transient=True,
        ) as progress:
            task = progress.add_task("Gathering the pack's data", total=None)
            pack = build_pack(
                app, actor=actor, period=period, contract_id=contract, cases_dir=cases
            )
            progress.update(task, description=f"Rendering {fmt.value.upper()}")
            content = render(pack, fmt=fmt, lang=lang, font_cache=font_cache(app), layout=layout)
        path = output if output is not None else default_report_path(app, pack, fmt=fmt, lang=lang)
        write_atomically(path, content)
    return path


def register(app: typer.Typer) -> None:
    app.command("report")(report)
