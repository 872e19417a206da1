"""What every page shares: the template environment, the signed-in viewer, rendering, error pages.

Pages are plain HTML (readable without JavaScript); htmx boosts links and forms into partial
page swaps, and Chart.js draws the trend and savings charts from data embedded in the page.
Both are served from ``static/vendor`` — nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied, NotFound
from servicepact.domain.results import ResultStatus
from servicepact.locale import (
    DEFAULT_LANG,
    Lang,
    format_amount,
    format_kpi_value,
    format_number,
    format_percent,
    format_target,
    parse_lang,
    translate,
)
from servicepact.services import users
from servicepact.services.view_cache import read_with_state
from servicepact.web import session

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
HTML = HTMLResponse


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["amount"] = format_amount
    env.filters["percent"] = format_percent
    env.filters["number"] = format_number
    env.filters["kpi_value"] = format_kpi_value
    env.filters["target"] = format_target
    env.filters["when"] = lambda moment: moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    env.globals["statuses"] = list(ResultStatus)
    return env


ENV = _environment()


def get_app(request: Request) -> App:
    app: App = request.app.state.servicepact
    return app


def session_key_of(request: Request) -> bytes:
    key: bytes = request.app.state.session_key
    return key


def lang_of(request: Request) -> Lang:
    return (
        parse_lang(request.query_params.get("lang"))
        or parse_lang(request.cookies.get(session.LANG_COOKIE))
        or DEFAULT_LANG
    )


class Viewer:
    """The signed-in user of a page, with the session's CSRF token and the chosen language."""

    def __init__(self, actor: Actor, csrf: str, lang: Lang) -> None:
        self.actor = actor
        self.csrf = csrf
        self.lang = lang


def current_viewer(request: Request) -> Viewer:
    found = session.decode(request.cookies.get(session.SESSION_COOKIE), session_key_of(request))
    if found is None:
        raise LoginRequired
    try:
        # One query of the data state answers a known user until the next write (in any
        # process); the state is kept for the page's cached views.
        state, actor = read_with_state(
            get_app(request),
            "user",
            (found.user,),
            lambda uow: users.get_actor(uow, name=found.user),
        )
    except NotFound:
        raise LoginRequired from None
    request.state.data_state = state
    return Viewer(actor, found.csrf, lang_of(request))


def data_state_of(request: Request) -> int | None:
    """The data state read with the viewer in this request, if it was."""
    state: int | None = getattr(request.state, "data_state", None)
    return state


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
AppDep = Annotated[App, Depends(get_app)]


def render(
    request: Request,
    template: str,
    *,
    lang: Lang,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    def t(text: str, **values: object) -> str:
        return translate(lang, text, **values)

    html = ENV.get_template(template).render(
        request=request,
        t=t,
        lang=lang,
        viewer=viewer,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    chosen = parse_lang(request.query_params.get("lang"))
    if chosen is not None:  # ?lang= switches the language for the rest of the visit
        session.set_cookie(response, request, session.LANG_COOKIE, chosen.value, 365 * 86400)
    return response


def check_csrf(viewer: Viewer, sent: str) -> None:
    """Refuse a form whose security token is not the session's."""
    if not session.csrf_ok(sent, viewer.csrf):
        raise AccessDenied("the form's security token does not match; reload the page")


MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]


def previous_month(now: datetime) -> str:
    index = now.year * 12 + now.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- errors as pages ---------------------------------------------------------------------------


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    # A signed-in user keeps the menu on an error page, so one wrong link is not a dead end.
    try:
        viewer: Viewer | None = current_viewer(request)
    except Exception:
        # Not signed in — or the store itself is what failed: the error page renders anyway.
        viewer = None
    return render(
        request,
        "error.html",
        lang=lang_of(request),
        viewer=viewer,
        status_code=status,
        status=status,
        title=title,
        detail=detail,
    )


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = f"/login?next={quote(target)}"
    return response
