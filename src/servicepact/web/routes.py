"""The server-rendered web UI: each page parses its query, calls one service, renders a template.

Pages are plain HTML (readable without JavaScript); htmx boosts links and forms into partial
page swaps, and Chart.js draws the trend and savings charts from data embedded in the page.
Both are served from ``static/vendor`` — nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from servicepact.api.inputs import refuse_control_characters
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
from servicepact.services import audit, evaluation, overview, selection, users
from servicepact.web import charts, session
from servicepact.web.throttle import SignInThrottle

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


def _key(request: Request) -> bytes:
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
    found = session.decode(request.cookies.get(session.SESSION_COOKIE), _key(request))
    if found is None:
        raise LoginRequired
    try:
        with get_app(request).uow(read_only=True) as uow:
            actor = users.get_actor(uow, name=found.user)
    except NotFound:
        raise LoginRequired from None
    return Viewer(actor, found.csrf, lang_of(request))


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


router = APIRouter(
    include_in_schema=False,
    default_response_class=HTMLResponse,
    dependencies=[Depends(refuse_control_characters)],
)


# --- sign in and out --------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after signing in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    token = request.cookies.get(session.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request, "login.html", lang=lang_of(request), csrf=token, next=_safe_next(next)
    )
    session.set_cookie(response, request, session.LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.post("/login")
def login(
    request: Request,
    app: AppDep,
    csrf: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    lang = lang_of(request)
    expected = request.cookies.get(session.LOGIN_CSRF_COOKIE)
    if not session.csrf_ok(csrf, expected):
        return _login_error(request, lang, "Your form expired; please try again.", next)
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    who = "(token)" if token.strip() else username
    address = request.client.host if request.client else "-"
    wait = throttle.wait_seconds(who, address)
    if wait:
        refused = _login_error(
            request, lang, "Too many failed sign-ins; please wait and try again.", next,
            username=username, status_code=429,
        )  # fmt: skip
        refused.headers["Retry-After"] = str(wait)
        return refused
    try:
        with app.uow(read_only=True) as uow:
            if token.strip():
                actor = users.authenticate_token(uow, token=token.strip())
            else:
                actor = users.authenticate_password(uow, name=username, password=password)
    except (AccessDenied, NotFound):
        throttle.failed(who, address)
        message = (
            "Invalid or revoked API token." if token.strip() else "Unknown user or wrong password."
        )
        return _login_error(request, lang, message, next, username=username)
    throttle.succeeded(who, address)
    response = RedirectResponse(_safe_next(next), status_code=303)
    cookie = session.encode(session.new_session(actor.user), _key(request))
    session.set_cookie(response, request, session.SESSION_COOKIE, cookie, session.SESSION_SECONDS)
    response.delete_cookie(session.LOGIN_CSRF_COOKIE, path="/")
    return response


def _login_error(
    request: Request,
    lang: Lang,
    message: str,
    next: str,
    username: str = "",
    status_code: int = 401,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        lang=lang,
        csrf=token,
        next=_safe_next(next),
        error=message,
        username=username,
        status_code=status_code,
    )
    session.set_cookie(response, request, session.LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.post("/logout")
def logout(request: Request, viewer: ViewerDep, csrf: Annotated[str, Form()] = "") -> Response:
    if not session.csrf_ok(csrf, viewer.csrf):
        raise AccessDenied("the form's security token does not match; reload the page")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session.SESSION_COOKIE, path="/")
    return response


# --- pages ----------------------------------------------------------------------------------

MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]


@router.get("/")
def dashboard(request: Request, app: AppDep, viewer: ViewerDep, month: MonthQuery = None) -> HTML:
    view = overview.portfolio_overview(app, actor=viewer.actor, month=month)
    return render(request, "dashboard.html", lang=viewer.lang, viewer=viewer, view=view)


@router.get("/contracts/{contract_id}")
def contract_page(
    request: Request, app: AppDep, viewer: ViewerDep, contract_id: str, last: MonthQuery = None
) -> HTML:
    view = overview.contract_overview(app, actor=viewer.actor, contract_id=contract_id, last=last)
    return render(
        request,
        "contract.html",
        lang=viewer.lang,
        viewer=viewer,
        view=view,
        trend_charts=charts.trend_charts(view),
    )


@router.get("/vendors")
def vendors_page(
    request: Request, app: AppDep, viewer: ViewerDep, period: MonthQuery = None
) -> HTML:
    month = period or _previous_month(app.now())
    ranked, cards = overview.ranking_view(app, actor=viewer.actor, period=month)
    return render(
        request,
        "vendors.html",
        lang=viewer.lang,
        viewer=viewer,
        period=month,
        ranked=ranked,
        cards={card.vendor_id: card for card in cards},
    )


@router.get("/selection")
def selection_page(
    request: Request, viewer: ViewerDep, project: Annotated[str | None, Query()] = None
) -> HTML:
    projects = selection.list_projects(actor=viewer.actor)
    chosen = project or (projects[0] if projects else None)
    result = (
        None
        if chosen is None
        else selection.result_json(selection.project_result(actor=viewer.actor, project=chosen))
    )
    return render(
        request,
        "selection.html",
        lang=viewer.lang,
        viewer=viewer,
        projects=projects,
        chosen=chosen,
        result=result,
    )


@router.get("/business-case")
def business_case_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract: Annotated[str | None, Query()] = None,
) -> HTML:
    view = overview.cached_business_case_view(app, actor=viewer.actor, contract_id=contract)
    return render(
        request,
        "business_case.html",
        lang=viewer.lang,
        viewer=viewer,
        view=view,
        chart=None if view.report is None else charts.savings_chart(view.report.result),
    )


@router.get("/risks")
def risks_page(request: Request, app: AppDep, viewer: ViewerDep) -> HTML:
    view = overview.risk_view(app, actor=viewer.actor)
    return render(request, "risks.html", lang=viewer.lang, viewer=viewer, view=view)


@router.get("/bpo-map")
def bpo_map_page(request: Request, app: AppDep, viewer: ViewerDep) -> HTML:
    processes = overview.bpo_map_view(app, actor=viewer.actor)
    return render(request, "bpo_map.html", lang=viewer.lang, viewer=viewer, processes=processes)


@router.get("/loads")
def loads_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract: Annotated[str | None, Query()] = None,
) -> HTML:
    view = overview.loads_view(app, actor=viewer.actor, contract_id=contract)
    return render(request, "loads.html", lang=viewer.lang, viewer=viewer, view=view)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@router.post("/exclusions/{exclusion_id}/decide")
def decide_exclusion(
    app: AppDep,
    viewer: ViewerDep,
    exclusion_id: str,
    decision: Annotated[Decision, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve or reject a requested exclusion from the contract page (client managers)."""
    if not session.csrf_ok(csrf, viewer.csrf):
        raise AccessDenied("the form's security token does not match; reload the page")
    decide = (
        evaluation.approve_exclusion
        if decision is Decision.APPROVE
        else evaluation.reject_exclusion
    )
    decided = decide(app, actor=viewer.actor, exclusion_id=exclusion_id, note=note)
    return RedirectResponse(f"/contracts/{quote(decided.contract_id)}", status_code=303)


AUDIT_PAGE = 50


@router.get("/audit")
def audit_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
) -> HTML:
    with app.uow(read_only=True) as uow:
        entries = audit.list_entries(
            uow, actor=viewer.actor, limit=AUDIT_PAGE, before_seq=before_seq
        )
    older = entries[-1].seq if len(entries) == AUDIT_PAGE and entries[-1].seq > 1 else None
    more = request.headers.get("HX-Target") == "audit-more"  # htmx asks for the rows only
    template = "audit_rows.html" if more else "audit.html"
    return render(request, template, lang=viewer.lang, viewer=viewer, entries=entries, older=older)


def _previous_month(now: datetime) -> str:
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


def install(api: FastAPI) -> None:
    """Add the pages, the static files and the sign-in redirect to the application."""
    app: App = api.state.servicepact
    api.state.session_key = session.session_key(app.settings.pseudonym_key_bytes)
    api.state.sign_in_throttle = SignInThrottle()
    api.include_router(router)

    async def on_login_required(request: Request, _error: Exception) -> Response:
        return login_redirect(request)

    api.add_exception_handler(LoginRequired, on_login_required)
    api.state.html_error = error_page
