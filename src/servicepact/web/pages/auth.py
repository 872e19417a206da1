"""Signing in and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicepact.domain.errors import AccessDenied, NotFound
from servicepact.locale import Lang
from servicepact.services import sessions, users
from servicepact.web import session
from servicepact.web.core import AppDep, ViewerDep, check_csrf, lang_of, render
from servicepact.web.throttle import SignInThrottle

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


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
        if token.strip():
            actor = users.authenticate_token(app, token=token.strip())
        else:
            actor = users.authenticate_password(app, name=username, password=password)
    except (AccessDenied, NotFound):
        throttle.failed(who, address)
        message = (
            "Invalid or revoked API token." if token.strip() else "Unknown user or wrong password."
        )
        return _login_error(request, lang, message, next, username=username)
    throttle.succeeded(who, address)
    rules = session.rules(app.settings)
    started = sessions.start(app, actor=actor, rules=rules)
    response = RedirectResponse(_safe_next(next), status_code=303)
    lifetime = int(rules.lifetime.total_seconds())
    session.set_cookie(response, request, session.SESSION_COOKIE, started.token, lifetime)
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
def logout(
    request: Request, app: AppDep, viewer: ViewerDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(viewer, csrf)
    sessions.end(app, actor=viewer.actor, token=request.cookies.get(session.SESSION_COOKIE) or "")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session.SESSION_COOKIE, path="/")
    return response
