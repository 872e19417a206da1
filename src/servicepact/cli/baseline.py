"""``servicepact baseline``: measure an in-house history, propose levels, replay credits.

``--contract FILE --data DIR --from 2025-01 --to 2025-12`` evaluates each month of the history
in DIR (``<source>.csv|jsonl|parquet|xlsx``, found as ``servicepact evaluate --data`` finds
them) with the contract file's service levels, and prints per level the monthly values, the
median and quartiles, the best and worst month, the trend and the proposed levels beside the
file's own. ``--replay`` adds what the credit regime would have charged on the history, with the
file's levels and with the proposed ones. ``--write-proposal OUT.yaml`` writes the contract file
with the proposed levels. ``--save`` keeps the study (not the events) in the database, audited;
``servicepact baseline-studies`` lists and shows kept studies. ``--engine spark`` evaluates
(and counts) the history on Apache Spark: the same study (docs/scale-out.md). The method:
docs/baseline.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from servicepact.cli._output import (
    EngineOption,
    OutputFormat,
    SparkMasterOption,
    cli_session,
    engine_choice,
)
from servicepact.domain.errors import InvalidInput, Problem

if TYPE_CHECKING:
    from servicepact.services.scale_out import EngineChoice

console = Console(highlight=False, soft_wrap=True)


def _decimal(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput([Problem(option, "is not a number", value=text)]) from None
    if not value.is_finite():
        raise InvalidInput([Problem(option, "is not a number", value=text)])
    return value


def _level_table(sl: Any, baseline: Any, proposal: Any) -> Table:
    from servicepact.domain.display import format_value, trend_text

    unit = baseline.unit
    table = Table(
        title=f"{escape(sl.id)} {escape(sl.name)} ({sl.kpi}, {baseline.direction.value} is better)",
        title_justify="left",
    )
    table.add_column("Month")
    table.add_column("Value", justify="right")
    table.add_column("n", justify="right")
    table.add_column("Note")
    for month in baseline.months:
        table.add_row(
            month.period,
            format_value(month.value, unit),
            str(month.sample_size),
            escape(month.left_out or ""),
        )
    table.add_section()
    for label, value in (
        ("Worst quartile", baseline.worst_quartile),
        ("Median", baseline.median),
        ("Best quartile", baseline.best_quartile),
    ):
        table.add_row(f"[bold]{label}[/bold]", format_value(value, unit), "", "")
    for label, month in (
        ("Best month", baseline.best_month),
        ("Worst month", baseline.worst_month),
    ):
        if month is not None:
            table.add_row(label, format_value(month.value, unit), "", month.period)
    if baseline.trend is not None:
        table.add_row(
            "Trend",
            trend_text(baseline.trend_per_month, unit) or "",
            "",
            baseline.trend.value,
        )
    table.add_section()
    improve = f" (+{proposal.improve_percent} %)" if proposal.improve_percent else ""
    table.add_row(
        "[bold]Proposed[/bold]" + improve,
        f"{format_value(proposal.expected, unit)} / {format_value(proposal.minimum, unit)}",
        "",
        "expected / minimum" if proposal.proposed else escape(proposal.note),
    )
    table.add_row(
        "Contract file",
        f"{format_value(proposal.current_expected, unit)} / "
        f"{format_value(proposal.current_minimum, unit)}",
        "",
        "expected / minimum",
    )
    return table


def _replay_table(study: Any, replayed: Any) -> Table:
    from servicepact.domain.display import amount_text

    currency = study.contract.currency
    levels = "the contract file's levels" if replayed.label == "contract" else "proposed levels"
    table = Table(
        title=f"Replay on the history with the {levels} ({currency})", title_justify="left"
    )
    for header in ("Level", "Met", "Below", "Breached", "n.d.", "Breached %", "Credits", "Net"):
        table.add_column(header, justify="left" if header == "Level" else "right")
    for sl, level in zip(study.contract.service_levels, replayed.levels, strict=True):
        share = level.breached_share
        table.add_row(
            escape(sl.id) + ("" if sl.credited else " (key)"),
            str(level.met),
            str(level.below_expected),
            str(level.breached),
            str(level.insufficient),
            "—" if share is None else f"{float(share) * 100:.0f} %",
            amount_text(level.charged, currency),
            amount_text(level.net, currency),
        )
    table.add_section()
    for year in replayed.years:
        share = year.net / year.fees * 100 if year.fees else Decimal(0)
        table.add_row(
            f"{year.year}",
            f"{year.months} months",
            "",
            "",
            "",
            f"{share:.2f} % of fees",
            amount_text(year.charged, currency),
            amount_text(year.net, currency),
        )
    return table


def baseline_command(
    contract: Annotated[
        Path, typer.Option("--contract", help="The (proposed) contract file, YAML.")
    ],
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="A directory with the in-house history: <source>.csv|jsonl|parquet|xlsx per "
            "source the contract's service levels read.",
        ),
    ],
    first: Annotated[str, typer.Option("--from", help="First history month, e.g. 2025-01.")],
    last: Annotated[str, typer.Option("--to", help="Last history month, e.g. 2025-12.")],
    improve_percent: Annotated[
        str,
        typer.Option(
            "--improve-percent",
            help="Propose levels this much better than the baseline: a share moves this "
            "percent of its gap to 100 %, a lower-is-better level this percent toward 0.",
        ),
    ] = "0",
    with_replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Replay the credit regime on the history, with the file's levels and the "
            "proposed ones.",
        ),
    ] = False,
    write_proposal: Annotated[
        Path | None,
        typer.Option(
            "--write-proposal",
            help="Write the contract file with the proposed levels to this path (canonical "
            "YAML, validated).",
        ),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="Keep the study in the database (statistics, proposal, replay, the SHA-256 of "
            "every file read), audited; client managers only.",
        ),
    ] = False,
    note: Annotated[str, typer.Option("--note", help="With --save: what the study is for.")] = "",
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text (tables) or json (docs/baseline.md).")
    ] = OutputFormat.TEXT,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Baseline an in-house history and propose expected and minimum levels from it."""
    from servicepact.contractfile import load_contract_file
    from servicepact.services.baseline import history_months

    chosen = engine_choice(engine, spark_master)
    improve = _decimal(improve_percent, "--improve-percent")
    if not data.is_dir():
        raise InvalidInput([Problem("--data", "is not a directory", value=str(data))])
    parsed = load_contract_file(contract).contract
    months = history_months(first, last)
    if write_proposal is not None and write_proposal.resolve() == contract.resolve():
        raise InvalidInput(
            [
                Problem(
                    "--write-proposal",
                    "would overwrite the contract file read",
                    value=str(write_proposal),
                )
            ]
        )
    paths = _history_paths(parsed, data, with_replay)
    study = _study(parsed, paths, months, improve, with_replay, chosen)
    stored = _save(study, paths, improve, note) if save else None
    if write_proposal is not None:
        _write_proposal(study, write_proposal)
    _print_study(study, output, write_proposal, stored)


def _save(study: Any, paths: dict[str, Path], improve: Decimal, note: str) -> Any:
    """Keep the study in the database, audited."""
    from servicepact.services.baseline import save_study

    with cli_session() as (app, actor):
        return save_study(
            app, actor=actor, study=study, paths=paths, improve_percent=improve, note=note
        )


def _write_proposal(study: Any, path: Path) -> None:
    from servicepact.contractfile import dump_contract, parse_contract_text

    text = dump_contract(study.proposed_contract)
    # Read back before writing: what is written must validate and round-trip.
    parse_contract_text(text, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _history_paths(parsed: Any, data: Path, with_replay: bool) -> dict[str, Path]:
    """The history file of each source the study reads, by source name."""
    from servicepact.services.file_evaluation import data_file

    sources = {sl.source for sl in parsed.service_levels}
    if with_replay:
        # Per-unit and volume-band fees count their own source, which no level may read.
        sources |= {fee.source for fee in parsed.fees if fee.source is not None}
    return {source: data_file(data, source) for source in sorted(sources)}


def _study(
    parsed: Any,
    paths: dict[str, Path],
    months: Any,
    improve: Decimal,
    with_replay: bool,
    chosen: EngineChoice,
) -> Any:
    """Read the history and study it, showing progress on the terminal."""
    from servicepact.services.baseline import read_history, study_history

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Reading the history", total=None)

        def step(description: str) -> None:
            progress.update(task, description=description)

        tables = read_history(contract=parsed, paths=paths, progress=step)
        return study_history(
            contract=parsed,
            tables=tables,
            months=months,
            now=datetime.now(UTC),
            improve_percent=improve,
            with_replay=with_replay,
            progress=step,
            engine=chosen,
        )


def _print_study(
    study: Any, output: OutputFormat, write_proposal: Path | None, stored: Any
) -> None:
    from servicepact.services.baseline import study_document

    if output is OutputFormat.JSON:
        document = study_document(study)
        if write_proposal is not None:
            document["proposal_file"] = str(write_proposal)
        if stored is not None:
            document["saved_study_id"] = stored.id
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    tables_out: list[Table] = [
        _level_table(sl, b, p)
        for sl, b, p in zip(
            study.contract.service_levels, study.baselines, study.proposals, strict=True
        )
    ]
    tables_out.extend(_replay_table(study, replayed) for replayed in study.replays)
    console.print(Group(*tables_out))
    if write_proposal is not None:
        console.print(f"Wrote the proposed contract to {escape(str(write_proposal))}")
    if stored is not None:
        console.print(f"Kept as baseline study {stored.id} (inputs {stored.inputs_sha256[:12]})")


def studies_command(
    contract: Annotated[
        str | None, typer.Option("--contract", help="Only the studies of this contract id.")
    ] = None,
    show: Annotated[
        int | None, typer.Option("--show", help="One study in full, by its number.")
    ] = None,
    proposal: Annotated[
        Path | None,
        typer.Option("--proposal", help="With --show: write the study's proposed contract file."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text (a table) or json.")
    ] = OutputFormat.TEXT,
) -> None:
    """List the kept baseline studies, or show one with its proposal."""
    from servicepact.services.baseline import get_study, list_studies

    if proposal is not None and show is None:
        raise InvalidInput([Problem("--proposal", "needs --show N")])
    with cli_session() as (app, actor):
        studies = (
            [get_study(app, actor=actor, study_id=show)]
            if show is not None
            else list_studies(app, actor=actor, contract_id=contract)
        )
    if proposal is not None:
        proposal.parent.mkdir(parents=True, exist_ok=True)
        proposal.write_text(studies[0].proposal, encoding="utf-8")
    if output is OutputFormat.JSON:
        documents = [
            {
                "id": s.id,
                "contract_id": s.contract_id,
                "contract_sha256": s.contract_sha256,
                "months": [s.first_month, s.last_month],
                "improve_percent": s.improve_percent,
                "inputs_sha256": s.inputs_sha256,
                "files": [f.__dict__ for f in s.files],
                "note": s.note,
                "created_at": s.created_at.isoformat(),
                "created_by": s.created_by,
                **({"study": s.study, "proposal": s.proposal} if show is not None else {}),
            }
            for s in studies
        ]
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
        return
    table = Table(title="Baseline studies", title_justify="left")
    for header in ("Study", "Contract", "Months", "Improve", "Proposed levels", "By", "When"):
        table.add_column(header)
    for s in studies:
        proposed = ", ".join(
            f"{level['service_level_id']} {level['proposal']['expected_display']} / "
            f"{level['proposal']['minimum_display']}"
            for level in s.study.get("service_levels", [])
            if level["proposal"]["proposed"]
        )
        table.add_row(
            str(s.id),
            escape(s.contract_id),
            f"{s.first_month}..{s.last_month}",
            f"{s.improve_percent} %",
            escape(proposed),
            escape(s.created_by),
            s.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    console.print(table)
    if proposal is not None:
        console.print(f"Wrote the study's proposed contract to {escape(str(proposal))}")


def register(app: typer.Typer) -> None:
    app.command(
        "baseline-studies",
        help="List the kept baseline studies, or show one (--show N) with its proposal.",
    )(studies_command)
    app.command(
        "baseline",
        help="Measure an in-house history with a contract's service levels, propose expected "
        "and minimum levels from it and replay the credit regime on it.",
    )(baseline_command)
