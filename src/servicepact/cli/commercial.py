"""Commercial commands: ``credits``, ``invoice check|list``, ``close``, ``reopen``,
``business-case`` and ``broker``.

Each command parses its options, calls one service of ``services/commercials.py`` or
``services/periods.py``, and renders the outcome as a readable table or, with ``--format json``,
as JSON (amounts as exact decimal text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from servicepact.cli._output import (
    EngineOption,
    FormatOption,
    OutputFormat,
    SparkMasterOption,
    cli_session,
    engine_choice,
)
from servicepact.cli.errors import EXIT_FINDINGS
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.money import format_money

console = Console(highlight=False, soft_wrap=True)


ContractOption = Annotated[str, typer.Option("--contract", help="The contract's id.")]
PeriodOption = Annotated[str, typer.Option("--period", help="The month, e.g. 2026-03.")]
VolumeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--volume",
        help="FEE=UNITS: use this volume instead of counting the stored events (repeatable).",
    ),
]
CaseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help="Compute from this business-case YAML without storing it (default: the contract's "
        "applied business case).",
    ),
]
OptionalContractOption = Annotated[
    str | None, typer.Option("--contract", help="The contract's id (with --apply: optional).")
]
ApplyCaseOption = Annotated[
    Path | None,
    typer.Option(
        "--apply",
        help="Store this business-case YAML (and its broker terms) for its contract: a new "
        "version when its content changed, nothing when it did not.",
    ),
]


def _volumes(values: list[str] | None) -> dict[str, int] | None:
    if not values:
        return None
    out: dict[str, int] = {}
    problems: list[Problem] = []
    for value in values:
        fee, sep, units = value.partition("=")
        if not sep or not fee.strip():
            problems.append(Problem("--volume", "write FEE=UNITS, e.g. calls=60000", value=value))
            continue
        try:
            number = int(units.replace(",", "").replace("_", ""))
        except ValueError:
            problems.append(Problem("--volume", "units must be a whole number", value=value))
            continue
        if number < 0:
            problems.append(Problem("--volume", "units cannot be negative", value=value))
            continue
        out[fee.strip()] = number
    if problems:
        raise InvalidInput(problems=problems)
    return out


def _echo_json(data: Any) -> None:
    from servicepact.domain.json_values import jsonable

    typer.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False, default=str))


def _money(amount: Any, currency: str) -> str:
    from decimal import Decimal

    return format_money(Decimal(amount), currency)


# --- credits --------------------------------------------------------------------------------


def credits(
    contract: ContractOption,
    period: PeriodOption,
    volume: VolumeOption = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the statement (a new version if it changed).")
    ] = False,
    output: FormatOption = OutputFormat.TEXT,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Show the month's service credits, each line with its clause and arithmetic (the units
    per fee counted over the month's events on --engine)."""
    from servicepact.services.commercials import state_credits

    chosen = engine_choice(engine, spark_master)
    with cli_session() as (app, actor):
        month = state_credits(
            app,
            actor=actor,
            contract_id=contract,
            period=period,
            volumes=_volumes(volume),
            store=save,
            engine=chosen,
        )
    statement = month.credits
    if output is OutputFormat.JSON:
        _echo_json(statement)
        return
    cur = statement.currency
    console.print(
        f"[bold]{escape(contract)}[/bold] {statement.month}: at risk "
        f"{escape(statement.at_risk_arithmetic)} {cur}"
    )
    table = Table("level", "outcome", "months", "credit", "how")
    for line in statement.lines:
        table.add_row(
            line.service_level_id,
            line.outcome.value.replace("_", " "),
            ", ".join(line.months),
            _money(line.charged, cur) if line.charged else "",
            escape(line.arithmetic),
        )
    console.print(table)
    if statement.cap_applied:
        console.print(f"cap: {escape(statement.cap_arithmetic)}")
    for earned in statement.earn_back:
        console.print(
            f"earn-back {earned.service_level_id} ({earned.credit_month}): "
            f"{earned.outcome.value}, {_money(earned.returned, cur)} — {escape(earned.arithmetic)}"
        )
    for flag in statement.flags:
        console.print(f"[yellow]flag[/yellow] {flag.service_level_id}: {escape(flag.reason)}")
    for note in statement.notes:
        console.print(f"note: {escape(note)}", style="dim")
    console.print(
        f"credits {_money(statement.total, cur)}; earn-back "
        f"{_money(statement.earn_back_total, cur)}; net deduction {_money(statement.net, cur)}"
    )


# --- invoices -------------------------------------------------------------------------------

invoice_app = typer.Typer(
    name="invoice",
    help="Check vendor invoices against the expected invoice.",
    no_args_is_help=True,
)


@invoice_app.command("check")
def invoice_check(
    file: Annotated[Path, typer.Argument(help="The vendor's invoice: CSV or XLSX.")],
    contract: ContractOption,
    period: PeriodOption,
    volume: VolumeOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Compare a vendor invoice line by line with the expected one and store the check.

    Columns: fee_id, quantity, unit_price, amount (and optionally description, period,
    currency). Credit lines are ``credit:<level>`` with quantity 1 and a negative price.
    Exit code 7 when differences are found.
    """
    from servicepact.services.commercials import check_invoice_file

    with cli_session() as (app, actor):
        stored = check_invoice_file(
            app,
            actor=actor,
            contract_id=contract,
            period=period,
            path=file,
            volumes=_volumes(volume),
        )
    result = stored.check
    if output is OutputFormat.JSON:
        _echo_json({"id": stored.id, "check": result, "expected": stored.expected})
    else:
        cur = result.currency
        table = Table("expected line", "quantity", "unit price", "amount", "how")
        for line in stored.expected.lines:
            table.add_row(
                escape(line.line_id),
                f"{line.quantity.normalize():f}",
                _money(line.unit_price, cur),
                _money(line.amount, cur),
                escape(line.arithmetic),
            )
        console.print(table)
        if result.differences:
            diffs = Table("row", "reason", "line", "effect", "why")
            for d in result.differences:
                diffs.add_row(
                    "" if d.row is None else str(d.row),
                    d.reason.label,
                    escape(d.line_id),
                    _money(d.amount, cur),
                    escape(d.message),
                )
            console.print(diffs)
        console.print(
            f"expected {_money(result.expected_total, cur)}; invoiced "
            f"{_money(result.invoiced_total, cur)}; difference {_money(result.difference, cur)}"
        )
        colour = "green" if not result.differences else "red"
        console.print(
            f"verdict: [{colour}]{result.verdict.value}[/{colour}] "
            f"({len(result.differences)} differences) — stored as check {stored.id}"
        )
    if result.differences:
        raise typer.Exit(EXIT_FINDINGS)


@invoice_app.command("list")
def invoice_list(
    contract: ContractOption,
    period: Annotated[str | None, typer.Option("--period", help="Only this month.")] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The stored invoice checks of a contract, newest first."""
    from servicepact.services.commercials import list_invoice_checks

    with cli_session() as (app, actor):
        rows = list_invoice_checks(app, actor=actor, contract_id=contract, period=period)
    if output is OutputFormat.JSON:
        _echo_json([{k: v for k, v in r.items() if k != "details"} for r in rows])
        return
    table = Table("id", "month", "file", "verdict", "expected", "invoiced", "by")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["period"],
            escape(r["source_name"]),
            r["verdict"],
            _money(r["expected_total"], r["currency"]),
            _money(r["invoiced_total"], r["currency"]),
            escape(r["created_by"]),
        )
    console.print(table)


# --- period close ---------------------------------------------------------------------------


def close(
    contract: ContractOption,
    period: PeriodOption,
    output: FormatOption = OutputFormat.TEXT,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Close a month: freeze its results, credits and invoice checks with their hashes (the
    units per fee counted over the month's events on --engine)."""
    from servicepact.services.periods import close_period

    chosen = engine_choice(engine, spark_master)
    with cli_session() as (app, actor):
        record = close_period(
            app, actor=actor, contract_id=contract, period=period,
            engine=chosen,
        )  # fmt: skip
    if output is OutputFormat.JSON:
        _echo_json(record)
        return
    console.print(
        f"closed {escape(contract)} {record.period} (version {record.version}); "
        f"inputs {record.inputs_sha256[:16]}…, outputs {record.outputs_sha256[:16]}…"
    )


def reopen(
    contract: ContractOption,
    period: PeriodOption,
    reason: Annotated[str, typer.Option("--reason", help="Why it is reopened (audited).")],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Reopen a closed month; the closed version stays readable and the reopen is audited."""
    from servicepact.services.periods import reopen_period

    with cli_session() as (app, actor):
        record = reopen_period(app, actor=actor, contract_id=contract, period=period, reason=reason)
    if output is OutputFormat.JSON:
        _echo_json(record)
        return
    console.print(f"reopened {escape(contract)} {record.period} (version {record.version} kept)")


# --- business case and broker ---------------------------------------------------------------


def business_case_command(
    contract: OptionalContractOption = None,
    file: CaseFileOption = None,
    apply: ApplyCaseOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The business case: savings, ROI, payback, NPV, cost per unit, sensitivity, actuals.

    `--apply FILE` stores a contract's business case; afterwards it is read from the database
    wherever the command runs. Planned savings are set against realised ones for months with
    a checked invoice.
    """
    from servicepact.services.commercials import (
        apply_business_case,
        business_case_report,
        read_business_case,
    )

    if apply is not None:
        if file is not None:
            raise InvalidInput([Problem("--file", "give either --apply FILE or --file FILE")])
        inputs = read_business_case(apply)
        if contract is not None and contract != inputs.contract_id:
            raise InvalidInput(
                [
                    Problem(
                        "contract_id",
                        f"the file is for {inputs.contract_id!r}, not --contract {contract!r}",
                        value=inputs.contract_id,
                    )
                ],
                source=apply.name,
            )
        with cli_session() as (app, actor):
            applied = apply_business_case(app, actor=actor, inputs=inputs, source_name=apply.name)
        if output is OutputFormat.JSON:
            _echo_json(applied)
        else:
            state = "stored as version" if applied.changed else "unchanged: version"
            console.print(f"business case of {applied.contract_id}: {state} {applied.version}")
        return
    if contract is None:
        raise InvalidInput([Problem("--contract", "name the contract (or --apply FILE)")])
    with cli_session() as (app, actor):
        report = business_case_report(app, actor=actor, contract_id=contract, path=file)
    result = report.result
    if output is OutputFormat.JSON:
        _echo_json({"result": result, "actuals": report.actuals})
        return
    _print_business_case(report)


def _print_business_case(report: Any) -> None:
    """The business case as text: its working, the months, the figures, the sensitivity grid
    and the savings realised against the plan."""
    result = report.result
    cur = result.currency
    for line in result.explanation:
        console.print(escape(line))
    table = Table("month", "in-house", "outsourced", "saving", "cumulative")
    for m in result.months:
        table.add_row(
            m.month,
            _money(m.in_house, cur),
            _money(m.outsourced, cur),
            _money(m.saving, cur),
            _money(m.cumulative, cur),
        )
    console.print(table)
    roi = (
        "n/a (no one-time investment)" if result.roi_percent is None else f"{result.roi_percent} %"
    )
    payback = (
        "not within the term" if result.payback_month is None else f"month {result.payback_month}"
    )
    console.print(
        f"saving {_money(result.saving_total, cur)}; ROI {roi}; payback {payback}; NPV at "
        f"{result.discount_rate_percent.normalize():f} % {_money(result.npv, cur)}"
    )
    if result.cost_per_unit_in_house is not None and result.cost_per_unit_outsourced is not None:
        console.print(
            f"cost per {escape(result.unit)}: in-house "
            f"{_money(result.cost_per_unit_in_house, cur)}, outsourced "
            f"{_money(result.cost_per_unit_outsourced, cur)}"
        )
    if result.broker_margin_monthly is not None:
        console.print(f"broker margin: {_money(result.broker_margin_monthly, cur)} a month")
    prices = sorted({c.price_percent for c in result.sensitivity})
    grid = Table("volume \\ price", *[f"{p:+}%" for p in prices], title="saving over the term")
    for v in sorted({c.volume_percent for c in result.sensitivity}):
        cells = {
            c.price_percent: c.total_saving for c in result.sensitivity if c.volume_percent == v
        }
        grid.add_row(f"{v:+}%", *[_money(cells[p], cur) for p in prices])
    console.print(grid)
    realised = [row for row in report.actuals if row.realised_saving is not None]
    if realised:
        actual = Table("month", "planned saving", "realised", "difference")
        for row in realised:
            assert row.realised_saving is not None
            assert row.difference is not None
            actual.add_row(
                row.month,
                _money(row.planned_saving, cur),
                _money(row.realised_saving, cur),
                _money(row.difference, cur),
            )
        console.print(actual)


def broker(
    contract: ContractOption,
    file: CaseFileOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The broker layer of a brokered contract: its margin and its performance.

    Performance is the share of months met, against comparable direct contracts' same KPIs.
    """
    from servicepact.services.commercials import broker_report

    with cli_session() as (app, actor):
        analysis = broker_report(app, actor=actor, contract_id=contract, path=file)
    if output is OutputFormat.JSON:
        _echo_json(analysis)
        return
    for line in analysis.explanation:
        console.print(escape(line))
    table = Table("KPI", "brokered met", "direct met", "points", "comparison")
    for c in analysis.comparisons:
        table.add_row(
            c.kpi,
            "n/a" if c.brokered_met_percent is None else f"{c.brokered_met_percent} %",
            "n/a" if c.direct_met_percent is None else f"{c.direct_met_percent} %",
            "" if c.difference_points is None else f"{c.difference_points:+}",
            c.comparison.value.replace("_", " "),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("credits")(credits)
    app.add_typer(invoice_app)
    app.command("close")(close)
    app.command("reopen")(reopen)
    app.command("business-case")(business_case_command)
    app.command("broker")(broker)
