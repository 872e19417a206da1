"""Request body limits, enforced while the body streams in, per endpoint.

The declared ``Content-Length`` is checked before anything is read; then the bytes actually
received are counted as they arrive (a chunked body, or a client that lies about its length),
and reading stops at the first byte over the limit. Either way the answer is 413 naming the
limit and the setting that raises it: nothing is spooled to memory or disk beyond the limit.

Which limit applies (first match wins):

* ``PUT /api/v1/contracts`` — a contract document (``max_contract_file_bytes``);
* ``POST …/sources/{source}/batches`` — a JSON batch of events (``max_batch_bytes``);
* ``POST …/periods/{period}/invoice-checks`` — an invoice upload (``max_invoice_bytes``);
* any ``multipart/form-data`` body — an event file upload, API or web (``max_upload_bytes``);
* anything else — forms and small JSON documents (``max_body_bytes``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from servicepact.config import Settings


@dataclass(frozen=True)
class BodyRule:
    """A limit for requests whose method and path match (``None`` matches any)."""

    setting: str  # the Settings field holding the limit in bytes
    method: str | None = None
    path: re.Pattern[str] | None = None
    media_type: str | None = None
    overhead: int = 0  # room for what surrounds the limited content (form fields, boundaries)

    def matches(self, method: str, path: str, media_type: str) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or self.path.fullmatch(path) is not None)
            and (self.media_type is None or media_type == self.media_type)
        )


FORM_OVERHEAD = 64 * 1024  # field names, boundaries, the CSRF token and the options

BODY_RULES: list[BodyRule] = [
    BodyRule("max_contract_file_bytes", "PUT", re.compile(r"/api/v1/contracts/?")),
    BodyRule(
        "max_batch_bytes", "POST", re.compile(r"/api/v1/contracts/[^/]+/sources/[^/]+/batches/?")
    ),
    BodyRule(
        "max_invoice_bytes",
        "POST",
        re.compile(r"/api/v1/contracts/[^/]+/periods/[^/]+/invoice-checks/?"),
        overhead=FORM_OVERHEAD,
    ),
    BodyRule("max_upload_bytes", media_type="multipart/form-data", overhead=FORM_OVERHEAD),
    BodyRule("max_body_bytes"),
]


@dataclass(frozen=True)
class BodyLimit:
    setting: str  # the Settings field
    limit: int  # its value, in bytes
    allowed: int  # what the body may hold in all: the limit and the rule's overhead


def limit_for(settings: Settings, method: str, path: str, media_type: str) -> BodyLimit:
    """The limit of a request's body, and the setting that holds it."""
    for rule in BODY_RULES:
        if rule.matches(method, path, media_type):
            limit = int(getattr(settings, rule.setting))
            return BodyLimit(rule.setting, limit, limit + rule.overhead)
    raise AssertionError("the last rule matches every request")  # pragma: no cover


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib:,} MB" if limit % mib == 0 else f"{limit:,} bytes"


def too_large_detail(limit: BodyLimit) -> str:
    return (
        f"the request is larger than the limit of {_size(limit.limit)} for this endpoint "
        f"(setting SERVICEPACT_{limit.setting.upper()})"
    )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: BodyLimit) -> None:
        super().__init__(status_code=413, detail=too_large_detail(limit))


Responder = Callable[[Request, HTTPException], Awaitable[Any]]


class BodyLimitMiddleware:
    """Pure ASGI middleware: refuses a body above its endpoint's limit without reading it all."""

    def __init__(self, app: ASGIApp, *, settings: Settings, refuse: Responder) -> None:
        self.app = app
        self.settings = settings
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        limit = limit_for(self.settings, scope["method"], scope["path"], media_type)
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit.allowed:
            response = await self.refuse(Request(scope), BodyTooLarge(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> MutableMapping[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.allowed:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
