"""``servicepact serve``: the web UI and the REST API on one local address."""

from __future__ import annotations

from typing import Annotated

import typer

from servicepact.bootstrap import build_app
from servicepact.services.users import DEMO_LOGINS

LOCAL_ONLY = "127.0.0.1"  # safe default: reachable from this machine only
DEFAULT_PORT = 8000


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[
            str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")
        ] = LOCAL_ONLY,
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = (
            DEFAULT_PORT
        ),
    ) -> None:
        """Serve the web UI at / and the REST API at /api/v1 (OpenAPI at /api/v1/docs)."""
        import uvicorn

        from servicepact.api import create_app

        core = build_app()
        core.check_schema()
        shown = "localhost" if host in (LOCAL_ONLY, "0.0.0.0") else host  # noqa: S104
        typer.echo(
            f"ServicePact at http://{shown}:{port}/  (API: http://{shown}:{port}/api/v1/docs)"
        )
        typer.echo("Demo sign-ins (created by `servicepact demo`):")
        for login in DEMO_LOGINS:
            party = f" ({login.party})" if login.party else ""
            typer.echo(f"  {login.name:8} {login.password:18} {login.role.value}{party}")
        uvicorn.run(create_app(core), host=host, port=port, log_level="info")
