"""The server-rendered web UI: each page parses its query, calls one service, renders a template.

The pages live in ``web/pages``, one module per concept; what they share (templates, the
signed-in viewer, error pages) in ``web/core``. This module puts them together.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from servicepact.api.inputs import refuse_control_characters
from servicepact.bootstrap import App
from servicepact.services.sessions import SignInFailures
from servicepact.web.core import LoginRequired, error_page, login_redirect
from servicepact.web.pages import assets, auth, exclusions, overview, results, review, uploads
from servicepact.web.throttle import SignInThrottle

ROUTERS = (
    assets.router,
    auth.router,
    overview.router,
    exclusions.router,
    uploads.router,
    results.router,
    review.router,
)


def install(api: FastAPI) -> None:
    """Add the pages, the static files and the sign-in redirect to the application."""
    app: App = api.state.servicepact
    api.state.sign_in_throttle = SignInThrottle(SignInFailures(app))
    for router in ROUTERS:
        # every page and form refuses control characters in its path, query and fields
        api.include_router(router, dependencies=[Depends(refuse_control_characters)])

    async def on_login_required(request: Request, _error: Exception) -> Response:
        return login_redirect(request)

    api.add_exception_handler(LoginRequired, on_login_required)
    api.state.html_error = error_page
