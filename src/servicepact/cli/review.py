"""``servicepact dispute`` and ``servicepact acknowledge``: the vendor's answer to a month.

    servicepact --as bob dispute --contract hanbit-cc-2026 --period 2026-03 \\
        --service-level CC-01 --comment "IVR outage on 10 March"
    servicepact dispute resolve DS-… --note "see the outage log"     (client)
    servicepact --as bob acknowledge --contract hanbit-cc-2026 --period 2026-03
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from servicepact.cli._output import FormatOption, OutputFormat, cli_session

console = Console(highlight=False, soft_wrap=True)
ContractOption = Annotated[str, typer.Option("--contract", help="The contract's id.")]
PeriodOption = Annotated[str, typer.Option("--period", help="The month, e.g. 2026-03.")]

dispute_app = typer.Typer(
    name="dispute",
    help="Dispute a month's results (`dispute raise`) or answer a dispute (`dispute resolve`).",
    no_args_is_help=True,
)


def _print(record: object, output: OutputFormat, text: str) -> None:
    if output is OutputFormat.JSON:
        from servicepact.domain.json_values import jsonable

        typer.echo(json.dumps(jsonable(record), ensure_ascii=False, indent=2))
        return
    console.print(text)


@dispute_app.command("raise")
def raise_dispute(
    contract: ContractOption,
    period: PeriodOption,
    comment: Annotated[str, typer.Option("--comment", help="What is wrong, and why.")],
    service_level: Annotated[
        str | None, typer.Option("--service-level", help="One service level (default: all).")
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Dispute a month's results with a comment (audited); the client resolves it."""
    from servicepact.services.review import raise_dispute as raise_

    with cli_session() as (app, actor):
        record = raise_(
            app,
            actor=actor,
            contract_id=contract,
            period=period,
            comment=comment,
            service_level_id=service_level,
        )
    _print(record, output, f"dispute {record.id} raised on {escape(contract)} {record.period}")


@dispute_app.command("resolve")
def resolve_dispute(
    dispute_id: Annotated[str, typer.Argument(help="The dispute's id (DS-…).")],
    note: Annotated[str, typer.Option("--note", help="The answer (audited).")],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Answer a dispute and close it (client managers)."""
    from servicepact.services.review import resolve_dispute as resolve

    with cli_session() as (app, actor):
        record = resolve(app, actor=actor, dispute_id=dispute_id, note=note)
    _print(record, output, f"dispute {record.id} resolved")


def acknowledge(
    contract: ContractOption,
    period: PeriodOption,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Acknowledge a month's results as they stand (the vendor's sign-off, audited)."""
    from servicepact.services.review import acknowledge_month

    with cli_session() as (app, actor):
        record = acknowledge_month(app, actor=actor, contract_id=contract, period=period)
    _print(
        record,
        output,
        f"{escape(record.acknowledged_by)} acknowledged {escape(contract)} {record.period} "
        f"(results {record.results_sha256[:16]}…)",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(dispute_app)
    app.command("acknowledge")(acknowledge)
