"""``servicepact serve``: the web UI and the REST API on one local address."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from servicepact.api.workers import Listen, serve_workers
from servicepact.bootstrap import build_app
from servicepact.services.users import DEMO_LOGINS

LOCAL_ONLY = "127.0.0.1"  # safe default: reachable from this machine only
DEFAULT_PORT = 8000


def default_workers() -> int:
    """One worker process per core (at least one)."""
    return max(1, min(os.cpu_count() or 1, 64))


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[
            str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")
        ] = LOCAL_ONLY,
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = (
            DEFAULT_PORT
        ),
        workers: Annotated[
            int | None,
            typer.Option(
                min=1,
                max=64,
                help="Worker processes answering requests (default: the number of cores), "
                "each listening on the address itself, so the system spreads the connections "
                "over them. Each keeps its own database connection pool; cached views follow "
                "the audit "
                "trail's head in the database, and upload jobs are kept in the database, so "
                "every worker sees every write and answers any upload's progress.",
            ),
        ] = None,
    ) -> None:
        """Serve the web UI at / and the REST API at /api/v1 (OpenAPI at /api/v1/docs)."""
        import uvicorn

        from servicepact.api import create_app

        core = build_app()
        core.check_schema()
        # A bad event-store root (SERVICEPACT_EVENTS_ROOT) stops here, not at a first request.
        core.event_store  # noqa: B018
        # The session key is derived from the pseudonym key: make sure it exists before the
        # workers start, so they never race to create it.
        core.settings.pseudonym_key_bytes  # noqa: B018
        count = workers or default_workers()
        shown = "localhost" if host in (LOCAL_ONLY, "0.0.0.0") else host  # noqa: S104
        typer.echo(
            f"ServicePact at http://{shown}:{port}/  (API: http://{shown}:{port}/api/v1/docs), "
            f"{count} worker process{'es' if count > 1 else ''}"
        )
        typer.echo("Demo sign-ins (created by `servicepact demo`):")
        for login in DEMO_LOGINS:
            party = f" ({login.party})" if login.party else ""
            typer.echo(f"  {login.name:8} {login.password:18} {login.role.value}{party}")
        if count == 1:
            uvicorn.run(create_app(core), host=host, port=port, log_level="info")
            return
        core.close()  # the workers open their own connections
        serve_workers(Listen(host, port), count)
