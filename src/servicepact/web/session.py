"""The web sign-in cookie and the CSRF token that goes with it.

The session cookie holds only a random token (256 bits); the session itself — user, CSRF token,
last use, end — is kept in the database (``services/sessions.py``), so signing out, changing the
password or an administrator's revoke ends it at once, and an idle session ends on its own.
The cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms do not carry
it), and Secure when served over HTTPS. The user's role and party are read from the database on
every request, so a changed or removed user takes effect at once.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from servicepact.config import Settings
from servicepact.services.sessions import SessionRules

SESSION_COOKIE = "sp_session"
LOGIN_CSRF_COOKIE = "sp_login_csrf"
LANG_COOKIE = "sp_lang"


def rules(settings: Settings) -> SessionRules:
    """Idle timeout and absolute lifetime of a session, from the settings."""
    return SessionRules(
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(hours=settings.session_max_hours),
    )


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def csrf_ok(sent: str | None, expected: str | None) -> bool:
    return bool(sent) and bool(expected) and hmac.compare_digest(str(sent), str(expected))
