"""What every page shares: the template environment, the signed-in viewer, rendering, error pages.

Pages are plain HTML (readable without JavaScript); htmx boosts links and forms into partial
page swaps, and Chart.js draws the trend and savings charts from data embedded in the page.
Both are served from ``static/vendor`` — nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied, Problem
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
    problem_text,
    translate,
    translate_message,
)
from servicepact.services import sessions, view_cache
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
    env.filters["when"] = when
    env.filters["day"] = day
    env.globals["statuses"] = list(ResultStatus)
    return env


_WEEKDAYS = {
    Lang.KO: ("월", "화", "수", "목", "금", "토", "일"),
    Lang.EN: ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def when(moment: datetime | None, zone: str | None = None, lang: Lang | None = None) -> str:
    """``2026-03-02 (월) 09:30 Asia/Seoul``: a moment in a zone (UTC unless given), named."""
    if moment is None:
        return "–"
    local = moment.astimezone(ZoneInfo(zone) if zone else UTC)
    day = _WEEKDAYS[lang or DEFAULT_LANG][local.weekday()]
    return f"{local:%Y-%m-%d} ({day}) {local:%H:%M} {zone or 'UTC'}"


def day(value: date | None, lang: Lang | None = None) -> str:
    """``2026-03-02 (월)``: a calendar day with its weekday."""
    if value is None:
        return "–"
    return f"{value:%Y-%m-%d} ({_WEEKDAYS[lang or DEFAULT_LANG][value.weekday()]})"


ENV = _environment()


def get_app(request: Request) -> App:
    app: App = request.app.state.servicepact
    return app


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
    app = get_app(request)
    found = sessions.resolve(
        app,
        token=request.cookies.get(session.SESSION_COOKIE) or "",
        rules=session.rules(app.settings),
    )
    if found is None:
        raise LoginRequired
    request.state.data_state = found.data_state  # read with the session, keys cached views
    return Viewer(found.actor, found.csrf, lang_of(request))


def data_state_of(request: Request) -> int | None:
    """The data state read with the viewer in this request, if it was."""
    state: int | None = getattr(request.state, "data_state", None)
    return state


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def _app_dependency(request: Request) -> App:
    # async: FastAPI would run a plain function in the thread pool, a hop for nothing
    return get_app(request)


AppDep = Annotated[App, Depends(_app_dependency)]


def render_html(
    request: Request,
    template: str,
    *,
    lang: Lang,
    viewer: Viewer | None = None,
    **context: Any,
) -> str:
    """The page's HTML: ``template`` with ``context``, worded in ``lang``."""

    def t(text: str, **values: object) -> str:
        return translate(lang, text, **values)

    def tm(text: str) -> str:
        """A message of the loader or a service, worded in the page's language."""
        return translate_message(lang, text)

    return ENV.get_template(template).render(
        request=request,
        t=t,
        tm=tm,
        lang=lang,
        viewer=viewer,
        path=request.url.path,
        **context,
    )


def respond(request: Request, html: str, *, status_code: int = 200) -> HTMLResponse:
    """The answer carrying a page's HTML (and the language cookie when ``?lang=`` chose one)."""
    response = HTMLResponse(html, status_code=status_code)
    chosen = parse_lang(request.query_params.get("lang"))
    if chosen is not None:  # ?lang= switches the language for the rest of the visit
        session.set_cookie(response, request, session.LANG_COOKIE, chosen.value, 365 * 86400)
    return response


def render(
    request: Request,
    template: str,
    *,
    lang: Lang,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = render_html(request, template, lang=lang, viewer=viewer, **context)
    return respond(request, html, status_code=status_code)


def cached_page(
    request: Request,
    app: App,
    viewer: Viewer,
    name: str,
    args: tuple[Any, ...],
    build: Callable[[], str],
) -> str:
    """The HTML ``build()`` renders, kept per viewer, arguments, hour and state of the data.

    The key holds everything the page is made of besides ``args``: the viewer's actor (user,
    role and party: what the viewer may see), the session (its CSRF token is in the page),
    the language, the path and the hour (a page computed with the clock — "running month",
    forecasts — is computed again within the hour). The state is the one read with the
    session, so every write, in any server process, makes the next request render anew
    (``services/view_cache.py``). The session itself is still checked on every request.
    """
    hour = app.now().strftime("%Y-%m-%dT%H")
    key = (*args, request.url.path, viewer.lang, viewer.csrf, hour)
    return view_cache.cached(
        app,
        actor=viewer.actor,
        name=f"page:{name}",
        args=key,
        compute=build,
        state=data_state_of(request),
    )


def check_csrf(viewer: Viewer, sent: str) -> None:
    """Refuse a form whose security token is not the session's."""
    if not session.csrf_ok(sent, viewer.csrf):
        raise AccessDenied("the form's security token does not match; reload the page")


# A month: YYYY-MM with a month from 01 to 12 (2026-13 answers 422, never a page of nothing).
MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


def previous_month(now: datetime) -> str:
    index = now.year * 12 + now.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- errors as pages ---------------------------------------------------------------------------


SHOWN_PROBLEMS = 20  # an error page lists this many problems, then says how many more


def problem_line(lang: Lang, problem: Problem) -> str:
    """One problem of an input in ``lang``: where, why, and the (masked) value apart."""
    reason: str | None = getattr(problem, "reason", None)  # a row's problem keeps it apart
    if reason is None:
        return problem_text(lang, where=problem.where, message=problem.message, line=problem.line)
    text = problem_text(lang, where=problem.where, message=reason, line=problem.line)
    if problem.value is not None:
        text += f" ({translate(lang, 'value')} {problem.value!r})"
    return text


def error_page(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    problems: Sequence[Problem] = (),
) -> HTMLResponse:
    """The error page, its detail and problems worded in the viewer's language."""
    # A signed-in user keeps the menu on an error page, so one wrong link is not a dead end.
    try:
        viewer: Viewer | None = current_viewer(request)
    except Exception:
        # Not signed in — or the store itself is what failed: the error page renders anyway.
        viewer = None
    lang = lang_of(request)
    lines = [problem_line(lang, p) for p in problems[:SHOWN_PROBLEMS]]
    return render(
        request,
        "error.html",
        lang=lang,
        viewer=viewer,
        status_code=status,
        status=status,
        title=title,
        detail="" if lines else translate_message(lang, detail),
        problems=lines,
        more=max(0, len(problems) - SHOWN_PROBLEMS),
    )


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = f"/login?next={quote(target)}"
    return response
