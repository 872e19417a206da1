"""System commands: ``init``, ``db revision``, ``audit verify|list``, ``user``, ``token``."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from servicepact.bootstrap import App, build_app
from servicepact.cli._output import cli_session
from servicepact.cli.errors import EXIT_INTEGRITY
from servicepact.domain.access import Role
from servicepact.services import audit as audit_service
from servicepact.services import sessions as session_service
from servicepact.services import users as user_service
from servicepact.store.db import migrate
from servicepact.store.db.engine import masked_url

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
        before = migrate.current_revision(app.engine)
        migrate.upgrade(app.engine)
        after = migrate.current_revision(app.engine)
    finally:
        app.close()
    if before is None:
        state = "created"
    elif before == after:
        state = "up to date"
    else:
        state = f"upgraded from {before}"
    url = masked_url(app.settings.resolved_database_url)
    if output is OutputFormat.JSON:
        _echo_json({"database": url, "revision": after, "state": state})
        return
    typer.echo(f"database: {url}")
    typer.echo(f"revision: {after} ({state})")


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
        path = migrate.new_revision(app.engine, message=message, autogenerate=autogenerate)
    finally:
        app.close()
    typer.echo(f"wrote {path} — review it, then run the migration tests")


audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(output: OutputFormat = FORMAT_OPTION) -> None:
    """Recompute every hash of the audit trail; exit code 6 names the first bad row."""
    with cli_session() as (app, actor), app.uow(read_only=True) as uow:
        report = audit_service.verify_chain(uow, actor=actor)
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


@audit_app.command("list")
def audit_list(
    entity: str | None = typer.Option(None, "--entity", help="Entity type, e.g. contract."),
    entity_id: str | None = typer.Option(None, "--id", help="One entity's id."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Newest N entries."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List audit entries, newest first (auditors and administrators)."""
    with cli_session() as (app, actor), app.uow(read_only=True) as uow:
        entries = audit_service.list_entries(
            uow, actor=actor, entity_type=entity, entity_id=entity_id, limit=limit
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
    with cli_session() as (app, actor), app.uow() as uow:
        user = user_service.add_user(uow, actor=actor, name=name, role=role, party=party)
    suffix = f" of {user.party}" if user.party else ""
    typer.echo(f"added user {user.name}: {user.role.value}{suffix}")


@user_app.command("list")
def user_list(output: OutputFormat = FORMAT_OPTION) -> None:
    """List users (administrators and auditors)."""
    with cli_session() as (app, actor), app.uow(read_only=True) as uow:
        stored = user_service.list_users(uow, actor=actor)
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
    with cli_session() as (app, actor), app.uow(read_only=True) as uow:
        found = session_service.list_open(uow, actor=actor, user=name)
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
    with cli_session() as (app, actor), app.uow() as uow:
        ended = session_service.end_all(uow, actor=actor, user=name, why="ended by administrator")
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
    with cli_session() as (app, actor), app.uow() as uow:
        issued = user_service.create_token(uow, actor=actor, user=user, label=label)
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
    with cli_session() as (app, actor), app.uow() as uow:
        user_service.revoke_token(uow, actor=actor, token_id=token_id)
    typer.echo(f"revoked token {token_id}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
