"""Vendor governance commands: scorecards, ranking, comparison, selection, risks, entrustment,
handoffs, the BPO map and alerts. Each calls one use case and renders it; ``--format json``
gives the machine-readable form.

``selection evaluate`` needs no database (a selection is a file); the others read the store.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from servicepact.cli._output import FormatOption, OutputFormat, cli_session
from servicepact.domain.entrustment import AccessAction
from servicepact.domain.event_types import PersonalData

console = Console(highlight=False, soft_wrap=True)


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


PeriodOption = Annotated[str, typer.Option("--period", help="The month, e.g. 2026-03.")]
WeightsOption = Annotated[
    Path | None,
    typer.Option("--weights", help="YAML file of scorecard weights and standing bands."),
]


def jsonable(value: Any) -> Any:
    """Plain JSON: exact fractions become floats (display), Decimals text, dates ISO."""
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(mode="json"))
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, dict):
        return {
            str(jsonable(k)) if not isinstance(k, str) else k: jsonable(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(jsonable(value), indent=2, ensure_ascii=False))


def _num(value: Fraction | float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


# --- scorecards -------------------------------------------------------------------------------


def _scorecard_json(card: Any) -> dict[str, Any]:
    return {
        "vendor": card.vendor_id,
        "period": card.period,
        "composite": None if card.composite is None else float(card.composite),
        "standing": card.standing.name if card.standing else None,
        "colour": card.standing.colour if card.standing else "grey",
        "actions": [a.value for a in card.actions],
        "frozen": card.frozen,
        "components": [
            {
                "component": c.component.value,
                "weight": format(c.weight, "f"),
                "score": None if c.score is None else float(c.score),
                "detail": c.detail,
            }
            for c in card.components
        ],
        "gaps": [{"component": g.component.value, "reason": g.reason} for g in card.gaps],
    }


def _print_scorecard(card: Any) -> None:
    standing = card.standing.name if card.standing else "no standing (gap)"
    console.print(
        f"[bold]{escape(card.vendor_id)}[/bold] {card.period}: composite "
        f"{_num(card.composite)} — {standing}"
        + (f"; actions: {', '.join(a.value for a in card.actions)}" if card.actions else "")
        + ("; frozen with the month's close" if card.frozen else "")
    )
    table = Table("component", "weight", "score", "detail")
    for c in card.components:
        table.add_row(c.component.value, format(c.weight, "f"), _num(c.score), escape(c.detail))
    console.print(table)
    for gap in card.gaps:
        console.print(f"  gap — {gap.component.value}: {escape(gap.reason)}")


def scorecard_command(
    vendor: Annotated[str, typer.Argument(help="The vendor's party id.")],
    period: PeriodOption,
    weights: WeightsOption = None,
    trend: Annotated[
        bool, typer.Option("--trend", help="The 12 months ending with --period, gaps shown.")
    ] = False,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """A vendor's scorecard for a month: components, gaps with reasons, composite, standing."""
    from servicepact.services import vendors as service

    with cli_session() as (app, actor):
        chosen = service.load_weights(weights)
        if trend:
            with Progress(transient=True, console=Console(stderr=True)) as progress:
                progress.add_task("scoring 12 months", total=None)
                result = service.trend(
                    app, actor=actor, vendor_id=vendor, last=period, weights=chosen
                )
            if output is OutputFormat.JSON:
                _echo_json(
                    {
                        "vendor": vendor,
                        "months": [_scorecard_json(p) for p in result.points],
                        "gaps": [{"period": p, "reason": r} for p, r in result.gaps],
                    }
                )
                return
            table = Table("month", "composite", "standing", "gap")
            for point in result.points:
                table.add_row(
                    point.period,
                    _num(point.composite),
                    point.standing.name if point.standing else "—",
                    escape(point.gap_reason or ""),
                )
            console.print(table)
            return
        card = service.scorecard(app, actor=actor, vendor_id=vendor, period=period, weights=chosen)
    if output is OutputFormat.JSON:
        _echo_json(_scorecard_json(card))
    else:
        _print_scorecard(card)


def ranking_command(
    period: PeriodOption, weights: WeightsOption = None, output: FormatOption = OutputFormat.TEXT
) -> None:
    """Vendors ranked by composite score for a month; vendors without data are listed last."""
    from servicepact.services import vendors as service

    with cli_session() as (app, actor):
        ranked, cards = service.ranking(
            app, actor=actor, period=period, weights=service.load_weights(weights)
        )
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "period": period,
                "ranking": [
                    {
                        "rank": r.rank,
                        "vendor": r.vendor_id,
                        "composite": None if r.composite is None else float(r.composite),
                        "standing": r.standing,
                        "gap_reason": r.gap_reason,
                    }
                    for r in ranked
                ],
                "scorecards": [_scorecard_json(c) for c in cards],
            }
        )
        return
    table = Table("rank", "vendor", "composite", "standing", "note")
    for r in ranked:
        table.add_row(
            "—" if r.rank is None else str(r.rank),
            r.vendor_id,
            _num(r.composite),
            r.standing or "—",
            escape(r.gap_reason or ""),
        )
    console.print(table)


def compare_command(
    left: Annotated[str, typer.Argument(help="First vendor.")],
    right: Annotated[str, typer.Argument(help="Second vendor.")],
    period: PeriodOption,
    weights: WeightsOption = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Two vendors side by side on the same components for a month."""
    from servicepact.services import vendors as service

    with cli_session() as (app, actor):
        comparison = service.compare(
            app,
            actor=actor,
            left=left,
            right=right,
            period=period,
            weights=service.load_weights(weights),
        )
    rows, kpis = comparison.rows, comparison.kpis
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "period": period,
                "left": _scorecard_json(comparison.left),
                "right": _scorecard_json(comparison.right),
                "rows": [
                    {
                        "component": row.component,
                        "left": None if row.left is None else float(row.left),
                        "right": None if row.right is None else float(row.right),
                        "difference": None if row.difference is None else float(row.difference),
                    }
                    for row in rows
                ],
                "kpis": [
                    {
                        "kpi": k.kpi,
                        "left": [_measure(m) for m in k.left],
                        "right": [_measure(m) for m in k.right],
                    }
                    for k in kpis
                ],
            }
        )
        return
    table = Table("component", left, right, "difference")
    for row in rows:
        table.add_row(row.component, _num(row.left), _num(row.right), _num(row.difference))
    console.print(table)
    if kpis:
        shared = Table("KPI measured for both", left, right)
        for k in kpis:
            shared.add_row(
                k.kpi,
                "; ".join(f"{n} {_num(v, 4)} {s.value}" for n, v, s in k.left),
                "; ".join(f"{n} {_num(v, 4)} {s.value}" for n, v, s in k.right),
            )
        console.print(shared)


def _measure(item: tuple[str, Fraction | None, Any]) -> dict[str, Any]:
    name, value, status = item
    return {
        "service_level": name,
        "value": None if value is None else float(value),
        "status": status.value,
    }


def survey_command(
    vendor: Annotated[str, typer.Argument(help="The vendor's party id.")],
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2026-Q1.")],
    score: Annotated[str, typer.Argument(help="The relationship survey score, 0-100.")],
    respondents: Annotated[int, typer.Option(help="How many people answered.")] = 0,
) -> None:
    """Enter a vendor's relationship survey for a quarter (it counts in that quarter's months)."""
    from servicepact.domain.errors import InvalidInput, Problem
    from servicepact.services import vendors as service

    try:
        value = Decimal(score)
    except ArithmeticError:
        raise InvalidInput(problems=[Problem("score", "is not a number", value=score)]) from None
    with cli_session() as (app, actor):
        service.record_survey(
            app,
            actor=actor,
            vendor_id=vendor,
            quarter=quarter,
            score=value,
            respondents=respondents,
        )
    console.print(f"survey {quarter} for {escape(vendor)}: {value}")


# --- selection --------------------------------------------------------------------------------

selection_app = typer.Typer(
    name="selection",
    help="Vendor selection: criteria tree, AHP weights, knock-outs, evaluators, sensitivity.",
    no_args_is_help=True,
)


@selection_app.command("evaluate")
def selection_evaluate(
    path: Annotated[Path, typer.Argument(help="The selection project file (YAML).")],
    output: Annotated[
        ReportFormat,
        typer.Option("--format", help="text (table), json, or markdown (the selection report)."),
    ] = ReportFormat.TEXT,
    out_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Evaluate a selection project: ranking, knock-outs with reasons, spread, sensitivity."""
    from servicepact.services.selection import (
        evaluate_selection_file,
        result_json,
        selection_markdown,
    )

    result = evaluate_selection_file(path=path)
    if output is ReportFormat.JSON or output is ReportFormat.MARKDOWN:
        text = (
            json.dumps(result_json(result), indent=2, ensure_ascii=False) + "\n"
            if output is ReportFormat.JSON
            else selection_markdown(result)
        )
        if out_file is None:
            typer.echo(text, nl=False)
        else:
            out_file.write_text(text, encoding="utf-8")
            console.print(f"wrote {escape(str(out_file))}")
        return
    winner = result.winner
    console.print(
        f"[bold]{escape(result.name)}[/bold] — winner: "
        + (f"{escape(winner.name)} ({winner.total:.2f})" if winner and winner.total else "none")
    )
    table = Table("rank", "candidate", "total", "evaluators (min–max)", "knocked out because")
    for c in result.candidates:
        totals = list(c.evaluator_totals.values())
        table.add_row(
            "—" if c.rank is None else str(c.rank),
            escape(c.name),
            _num(c.total),
            f"{min(totals):.1f}–{max(totals):.1f}" if totals else "—",
            escape("; ".join(k.reason for k in c.knockouts)),
        )
    console.print(table)
    sens = Table("criterion", "weight", "winner changes at", "new winner")
    for s in result.sensitivity:
        sens.add_row(
            s.criterion_id,
            f"{s.weight:.3f}",
            "never" if s.threshold is None else f"{s.threshold:.3f} ({s.change:+.3f})",
            s.new_winner or "—",
        )
    console.print(sens)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


@selection_app.command("ahp")
def selection_ahp(
    matrix: Annotated[
        str, typer.Argument(help='Rows separated by ";", entries by ",": "1,3;1/3,1".')
    ],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Weights, λmax, CI and CR of one pairwise comparison matrix."""
    from servicepact.services.selection import pairwise_weights

    rows = [[cell.strip() for cell in row.split(",")] for row in matrix.split(";") if row.strip()]
    result = pairwise_weights(rows, where="matrix")
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "weights": list(result.weights),
                "lambda_max": result.lambda_max,
                "ci": result.ci,
                "ri": result.ri,
                "cr": result.cr,
                "consistent": result.consistent,
            }
        )
        return
    console.print("weights: " + ", ".join(f"{w:.4f}" for w in result.weights))
    console.print(
        f"λmax {result.lambda_max:.4f}  CI {result.ci:.4f}  RI {result.ri}  CR {result.cr:.4f}"
    )
    if result.warning:
        console.print(f"[yellow]warning:[/yellow] {escape(result.warning)}")


# --- risks ------------------------------------------------------------------------------------

risk_app = typer.Typer(
    name="risk",
    help="Risk register, risks raised by rules, heat map, control findings.",
    no_args_is_help=True,
)


def _risk_json(risk: Any) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(risk)
    data["score"] = risk.score
    data["level"] = risk.level.value
    return data


@risk_app.command("apply")
def risk_apply(path: Annotated[Path, typer.Argument(help="Risk register file (YAML).")]) -> None:
    """Create or update the risks of a register file (by id); each change audited."""
    from servicepact.services import risks as service

    register = service.load_risk_register(path)
    with cli_session() as (app, actor):
        outcome = service.apply_risk_register(app, actor=actor, register=register)
    console.print(
        f"risks: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )


@risk_app.command("list")
def risk_list(
    contract: Annotated[str | None, typer.Option(help="Only risks on this contract.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed risks.")] = False,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The risk register (vendors see only risks on their own contracts)."""
    from servicepact.services import risks as service

    with cli_session() as (app, actor):
        risks = service.list_risks(app, actor=actor, contract_id=contract, include_closed=closed)
    if output is OutputFormat.JSON:
        _echo_json([_risk_json(r) for r in risks])
        return
    table = Table("id", "category", "L×I", "level", "status", "title", "review", "opened", "closed")
    for r in risks:
        table.add_row(
            r.id,
            r.category.value,
            f"{r.likelihood}×{r.impact}={r.score}",
            r.level.value,
            r.status.value,
            escape(r.title),
            str(r.review_date or ""),
            str(r.opened or ""),
            str(r.closed or ""),
        )
    console.print(table)


@risk_app.command("heatmap")
def risk_heatmap(output: FormatOption = OutputFormat.TEXT) -> None:
    """The 5 × 5 heat map of open risks (likelihood rows 5..1, impact columns 1..5)."""
    from servicepact.services import risks as service

    with cli_session() as (app, actor):
        grid = service.risk_heat_map(app, actor=actor)
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "rows": "likelihood 5..1",
                "columns": "impact 1..5",
                "cells": [
                    [
                        {
                            "likelihood": c.likelihood,
                            "impact": c.impact,
                            "level": c.level.value,
                            "colour": c.level.colour,
                            "count": c.count,
                            "risks": list(c.risks),
                        }
                        for c in row
                    ]
                    for row in grid
                ],
            }
        )
        return
    table = Table("likelihood \\ impact", "1", "2", "3", "4", "5")
    for row in grid:
        table.add_row(
            str(row[0].likelihood),
            *[f"[{c.level.colour}]{c.count or '·'}[/{c.level.colour}]" for c in row],
        )
    console.print(table)


@risk_app.command("raise")
def risk_raise(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the rules look back from (YYYY-MM-DD).")
    ] = None,
    owner: Annotated[str, typer.Option(help="Owner of newly raised risks.")] = "vendor manager",
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Run the automatic rules (breaches, missing data, concentration, certifications)."""
    from servicepact.services import risks as service

    with cli_session() as (app, actor):
        day = _day(as_of, "--as-of") if as_of else app.now().date()
        raised = service.raise_risks(app, actor=actor, as_of=day, owner=owner)
    if output is OutputFormat.JSON:
        _echo_json([{**jsonable(r), "score": r.score, "level": r.level.value} for r in raised])
        return
    for r in raised:
        console.print(
            f"[bold]{r.category.value}[/bold] {escape(r.title)}\n  {escape(r.explanation)}"
        )
    if not raised:
        console.print("no rule raised a risk")


@risk_app.command("findings")
def risk_findings(
    contract: Annotated[str, typer.Argument(help="The contract's id.")],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Control findings of a contract: loads, incomplete periods, entrustment inspections."""
    from servicepact.services import risks as service

    with cli_session() as (app, actor):
        findings = service.control_findings(app, actor=actor, contract_id=contract)
    if output is OutputFormat.JSON:
        _echo_json(findings)
        return
    table = Table("source", "check", "period", "status", "detail")
    for f in findings:
        table.add_row(f.source.value, f.check, f.period or "", f.status.value, escape(f.detail))
    console.print(table)


def _day(text: str, where: str) -> date:
    from servicepact.domain.errors import InvalidInput, Problem

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            problems=[Problem(where, "is not a date (YYYY-MM-DD)", value=text)]
        ) from None


# --- entrustment ------------------------------------------------------------------------------

entrustment_app = typer.Typer(
    name="entrustment",
    help="Personal-data entrustment register (PIPA Art. 26 / GDPR Art. 28) and access log.",
    no_args_is_help=True,
)


@entrustment_app.command("apply")
def entrustment_apply(
    path: Annotated[Path, typer.Argument(help="Entrustment register file (YAML).")],
) -> None:
    """Create or update the entrustment of each contract in the file; each change audited."""
    from servicepact.services import entrustment as service

    register = service.load_entrustment_register(path)
    with cli_session() as (app, actor):
        outcome = service.apply_entrustment_register(app, actor=actor, register=register)
    console.print(
        f"entrustments: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )


@entrustment_app.command("list")
def entrustment_list(output: FormatOption = OutputFormat.TEXT) -> None:
    """The register: categories, purpose, retention, measures, sub-processors, last inspection."""
    from servicepact.services import entrustment as service

    with cli_session() as (app, actor):
        entries = service.list_entrustments(app, actor=actor)
        findings = service.inspection_findings_for(app, actor=actor, today=app.now().date())
    if output is OutputFormat.JSON:
        _echo_json({"entrustments": entries, "findings": findings})
        return
    table = Table(
        "contract",
        "vendor",
        "categories",
        "purpose",
        "retention",
        "sub-processors",
        "last inspection",
    )
    for e in entries:
        last = e.last_inspection
        table.add_row(
            e.contract_id,
            e.vendor,
            ", ".join(c.value for c in e.categories),
            escape(e.purpose),
            f"{e.retention_months} months",
            ", ".join(s.name for s in e.sub_processors) or "none",
            f"{last.date} {last.result.value}" if last else "never",
        )
    console.print(table)
    for f in findings:
        console.print(f"[red]finding[/red] {f.contract_id}: {escape(f.detail)}")


@entrustment_app.command("access")
def entrustment_access(
    contract: Annotated[str, typer.Argument(help="The contract's id.")],
    action: Annotated[AccessAction, typer.Argument(help="view or export.")],
    category: Annotated[PersonalData, typer.Argument(help="Category of personal data.")],
    record: Annotated[str, typer.Option("--record", help="Pseudonymised record reference.")],
    source: Annotated[str, typer.Option("--from", help="Where from (IP address or host).")],
    reason: Annotated[str | None, typer.Option(help="Why (required for an export).")] = None,
    count: Annotated[int, typer.Option(help="How many records.")] = 1,
) -> None:
    """Log a view or export of personal data (an export needs --reason)."""
    from servicepact.services import entrustment as service

    with cli_session() as (app, actor):
        service.record_access(
            app,
            actor=actor,
            action=action,
            contract_id=contract,
            category=category,
            record_ref=record,
            source_address=source,
            reason=reason,
            count=count,
        )
    console.print(f"logged {action.value} of {category.value} on {escape(contract)}")


@entrustment_app.command("access-log")
def entrustment_access_log(
    contract: Annotated[str | None, typer.Option(help="Only this contract.")] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Who viewed or exported which personal data, when and from where."""
    from servicepact.services import entrustment as service

    with cli_session() as (app, actor):
        records = service.access_log(app, actor=actor, contract_id=contract)
    if output is OutputFormat.JSON:
        _echo_json(records)
        return
    table = Table("at", "user", "action", "contract", "category", "records", "from", "reason")
    for r in records:
        table.add_row(
            r.at.isoformat(),
            r.user,
            r.action.value,
            r.contract_id,
            r.category.value,
            str(r.count),
            r.source_address,
            escape(r.reason or ""),
        )
    console.print(table)


# --- handoffs and map -------------------------------------------------------------------------


def _handoff_json(report: Any) -> dict[str, Any]:
    return {
        "vendor": report.vendor_party,
        "internal": list(report.internal_parties),
        "tickets": report.tickets,
        "tickets_with_handoff": report.tickets_with_handoff,
        "handoff_rate": None if report.handoff_rate is None else float(report.handoff_rate),
        "handoffs": report.handoffs,
        "to_internal": report.to_internal,
        "to_vendor": report.to_vendor,
        "bounce_threshold": report.bounce_threshold,
        "bounced": [{"ticket": t, "handoffs": n} for t, n in report.bounced],
        "held_hours": report.held_hours,
        "open_assignments": report.open_assignments,
        "weeks": [
            {
                "week": w.week,
                "pushed_to_internal": w.pushed_to_internal,
                "capacity": w.capacity,
                "excess": w.excess,
            }
            for w in report.weeks
        ],
        "overloads": [asdict(o) for o in report.overloads],
    }


def handoffs_command(
    contract: Annotated[str, typer.Argument(help="The contract's id.")],
    internal: Annotated[
        list[str], typer.Option("--internal", help="An internal team's party name (repeat).")
    ],
    bounce: Annotated[
        int, typer.Option("--bounce", help="A ticket bounces above this many handoffs.")
    ] = 3,
    capacity: Annotated[
        int | None, typer.Option("--capacity", help="Internal tickets a week the teams can take.")
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Handoffs between the vendor and internal teams; overload when pushback exceeds capacity."""
    from servicepact.services import vendors as service

    with cli_session() as (app, actor):
        report = service.handoffs(
            app,
            actor=actor,
            contract_id=contract,
            internal_parties=internal,
            bounce_threshold=bounce,
            weekly_capacity=capacity,
        )
    if output is OutputFormat.JSON:
        _echo_json(_handoff_json(report))
        return
    console.print(
        f"{report.tickets} tickets, {report.tickets_with_handoff} handed off "
        f"({_num(report.handoff_rate and report.handoff_rate * 100, 1)} %), {report.handoffs} "
        f"handoffs ({report.to_internal} to internal, {report.to_vendor} back), "
        f"{len(report.bounced)} bounced (> {report.bounce_threshold})"
    )
    console.print("hours held: " + ", ".join(f"{k} {v:,.1f}" for k, v in report.held_hours.items()))
    for finding in report.overloads:
        console.print(f"[red]overload[/red] {escape(finding.detail)}")


def map_command(output: FormatOption = OutputFormat.TEXT) -> None:
    """The BPO map: each outsourced process through its four governance layers."""
    from servicepact.services import vendors as service

    with cli_session() as (app, actor):
        views = service.governance_map(app, actor=actor)
    if output is OutputFormat.JSON:
        _echo_json(
            [
                {
                    "process": v.process_id,
                    "name": v.name,
                    "domain": v.domain,
                    "office": v.office,
                    "parent": v.parent,
                    "contracts": list(v.contracts),
                    "vendors": list(v.vendors),
                    "layers": [
                        {
                            "layer": layer.layer.value,
                            "status": layer.status.value,
                            "colour": layer.status.colour,
                            "items": [asdict(i) for i in layer.items],
                        }
                        for layer in v.layers
                    ],
                }
                for v in views
            ]
        )
        return
    table = Table("process", "vendors", "policy", "process", "operation", "infrastructure")
    for v in views:
        table.add_row(
            escape(v.name),
            ", ".join(v.vendors),
            *[f"[{lv.status.colour}]{lv.status.value}[/{lv.status.colour}]" for lv in v.layers],
        )
    console.print(table)


def decisions_command(
    process: Annotated[
        str | None, typer.Option(help="Only decisions touching this process.")
    ] = None,
    contract: Annotated[
        str | None, typer.Option(help="Only decisions touching this contract.")
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The decision log of the policy layer: date, owner, rationale, contracts and processes."""
    from servicepact.services.portfolio import get_portfolio

    with cli_session() as (app, actor):
        portfolio = get_portfolio(app, actor=actor)
    chosen = [
        d
        for d in sorted(portfolio.decisions, key=lambda d: (d.date, d.id))
        if (process is None or process in d.processes)
        and (contract is None or contract in d.contracts)
    ]
    if output is OutputFormat.JSON:
        _echo_json(chosen)
        return
    table = Table("date", "id", "decision", "owner", "rationale", "contracts", "processes")
    for d in chosen:
        table.add_row(
            str(d.date),
            d.id,
            escape(d.title),
            escape(d.owner),
            escape(d.rationale),
            ", ".join(d.contracts),
            ", ".join(d.processes),
        )
    console.print(table)


# --- alerts -----------------------------------------------------------------------------------

alerts_app = typer.Typer(
    name="alerts",
    help="Alerts: breaches, at-risk forecasts, missing data, findings, standings, earn-backs, "
    "notice deadlines.",
    no_args_is_help=True,
)


@alerts_app.command("run")
def alerts_run(
    settings_file: Annotated[
        Path | None,
        typer.Option("--settings", help="Alert routing (webhooks, e-mail, escalation) YAML."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the conditions; send and store nothing.")
    ] = False,
    handoff_contract: Annotated[
        str | None, typer.Option("--handoffs", help="Also check handoff overload on a contract.")
    ] = None,
    internal: Annotated[
        list[str] | None, typer.Option("--internal", help="Internal team for --handoffs.")
    ] = None,
    capacity: Annotated[
        int | None, typer.Option("--capacity", help="Weekly internal capacity for --handoffs.")
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Collect the conditions that hold now and send the new ones (outbox when no webhook)."""
    from servicepact.services import alerts as service
    from servicepact.services import vendors as vendor_service

    settings = service.load_alert_settings(settings_file)
    with cli_session() as (app, actor):
        now = app.now()
        reports = {}
        if handoff_contract:
            reports[handoff_contract] = vendor_service.handoffs(
                app,
                actor=actor,
                contract_id=handoff_contract,
                internal_parties=internal or [],
                bounce_threshold=3,
                weekly_capacity=capacity,
            )
        with Progress(transient=True, console=Console(stderr=True)) as progress:
            progress.add_task("collecting conditions", total=None)
            alerts = service.collect_alerts(app, actor=actor, now=now, handoff_reports=reports)
        if dry_run:
            if output is OutputFormat.JSON:
                _echo_json([a.payload() for a in alerts])
            else:
                for a in alerts:
                    console.print(f"[{a.severity.value}] {escape(a.title)} — {escape(a.detail)}")
            return
        report = service.send_alerts(app, actor=actor, settings=settings, alerts=alerts, now=now)
        outbox = settings.outbox or service.default_outbox(app)
    summary = {
        "conditions": len(alerts),
        "sent": [a.key for a in report.sent],
        "suppressed": [a.key for a in report.suppressed],
        "deferred": [{"key": a.key, "until": at.isoformat()} for a, at in report.deferred],
        "failed": [a.key for a in report.failed],
        "escalated": [{"key": a.key, "level": level} for a, level in report.escalated],
        "cleared": report.cleared,
        "attempts": [a.model_dump(mode="json") for a in report.attempts],
        "outbox": str(outbox) if not settings.webhooks else None,
    }
    if output is OutputFormat.JSON:
        _echo_json(summary)
        return
    console.print(
        f"{len(alerts)} conditions: {len(report.sent)} sent, {len(report.suppressed)} already "
        f"sent, {len(report.deferred)} deferred (quiet hours), {len(report.failed)} failed"
    )
    for a in report.sent:
        console.print(f"  sent [{a.severity.value}] {escape(a.title)}")
    if not settings.webhooks:
        console.print(f"written to the outbox {escape(str(outbox))}")


@alerts_app.command("log")
def alerts_log(
    limit: Annotated[int, typer.Option(help="How many attempts, newest first.")] = 50,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """The delivery log: every attempt with its channel, target, status and error."""
    from servicepact.services import alerts as service

    with cli_session() as (app, actor):
        attempts = service.delivery_log(app, actor=actor, limit=limit)
    if output is OutputFormat.JSON:
        _echo_json([a.model_dump(mode="json") for a in attempts])
        return
    table = Table("at", "alert", "channel", "target", "try", "ok", "status", "error")
    for a in attempts:
        table.add_row(
            a.at.isoformat(),
            escape(a.alert_key),
            a.channel.value,
            escape(a.target),
            str(a.attempt),
            "yes" if a.ok else "no",
            "" if a.status_code is None else str(a.status_code),
            escape(a.error or ""),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("scorecard")(scorecard_command)
    app.command("ranking")(ranking_command)
    app.command("compare")(compare_command)
    app.command("survey")(survey_command)
    app.command("handoffs")(handoffs_command)
    app.command("map")(map_command)
    app.command("decisions")(decisions_command)
    app.add_typer(selection_app)
    app.add_typer(risk_app)
    app.add_typer(entrustment_app)
    app.add_typer(alerts_app)
