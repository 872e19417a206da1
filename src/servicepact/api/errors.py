"""The one place that maps domain errors to HTTP problem details (RFC 9457), as cli/errors.py
maps them to exit codes.

Every error answer is ``application/problem+json``:
``{type, title, status, detail, instance}`` plus ``errors: [{where, message}]`` for invalid
input (from the domain's ``InvalidInput`` problems or from request validation). An unexpected
exception answers 500 with no detail: internals and data never reach the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from servicepact.domain import errors

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:servicepact:problem:"
log = logging.getLogger(__name__)

# (error class, HTTP status, title). Order matters: the first isinstance match wins.
_STATUSES: tuple[tuple[type[errors.DomainError], int, str], ...] = (
    (errors.InvalidInput, 422, "Invalid input"),
    (errors.UnknownKpi, 422, "Unknown KPI"),
    (errors.NotFound, 404, "Not found"),
    (errors.AccessDenied, 403, "Access denied"),
    (errors.PeriodClosed, 409, "Period closed"),
    (errors.Conflict, 409, "Conflict"),
    (errors.TooLarge, 413, "Request too large"),
    (errors.IntegrityError, 500, "Stored data failed an integrity check"),
    (errors.ComputationFailed, 503, "The computation failed; nothing was stored"),
)
_HTTP_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Access denied",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
}


def status_for(error: errors.DomainError) -> tuple[int, str]:
    for kind, status, title in _STATUSES:
        if isinstance(error, kind):
            return status, title
    return 422, "Invalid input"


def problem(
    *,
    status: int,
    title: str,
    code: str,
    detail: str,
    instance: str,
    problems: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if problems:
        body["errors"] = list(problems)
    for name, value in (extensions or {}).items():  # RFC 9457 extension members
        body.setdefault(name, value)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_FLAG = re.compile(r"--([a-z][a-z0-9-]*)")


def api_where(where: str, request: Request | None) -> str:
    """A service names what was wrong as the command line does (``--period``); an API client
    sent a parameter, so it reads the parameter's place: ``path.period``, ``query.source``,
    ``body.reason``."""
    if request is None or "--" not in where:
        return where

    def place(match: re.Match[str]) -> str:
        name = match.group(1).replace("-", "_")
        if name in request.path_params:
            return f"path.{name}"
        if name in request.query_params:
            return f"query.{name}"
        return f"body.{name}" if request.method in ("POST", "PUT", "PATCH") else name

    return _FLAG.sub(place, where)


def domain_problem(
    error: errors.DomainError, instance: str, request: Request | None = None
) -> JSONResponse:
    status, title = status_for(error)
    listed: list[dict[str, Any]] = []
    if isinstance(error, errors.InvalidInput):
        for item in error.problems:
            entry: dict[str, Any] = {
                "where": api_where(item.where, request),
                "message": api_where(item.message, request),
            }
            if item.line is not None:
                entry["line"] = item.line
            if item.column is not None:
                entry["column"] = item.column
            listed.append(entry)
        detail = api_where(error.message, request)
    else:
        detail = api_where(str(error), request)
    return problem(
        status=status,
        title=title,
        code=error.code,
        detail=detail,
        instance=instance,
        problems=listed,
    )


def _where(loc: Sequence[str | int]) -> str:
    # FastAPI prefixes the part of the request: body.rows.3.id, query.per_page
    return ".".join(str(part) for part in loc)


API_PATH = "/api/"


def _page(
    request: Request,
    status: int,
    title: str,
    detail: str,
    problems: Sequence[errors.Problem] = (),
) -> Response | None:
    """Outside the API, the web UI's error page (when the UI is installed) instead of JSON.
    The page words the detail and each problem in its viewer's language."""
    if request.url.path.startswith(API_PATH):
        return None
    page: Callable[..., Response] | None = getattr(request.app.state, "html_error", None)
    return None if page is None else page(request, status, title, detail, problems=problems)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (starlette's 405 names one route's only)."""
    allowed = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.add(method)
    if allowed:
        allowed.add("OPTIONS")
    return sorted(allowed)


async def on_http(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        allowed = allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        if request.method == "OPTIONS" and allowed:  # what this path answers, as RFC 9110 says
            return Response(status_code=204, headers=headers)
    title = _HTTP_TITLES.get(error.status_code, "Error")
    page = _page(request, error.status_code, title, str(error.detail))
    if page is not None:
        page.headers.update(headers)
        return page
    return problem(
        status=error.status_code,
        title=title,
        code=title.lower().replace(" ", "_"),
        detail=str(error.detail),
        instance=request.url.path,
        headers=headers,
    )


def install(api: FastAPI) -> None:
    """Register the handlers on the FastAPI app."""

    async def on_domain(request: Request, error: Exception) -> Response:
        assert isinstance(error, errors.DomainError)
        status, title = status_for(error)
        listed = error.problems if isinstance(error, errors.InvalidInput) else ()
        page = _page(request, status, title, error.message, listed)
        return page or domain_problem(error, request.url.path, request)

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        listed = [
            {"where": _where(item.get("loc", ())), "message": str(item.get("msg", "invalid"))}
            for item in error.errors()
        ]
        page = _page(
            request,
            422,
            "Invalid input",
            "; ".join(f"{e['where']}: {e['message']}" for e in listed),
            # each one on its own, worded in the viewer's language by the page
            [errors.Problem(e["where"], e["message"]) for e in listed],
        )
        if page is not None:
            return page
        return problem(
            status=422,
            title="Invalid input",
            code="invalid_input",
            detail=listed[0]["where"] + ": " + listed[0]["message"] if listed else "invalid",
            instance=request.url.path,
            problems=listed,
        )

    async def on_unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        page = _page(request, 500, "Something went wrong", "the error has been logged")
        if page is not None:
            return page
        return problem(
            status=500,
            title="Internal error",
            code="internal_error",
            detail="something unexpected went wrong; it has been logged",
            instance=request.url.path,
        )

    api.add_exception_handler(errors.DomainError, on_domain)
    api.add_exception_handler(RequestValidationError, on_validation)
    api.add_exception_handler(StarletteHTTPException, on_http)
    api.add_exception_handler(Exception, on_unexpected)
