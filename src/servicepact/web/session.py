"""Web sign-in sessions in a signed cookie, and the CSRF token that goes with them.

The cookie holds only the user name, a CSRF token, and an expiry, signed with HMAC-SHA256
under a key derived from the installation's secret (so no extra secret to manage). It is
HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms do not carry it), and
Secure when served over HTTPS. The user's role and party are read from the database on every
request, so a changed or removed user takes effect at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "sp_session"
LOGIN_CSRF_COOKIE = "sp_login_csrf"
LANG_COOKIE = "sp_lang"
SESSION_SECONDS = 8 * 60 * 60  # one working day; sign in again after
_KEY_LABEL = b"servicepact web session v1"


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    expires: int


def session_key(secret: bytes) -> bytes:
    """A key for sessions only, derived from the installation secret (HMAC as a KDF)."""
    return hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(session: Session, key: bytes) -> str:
    payload = _b64(
        json.dumps({"u": session.user, "c": session.csrf, "e": session.expires}).encode()
    )
    signature = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def decode(value: str | None, key: bytes, *, now: float | None = None) -> Session | None:
    """The session of a cookie, or None when it is missing, forged, malformed or expired."""
    if not value or "." not in value:
        return None
    payload, signature = value.rsplit(".", 1)
    expected = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = Session(user=str(data["u"]), csrf=str(data["c"]), expires=int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires < (time.time() if now is None else now):
        return None
    return session


def new_session(user: str) -> Session:
    return Session(
        user=user, csrf=secrets.token_urlsafe(32), expires=int(time.time()) + SESSION_SECONDS
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
