"""``servicepact load``: load an event file into a contract, and look at what loads left.

    servicepact load --contract acme-it-2026 --source tickets tickets.csv
    servicepact load quarantine --contract acme-it-2026
    servicepact load batches --contract acme-it-2026
    servicepact load findings --contract acme-it-2026
    servicepact load --clean-orphans

The first form is the default command: anything that is not a sub-command name
is read as a file to load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from servicepact.cli._output import FormatOption, OutputFormat, SparkMasterOption, cli_session
from servicepact.cli.errors import EXIT_INVALID
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import bulk_loads, loads

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
SHOWN_PROBLEMS = 20  # the rest go to --errors-out


class _LoadGroup(TyperGroup):
    """``load FILE`` runs the hidden ``file`` command; ``load quarantine`` a sub-command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args:
            args = ["--help"]
        if args[0] in self.commands or args[0] in ("--help", "-h"):
            return super().parse_args(ctx, args)
        return super().parse_args(ctx, ["file", *args])


load_app = typer.Typer(
    name="load",
    cls=_LoadGroup,
    help=(
        "Load operational data (CSV, JSON Lines, Parquet, Excel) into a contract: "
        "`servicepact load --contract ID --source tickets FILE` "
        "[--accept-valid] [--timezone TZ] [--encoding cp949] [--errors-out FILE] "
        "[--format json]; all options: `servicepact load file --help`. "
        "`servicepact load --clean-orphans` removes files a crashed load left. "
        "See docs/loading.md."
    ),
)

ContractOption = Annotated[str, typer.Option("--contract", help="The contract's id.")]
SourceFilterOption = Annotated[str | None, typer.Option("--source", help="Only this event type.")]


def register(app: typer.Typer) -> None:
    app.add_typer(load_app)


PathArgument = Annotated[
    str | None,
    typer.Argument(
        help="The file (.csv, .tsv, .jsonl, .parquet or .xlsx), a directory of such files "
        "or a glob pattern in quotes ('exports/2026-*.csv'): each file is its own batch.",
        metavar="FILE|DIR|GLOB",
    ),
]
LoadContractOption = Annotated[str | None, typer.Option("--contract", help="The contract's id.")]
SourceOption = Annotated[
    str | None, typer.Option("--source", help="The event type, e.g. tickets or calls.")
]
AcceptValidOption = Annotated[
    bool,
    typer.Option(
        "--accept-valid",
        help="Store the valid rows and quarantine the others (default: all or nothing).",
    ),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone", help="Read timestamps without an offset in this zone (e.g. Asia/Seoul)."
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="The CSV's encoding (default: detect UTF-8 or CP949)."),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="Excel: the sheet to read (default: the first).")
]
ErrorsOutOption = Annotated[
    Path | None,
    typer.Option("--errors-out", help="Write every problem to this file (.csv or .json)."),
]
CleanOrphansOption = Annotated[
    bool,
    typer.Option(
        "--clean-orphans",
        help="Remove batch files a crashed load left without a manifest row, then exit.",
    ),
]
# Loading is local unless asked: SERVICEPACT_ENGINE does not apply to it (docs/scale-out.md).
LoadEngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="local|spark",
        help="Load the files one after the other here (local), or validate and "
        "pseudonymise them side by side on Apache Spark (spark; the same batches, "
        "docs/scale-out.md).",
    ),
]


@load_app.command("file", hidden=True)
def load_file(
    path: PathArgument = None,
    contract: LoadContractOption = None,
    source: SourceOption = None,
    accept_valid: AcceptValidOption = False,
    timezone: TimezoneOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    errors_out: ErrorsOutOption = None,
    clean_orphans: CleanOrphansOption = False,
    output: FormatOption = OutputFormat.TEXT,
    engine: LoadEngineOption = "local",
    spark_master: SparkMasterOption = None,
) -> None:
    """Load a file, a directory of files or a glob pattern's files of events into a contract."""
    if clean_orphans:
        _clean_orphans(output)
        return
    missing = [
        name
        for name, value in (("FILE", path), ("--contract", contract), ("--source", source))
        if value is None
    ]
    if missing:
        raise InvalidInput(
            problems=[Problem(where=name, message="is required to load a file") for name in missing]
        )
    assert path is not None
    assert contract is not None
    assert source is not None
    options = bulk_loads.LoadOptions(
        accept_valid=accept_valid, timezone=timezone, encoding=encoding, sheet=sheet
    )
    if engine == "local" and Path(path).is_file():
        _load_one(Path(path), contract, source, options, errors_out, output)
        return
    files = bulk_loads.input_files(path)
    one = Path(path).is_file()
    if errors_out is not None and not one:
        raise InvalidInput(
            problems=[Problem(where="--errors-out", message="is for loading one file")]
        )
    with cli_session() as (app, actor):
        outcomes = bulk_loads.load_files(
            app, actor=actor, contract_id=contract, source=source, paths=files,
            options=options, engine=engine, master=spark_master or app.settings.spark_master,
        )  # fmt: skip
    _outcomes(outcomes, errors_out, output, one=one)


def _clean_orphans(output: OutputFormat) -> None:
    """Remove the batch files a crashed load left without a manifest row, and list them."""
    with cli_session() as (app, actor):
        removed = loads.clean_orphans(app, actor=actor)
    if output is OutputFormat.JSON:
        console.print_json(json.dumps({"removed": [str(p) for p in removed]}))
    else:
        console.print(f"removed {len(removed)} orphaned file(s)")
        for path_removed in removed:
            console.print(f"  {escape(str(path_removed))}")


def _load_one(
    path: Path,
    contract: str,
    source: str,
    options: bulk_loads.LoadOptions,
    errors_out: Path | None,
    output: OutputFormat,
) -> None:
    """One file, here, with a progress bar: the original form of the command."""
    with cli_session() as (app, actor), _progress(output) as progress:
        task = progress.add_task(escape(path.name), total=path.stat().st_size or None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = loads.load_events(
                app,
                actor=actor,
                contract_id=contract,
                source=source,
                path=path,
                accept_valid=options.accept_valid,
                timezone=options.timezone,
                encoding=options.encoding,
                sheet=options.sheet,
                progress=advance,
            )
        except InvalidInput as error:
            progress.stop()
            _rejected(error, path, errors_out, output)
            raise typer.Exit(EXIT_INVALID) from None
    if errors_out is not None:
        loads.write_problems(report.problems, errors_out)
    _summary(report, output)


def _outcomes(
    outcomes: list[bulk_loads.FileOutcome],
    errors_out: Path | None,
    output: OutputFormat,
    *,
    one: bool,
) -> None:
    """Each file's summary or refusal, as loading it alone prints it (JSON: one object for a
    file named, a list in file order for a directory or a pattern); exit 2 if one was refused."""
    documents: list[Any] = []
    for outcome in outcomes:
        if outcome.refused is not None:
            documents.append(
                _rejected(outcome.refused, outcome.path, errors_out, output, printed=False)
            )
            continue
        assert outcome.report is not None
        if errors_out is not None:
            loads.write_problems(outcome.report.problems, errors_out)
        documents.append(_summary(outcome.report, output, printed=False))
    if output is OutputFormat.JSON:
        console.print_json(json.dumps(documents[0] if one else documents, ensure_ascii=False))
    if any(outcome.refused is not None for outcome in outcomes):
        raise typer.Exit(EXIT_INVALID)


@contextmanager
def _progress(output: OutputFormat) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=output is OutputFormat.JSON,
    )
    with progress:
        yield progress


def _rejected(
    error: InvalidInput,
    path: Path,
    errors_out: Path | None,
    output: OutputFormat,
    *,
    printed: bool = True,
) -> dict[str, Any]:
    """Say why a file was refused; its JSON document (printed unless ``printed`` is false)."""
    problems = list(error.problems)
    if errors_out is not None:
        loads.write_problems(problems, errors_out)
    document = {
        "status": "rejected",
        "file": path.name,
        "problem_count": len(problems),
        "problems": [p.render() for p in problems[:SHOWN_PROBLEMS]],
        "errors_out": str(errors_out) if errors_out else None,
    }
    if output is OutputFormat.JSON:
        if printed:
            console.print_json(json.dumps(document, ensure_ascii=False))
        return document
    err_console.print(
        f"[red]rejected:[/red] {escape(path.name)} has {len(problems)} problem(s); "
        "nothing was stored (use --accept-valid to store the valid rows)."
    )
    for problem in problems[:SHOWN_PROBLEMS]:
        err_console.print(f"  {escape(problem.render(error.source))}")
    if len(problems) > SHOWN_PROBLEMS:
        more = len(problems) - SHOWN_PROBLEMS
        hint = f"all are in {errors_out}" if errors_out else "use --errors-out FILE for all"
        err_console.print(f"  … and {more} more ({hint})")
    return document


def _summary(
    report: loads.LoadReport, output: OutputFormat, *, printed: bool = True
) -> dict[str, Any]:
    """Print what a load did; its JSON document (printed unless ``printed`` is false)."""
    data = report.as_dict()
    data["problems"] = data["problems"][:SHOWN_PROBLEMS]
    if output is OutputFormat.JSON:
        if printed:
            console.print_json(json.dumps(data, ensure_ascii=False))
        return data
    if report.status is loads.LoadStatus.ALREADY_LOADED:
        console.print(
            f"{escape(report.file_name or '')}: already loaded as batch {report.duplicate_of} "
            "(same content); nothing changed."
        )
        return data
    table = Table(title=f"{report.contract_id} / {report.source}: batch {report.batch_seq}")
    table.add_column("rows read", justify="right")
    table.add_column("accepted", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("corrections", justify="right")
    table.add_column("findings", justify="right")
    table.add_row(
        f"{report.rows_read:,}",
        f"{report.rows_accepted:,}",
        f"{report.rows_rejected:,}",
        f"{report.corrections:,}",
        str(len(report.findings)),
    )
    console.print(table)
    for finding in report.findings:
        examples = f" e.g. {', '.join(finding.examples)}" if finding.examples else ""
        console.print(f"  {finding.severity.value}: {escape(finding.detail)}{escape(examples)}")
    for revision in report.revised:
        what = "withdrawn" if revision.withdrawn else "narrowed"
        console.print(
            f"  {what}: finding {revision.finding_id} of batch {revision.batch_seq} "
            f"({revision.before} → {revision.after} days short): {escape(revision.detail)}"
        )
    if report.problems:
        console.print(f"{len(report.problems)} row problem(s), quarantined:")
        for problem in report.problems[:SHOWN_PROBLEMS]:
            console.print(f"  {escape(problem.render(report.file_name))}")
    return data


@load_app.command("quarantine")
def quarantine(
    contract: ContractOption,
    source: SourceFilterOption = None,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Include rows a later load has fixed.")
    ] = False,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Rows refused by loads with --accept-valid: fix them by loading a corrected file."""
    with cli_session() as (app, actor):
        rows = loads.list_quarantine(
            app,
            actor=actor,
            contract_id=contract,
            source=source,
            include_resolved=include_resolved,
        )
    if output is OutputFormat.JSON:
        console.print_json(
            json.dumps(
                [
                    {
                        "source": r.source,
                        "batch": r.batch_seq,
                        "row": r.row_number,
                        "line": r.line,
                        "id": r.event_id,
                        "status": r.status.value,
                        "reasons": r.reasons,
                        "values": r.values,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                default=str,
            )
        )
        return
    table = Table(title=f"quarantined rows of {contract}")
    for name in ("source", "batch", "row", "line", "id", "status", "reasons"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            r.source,
            str(r.batch_seq),
            str(r.row_number or ""),
            str(r.line or ""),
            escape(r.event_id or ""),
            r.status.value,
            escape("; ".join(r.reasons)),
        )
    console.print(table)


@load_app.command("batches")
def batches(
    contract: ContractOption,
    source: SourceFilterOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The batches loaded into a contract, in load order."""
    with cli_session() as (app, actor):
        records = loads.list_batches(app, actor=actor, contract_id=contract, source=source)
    rows: list[dict[str, Any]] = [
        {
            "batch": r.seq,
            "source": r.source,
            "file": r.file_name,
            "sha256": r.content_sha256,
            "read": r.rows_read,
            "accepted": r.rows_accepted,
            "rejected": r.rows_rejected,
            "corrections": r.corrections,
            "loaded_at": r.loaded_at.isoformat(),
            "loaded_by": r.loaded_by,
            "status": r.status.value,
        }
        for r in records
    ]
    if output is OutputFormat.JSON:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"batches of {contract}")
    for name in ("batch", "source", "file", "read", "accepted", "rejected", "corrections"):
        table.add_column(name)
    table.add_column("loaded")
    for row in rows:
        table.add_row(
            *(escape(str(row[k] if row[k] is not None else "")) for k in list(row)[:2]),
            escape(row["file"] or ""),
            *(f"{row[k]:,}" for k in ("read", "accepted", "rejected", "corrections")),
            f"{row['loaded_at'][:16]} by {escape(row['loaded_by'])}",
        )
    console.print(table)


@load_app.command("findings")
def findings(
    contract: ContractOption,
    source: SourceFilterOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Internal-control findings of the loads into a contract."""
    with cli_session() as (app, actor):
        found = loads.list_findings(app, actor=actor, contract_id=contract, source=source)
    if output is OutputFormat.JSON:
        console.print_json(
            json.dumps(
                [
                    {
                        "source": f.source,
                        "batch": f.batch_seq,
                        "kind": f.kind,
                        "severity": f.severity,
                        "count": f.count,
                        "detail": f.detail,
                        "examples": f.examples,
                        "status": f.status.value,
                    }
                    for f in found
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"control findings of {contract}")
    for name in ("source", "batch", "severity", "kind", "status", "count", "detail", "examples"):
        table.add_column(name)
    for f in found:
        table.add_row(
            f.source,
            str(f.batch_seq or ""),
            f.severity,
            f.kind,
            f.status.value,
            f"{f.count:,}",
            escape(f.detail),
            escape(", ".join(f.examples)),
        )
    console.print(table)
