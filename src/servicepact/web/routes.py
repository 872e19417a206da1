"""The server-rendered web UI: each page parses its query, calls one service, renders a template.

The pages live in ``web/pages``, one module per concept; what they share (templates, the
signed-in viewer, error pages) in ``web/core``. This module puts them together.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from servicepact.bootstrap import App
from servicepact.web import session
from servicepact.web.core import LoginRequired, error_page, login_redirect
from servicepact.web.pages import auth, exclusions, overview, uploads
from servicepact.web.throttle import SignInThrottle

ROUTERS = (auth.router, overview.router, exclusions.router, uploads.router)


def install(api: FastAPI) -> None:
    """Add the pages, the static files and the sign-in redirect to the application."""
    app: App = api.state.servicepact
    api.state.session_key = session.session_key(app.settings.pseudonym_key_bytes)
    api.state.sign_in_throttle = SignInThrottle()
    for router in ROUTERS:
        api.include_router(router)

    async def on_login_required(request: Request, _error: Exception) -> Response:
        return login_redirect(request)

    api.add_exception_handler(LoginRequired, on_login_required)
    api.state.html_error = error_page
