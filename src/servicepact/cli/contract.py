"""``servicepact contract``: validate, apply, export, list and show contracts; OpenSLO.

``validate`` needs no database: it reads files and reports. The storage
commands call the use cases of ``services/contracts.py`` through the app that
``bootstrap.build_app`` wires once.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from servicepact.cli._output import FormatOption, OutputFormat, cli_session
from servicepact.cli.errors import EXIT_FAILURE, EXIT_INVALID
from servicepact.config import load_settings
from servicepact.contractfile import (
    ContractDocument,
    PortfolioDocument,
    declarations_in,
    dump_contract,
    from_openslo,
    load_contract_file,
    load_document,
    to_openslo,
)
from servicepact.contractfile.kinds import load_other_document
from servicepact.contractfile.reading import DOCUMENT, format_path, parse_yaml_all, read_bytes
from servicepact.contractfile.validation import findings_from
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.lifecycle import LifecycleState
from servicepact.files import write_atomically

console = Console(highlight=False, soft_wrap=True)


class SloFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


VersionOption = Annotated[
    int | None, typer.Option("--version", help="A stored version (default: the latest).")
]
OutputFileOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
ContractIdArgument = Annotated[str, typer.Argument(help="The contract's id.")]

contract_app = typer.Typer(
    name="contract",
    help="Contracts as code: validate, apply, export, list, show; OpenSLO import and export.",
    no_args_is_help=True,
)
openslo_app = typer.Typer(
    name="openslo",
    help="Exchange service levels with OpenSLO v1 (docs/openslo.md).",
    no_args_is_help=True,
)
contract_app.add_typer(openslo_app)


def register(app: typer.Typer) -> None:
    app.add_typer(contract_app)


def _max_bytes() -> int:
    return load_settings().max_contract_file_bytes


# --- validate -----------------------------------------------------------------


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "line": problem.line,
        "column": problem.column,
        "path": problem.where,
        "message": problem.message,
    }


def _located_message(problem: Problem) -> str:
    """``line 31: contract.x: message`` — a problem's place and message after its file."""
    where = "" if problem.where == DOCUMENT else f"{problem.where}: "
    line = f"line {problem.line}: " if problem.line else ""
    return f"{line}{where}{problem.message}"


def _summary(document: ContractDocument | PortfolioDocument) -> str:
    if isinstance(document, ContractDocument):
        count = len(document.contract.service_levels)
        noun = "service level" if count == 1 else "service levels"
        return (
            f"contract {document.contract.id}, {count} {noun}, version hash {document.sha256[:12]}"
        )
    portfolio = document.portfolio
    return (
        f"portfolio: {len(portfolio.parties)} parties, {len(portfolio.processes)} processes, "
        f"{len(portfolio.decisions)} decisions, hash {document.sha256[:12]}"
    )


@contract_app.command("validate")
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Contract or portfolio files (YAML); the risk register, entrustment register, "
            "selection projects and business cases are validated as their own kind."
        ),
    ],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Check contract and portfolio files without a database; report every problem of every file.

    The project's other YAML files (risks, entrustments, selection, business case) are
    recognised by their top-level keys and validated by their kind. Exits 2 when any file is
    invalid.
    """
    limit = _max_bytes()
    results: list[dict[str, Any]] = []
    any_invalid = False
    for path in files:
        try:
            other = load_other_document(path) if path.is_file() else None
            if other is not None:
                results.append(
                    {"file": str(path), "valid": True, "kind": other.kind, "problems": []}
                )
                if output is OutputFormat.TEXT:
                    console.print(
                        f"[green]ok[/green]  {escape(str(path))}  ({escape(other.summary)}; "
                        f"read by {escape(other.used_by)})"
                    )
                continue
            document = load_document(path, max_bytes=limit)
        except InvalidInput as error:
            any_invalid = True
            results.append(
                {
                    "file": str(path),
                    "valid": False,
                    "problems": [_problem_json(p) for p in error.problems],
                }
            )
            if output is OutputFormat.TEXT:
                count = len(error.problems)
                console.print(
                    f"[red]invalid[/red]  {escape(str(path))}  "
                    f"({count} problem{'s' if count != 1 else ''})"
                )
                for problem in error.problems:
                    place = f"line {problem.line}" if problem.line else "file"
                    if problem.column:
                        place += f", col {problem.column}"
                    where = "" if problem.where == DOCUMENT else f"{problem.where}: "
                    console.print(f"  {place:<16} {escape(where + problem.message)}")
            continue
        entry: dict[str, Any] = {
            "file": str(path),
            "valid": True,
            "kind": "contract" if isinstance(document, ContractDocument) else "portfolio",
            "sha256": document.sha256,
            "problems": [],
        }
        if isinstance(document, ContractDocument):
            entry["contract_id"] = document.contract.id
            entry["service_levels"] = len(document.contract.service_levels)
        results.append(entry)
        if output is OutputFormat.TEXT:
            console.print(f"[green]ok[/green]  {escape(str(path))}  ({escape(_summary(document))})")
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
    if any_invalid:
        raise typer.Exit(EXIT_INVALID)


# --- storage commands ---------------------------------------------------------


@contextmanager
def _storage() -> Iterator[tuple[Any, Any, Any]]:
    """The contract use cases, the app and the acting user.

    The storage layer is imported here, not at the top, so that ``validate``
    (and the rest of the CLI) works in an installation without a database.
    """
    try:
        importlib.import_module("servicepact.bootstrap")
        services = importlib.import_module("servicepact.services.contracts")
    except ImportError as error:
        console.print(
            f"[red]error:[/red] contract storage is not available in this installation "
            f"({escape(str(error))})"
        )
        raise typer.Exit(EXIT_FAILURE) from None
    with cli_session() as (app, actor):
        yield services, app, actor


def _write_text(text: str, output: Path | None) -> None:
    """Write to a file all at once (a temporary file renamed into place), or to stdout."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    write_atomically(output, text)
    console.print(f"wrote {escape(str(output))}", style="dim")


@contract_app.command("apply")
def apply(
    files: Annotated[list[Path], typer.Argument(help="Contract (or portfolio) files to store.")],
    output: FormatOption = OutputFormat.TEXT,
    effective_from: Annotated[
        str | None,
        typer.Option(
            "--effective-from",
            metavar="YYYY-MM",
            help=(
                "Month an amendment applies from (earlier months keep the previous version's "
                "terms); an amendment of a contract with measured months needs it (after "
                "every measured month) or --remeasure-from, and it must come after every "
                "closed month."
            ),
        ),
    ] = None,
    remeasure_from: Annotated[
        str | None,
        typer.Option(
            "--remeasure-from",
            metavar="YYYY-MM",
            help=(
                "Month an amendment applies from, accepting that the measured months from "
                "then on are measured again under it (they are listed); earlier months keep "
                "the previous version's terms."
            ),
        ),
    ] = None,
) -> None:
    """Validate and store contracts; a changed file becomes a new version (an amendment).

    Every file is validated first: if any is invalid nothing is stored. A
    portfolio file among them is applied first, so contracts find their parties.
    """
    documents = _read_documents(files)
    results: list[dict[str, Any]] = []
    amended: list[str] = []
    with _storage() as (services, app, actor):
        outcomes = services.apply_documents(
            app,
            actor=actor,
            documents=[
                document.portfolio if isinstance(document, PortfolioDocument) else document
                for document in documents
            ],
            effective_from=effective_from,
            remeasure_from=remeasure_from,
        )
    for document, outcome in zip(documents, outcomes, strict=True):
        if isinstance(document, PortfolioDocument):
            results.append(
                {
                    "file": document.source,
                    "portfolio": True,
                    "created": outcome.created,
                    "updated": outcome.updated,
                    "unchanged": outcome.unchanged,
                    "changed": outcome.changed,
                }
            )
            continue
        results.append(_applied_contract(document.source, outcome))
        if outcome.supersedes is not None:
            amended.append(outcome.contract_id)
    if amended:
        # the open months an amendment reaches are measured again, once it is stored
        freshness = importlib.import_module("servicepact.services.freshness")
        with cli_session() as (app, actor):
            for contract_id in amended:
                freshness.remeasure_after_change(app, actor=actor, contract_id=contract_id)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(results, indent=2))
        return
    _print_applied(results)


def _read_documents(files: list[Path]) -> list[ContractDocument | PortfolioDocument]:
    """Every file read and validated, the portfolio files first; any invalid file refuses
    them all, each problem named with its file."""
    limit = _max_bytes()
    documents: list[ContractDocument | PortfolioDocument] = []
    failures: list[InvalidInput] = []
    for path in files:
        try:
            documents.append(load_document(path, max_bytes=limit))
        except InvalidInput as error:
            failures.append(error)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        # Several files: each problem keeps its own file in front ("file, line N: …").
        raise InvalidInput(
            problems=[
                Problem(str(failure.source), _located_message(p))
                for failure in failures
                for p in failure.problems
            ]
        )
    documents.sort(key=lambda d: not isinstance(d, PortfolioDocument))
    return documents


def _applied_contract(source: Any, outcome: Any) -> dict[str, Any]:
    """What ``apply`` reports of one contract file stored."""
    return {
        "file": source,
        "contract_id": outcome.contract_id,
        "version": outcome.version,
        "changed": outcome.changed,
        **({"calendar_hash": outcome.calendar_hash} if outcome.calendar_hash is not None else {}),
        **(
            {
                "holiday_changes": {
                    name: {
                        "added": [d.isoformat() for d in added],
                        "removed": [d.isoformat() for d in removed],
                    }
                    for name, added, removed in outcome.holiday_changes
                }
            }
            if outcome.holiday_changes
            else {}
        ),
        "effective_from": outcome.effective_from,
        "remeasured": list(outcome.remeasured),
    }


def _print_applied(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result.get("portfolio"):
            console.print(
                f"[green]applied[/green]  {escape(result['file'])}  →  portfolio "
                f"({result['created']} created, {result['updated']} updated, "
                f"{result['unchanged']} unchanged)"
            )
            continue
        state = "new version" if result["changed"] else "unchanged, still version"
        console.print(
            f"[green]applied[/green]  {escape(result['file'])}  →  {escape(result['contract_id'])}"
            f"  ({state} {result['version']})"
        )
        for name, change in result.get("holiday_changes", {}).items():
            # an amendment fixes today's package lists: say which dates moved
            moved = [f"+{d}" for d in change["added"]] + [f"-{d}" for d in change["removed"]]
            console.print(
                f"  holidays of calendar {escape(name)} differ from the previous version: "
                + ", ".join(moved)
            )
        if result["changed"] and result.get("effective_from"):
            console.print(
                f"  applies from {result['effective_from']}; earlier months keep the previous "
                "version's terms"
            )
        if result.get("remeasured"):
            console.print(f"  measured again: {', '.join(result['remeasured'])}")


@contract_app.command("export")
def export(
    contract_id: ContractIdArgument,
    version: VersionOption = None,
    output_file: OutputFileOption = None,
) -> None:
    """Write a stored contract as its canonical YAML file (re-applying it changes nothing)."""
    with _storage() as (services, app, actor):
        contract = services.export_contract(
            app, actor=actor, contract_id=contract_id, version=version
        )
    _write_text(dump_contract(contract), output_file)


def _iso(value: Any) -> str | None:
    return (
        value.isoformat()
        if hasattr(value, "isoformat")
        else (None if value is None else str(value))
    )


@contract_app.command("list")
def list_(output: FormatOption = OutputFormat.TEXT) -> None:
    """The contracts you may see, with their latest version."""
    with _storage() as (services, app, actor):
        summaries = services.list_contracts(app, actor=actor)
    rows = [
        {
            "contract_id": s.id,
            "name": s.name,
            "client": s.client,
            "vendor": s.vendor,
            "broker": s.broker,
            "version": s.version,
            "updated_at": _iso(s.updated_at),
        }
        for s in summaries
    ]
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("contract", "name", "client", "vendor", "broker", "version", "updated at")
    for row in rows:
        table.add_row(
            row["contract_id"],
            row["name"],
            row["client"],
            row["vendor"],
            row["broker"] or "—",
            str(row["version"]),
            row["updated_at"] or "",
        )
    console.print(table)


@contract_app.command("show")
def show(
    contract_id: ContractIdArgument,
    version: VersionOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """A stored contract: parties, term, version history and its service levels."""
    with _storage() as (services, app, actor):
        stored = services.get_contract(app, actor=actor, contract_id=contract_id, version=version)
        now = app.now()
    contract: Contract = stored.contract
    state = contract.lifecycle_on(contract.today(now))
    from servicepact.services.calendars import holiday_list_rows

    if output is OutputFormat.JSON:
        from servicepact.contractfile import canonical_document

        payload = {
            "version": stored.version,
            "versions": list(stored.versions),
            "applied_at": _iso(stored.applied_at),
            "applied_by": str(stored.applied_by),
            "sha256": stored.sha256,
            "calendar_hash": stored.calendar_hash,
            "holidays_stored": stored.holidays_stored,
            "holidays": holiday_list_rows(stored.holidays or {}),
            "effective_from": stored.effective_from,
            "document": canonical_document(contract),
            "lifecycle": state.to_json(),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        return
    broker = f" via {contract.broker}" if contract.broker else ""
    console.print(f"[bold]{escape(contract.id)}[/bold]  {escape(contract.name)}")
    console.print(f"  {escape(contract.client)} ← {escape(contract.vendor)}{escape(broker)}")
    console.print(
        f"  term {contract.term.start} – {contract.term.end}, currency {contract.currency}"
    )
    for line in lifecycle_lines(contract, state):
        console.print(f"  {escape(line)}")
    versions = ", ".join(map(str, stored.versions))
    console.print(
        f"  version {stored.version} (versions {versions}), applied {_iso(stored.applied_at)} "
        f"by {escape(str(stored.applied_by))}, hash {stored.sha256[:12]}"
    )
    if stored.effective_from is not None:
        console.print(
            f"  governs the months from {stored.effective_from}; earlier months keep the terms "
            "of the version before"
        )
    table = Table("id", "name", "KPI", "expected", "minimum", "kind", "allocation %")
    for sl in contract.service_levels:
        table.add_row(
            sl.id,
            sl.name,
            sl.kpi,
            str(sl.expected),
            str(sl.minimum),
            sl.kind.value,
            "" if sl.allocation_percent is None else str(sl.allocation_percent),
        )
    console.print(table)
    console.print("[bold]Formulas[/bold]")
    shown: set[str] = set()
    for sl in contract.service_levels:
        kpi = sl.definition
        if kpi.name in shown:
            continue
        shown.add(kpi.name)
        own = " (declared by the contract)" if kpi.name in {k.name for k in contract.kpis} else ""
        console.print(f"  [bold]{escape(kpi.name)}[/bold]{own}: {escape(kpi.formula)}")
        console.print(f"    placed in a period by {escape(kpi.anchor)}; unit {kpi.unit.value}")
    _print_holidays(stored)


def _print_holidays(stored: Any) -> None:
    """The holiday lists the version is measured with, a calendar at a time, a year a line."""
    lists = stored.holidays or {}
    if not lists:
        return
    fixed = "fixed when applied" if stored.holidays_stored else "from the installed package"
    console.print(f"[bold]Holidays[/bold] ({fixed}; calendar hash {stored.calendar_hash[:16]})")
    for name in sorted(lists):
        held = lists[name]
        console.print(
            f"  [bold]{escape(name)}[/bold] {held.first_year}-{held.last_year}, "
            f"{len(held.dates)} dates, sha256 {held.sha256[:16]}"
        )
        for year in range(held.first_year, held.last_year + 1):
            days = [d for d in held.dates if d.year == year]
            if days:
                console.print(f"    {year}: " + ", ".join(f"{d:%m-%d}" for d in days))


def lifecycle_lines(contract: Contract, state: LifecycleState) -> list[str]:
    """The lifecycle of ``contract show``: status, renewal, notice deadline, termination."""
    zone = contract.lifecycle_timezone
    lines = [f"status {state.status.value.replace('_', ' ')} on {state.today} ({zone})"]
    life = contract.lifecycle
    if life is None:
        return lines
    renewal = life.renewal
    if renewal.automatic:
        most = "no limit" if renewal.max_renewals is None else f"at most {renewal.max_renewals}"
        months = renewal.period_months
        text = f"renewal automatic, {months} month{'' if months == 1 else 's'} each, {most}"
    else:
        text = "renewal none (the term ends on its last day)"
    if state.period is not None and state.period.number > 0:
        text += (
            f"; running renewal {state.period.number} ({state.period.start} – {state.period.end})"
        )
    if state.next_renewal is not None:
        text += f"; next renewal {state.next_renewal}"
    lines.append(text)
    if life.notice is not None:
        notice = life.notice
        unit = "calendar days" if notice.count.value == "calendar_days" else "business days"
        on = f" on calendar {notice.calendar}" if notice.calendar else ""
        text = f"notice {notice.days} {unit}{on}"
        if state.notice_deadline is not None:
            text += (
                f"; deadline {state.notice_deadline} (in {state.days_to_deadline} days) to end "
                f"on {state.ends_on_notice} instead of renewing; alert from "
                f"{notice.alert_days_before} days before"
            )
        else:
            text += "; no deadline ahead"
        lines.append(text)
    lines.append(f"last day {state.last_day or 'none (renews without limit)'}")
    if life.termination is not None:
        lines.append(
            f"terminated {life.termination.date}: {life.termination.reason} "
            "(months starting after it are not measured)"
        )
    return lines


# --- OpenSLO ------------------------------------------------------------------


def _contract_from(reference: str, version: int | None) -> Contract:
    path = Path(reference)
    if path.exists():
        return load_contract_file(path, max_bytes=_max_bytes()).contract
    with _storage() as (services, app, actor):
        contract: Contract = services.export_contract(
            app, actor=actor, contract_id=reference, version=version
        )
    return contract


@openslo_app.command("export")
def openslo_export(
    reference: Annotated[
        str, typer.Argument(help="A contract file, or the id of a stored contract.")
    ],
    version: VersionOption = None,
    output_file: OutputFileOption = None,
    output: Annotated[
        SloFormat, typer.Option("--format", help="yaml (multi-document) or json.")
    ] = SloFormat.YAML,
) -> None:
    """Write a contract's service levels as OpenSLO v1 SLO documents (with inline SLIs)."""
    documents = to_openslo(_contract_from(reference, version))
    if output is SloFormat.JSON:
        text = json.dumps(documents, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)
    _write_text(text, output_file)


@openslo_app.command("import")
def openslo_import(
    file: Annotated[Path, typer.Argument(help="OpenSLO v1 YAML (one or more documents).")],
    into: Annotated[
        Path, typer.Option("--into", help="The contract file to add the service levels to.")
    ],
    output_file: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result here instead of rewriting --into."),
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option("--calendar", help="Calendar for imported KPIs that measure business time."),
    ] = None,
) -> None:
    """Add OpenSLO ratio SLOs to a contract file as service levels (same id: replaced).

    The contract is validated with the new levels before anything is written;
    the file is rewritten in canonical form (comments are not kept).
    """
    limit = _max_bytes()
    parsed = parse_yaml_all(read_bytes(file, max_bytes=limit))
    if parsed.problems:
        raise InvalidInput(problems=parsed.problems, source=str(file))
    slo_docs: list[Any] = []
    for item in parsed.data:
        slo_docs.extend(item if isinstance(item, list) else [item])
    try:
        levels = from_openslo(slo_docs, calendar=calendar)
    except InvalidInput as error:
        raise InvalidInput(problems=error.problems, source=str(file)) from None
    base = load_contract_file(into, max_bytes=limit)
    contract = base.contract
    merged = {sl.id: sl for sl in contract.service_levels}
    replaced = [sl.id for sl in levels if sl.id in merged]
    merged.update({sl.id: sl for sl in levels})
    data = contract.model_dump(by_alias=True)
    data["service_levels"] = list(merged.values())
    # KPIs and event types the SLOs were declared with come along, unless the contract
    # already declares ones of the same name (its own then stand).
    carried = declarations_in(slo_docs)
    for key in ("kpis", "event_types"):
        have = {item["name"] for item in data[key]}
        data[key] = [*data[key], *(d for d in carried[key] if d["name"] not in have)]
    from pydantic import ValidationError

    try:
        updated = Contract.model_validate(data)
    except ValidationError as error:
        findings = findings_from(error, data, Contract)
        raise InvalidInput(
            problems=[Problem(format_path(("contract", *f.path)), f.message) for f in findings],
            source=f"{into} with the levels of {file}",
        ) from None
    _write_text(dump_contract(updated), output_file or into)
    added = len(levels) - len(replaced)
    target = escape(str(output_file or into))
    console.print(
        f"[green]imported[/green] {len(levels)} service level(s) into {target}"
        f" ({added} added, {len(replaced)} replaced)"
    )
