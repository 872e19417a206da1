"""System commands: ``init``, ``db revision``, ``audit verify|list``, ``user``, ``token``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from servicepact.bootstrap import App, build_app
from servicepact.cli._output import cli_session
from servicepact.cli.errors import EXIT_INTEGRITY
from servicepact.domain.access import Role
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import audit as audit_service
from servicepact.services import sessions as session_service
from servicepact.services import users as user_service

console = Console()


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", help="table (readable) or json.")


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _app() -> App:
    return build_app()


def init(output: OutputFormat = FORMAT_OPTION) -> None:
    """Create the database, or upgrade it to this release's schema (safe to repeat)."""
    app = _app()
    try:
        before = app.schema_revision()
        app.upgrade_schema()
        after = app.schema_revision()
        restored = app.restore_audit_triggers()
        # Versions stored before holiday lists were kept get theirs once, audited.
        from servicepact.services.calendars import fix_missing_holiday_lists

        fixed = fix_missing_holiday_lists(app, actor=app.cli_actor())
    finally:
        app.close()
    if before is None:
        state = "created"
    elif before == after:
        state = "up to date"
    else:
        state = f"upgraded from {before}"
    url = app.database_label
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "database": url,
                "revision": after,
                "state": state,
                "restored_triggers": restored,
                "holiday_lists_fixed": [
                    {"contract_id": f.contract_id, "version": f.version, "hash": f.calendar_hash}
                    for f in fixed
                ],
            }
        )
        return
    typer.echo(f"database: {url}")
    typer.echo(f"revision: {after} ({state})")
    for f in fixed:
        typer.echo(
            f"fixed the holiday lists of {f.contract_id} v{f.version} from the installed "
            f"holidays package (calendar hash {f.calendar_hash[:16]})"
        )
    if restored and before is not None:
        typer.echo(
            f"restored the audit trail's append-only trigger(s) {', '.join(restored)}: "
            "they had been dropped",
            err=True,
        )


db_app = typer.Typer(help="Schema migrations (for developers adding tables).", no_args_is_help=True)


@db_app.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration changes."),
    autogenerate: bool = typer.Option(
        True,
        "--autogenerate/--empty",
        help="Draft operations by comparing store/db/tables with the database (at head).",
    ),
) -> None:
    """Write the next numbered migration into store/db/migrations/versions."""
    app = _app()
    try:
        if autogenerate:
            app.check_schema()
        path = app.new_schema_revision(message=message, autogenerate=autogenerate)
    finally:
        app.close()
    typer.echo(f"wrote {path} — review it, then run the migration tests")


audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor",
            help="An anchor file written by `audit anchor`: the trail must still hold every "
            "head it records (rows cut off the end and the head moved back are found).",
        ),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Recompute every hash of the audit trail; exit code 6 names the first bad row."""
    anchors = _read_anchors(anchor) if anchor is not None else []
    with cli_session() as (app, actor):
        report = audit_service.verify_with_anchors(app, actor=actor, anchors=anchors)
    if output is OutputFormat.JSON:
        _echo_json(
            {
                "ok": report.ok,
                "rows": report.rows,
                "head": report.head,
                "broken_at": report.broken_at,
                "reason": report.reason,
            }
        )
    else:
        typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(EXIT_INTEGRITY)


def _read_anchors(path: Path) -> list[audit_service.Anchor]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidInput(problems=[Problem("--anchor", f"cannot read {path}: {error}")]) from None
    anchors = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        anchors.append(audit_service.Anchor.from_json(data, where=f"--anchor {path}:{number}"))
    if not anchors:
        raise InvalidInput(problems=[Problem("--anchor", f"{path} holds no anchor")])
    return anchors


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Append the anchor (one JSON line) to this file; keep it off this host."
        ),
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="POST the anchor as JSON to this http(s) URL you control."),
    ] = None,
) -> None:
    """Record the audit trail's head (row count, hash, time) outside the database."""
    if out is None and webhook is None:
        raise InvalidInput(problems=[Problem("--out", "give --out FILE or --webhook URL")])
    if webhook is not None and not webhook.startswith(("https://", "http://")):
        raise InvalidInput(problems=[Problem("--webhook", "give an http(s) URL", value=webhook)])
    with cli_session() as (app, actor):
        held = audit_service.anchor(app, actor=actor)
    line = json.dumps(held.as_json(), sort_keys=True)
    if out is not None:
        with out.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    if webhook is not None:
        _post_anchor(webhook, line.encode("utf-8"))
    typer.echo(f"anchored row {held.seq}, head {held.row_hash} at {held.at.isoformat()}")


def _post_anchor(url: str, body: bytes) -> None:
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL, checked above
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status = int(response.status)
    except (urllib.error.URLError, OSError) as error:
        raise InvalidInput(
            problems=[Problem("--webhook", f"the anchor was not delivered: {error}")]
        ) from None
    if not 200 <= status < 300:
        raise InvalidInput(
            problems=[Problem("--webhook", f"the anchor was not delivered: HTTP {status}")]
        )


@audit_app.command("list")
def audit_list(
    entity: str | None = typer.Option(None, "--entity", help="Entity type, e.g. contract."),
    entity_id: str | None = typer.Option(None, "--id", help="One entity's id."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Newest N entries."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List audit entries, newest first (auditors and administrators)."""
    with cli_session() as (app, actor):
        entries = audit_service.list_entries(
            app, actor=actor, entity_type=entity, entity_id=entity_id, limit=limit
        )
    if output is OutputFormat.JSON:
        _echo_json(
            [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "user": e.actor_user,
                    "role": e.actor_role,
                    "entity_type": e.entity_type,
                    "entity_id": e.entity_id,
                    "action": e.action,
                    "before": e.before,
                    "after": e.after,
                    "row_hash": e.row_hash,
                }
                for e in entries
            ]
        )
        return
    table = Table("#", "at (UTC)", "user", "role", "entity", "action", "after")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_user,
            e.actor_role,
            f"{e.entity_type} {e.entity_id}",
            e.action,
            json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
        )
    console.print(table)


ROLE_OPTION = typer.Option(..., "--role", help="What the user may do.")
user_app = typer.Typer(help="Users, their roles and parties.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="Login name."),
    role: Role = ROLE_OPTION,
    party: str | None = typer.Option(
        None, "--party", help="The vendor or broker a vendor/broker user belongs to."
    ),
) -> None:
    """Add a user (administrators)."""
    with cli_session() as (app, actor):
        user = user_service.add_user(app, actor=actor, name=name, role=role, party=party)
    suffix = f" of {user.party}" if user.party else ""
    typer.echo(f"added user {user.name}: {user.role.value}{suffix}")


@user_app.command("list")
def user_list(output: OutputFormat = FORMAT_OPTION) -> None:
    """List users (administrators and auditors)."""
    with cli_session() as (app, actor):
        stored = user_service.list_users(app, actor=actor)
    if output is OutputFormat.JSON:
        _echo_json(
            [
                {
                    "name": u.name,
                    "role": u.role.value,
                    "party": u.party,
                    "created_at": u.created_at.isoformat(),
                }
                for u in stored
            ]
        )
        return
    table = Table("name", "role", "party", "created (UTC)")
    for u in stored:
        table.add_row(u.name, u.role.value, u.party or "", u.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@user_app.command("sessions")
def user_sessions(
    name: str = typer.Argument(..., help="Login name."), output: OutputFormat = FORMAT_OPTION
) -> None:
    """List a user's open web sessions (administrators and auditors, or the user)."""
    with cli_session() as (app, actor):
        found = session_service.list_open(app, actor=actor, user=name)
    rows = [
        {
            "session": s.id[:16],
            "started_at": s.started_at.isoformat(),
            "last_seen_at": s.last_seen_at.isoformat(),
            "expires_at": s.expires_at.isoformat(),
        }
        for s in found
    ]
    if output is OutputFormat.JSON:
        _echo_json(rows)
        return
    table = Table("session", "started (UTC)", "last seen (UTC)", "ends at the latest (UTC)")
    for row in rows:
        table.add_row(*(str(value)[:19] for value in row.values()))
    console.print(table)


@user_app.command("end-sessions")
def user_end_sessions(name: str = typer.Argument(..., help="Login name.")) -> None:
    """End every web session of a user at once (administrators, or the user)."""
    with cli_session() as (app, actor):
        ended = session_service.end_all(app, actor=actor, user=name, why="ended by administrator")
    typer.echo(f"ended {ended} session(s) of {name}")


token_app = typer.Typer(
    help="API tokens (shown once; only a hash is stored).", no_args_is_help=True
)


@token_app.command("create")
def token_create(
    user: str = typer.Argument(..., help="The user the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Create an API token and print it once (administrators)."""
    with cli_session() as (app, actor):
        issued = user_service.create_token(app, actor=actor, user=user, label=label)
    if output is OutputFormat.JSON:
        _echo_json(
            {"id": issued.id, "user": issued.user, "label": issued.label, "token": issued.token}
        )
        return
    typer.echo(issued.token)
    typer.echo(
        f"token {issued.id} for {issued.user}: store it now, it cannot be shown again",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="The token's number.")) -> None:
    """Revoke an API token (administrators)."""
    with cli_session() as (app, actor):
        user_service.revoke_token(app, actor=actor, token_id=token_id)
    typer.echo(f"revoked token {token_id}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
