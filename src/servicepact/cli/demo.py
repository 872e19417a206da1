"""``servicepact demo``: a realistic portfolio with a year of data, end to end."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from servicepact.bootstrap import build_app
from servicepact.config import load_settings
from servicepact.demo.generate import DEFAULT_SEED, DEFAULT_YEAR
from servicepact.demo.run import INPUT_DIR, run_demo
from servicepact.demo.summary import NOT_EVALUATED, STATUS_SYMBOLS, DemoSummary
from servicepact.domain.money import minor_unit, round_money
from servicepact.domain.results import ResultStatus

# Colours follow ResultStatus.colour (the RAG of reports and the UI) in terminal names.
_TERMINAL_COLOURS = {"green": "green", "amber": "yellow", "red": "red", "grey": "bright_black"}


class DemoFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class _RichProgress:
    """Adapts the run's progress reports to one rich progress bar per step."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def step(self, description: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total or 0)
        self._task = self._progress.add_task(description, total=max(total, 1))

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the database (unless SERVICEPACT_DATABASE_URL is set), event store "
            "and generated files go. Default: SERVICEPACT_DATA_DIR or ./data.",
            file_okay=False,
        ),
    ] = None,
    year: Annotated[
        int, typer.Option("--year", min=2000, max=2100, help="The year of generated data.")
    ] = DEFAULT_YEAR,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")
    ] = DEFAULT_SEED,
    scale: Annotated[
        float,
        typer.Option(
            "--scale",
            min=0.01,
            max=1.0,
            help="Fraction of the full volumes (~300,000 events), for a quicker try.",
        ),
    ] = 1.0,
    output: Annotated[
        DemoFormat, typer.Option("--format", help="table (readable) or json.")
    ] = DemoFormat.TABLE,
) -> None:
    """Build a realistic outsourcing portfolio with a year of data and measure it.

    Applies the example portfolio and six contracts (examples/), generates a
    year of operational data into DATA_DIR/demo-input/ (up to today while the
    year runs), loads it, evaluates every month, states the credits of closed
    months, checks the example invoices, applies the risk and entrustment
    registers, ranks the vendors and reports business cases and hand-offs.
    Prints each contract's service levels month by month. Never prompts;
    running it again changes nothing and says so.
    """
    overrides: dict[str, object] = {} if data_dir is None else {"data_dir": data_dir}
    app = build_app(load_settings(**overrides))
    err = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=output is DemoFormat.JSON,
            disable=not err.is_terminal,
        ) as progress:
            summary = run_demo(
                app, year=year, seed=seed, scale=scale, progress=_RichProgress(progress)
            )
    finally:
        app.close()
    if output is DemoFormat.JSON:
        typer.echo(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
        return
    render(summary, Console())


def _status_text(value: str | None) -> Text:
    if value is None:
        return Text(NOT_EVALUATED)
    status = ResultStatus(value)
    return Text(STATUS_SYMBOLS[status], style=_TERMINAL_COLOURS[status.colour])


def _render_contracts(summary: DemoSummary, console: Console) -> None:
    """Per contract, its service levels' status in each month of the demo."""
    months = [label[-2:] for label in summary.periods]
    for contract in summary.contracts:
        broker = f" via {contract.broker}" if contract.broker else ""
        state = "applied" if contract.changed else "unchanged"
        table = Table(
            title=f"{contract.id} — {contract.name} ({contract.vendor}{broker}; "
            f"version {contract.version}, {state})",
            title_justify="left",
            show_edge=False,
            pad_edge=False,
            expand=True,
            box=box.SIMPLE_HEAD,
            collapse_padding=True,  # one space between the month columns leaves room for names
        )
        table.add_column("SL", no_wrap=True)
        table.add_column("service level", no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column("kind", no_wrap=True)
        for month in months:
            table.add_column(month, justify="center", no_wrap=True, min_width=2)
        for sl in contract.service_levels:
            table.add_row(
                sl.id,
                sl.name,
                sl.kind,
                *(_status_text(sl.statuses.get(label)) for label in summary.periods),
            )
        console.print(table)
        console.print()


def _render_loads(summary: DemoSummary, console: Console) -> None:
    """What each file loaded: rows, kept, rejected, corrected, findings, and their totals."""
    files = Table(title="Loads", title_justify="left", show_edge=False, pad_edge=False)
    files.add_column("contract / file", no_wrap=True, overflow="ellipsis", max_width=34)
    for name in ("rows", "kept", "rej.", "corr.", "find."):
        files.add_column(name, justify="right", no_wrap=True)
    for f in summary.files:
        files.add_row(
            f"{f.contract_id}/{f.file}",
            f"{f.rows:,}",
            f"{f.accepted:,}",
            f"{f.rejected:,}",
            f"{f.corrections:,}",
            f"{f.findings:,}",
        )
    totals = summary.totals()
    files.add_row(
        f"total: {totals['files']} files",
        f"{totals['rows']:,}",
        f"{totals['accepted']:,}",
        f"{totals['rejected']:,}",
        f"{totals['corrections']:,}",
        f"{totals['findings']:,}",
        style="bold",
    )
    console.print(
        "kept: rows stored; rej.: rejected rows; corr.: corrected events; find.: control findings",
        style="dim",
    )
    console.print(files)
    console.print()


def render(summary: DemoSummary, console: Console) -> None:
    """The readable summary: a status grid per contract, load totals, timings."""
    _render_contracts(summary, console)
    legend = "  ".join(
        f"[{_TERMINAL_COLOURS[s.colour]}]{STATUS_SYMBOLS[s]}[/] {s.label.lower()}"
        for s in ResultStatus
    )
    console.print(legend)
    console.print()

    _render_loads(summary, console)
    _render_commercials(summary, console)
    counts = summary.status_counts()
    console.print(
        "results: " + ", ".join(f"{counts[s.value]} {s.label.lower()}" for s in ResultStatus)
    )
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items())
    console.print(f"timings: {timings}")
    console.print(
        f"data: {summary.data_dir} (inputs in {INPUT_DIR}/, "
        f"{'generated' if summary.data_generated else 'reused'}); database: {summary.database}"
    )
    for note in summary.notes:
        console.print(f"note: {note}")
    if summary.logins:
        console.print(
            "web UI: run [bold]servicepact serve[/bold] and sign in as "
            + "; ".join(
                f"{login.name} / {login.password} ({login.role}"
                + (f", {login.party})" if login.party else ")")
                for login in summary.logins
            ),
            highlight=False,
        )
    if summary.changed:
        console.print(
            "[green]The demo portfolio is in place.[/green] Run it again: nothing changes."
        )
    else:
        console.print("Nothing changed: the portfolio, contracts and data were already in place.")


def _money(amount: str | None, currency: str) -> str:
    """An amount in the currency's minor unit, without the code (the column header has it)."""
    if amount is None:
        return "-"
    return f"{round_money(Decimal(amount), currency):,.{minor_unit(currency)}f}"


def _render_commercials(summary: DemoSummary, console: Console) -> None:
    """Credits and business cases per contract, invoice checks, vendor ranking, registers."""
    currencies = sorted({c.currency for c in summary.contracts})
    unit = f" ({currencies[0]})" if len(currencies) == 1 else ""
    money = Table(title="Commercials", title_justify="left", show_edge=False, pad_edge=False)
    money.add_column("contract", no_wrap=True, overflow="ellipsis", max_width=22)
    money.add_column(f"credits{unit}", justify="right", no_wrap=True)
    money.add_column("earned back", justify="right", no_wrap=True)
    money.add_column("case saving", justify="right", no_wrap=True)
    money.add_column("payback", justify="right", no_wrap=True)
    for c in summary.contracts:
        case = c.business_case or {}
        saving = case.get("saving_total")
        payback = case.get("payback_month")
        money.add_row(
            c.id,
            _money(c.credits, c.currency),
            _money(c.earned_back, c.currency),
            _money(None if saving is None else str(saving), c.currency),
            "-" if payback is None else f"month {payback}",
        )
    console.print(money)
    if summary.contracts and summary.contracts[0].credit_months:
        console.print(
            f"credits over {summary.contracts[0].credit_months} closed months", style="dim"
        )
    console.print()
    if summary.invoices:
        checks = Table(
            title="Invoice checks", title_justify="left", show_edge=False, pad_edge=False
        )
        checks.add_column("invoice", no_wrap=True, overflow="ellipsis", max_width=34)
        for name in ("verdict", "expected", "invoiced", "diff."):
            checks.add_column(name, no_wrap=True, justify="right")
        for inv in summary.invoices:
            currency = next((c.currency for c in summary.contracts if c.id == inv.contract_id), "")
            checks.add_row(
                inv.file,
                inv.verdict,
                _money(inv.expected_total, currency),
                _money(inv.invoiced_total, currency),
                str(inv.differences),
            )
        console.print(checks)
        console.print()
    if summary.vendors:
        ranked = ", ".join(
            f"{v.rank or '-'}. {v.vendor_id}"
            + ("" if v.composite is None else f" {v.composite:.1f}")
            + (f" ({v.standing})" if v.standing else "")
            for v in summary.vendors
        )
        console.print(f"vendor ranking {summary.governance.ranking_period}: {ranked}")
    for h in summary.handoffs:
        share = h.tickets_with_handoff / h.tickets if h.tickets else 0.0
        console.print(
            f"hand-offs {h.contract_id}: {share:.0%} of {h.tickets:,} tickets handed to internal "
            f"teams, {h.bounced} bounced, {h.overload_weeks} weeks over the teams' capacity"
        )
    for sel in summary.selections:
        console.print(f"selection {sel.project}: {sel.winner or 'no winner'} of {sel.candidates}")
    g = summary.governance
    console.print(
        f"risks: {g.risks_applied} in the register, {g.risks_raised} raised by the rules, "
        f"{g.open_risks} open; entrustments: {g.entrustments}"
    )
    a = summary.alerts
    console.print(
        f"alerts: {a.conditions} conditions hold, {a.sent} sent to the outbox {a.outbox}, "
        f"{a.already_sent} sent before (each condition is sent once until it changes)",
        highlight=False,
    )
    for example in a.examples:
        console.print(f"  {example}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
